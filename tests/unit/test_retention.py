"""Retention: purge_transcripts blanks the texts of old conversations and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import BUCKET_T0, analysed_item

from voc_service.domain import (
    Entity,
    Evidence,
    Finding,
    Outcome,
    PiiKind,
    Promise,
    PromiseKind,
    PromiseStatus,
    Quality,
    Redaction,
    Severity,
)
from voc_service.store import open_store
from voc_service.store.retention import count_purgeable, purge_transcripts
from voc_service.store.schema import analyses, buckets, conversation_skus, conversations, findings, promises, reviews, signals
from voc_service.store.quality import QualityStore

OLD = BUCKET_T0  # 2026-11-01
NEW = BUCKET_T0 + timedelta(days=40)
CUTOFF = BUCKET_T0 + timedelta(days=30)
AGENT_TEXT = "亲，24小时内给您回电"


def item(cid: str, at: datetime, sku: str = "100045612378", complaint: bool = False, breaks: str = ""):
    """analysed_item plus what retention has to deal with: an entity and a redaction in the
    customer turn, a finding with evidence, a promise in the agent turn (and, with ``breaks``, a
    promise_broken finding quoting another conversation's promise)."""
    conv, analysis = analysed_item(cid, [sku], complaint=complaint, at=at)
    conv.turns[0].text = "订单289456123478，电话<PHONE>"
    conv.turns[1].text = AGENT_TEXT
    conv.customer_id = "u_1"
    t0, t1 = analysis.turns
    t0.text, t1.text = conv.turns[0].text, conv.turns[1].text
    t0.entities = [Entity("ORDER_ID", 2, 14, "289456123478")]
    t0.redactions = [Redaction(PiiKind.PHONE, 18, 25)]
    found = [Finding("greeting", 1, Severity.MINOR, 5.0, "客服首次回复没有问候语", [Evidence(1, 0, 1, "亲")])]
    if breaks:
        found.append(
            Finding("promise_broken", 1, Severity.CRITICAL, 0.0, f"客户反映之前的承诺未兑现：会话 {breaks} 第 1 轮「24小时内给您回电」",
                    [Evidence(0, 0, 2, "订单")], f"{breaks}#1")
        )
    analysis.quality = Quality(score=95.0, flagged=bool(breaks), findings=found, pack_version="p@1")
    analysis.promises = [
        Promise(f"{cid}#1", cid, 1, PromiseKind.CALLBACK, at + timedelta(hours=24), at, 2, 11, "24小时内给您回电", "u_1")
    ]
    return conv, analysis


def table(engine: sa.Engine, t: sa.Table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]


def texts(store, cid: str) -> list[str]:  # noqa: ANN001
    conv, _analysis, _rev = store.get(cid)
    return [t.text for t in conv.turns]


def test_old_transcripts_go_and_everything_derived_stays(store_url: str) -> None:
    store = open_store(store_url)
    store.save_batch([item("old-1", OLD, complaint=True), item("old-2", OLD + timedelta(hours=5)), item("new-1", NEW)])
    store.save_batch([item("new-2", NEW, breaks="old-1")])  # breaks old-1's promise
    QualityStore(store.engine).submit_review("old-1", "greeting", True, "确认", "qa_1", NEW)
    with store.engine.begin() as conn:
        conn.execute(signals.insert().values(
            kind="sku", subject="sku:100045612378", sku_id="100045612378", opened_bucket=OLD, last_bucket=OLD,
            observed=5, expected=1.0, score=6.0, peak_score=6.0, severity="major", status="open",
            evidence=json.dumps(["old-1", "old-2"]), updated_at=OLD,
        ))
    kept = {t: table(store.engine, t) for t in (buckets, findings, conversation_skus, reviews, signals)}
    before = {cid: store.get(cid) for cid in ("old-1", "old-2", "new-1", "new-2")}
    assert count_purgeable(store.engine, CUTOFF) == 2

    now = datetime(2026, 12, 20, tzinfo=UTC)
    assert purge_transcripts(store.engine, CUTOFF, now=now) == 2

    for t, rows in kept.items():
        assert table(store.engine, t) == rows, t.name
    assert store.count() == 4
    for cid in ("old-1", "old-2"):
        conv, analysis, revision = store.get(cid)
        old_conv, old_analysis, old_revision = before[cid]
        assert [t.text for t in conv.turns] == ["", ""]
        assert conv.purged_at == now
        # roles, times, ids, SKUs, attributes stay
        assert [(t.role, t.sent_at, t.agent_id) for t in conv.turns] == [(t.role, t.sent_at, t.agent_id) for t in old_conv.turns]
        assert (conv.customer_id, conv.sku_ids, conv.started_at, revision) == (
            old_conv.customer_id, old_conv.sku_ids, old_conv.started_at, old_revision
        )
        # analysis numbers stay; spans that only locate text go; quoted evidence is empty
        assert [t.entities for t in analysis.turns] == [[], []]
        assert [t.redactions for t in analysis.turns] == [[], []]
        assert [t.sentiment for t in analysis.turns] == [t.sentiment for t in old_analysis.turns]
        assert analysis.sentiment == old_analysis.sentiment and analysis.topic == old_analysis.topic
        q, old_q = analysis.quality, old_analysis.quality
        assert (q.score, q.flagged, [f.rule_id for f in q.findings]) == (old_q.score, old_q.flagged, ["greeting"])
        assert q.findings[0].evidence == [Evidence(1, 0, 1, "")]
    with store.engine.connect() as conn:
        rows = {r.promise_id: r for r in conn.execute(sa.select(promises))}
        payload = conn.execute(sa.select(conversations.c.payload).where(conversations.c.conversation_id == "old-1")).scalar_one()
        assert "289456123478" not in payload and "回电" not in payload
        analysis_turns = conn.execute(sa.select(analyses.c.turns).where(analyses.c.conversation_id == "old-1")).scalar_one()
        assert "289456123478" not in analysis_turns
    assert rows["old-1#1"].text == "" and rows["old-2#1"].text == ""
    assert rows["old-1#1"].status == PromiseStatus.BROKEN.value and rows["old-1#1"].broken_by == "new-2"
    assert rows["new-1#1"].text == "24小时内给您回电"
    # the newer conversations keep their texts; the one that broke old-1's promise no longer quotes it
    assert texts(store, "new-1") == ["订单289456123478，电话<PHONE>", AGENT_TEXT]
    assert texts(store, "new-2") == ["订单289456123478，电话<PHONE>", AGENT_TEXT]
    assert store.get("new-1")[0].purged_at is None
    broken = next(f for f in store.get("new-2")[1].quality.findings if f.rule_id == "promise_broken")
    assert broken.message == "客户反映之前的承诺未兑现：会话 old-1 第 1 轮「」" and broken.evidence[0].text == "订单"

    # idempotent: nothing left to purge, nothing changes
    snapshot = table(store.engine, conversations), table(store.engine, analyses), table(store.engine, promises)
    assert purge_transcripts(store.engine, CUTOFF) == 0
    assert (table(store.engine, conversations), table(store.engine, analyses), table(store.engine, promises)) == snapshot


def test_resend_after_purge_updates_and_moves_the_counts(store_url: str) -> None:
    store = open_store(store_url)
    store.save_batch([item("old-1", OLD), item("old-2", OLD)])
    counts_v1 = table(store.engine, buckets)
    assert purge_transcripts(store.engine, CUTOFF) == 2
    assert table(store.engine, buckets) == counts_v1

    # re-sent with a complaint: recognised (UPDATED, revision 2), texts back, purged_at cleared
    [result] = store.save_batch([item("old-1", OLD, complaint=True)])
    assert (result.outcome, result.revision) == (Outcome.UPDATED, 2)
    assert texts(store, "old-1") == ["订单289456123478，电话<PHONE>", AGENT_TEXT]
    assert store.get("old-1")[0].purged_at is None
    counts_v2 = {r.subject: r.complaints for r in _bucket_rows(store.engine)}
    assert counts_v2["all"] == 1 and counts_v2["sku:100045612378"] == 1
    assert {r.subject: r.conversations for r in _bucket_rows(store.engine)}["all"] == 2  # moved, not doubled

    # the next purge blanks it again; sending the first version back restores the first counts
    assert purge_transcripts(store.engine, CUTOFF) == 1
    assert texts(store, "old-1") == ["", ""]
    store.save_batch([item("old-1", OLD)])
    assert table(store.engine, buckets) == counts_v1


def _bucket_rows(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(buckets)))


