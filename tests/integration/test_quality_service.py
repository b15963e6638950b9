"""QualityService through the real server (with its ingest workers) and the generated client:
review workflow, keyset paging, rule precision, scorecards, promises across conversations, and
rule pack reload (a good pack, then a bad one rejected)."""

from __future__ import annotations

import re
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import LIMIT_ENV

from voc_service.api.pb import analysis_pb2, analysis_service_pb2, analysis_service_pb2_grpc, conversation_pb2
from voc_service.api.pb import quality_service_pb2 as pb
from voc_service.api.pb import quality_service_pb2_grpc
from voc_service.launcher import ServerProcess

DAY = 86_400
T0 = 1_790_000_000  # 2026-09-21 22:13 UTC (a Monday morning in Beijing)

EXTRA_PACK = """
pack: shop-extra
version: 1
rules:
  - id: mentions_coupon
    version: 1
    description: 客服提到优惠券
    severity: info
    deduction: 1
    when:
      keywords: {any_of: [优惠券]}
      role: agent
"""
EXTRA_PACK_V2 = EXTRA_PACK + """
  - id: mentions_gift
    version: 1
    description: 客服提到赠品
    severity: minor
    deduction: 2
    when:
      keywords: {any_of: [赠品]}
      role: agent
"""
BAD_PACK = EXTRA_PACK_V2.replace("severity: minor", "severity: catastrophic")


def conversation(cid: str, turns: list[tuple[str, str]], *, start: int = T0, agent: str = "agent_001",
                 customer: str = "u_1", order: str = "", sku: str = "100045612378", gap: int = 10):
    conv = conversation_pb2.Conversation(
        conversation_id=cid, channel="app", sku_ids=[sku], order_id=order, customer_id=customer, agent_id=agent
    )
    conv.started_at.seconds = start
    for i, (role, text) in enumerate(turns):
        turn = conv.turns.add(role=conversation_pb2.Role.Value(role), text=text)
        turn.sent_at.seconds = start + gap * i
    return conv


