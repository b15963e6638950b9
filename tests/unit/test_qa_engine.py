"""The rule language: pack validation (errors name file, rule and field), each operator, scopes
and anchors, keyword matching modes, and promise detection with due-time resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from voc_service.domain import (
    EmotionHit,
    EmotionKind,
    PiiKind,
    PromiseKind,
    Redaction,
    Role,
    SentimentLabel,
    TurnAnalysis,
    TurnSentiment,
)
from voc_service.qa.engine import QaEngine
from voc_service.qa.pack import PackError, compile_packs, default_source, read_sources
from voc_service.qa.promises import PromiseFinder

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Beijing
C, A, S = Role.CUSTOMER, Role.AGENT, Role.SYSTEM


def pack(rules: str, lexicons: str = "") -> str:
    return f"pack: t\nversion: 1\n{lexicons}rules:\n{rules}"


def rule(when: str, rid: str = "r1") -> str:
    body = "\n".join("      " + line for line in when.strip("\n").splitlines())
    return (
        f"  - id: {rid}\n    version: 1\n    description: d\n    severity: minor\n    deduction: 5\n"
        f"    when:\n{body}\n"
    )


def turns(*spec: tuple) -> list[TurnAnalysis]:
    out = []
    for i, (role, text, *rest) in enumerate(spec):
        t = TurnAnalysis(i, role, text, tokens=list(text), spaces=[False] * len(text))
        for extra in rest:
            if isinstance(extra, TurnSentiment):
                t.sentiment = extra
            elif isinstance(extra, EmotionHit):
                t.emotions.append(extra)
            elif isinstance(extra, Redaction):
                t.redactions.append(extra)
            elif isinstance(extra, list):
                t.tokens, t.spaces = extra, [False] * len(extra)
        out.append(t)
    return out


def hits(when: str, convo: list[TurnAnalysis], times=None, lexicons: str = "") -> list[tuple[int, str]]:
    engine = QaEngine(compile_packs([("t.yaml", pack(rule(when), lexicons))]), 80)
    q = engine.inspect(convo, times or [T0 + timedelta(seconds=10 * i) for i in range(len(convo))])
    return [(e.turn_index, e.text) for f in q.findings for e in f.evidence]


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule_id", "field", "words"),
    [
        (pack(rule("keywords: {any_of: [a]}").replace("severity: minor", "severity: huge")), "r1", "severity", "info"),
        (pack(rule("keywords: {any_of: [a], none_of: [b]}")), "r1", "when.keywords", "exactly one"),
        (pack(rule("keyword: {any_of: [a]}")), "r1", "when", "operators"),
        (pack(rule("regex: {pattern: '('}")), "r1", "when.regex", "regular expression"),
        (pack(rule("keywords: {any_of: ['@nope']}")), "r1", "when.keywords", "lexicon"),
        (pack(rule("all: [{keywords: {any_of: [a]}, role: boss}]")), "r1", "when.all[0].role", "unknown role"),
        (pack(rule("keywords: {any_of: [a]}\nrange: {first: 0}")), "r1", "when.range.first", "positive"),
        (pack(rule("first_response: {over_seconds: 60}\nrole: agent")), "r1", "when", "own roles"),
        (pack(rule("similar: {examples: [a], threshold: 2}")), "r1", "when.similar.threshold", "less than or equal"),
        (pack(rule("keywords: {any_of: [a]}\nanchor: {ref: x, after: 2}")), "r1", "anchor.ref", "no condition"),
        (
            pack(rule("all:\n  - {keywords: {any_of: [a]}, id: x, anchor: {ref: y, after: 1}}\n"
                      "  - {keywords: {any_of: [b]}, id: y, anchor: {ref: x, after: 1}}")),
            "r1", "anchor.ref", "cycle",
        ),
    ],
)
def test_bad_packs_name_file_rule_and_field(text: str, rule_id: str, field: str, words: str) -> None:
    with pytest.raises(PackError) as info:
        compile_packs([("shop/bad.yaml", text)])
    err = info.value
    assert err.source == "shop/bad.yaml" and err.rule == rule_id and field in err.field, str(err)
    assert words in str(err)


def test_broken_yaml_and_duplicate_ids() -> None:
    with pytest.raises(PackError, match=r"bad.yaml: not valid YAML at line 3"):
        compile_packs([("bad.yaml", "pack: t\nrules: [\n")])
    good = pack(rule("keywords: {any_of: [a]}"))
    with pytest.raises(PackError, match=r"two.yaml, rule 'r1', field id: rule id also defined in one.yaml"):
        compile_packs([("one.yaml", good), ("two.yaml", good)])
    with pytest.raises(PackError, match="no such file"):
        read_sources([__import__("pathlib").Path("/nonexistent/pack.yaml")])


def test_default_pack_compiles_and_disabled_rules_are_skipped() -> None:
    assert len(compile_packs([default_source()]).rules) == 12
    text = pack(rule("keywords: {any_of: [a]}") + "    enabled: false\n")
    assert compile_packs([("t.yaml", text)]).rules == []


# --- operators ------------------------------------------------------------------------------------


def test_keywords_any_all_at_least_none_and_synonyms() -> None:
    convo = turns((C, "快递慢，包装也破了"), (A, "您好，非常抱歉"))
    assert hits("keywords: {any_of: [破了, 丢了]}\nrole: customer", convo) == [(0, "破了")]
    assert hits("keywords: {all_of: [快递, [破了, 坏了]]}", convo) == [(0, "快递"), (0, "破了")]
    assert hits("keywords: {all_of: [快递, 丢了]}", convo) == []
    assert hits("keywords: {any_of: [快递, 包装, 发票], at_least: 2}", convo) == [(0, "快递"), (0, "包装")]
    assert hits("keywords: {any_of: [快递, 发票], at_least: 2}", convo) == []
    # none_of + role + range = a missing standard phrase; evidence = the turn that lacks it
    assert hits("keywords: {none_of: [抱歉]}\nrole: agent", convo) == []
    assert hits("keywords: {none_of: ['@sorry']}\nrole: agent", convo, lexicons="lexicons: {sorry: [对不起]}\n") == [
        (1, "您好，非常抱歉")
    ]
    # role scope: the customer's words do not count for an agent condition
    assert hits("keywords: {any_of: [快递]}\nrole: agent", convo) == []


def test_keyword_unless_and_token_mode() -> None:
    convo = turns((A, "我第一时间帮您处理"), (A, "这是第一名的品牌", ["这", "是", "第一名", "的", "品牌"]))
    assert hits("keywords: {any_of: [第一], unless: [第一时间]}", convo) == [(1, "第一")]
    # token mode: 第一 is inside the token 第一名, so it does not match as a word
    assert hits("keywords: {any_of: [第一], match: token}", convo) == [(0, "第一")]


def test_regex_with_exclusion() -> None:
    convo = turns((A, "一定给您送到"), (A, "不一定能送到"))
    assert hits(r"regex: {pattern: '一定.{0,4}到', exclude: '不一定'}", convo) == [(0, "一定给您送到")]


def test_regex_needs_words_make_it_a_keyword_triggered_rule() -> None:
    when = "regex: {pattern: '一定.{0,4}到', needs: [一定]}"
    rs = compile_packs([("t.yaml", pack(rule(when)))])
    assert rs.rules[0].condition.triggers  # skipped by the engine when 一定 is absent
    convo = turns((A, "一定给您送到"), (A, "不会迟到"))
    assert hits(when, convo) == [(0, "一定给您送到")]
    assert hits(when, turns((A, "明天送到"))) == []


def test_similarity_to_example_phrasings() -> None:
    convo = turns((A, "请稍等，正在为您查询"), (A, "您的快递已经签收了"))
    assert hits("similar: {examples: [稍等我帮您查一下], threshold: 0.3}\nrole: agent", convo) == [
        (0, "请稍等，正在为您查询")
    ]


def test_sentiment_emotion_and_placeholder_predicates() -> None:
    convo = turns(
        (C, "气死了", TurnSentiment(-0.8, SentimentLabel.NEGATIVE, 0.9), EmotionHit(EmotionKind.ANGER, 0, 3)),
        (A, "电话<PHONE>", Redaction(PiiKind.PHONE, 2, 9), TurnSentiment(0.0, SentimentLabel.NEUTRAL, 0.5)),
    )
    assert hits("sentiment: {label: negative}\nrole: customer", convo) == [(0, "气死了")]
    assert hits("sentiment: {below: -0.9}", convo) == []
    assert hits("emotion: {kinds: [anger]}", convo) == [(0, "气死了")]
    assert hits("emotion: {kinds: [escalation]}", convo) == []
    assert hits("placeholder: {kinds: [PHONE]}\nrole: agent", convo) == [(1, "<PHONE>")]


def test_timing_operators() -> None:
    convo = turns((C, "在吗"), (S, "转接人工"), (A, "您好"), (C, "快递呢"), (A, "在路上"))
    t = [T0, T0 + timedelta(seconds=100), T0 + timedelta(seconds=130), T0 + timedelta(seconds=140),
         T0 + timedelta(seconds=500)]
    # measured from the transfer (100 s), not from the first customer turn: 30 s
    assert hits("first_response: {over_seconds: 60}", convo, t) == []
    assert hits("first_response: {over_seconds: 20}", convo, t) == [(2, "您好")]
    assert hits("reply_gap: {over_seconds: 300}", convo, t) == [(4, "在路上")]
    assert hits("duration: {over_seconds: 400}", convo, t) == [(4, "在路上")]
    assert hits("silence: {over_seconds: 90}", convo, t) == [(1, "转接人工"), (4, "在路上")]
    assert hits("silence: {over_seconds: 90}", convo, [None] * 5) == []  # no timestamps: no verdict


def test_turns_without_text_are_out_of_scope() -> None:
    # the last agent turn was an image (empty text): the closing check looks at the one before it
    convo = turns((C, "好的"), (A, "祝您生活愉快"), (A, ""))
    assert hits("keywords: {none_of: [祝您]}\nrole: agent\nrange: {last: 1}", convo) == []


def test_range_and_anchor_scopes() -> None:
    convo = turns((C, "我要投诉"), (A, "好的"), (A, "抱歉"), (C, "投诉"), (A, "嗯"))
    assert hits("keywords: {any_of: [投诉]}\nrole: customer\nrange: {last: 1}", convo) == [(3, "投诉")]
    # an agent apology within 1 turn after a complaint: only turn 2 is not within 1 of turn 0 or 3
    when = """