@pytest.mark.parametrize("batch", [1, 3, 4, 7, 1000])
def test_batches_purge_everything_once(store_url: str, batch: int) -> None:
    store = open_store(store_url)
    # ties on occurred_at across batch boundaries (keyset on time, then id), and newer ones
    store.save_batch(
        [item(f"old-{i}", OLD + timedelta(hours=i // 3)) for i in range(7)] + [item(f"new-{i}", NEW) for i in range(3)]
    )
    assert purge_transcripts(store.engine, CUTOFF, batch=batch) == 7
    assert all(texts(store, f"old-{i}") == ["", ""] for i in range(7))
    assert all(texts(store, f"new-{i}") != ["", ""] for i in range(3))
    assert purge_transcripts(store.engine, CUTOFF, batch=batch) == 0


def test_keep_going_stops_between_batches(store_url: str) -> None:
    store = open_store(store_url)
    store.save_batch([item(f"old-{i}", OLD + timedelta(minutes=i)) for i in range(5)])
    calls = []

    def once() -> bool:
        calls.append(1)
        return len(calls) == 1

    assert purge_transcripts(store.engine, CUTOFF, batch=2, keep_going=once) == 2
    assert [texts(store, f"old-{i}") == ["", ""] for i in range(5)] == [True, True, False, False, False]
    assert count_purgeable(store.engine, CUTOFF) == 3
    assert purge_transcripts(store.engine, CUTOFF, batch=2) == 3


def test_rows_without_occurred_at_are_judged_by_their_start(store_url: str) -> None:
    """Conversations stored before migration 0003 have no occurred_at."""
    store = open_store(store_url)
    store.save_batch([item("legacy-old", OLD), item("legacy-new", NEW)])
    with store.engine.begin() as conn:
        conn.execute(analyses.update().values(occurred_at=None))
    assert purge_transcripts(store.engine, CUTOFF, batch=1) == 1
    assert texts(store, "legacy-old") == ["", ""] and texts(store, "legacy-new") != ["", ""]


def test_cutoff_must_be_timezone_aware(store_url: str) -> None:
    store = open_store(store_url)
    with pytest.raises(ValueError, match="timezone"):
        purge_transcripts(store.engine, datetime(2026, 1, 1))


def test_cli_and_pipeline_purge(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from voc_service.cli import main as voc

    job = Path(__file__).resolve().parents[2] / "pipelines" / "purge_transcripts.py"

    now = datetime.now(UTC)
    store = open_store(store_url)
    store.save_batch([item("old-1", now - timedelta(days=60)), item("old-2", now - timedelta(days=45)), item("new-1", now)])
    assert voc(["purge", "--store", store_url, "--older-than-days", "30", "--dry-run"]) == 0
    assert "would purge 2 conversation(s)" in capsys.readouterr().out
    assert texts(store, "old-1") != ["", ""]  # a dry run changes nothing
    run = subprocess.run(
        [sys.executable, str(job), "--older-than-days", "50"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "VOC_STORE": store_url},
    )  # fmt: skip
    assert run.returncode == 0 and "purged 1 conversation(s)" in run.stdout, run.stderr
    assert voc(["purge", "--store", store_url, "--older-than-days", "30"]) == 0
    assert "purged 1 conversation(s)" in capsys.readouterr().out
    assert [texts(store, c) == ["", ""] for c in ("old-1", "old-2", "new-1")] == [True, True, False]
    assert voc(["purge", "--store", store_url]) == 2  # no age given and VOC_RETENTION_DAYS unset
    assert "--older-than-days" in capsys.readouterr().err
