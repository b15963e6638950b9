"""Every rule of the default pack: a conversation that must hit it and a close one that must not.

The conversations run through the real default pipeline up to `qa` (redaction, segmentation,
emotion and sentiment included), so a rule is tested the way it runs in the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from voc_service.config import Settings
from voc_service.domain import Conversation, Role, Turn
from voc_service.pipeline import Pipeline

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
C, A, B, S = Role.CUSTOMER, Role.AGENT, Role.BOT, Role.SYSTEM


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    stages = Settings().stages
    return Pipeline.from_settings(Settings(stages=stages[: stages.index("qa") + 1]))


def conv(*turns: tuple[Role, str] | tuple[Role, str, float]) -> Conversation:
    out, t = [], T0
    for turn in turns:
        t += timedelta(seconds=turn[2] if len(turn) == 3 else 20)
        out.append(Turn(turn[0], turn[1], t))
    return Conversation("t-1", out, customer_id="u_1", agent_id="agent_1")


BASE = [
    (C, "在吗，我的快递什么时候到"),
    (A, "您好，很高兴为您服务，请提供一下订单号"),
    (C, "订单号289456123478"),
    (A, "查到了，预计明天送达"),
    (C, "好的谢谢"),
    (A, "不客气，还有其他可以帮您的吗？祝您生活愉快"),
]


def replace(i: int, turn: tuple) -> list:
    out = list(BASE)
    out[i] = turn
    return out


CASES: dict[str, tuple[list, list]] = {
    # rule: (hits, must not hit)
    "missing_greeting": (replace(1, (A, "订单号发一下")), replace(1, (A, "亲，订单号发一下"))),
    "missing_closing": (replace(5, (A, "嗯")), replace(5, (A, "嗯，祝您购物愉快"))),
    "forbidden_language": (
        replace(3, (A, "不知道，你自己看物流吧")),
        replace(3, (A, "不知道您方便什么时候收货呢")),
    ),
    "absolute_promise": (
        replace(3, (A, "我保证明天一定给您送到")),
        replace(3, (A, "物流时效不一定，我帮您催一下")),
    ),
    "extreme_words": (
        replace(3, (A, "这款是全网最低价，品质顶级")),
        replace(3, (A, "您最好先拍照留证，我第一时间帮您处理")),
    ),
    "slow_first_response": (
        [(C, "在吗", 0), (A, "您好，很高兴为您服务", 95), *BASE[2:]],
        [(C, "在吗", 0), (A, "您好，很高兴为您服务", 45), *BASE[2:]],
    ),
    "slow_reply": (
        [*BASE[:3], (A, "查到了，预计明天送达", 400), *BASE[4:]],
        [*BASE[:3], (A, "查到了，预计明天送达", 120), *BASE[4:]],
    ),
    "unanswered_transfer": (
        [(C, "我要退货"), (B, "请在订单页申请售后"), (C, "转人工"), (B, "请描述您的问题"), (B, "您可以点击菜单"), (C, "算了")],
        [(C, "我要退货"), (B, "请在订单页申请售后"), (C, "转人工"), (S, "已为您转接人工客服"), (A, "您好，我来帮您")],
    ),
    "repeated_question": (
        [
            (C, "退款什么时候到账"), (A, "您好，这边正在跟进中"), (C, "到底能不能退？"),
            (A, "请您再等等"), (C, "我就问能不能给我退"), (A, "您好，已经帮您反馈了"),
        ],
        [
            (C, "退款是退到原来的卡里吗"), (A, "您好，是的，原路退回"), (C, "退回的运费能报销吗"),
            (A, "您的订单有运费险，会自动理赔"), (C, "包装盒扔了还能退吗"), (A, "可以的，还有其他问题吗"),
        ],
    ),
    "escalation_threat": (
        replace(4, (C, "再不处理我就打12315投诉你们")),
        replace(4, (C, "好的，不投诉了，谢谢")),
    ),
    "negative_ending": (
        replace(4, (C, "问了半天还是没解决，真失望")),
        replace(4, (C, "太好了，问题解决了，谢谢")),
    ),
    "agent_pii_leak": (
        replace(3, (A, "您登记的手机号是13812345678，对吗")),
        replace(3, (A, "您登记的手机号尾号是5678，对吗")),
    ),
}


def rule_ids(pipeline: Pipeline, turns: list) -> set[str]:
    quality = pipeline.analyze(conv(*turns)).quality
    assert quality is not None
    return {f.rule_id for f in quality.findings}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_hits(pipeline: Pipeline, rule: str) -> None:
    assert rule in rule_ids(pipeline, CASES[rule][0])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_does_not_hit_the_near_miss(pipeline: Pipeline, rule: str) -> None:
    assert rule not in rule_ids(pipeline, CASES[rule][1])


def test_every_default_rule_is_tested(pipeline: Pipeline) -> None:
    stage = pipeline.component("qa")
    assert {r.id for r in stage.engine.ruleset.rules} == set(CASES)  # type: ignore[union-attr]


def test_clean_conversation_scores_100(pipeline: Pipeline) -> None:
    quality = pipeline.analyze(conv(*BASE)).quality
    assert quality is not None and quality.findings == [] and quality.score == 100 and not quality.flagged


def test_evidence_quotes_the_stored_text(pipeline: Pipeline) -> None:
    analysis = pipeline.analyze(conv(*CASES["agent_pii_leak"][0]))
    finding = next(f for f in analysis.quality.findings if f.rule_id == "agent_pii_leak")  # type: ignore[union-attr]
    ev = finding.primary
    assert ev.text == "<PHONE>" and analysis.turns[ev.turn_index].text[ev.start : ev.end] == "<PHONE>"


def test_score_and_flag(pipeline: Pipeline) -> None:
    quality = pipeline.analyze(conv(*CASES["forbidden_language"][0])).quality
    assert quality is not None and quality.flagged  # critical
    minor = pipeline.analyze(conv(*CASES["missing_closing"][0])).quality
    assert minor is not None and minor.score == 95 and not minor.flagged