all:
  - keywords: {any_of: [投诉]}
    role: customer
    id: complaint
  - not:
      keywords: {any_of: [抱歉]}
      role: agent
      anchor: {ref: complaint, after: 1}
"""
    assert hits(when, convo) == [(0, "投诉"), (3, "投诉")]
    ok = turns((C, "我要投诉"), (A, "非常抱歉"))
    assert hits(when, ok) == []


def test_repeated_and_transfer_unanswered() -> None:
    convo = turns(
        (C, "到底能不能退？"), (A, "正在跟进中"), (C, "我就问能不能给我退"), (A, "请再等等"), (C, "所以能退吗??"),
    )
    assert hits("repeated: {times: 3, questions_only: true}\nrole: customer", convo) == [(4, "所以能退吗??")]
    assert hits("repeated: {times: 4}\nrole: customer", convo) == []
    # the agent pasting the same canned reply three times
    canned = turns(
        (A, "您好，这边已经为您反馈，请耐心等待"), (C, "然后呢"), (A, "您好,这边已经为您反馈,请耐心等待~"),
        (C, "???"), (A, "您好，这边已经为您反馈，请耐心等待。"),
    )
    assert hits("repeated: {times: 3, threshold: 0.9}\nrole: agent", canned) == [(4, "您好，这边已经为您反馈，请耐心等待。")]
    assert hits("repeated: {times: 3, threshold: 0.9}\nrole: agent", canned[:3]) == []
    ask = EmotionHit(EmotionKind.HUMAN_REQUEST, 0, 3)
    left = turns((C, "转人工", ask), (Role.BOT, "请描述问题"), (Role.BOT, "请选择"))
    assert hits("transfer_unanswered: {within: 2}", left) == [(0, "转人工")]
    served = turns((C, "转人工", ask), (S, "已转接"))
    assert hits("transfer_unanswered: {within: 2}", served) == []


def test_keyword_rules_without_hits_are_skipped_cheaply() -> None:
    text = pack("".join(rule(f"keywords: {{any_of: [词{i}号]}}", f"r{i}") for i in range(300)))
    rs = compile_packs([("t.yaml", text)])
    assert all(r.condition.triggers for r in rs.rules)
    q = QaEngine(rs, 80).inspect(turns((C, "这里有词7号和词42号")), [T0])
    assert sorted(f.rule_id for f in q.findings) == ["r42", "r7"]


# --- promises -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "span", "due"),
    [
        ("我这边已经帮您升级处理，24小时内会有专员给您回电", PromiseKind.CALLBACK, "24小时内会有专员给您回电",
         T0 + timedelta(hours=24)),
        ("已经帮您预约好了，明天安排师傅上门", PromiseKind.VISIT, "明天安排师傅上门",
         datetime(2026, 11, 21, 15, 59, tzinfo=UTC)),  # tomorrow 23:59 Beijing
        ("已经帮您提交退款申请，3个工作日内退款到账", PromiseKind.REFUND, "3个工作日内退款到账",
         datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),  # Fri + 3 working days = Wed (weekend skipped)
        ("退款审核通过，1-3个工作日内原路退回", PromiseKind.REFUND, "1-3个工作日内原路退回",
         datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),  # a range: the upper bound
        ("后天上午安排师傅上门", PromiseKind.VISIT, "后天上午安排师傅上门", datetime(2026, 11, 22, 4, 0, tzinfo=UTC)),
        ("已经给您提交了加急工单，两天内给您处理完毕", PromiseKind.HANDLE, "两天内给您处理", T0 + timedelta(days=2)),
    ],
)
def test_commitments_with_due_times(text: str, kind: PromiseKind, span: str, due: datetime) -> None:
    (c,) = PromiseFinder().commitments(text, T0)
    assert (c.kind, text[c.start : c.end], c.due_at) == (kind, span, due)


@pytest.mark.parametrize(
    "text", ["预计今天下午送达", "银行到账需要1-3个工作日", "正常情况下1-2天内就能送到", "您好，很高兴为您服务"]
)
def test_estimates_are_not_promises(text: str) -> None:
    assert PromiseFinder().commitments(text, T0) == []


def test_broken_cues_prefer_the_specific_kind() -> None:
    f = PromiseFinder()
    cue = f.broken_cue("上次说会退款，说好的退款呢")
    assert cue is not None and cue.kind is PromiseKind.REFUND
    general = f.broken_cue("上次说好的，到现在都没动静")
    assert general is not None and general.kind is None
    assert f.broken_cue("好的谢谢") is None
