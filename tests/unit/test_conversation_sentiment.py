"""Conversation-level sentiment: rules on hand-made turns, and agreement with the generator's
independent labels through the real pipeline."""

from __future__ import annotations

from statistics import correlation

import pytest

from voc_service.config import Settings
from voc_service.domain import (
    EmotionHit,
    EmotionKind,
    Role,
    SentimentLabel,
    Trajectory,
    TurnAnalysis,
    TurnSentiment,
)
from voc_service.pipeline import Pipeline
from voc_service.sentiment.summary import load_cues, summarise

CUES = load_cues()


def turn(i: int, role: Role, text: str, score: float, emotions=(), tokens=None) -> TurnAnalysis:
    label = (
        SentimentLabel.POSITIVE
        if score >= 0.4
        else SentimentLabel.NEGATIVE
        if score <= -0.4
        else SentimentLabel.NEUTRAL
    )
    return TurnAnalysis(
        i, role, text, tokens=tokens or list(text), emotions=list(emotions), sentiment=TurnSentiment(score, label, 0.9)
    )


def test_start_end_min_mean_and_improvement() -> None:
    s = summarise(
        [
            turn(0, Role.CUSTOMER, "快递三天了还没到", -0.7),
            turn(1, Role.AGENT, "亲，帮您催一下", 0.0),
            turn(2, Role.CUSTOMER, "什么时候能到", -0.2),
            turn(3, Role.AGENT, "明天送达", 0.0),
            turn(4, Role.CUSTOMER, "好的谢谢", 0.6),
        ],
        CUES,
    )
    assert (s.customer_turns, s.customer_start, s.customer_end, s.customer_min) == (3, -0.7, 0.6, -0.7)
    assert s.customer_mean == pytest.approx(-0.1)
    assert s.trajectory is Trajectory.IMPROVED
    assert s.complaint and s.complaint_reasons == ["problem_report"]  # 还没到
    assert "thanks_or_resolved" in s.satisfaction_factors
    assert s.customer_satisfaction == pytest.approx(0.5 * 0.6 + 0.3 * -0.7 + 0.2 * -0.1 + 0.3)


def test_escalation_and_unresolved_end_give_low_satisfaction() -> None:
    s = summarise(
        [
            turn(0, Role.CUSTOMER, "什么时候退款?", -0.1),
            turn(1, Role.AGENT, "请您耐心等待", 0.0),
            turn(2, Role.CUSTOMER, "什么时候退款?", -0.2),
            turn(3, Role.CUSTOMER, "还是没解决，我要投诉", -0.9, [EmotionHit(EmotionKind.ESCALATION, 8, 10)]),
        ],
        CUES,
    )
    assert s.trajectory is Trajectory.WORSENED
    assert s.complaint_reasons == ["escalation_threat", "clearly_negative"]
    for factor in ("escalation_threat", "repeated_question", "still_negative_at_end", "unresolved_words"):
        assert factor in s.satisfaction_factors
    assert s.customer_satisfaction < -0.8


def test_neutral_questions_are_flat_and_no_complaint() -> None:
    s = summarise(
        [
            turn(0, Role.CUSTOMER, "有货吗", -0.1),
            turn(1, Role.AGENT, "有的亲", 0.1),
            turn(2, Role.CUSTOMER, "几天能到", -0.15),
        ],
        CUES,
    )
    assert s.trajectory is Trajectory.FLAT and not s.complaint and s.complaint_reasons == []
    assert -0.3 < s.customer_satisfaction < 0.1


def test_clearly_negative_needs_evidence_in_the_turn() -> None:
    bare = summarise(
        [turn(0, Role.CUSTOMER, "转人工客服,谢谢", -0.7, tokens=["转", "人工", "客服", ",", "谢谢"])], CUES
    )
    assert not bare.complaint
    worded = summarise([turn(0, Role.CUSTOMER, "客服态度太差", -0.7, tokens=["客服", "态度", "太差"])], CUES)
    assert worded.complaint_reasons == ["clearly_negative"]


def test_a_calm_problem_report_is_a_complaint_but_no_problem_is_not() -> None:
    calm = summarise([turn(0, Role.CUSTOMER, "收到的商品和订单不一致", -0.2)], CUES)
    assert calm.complaint and calm.complaint_reasons == ["problem_report"]
    fine = summarise([turn(0, Role.CUSTOMER, "收到了，没有问题", 0.3)], CUES)
    assert not fine.complaint


def test_agent_negative_tone_is_rude_not_apologetic() -> None:
    s = summarise(
        [
            turn(0, Role.CUSTOMER, "东西坏了", -0.8),
            turn(1, Role.AGENT, "非常抱歉给您带来不便", -0.8),  # apology: negative words, polite tone
            turn(2, Role.AGENT, "你自己看说明书", -0.1),  # rude phrase
            turn(3, Role.AGENT, "这是质量问题吧，跟我们没关系", -0.7),  # negative and no politeness
        ],
        CUES,
    )
    assert s.agent_negative_turns == [2, 3]


def test_no_customer_turns() -> None:
    s = summarise([turn(0, Role.AGENT, "您好", 0.2)], CUES)
    assert s.customer_turns == 0 and not s.complaint and s.customer_satisfaction == 0.0


def test_agreement_with_generated_labels() -> None:
    """The generator's labels come from its own phrase lists and rules, written independently of
    our model, lexicons and cues: this measures agreement on service chat, the target domain."""
    from voc_service.synth import GeneratorConfig, generate

    pipeline = Pipeline.from_settings(Settings())
    ours, theirs = [], []
    turn_ok = turn_n = complaint_ok = n = 0
    agent_tp = agent_fn = 0
    for g in generate(GeneratorConfig(seed=11, conversations_per_day=1500)):
        a = pipeline.analyze(g.conversation)
        s = a.sentiment
        assert s is not None
        n += 1
        ours.append(s.customer_satisfaction)
        theirs.append(g.labels.satisfaction)
        complaint_ok += s.complaint == g.labels.complaint
        for t, label in zip(a.turns, g.labels.turn_labels, strict=True):
            if t.role is Role.CUSTOMER:
                turn_n += 1
                turn_ok += t.sentiment.label.name == label.sentiment
            elif t.role is Role.AGENT and label.sentiment == "NEGATIVE":
                agent_tp += t.index in s.agent_negative_turns
                agent_fn += t.index not in s.agent_negative_turns
    r = correlation(ours, theirs)
    print(
        f"satisfaction r={r:.3f}; customer turn label agreement {turn_ok / turn_n:.3f}; "
        f"complaint agreement {complaint_ok / n:.3f}; "
        f"agent negative recall {agent_tp / max(1, agent_tp + agent_fn):.3f}"
    )
    assert r >= 0.6
    assert turn_ok / turn_n >= 0.7
    assert complaint_ok / n >= 0.8
    assert agent_tp / max(1, agent_tp + agent_fn) >= 0.6


def test_a_replaced_cue_file_is_used_and_changes_the_version(tmp_path) -> None:
    import json
    from importlib import resources

    doc = json.loads(resources.files("voc_service.sentiment.data").joinpath("conversation_cues.json").read_text("utf-8"))
    doc["problem"].append("屏幕发黄")
    path = tmp_path / "cues.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    custom = load_cues(str(path))
    assert custom.version != CUES.version
    s = summarise([turn(0, Role.CUSTOMER, "屏幕发黄了", -0.1)], custom)
    assert s.complaint_reasons == ["problem_report"]
    assert not summarise([turn(0, Role.CUSTOMER, "屏幕发黄了", -0.1)], CUES).complaint