GOOD = [
    ("CUSTOMER", "在吗，什么时候发货"),
    ("AGENT", "您好，很高兴为您服务，今天就发货"),
    ("CUSTOMER", "好的谢谢"),
    ("AGENT", "不客气，祝您生活愉快"),
]
RUDE = [
    ("CUSTOMER", "在吗，什么时候发货"),
    ("AGENT", "不知道，你自己看订单页面吧"),
    ("CUSTOMER", "什么态度，我要投诉你"),
    ("AGENT", "随便你"),
]


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("packs")
    (d / "extra.yaml").write_text(EXTRA_PACK, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def qserver(module_store_url: str, packs: Path) -> Iterator[ServerProcess]:
    env = {**LIMIT_ENV, "VOC_QA_PACKS": f'["{packs}"]', "VOC_WORKERS": "2"}
    with ServerProcess(module_store_url, env=env) as proc:
        yield proc


@pytest.fixture(scope="module")
def stubs(qserver: ServerProcess):
    with grpc.insecure_channel(qserver.target) as chan:
        grpc.channel_ready_future(chan).result(timeout=10)
        yield (
            analysis_service_pb2_grpc.AnalysisServiceStub(chan),
            quality_service_pb2_grpc.QualityServiceStub(chan),
        )


def persist(analysis, conv):
    reply = analysis.Analyze(analysis_service_pb2.AnalyzeRequest(conversation=conv, persist=True))
    assert reply.outcome in (analysis_service_pb2.STORED, analysis_service_pb2.UPDATED)
    return reply.analysis


def ingest(analysis, convs) -> None:
    acks = list(analysis.Ingest(iter(analysis_service_pb2.IngestRequest(conversation=c) for c in convs)))
    assert [a.outcome for a in acks] == [analysis_service_pb2.STORED] * len(convs), acks


def error_of(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), info.value.details()


def test_findings_carry_evidence_and_flag(stubs) -> None:
    analysis, _ = stubs
    got = persist(analysis, conversation("q-rude", RUDE))
    q = got.quality
    assert q.flagged and q.score < 80
    rules = {f.rule_id: f for f in q.findings}
    assert {"forbidden_language", "escalation_threat"} <= set(rules)
    f = rules["forbidden_language"]
    turn = got.turns[f.turn_index]
    assert turn.role == conversation_pb2.AGENT
    assert turn.redacted_text[f.start : f.end] == f.evidence_text and f.evidence_text in ("不知道", "你自己看")
    assert f.severity == analysis_pb2.CRITICAL and f.rule_version == 1
    clean = persist(analysis, conversation("q-good", GOOD)).quality
    assert not clean.flagged and clean.score == 100 and list(clean.findings) == []


def test_review_workflow_and_rule_precision(stubs, qserver: ServerProcess) -> None:
    analysis, quality = stubs
    ingest(analysis, [conversation(f"rv-{i}", RUDE, start=T0 + 60 * i) for i in range(3)])
    first = quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="rv-0", rule_id="forbidden_language", verdict=pb.Review.CONFIRMED, reviewer_id="qa_1",
        note="客户电话13812345678，客服确实推诿"))
    assert first.rule_version == 1 and "<PHONE>" in first.note and "13812345678" not in first.note
    quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="rv-1", rule_id="forbidden_language", verdict=pb.Review.FALSE_POSITIVE, reviewer_id="qa_1"))
    # a second review of the same finding replaces the first
    quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="rv-1", rule_id="forbidden_language", verdict=pb.Review.CONFIRMED, reviewer_id="qa_2"))
    quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="rv-2", rule_id="forbidden_language", verdict=pb.Review.FALSE_POSITIVE, reviewer_id="qa_2"))
    reviews = quality.ListReviews(pb.ListReviewsRequest(rule_id="forbidden_language")).reviews
    assert sorted((r.conversation_id, r.reviewer_id) for r in reviews) == [
        ("rv-0", "qa_1"), ("rv-1", "qa_2"), ("rv-2", "qa_2")]
    rules = {r.rule_id: r for r in quality.ListRules(pb.ListRulesRequest()).rules}
    forbidden = rules["forbidden_language"]
    assert (forbidden.reviewed, forbidden.confirmed) == (3, 2) and forbidden.has_precision
    assert forbidden.precision == pytest.approx(2 / 3) and forbidden.findings >= 3
    assert not rules["missing_greeting"].has_precision

    # the same numbers, scraped over HTTP (findings are counted by the serving process from the
    # workers' acks; precision is read from the store at scrape time)
    body = urllib.request.urlopen(f"http://127.0.0.1:{qserver.metrics_port}/metrics", timeout=10).read().decode()
    assert 'voc_qa_rule_precision{rule="forbidden_language"} 0.6666' in body
    assert 'voc_qa_rule_reviews{rule="forbidden_language",verdict="false_positive"} 1.0' in body
    found = re.search(r'voc_qa_findings_total\{rule="forbidden_language",severity="critical"\} (\d+)', body)
    assert found is not None and int(found.group(1)) >= 4  # q-rude + rv-0..2
    flagged = re.search(r"voc_qa_flagged_conversations_total (\d+)", body)
    assert flagged is not None and int(flagged.group(1)) >= 4

    code, details = error_of(lambda: quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="q-good", rule_id="forbidden_language", verdict=pb.Review.CONFIRMED, reviewer_id="qa_1")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, details = error_of(lambda: quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="rv-0", rule_id="forbidden_language", reviewer_id="qa_1")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "verdict" in details
    code, details = error_of(lambda: quality.SubmitReview(pb.SubmitReviewRequest(
        conversation_id="rv-0", rule_id="forbidden_language", verdict=pb.Review.CONFIRMED)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "reviewer_id" in details


def test_flagged_paging_is_stable_and_filters_work(stubs) -> None:
    analysis, quality = stubs
    base = T0 + 30 * DAY
    ingest(analysis, [conversation(f"pg-{i}", RUDE, start=base + 60 * i, agent="agent_pg", sku="sku-pg")
                      for i in range(7)])
    seen: list[str] = []
    token = ""
    while True:
        page = quality.ListFlagged(pb.ListFlaggedRequest(sku_id="sku-pg", page_size=3, page_token=token))
        seen += [c.conversation_id for c in page.conversations]
        if len(seen) == 3:  # a new flagged conversation arrives between pages: no repeat, no skip
            ingest(analysis, [conversation("pg-new", RUDE, start=base - 60, agent="agent_pg", sku="sku-pg")])
        token = page.next_page_token
        if not token:
            break
    assert seen[:7] == [f"pg-{i}" for i in reversed(range(7))] and len(seen) == len(set(seen))
    assert "pg-new" in seen
    by_rule = quality.ListFlagged(pb.ListFlaggedRequest(rule_id="missing_greeting", sku_id="sku-pg"))
    assert {c.conversation_id for c in by_rule.conversations} >= {"pg-0", "pg-6"}
    assert all(any(f.rule_id == "missing_greeting" for f in c.findings) for c in by_rule.conversations)
    none = quality.ListFlagged(pb.ListFlaggedRequest(agent_id="nobody"))
    assert list(none.conversations) == [] and none.next_page_token == ""
    code, details = error_of(lambda: quality.ListFlagged(pb.ListFlaggedRequest(page_token="garbage!")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in details


def test_get_conversation_returns_turns_analysis_and_findings(stubs) -> None:
    _, quality = stubs
    stored = quality.GetConversation(pb.GetConversationRequest(conversation_id="q-rude"))
    assert stored.revision >= 1 and len(stored.conversation.turns) == 4
    assert any(f.rule_id == "forbidden_language" for f in stored.analysis.quality.findings)
    f = next(f for f in stored.analysis.quality.findings if f.rule_id == "forbidden_language")
    assert stored.analysis.turns[f.turn_index].redacted_text[f.start : f.end] == f.evidence_text
    code, _ = error_of(lambda: quality.GetConversation(pb.GetConversationRequest(conversation_id="nope")))
    assert code == grpc.StatusCode.NOT_FOUND


def test_scorecards(stubs) -> None:
    analysis, quality = stubs
    base = T0 + 60 * DAY
    ingest(analysis, [conversation(f"sc-a-{i}", GOOD, start=base + i, agent="agent_a") for i in range(3)]
           + [conversation(f"sc-b-{i}", RUDE if i else GOOD, start=base + i, agent="agent_b") for i in range(2)])
    window = {"since": _ts(base - 10), "until": _ts(base + DAY)}
    a = quality.GetScorecard(pb.GetScorecardRequest(agent_id="agent_a", **window))
    assert (a.conversations, a.mean_score, a.flagged_rate) == (3, 100.0, 0.0)
    assert a.first_responses_measured == 3 and a.mean_first_response_seconds == pytest.approx(10.0)
    b = quality.GetScorecard(pb.GetScorecardRequest(agent_id="agent_b", **window))
    assert b.conversations == 2 and b.flagged_rate == 0.5 and b.findings_by_rule["forbidden_language"] == 1
    ranked = quality.ListScorecards(pb.ListScorecardsRequest(**window)).scorecards
    assert [s.agent_id for s in ranked] == ["agent_b", "agent_a"]
    best = quality.ListScorecards(pb.ListScorecardsRequest(best_first=True, page_size=1, **window))
    assert [s.agent_id for s in best.scorecards] == ["agent_a"] and best.next_page_token
    rest = quality.ListScorecards(pb.ListScorecardsRequest(best_first=True, page_token=best.next_page_token, **window))
    assert [s.agent_id for s in rest.scorecards] == ["agent_b"] and rest.next_page_token == ""
    code, _ = error_of(lambda: quality.GetScorecard(pb.GetScorecardRequest(agent_id="agent_none", **window)))
    assert code == grpc.StatusCode.NOT_FOUND


def test_promise_broken_across_conversations_and_fulfilment(stubs) -> None:
    analysis, quality = stubs
    base = T0 + 45 * DAY  # due dates in the past of the real clock: "overdue" is measured against now
    made = persist(analysis, conversation("pr-1", [
        ("CUSTOMER", "退货仓库签收了，退款还没到"),
        ("AGENT", "您好，已经帮您提交退款申请，3个工作日内退款到账"),
        ("CUSTOMER", "好的"),
        ("AGENT", "还有其他可以帮您的吗"),
    ], start=base, customer="u_pr", order="ord-pr-1"))
    assert [(p.promise_id, p.kind, p.text) for p in made.promises] == [
        ("pr-1#1", analysis_pb2.Promise.REFUND, "3个工作日内退款到账")]
    assert made.promises[0].due_at.seconds > base + 3 * DAY - 60
    other = persist(analysis, conversation("pr-2", [
        ("CUSTOMER", "师傅什么时候来"),
        ("AGENT", "您好，明天安排师傅上门"),
    ], start=base, customer="u_other", order="ord-pr-2"))
    assert other.promises[0].kind == analysis_pb2.Promise.VISIT

    # ten days later the same customer, about the same order, says the refund never came
    later = persist(analysis, conversation("pr-3", [
        ("CUSTOMER", "说好的退款呢？钱到现在还没到账"),
        ("AGENT", "您好，非常抱歉，马上帮您催"),
    ], start=base + 10 * DAY, customer="u_pr", order="ord-pr-1"))
    broken = [f for f in later.quality.findings if f.rule_id == "promise_broken"]
    assert len(broken) == 1 and broken[0].ref == "pr-1#1" and later.quality.flagged
    assert broken[0].turn_index == 0 and broken[0].evidence_text in later.turns[0].redacted_text
    promise_rule = next(r for r in quality.ListRules(pb.ListRulesRequest()).rules if r.rule_id == "promise_broken")
    assert promise_rule.pack == "promises" and promise_rule.findings >= 1
    listed = quality.ListPromises(pb.ListPromisesRequest(statuses=[analysis_pb2.Promise.BROKEN])).promises
    assert [(p.promise_id, p.broken_by) for p in listed] == [("pr-1#1", "pr-3")]

    overdue = quality.ListPromises(pb.ListPromisesRequest(overdue_only=True)).promises
    assert "pr-2#1" in [p.promise_id for p in overdue]
    done = quality.RecordFulfilment(pb.RecordFulfilmentRequest(promise_id="pr-2#1", note="师傅已上门"))
    assert done.status == analysis_pb2.Promise.FULFILLED and done.status_note == "师傅已上门"
    overdue = quality.ListPromises(pb.ListPromisesRequest(overdue_only=True)).promises
    assert "pr-2#1" not in [p.promise_id for p in overdue]
    code, _ = error_of(lambda: quality.RecordFulfilment(pb.RecordFulfilmentRequest(promise_id="nope#1")))
    assert code == grpc.StatusCode.NOT_FOUND


def test_reload_good_pack_then_bad_pack_is_rejected(stubs, packs: Path, qserver: ServerProcess) -> None:
    analysis, quality = stubs
    before = quality.ListRules(pb.ListRulesRequest())
    ids = {r.rule_id for r in before.rules if r.pack != "promises"}
    assert "mentions_coupon" in ids and "mentions_gift" not in ids

    (packs / "extra.yaml").write_text(EXTRA_PACK_V2, encoding="utf-8")
    reply = quality.ReloadRules(pb.ReloadRulesRequest())
    assert reply.rule_count == len(ids) + 1 and reply.pack_version != before.pack_version
    # every ingest worker has the new rule: a stream of conversations spread over both workers
    convs = [conversation(f"rl-{i}", [("CUSTOMER", "有赠品吗"), ("AGENT", "您好，有赠品的")]) for i in range(8)]
    ingest(analysis, convs)
    for i in range(8):
        stored = quality.GetConversation(pb.GetConversationRequest(conversation_id=f"rl-{i}"))
        assert "mentions_gift" in {f.rule_id for f in stored.analysis.quality.findings}
        assert stored.analysis.versions["qa"] == reply.pack_version

    (packs / "extra.yaml").write_text(BAD_PACK, encoding="utf-8")
    code, details = error_of(lambda: quality.ReloadRules(pb.ReloadRulesRequest()))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "extra.yaml" in details and "mentions_gift" in details and "severity" in details
    assert quality.ListRules(pb.ListRulesRequest()).pack_version == reply.pack_version
    # SIGHUP with the bad pack changes nothing either, and the server keeps serving
    line = qserver.signal_and_wait(signal.SIGHUP, "rule packs reloaded", "rule pack reload rejected")
    assert "rejected" in line and "mentions_gift" in line
    assert quality.ListRules(pb.ListRulesRequest()).pack_version == reply.pack_version
    # SIGHUP after the file is fixed reloads
    (packs / "extra.yaml").write_text(EXTRA_PACK, encoding="utf-8")
    line = qserver.signal_and_wait(signal.SIGHUP, "rule packs reloaded", "rule pack reload rejected")
    assert "rejected" not in line
    assert "mentions_gift" not in {r.rule_id for r in quality.ListRules(pb.ListRulesRequest()).rules}


def _ts(seconds: int):
    from google.protobuf.timestamp_pb2 import Timestamp

    return Timestamp(seconds=seconds)
