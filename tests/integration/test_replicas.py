"""Several replicas on one database: ingest split across them (and the same ids sent to both)
stores every conversation once with the aggregates of a single-replica run; periodic spike
detection runs once per bucket across replicas, survives SIGKILL of the replica running it, and
a third replica's WatchSignals streams what the others raised."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import sqlalchemy as sa
from backends import fresh_database
from conftest import LIMIT_ENV, spike_history

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc
from voc_service.api.pb import insights_service_pb2 as ipb
from voc_service.api.pb import insights_service_pb2_grpc
from voc_service.api.pb import conversation_pb2
from voc_service.launcher import ServerProcess
from voc_service.store import open_store
from voc_service.store.schema import buckets
from voc_service.store.signals import SignalStore

SPIKING, QUIET = "100045612378", "200000000002"
PERIOD = 2.0  # seconds between spike checks of each replica
ENV = {**LIMIT_ENV, "VOC_WORKERS": "0", "VOC_SPIKE_GRACE_SECONDS": "0", "VOC_SPIKE_MIN_COMPLAINTS": "4"}


def send(target: str, convs: list[conversation_pb2.Conversation]) -> list[pb.IngestAck]:
    with grpc.insecure_channel(target) as chan:
        stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
        return list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs), timeout=300))


def bucket_rows(url: str) -> dict[tuple[str, datetime], tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(buckets)).mappings().all()
    engine.dispose()
    return {
        (r["subject"], r["bucket_start"].replace(tzinfo=None)): (
            r["conversations"], r["complaints"], r["negative_turns"], r["flagged"], round(r["sentiment_sum"], 6),
            r["sentiment_n"], round(r["qa_score_sum"], 6), r["qa_n"],
        )
        for r in rows
        if r["conversations"]
    }


def test_two_replicas_store_once_count_once_and_share_the_spike_pass(store_url: str, backend: str, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    convs = spike_history(now, SPIKING, QUIET)
    twice = convs[::25]  # these ids arrive at both replicas, at the same time
    half_a, half_b = convs[0::2] + twice, convs[1::2] + twice

    # the reference: one replica, the same messages
    with fresh_database(backend, tmp_path) as single_url:
        with ServerProcess(single_url, env={**ENV, "VOC_SPIKE_CHECK_SECONDS": "0"}) as single:
            send(single.target, half_a + half_b)
        expected = bucket_rows(single_url)
        reference = open_store(single_url, migrate=False)
        expected_revisions = {c.conversation_id: reference.get(c.conversation_id)[2] for c in twice}
        reference.close()
    assert set(expected_revisions.values()) == {3}  # once in its half, and once more to each replica

    checks = {**ENV, "VOC_SPIKE_CHECK_SECONDS": "0"}
    with ServerProcess(store_url, env=checks) as a, ServerProcess(store_url, env=checks) as b:
        acks: dict[str, list[pb.IngestAck]] = {}
        threads = [threading.Thread(target=lambda s=s, h=h: acks.__setitem__(s.target, send(s.target, h))) for s, h in ((a, half_a), (b, half_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(len(v) for v in acks.values()) == len(half_a) + len(half_b)
    assert all(x.outcome in (pb.STORED, pb.UPDATED) for v in acks.values() for x in v)
    store = open_store(store_url, migrate=False)
    assert store.count() == len(convs)  # every conversation exactly once
    assert {c.conversation_id: store.get(c.conversation_id)[2] for c in twice} == expected_revisions
    assert bucket_rows(store_url) == expected  # aggregates of a single-replica run
    store.close()

    # periodic work: both replicas check every PERIOD s; the lease holder is killed mid-pass.
    # They start together and the test watches the lease from the start: the first pass (a
    # week of buckets to catch up) is what gets interrupted.
    live = {**ENV, "VOC_SPIKE_CHECK_SECONDS": str(PERIOD)}
    signals = SignalStore(sa.create_engine(store_url))
    a, b = ServerProcess(store_url, env=live).launch(), ServerProcess(store_url, env=live).launch()
    ready: dict[int, float] = {}
    try:
        deadline = time.monotonic() + 120
        while (state := signals.holder("spike_detection"))[2] is None:  # the first bucket is done
            assert time.monotonic() < deadline, "no replica ran the spike pass:\n" + "\n".join(a.log_lines[-5:] + b.log_lines[-5:])
            ready.update({id(p): time.monotonic() for p in (a, b) if p.ready and id(p) not in ready})
            time.sleep(0.005)
        victim = next(p for p in (a, b) if p.proc and str(p.proc.pid) == state[0].split(":")[1])
        survivor = b if victim is a else a
        victim.kill()
        killed_at = time.monotonic()
        newest = now - timedelta(hours=1)
        assert state[2] < newest, "the pass finished before the kill: not a mid-run kill"
        survivor.wait_ready()
        ready.setdefault(id(survivor), time.monotonic())
        while not signals.holder("spike_detection")[0].split(":")[1:2] == [str(survivor.proc.pid)]:
            assert time.monotonic() - killed_at < 60, "nobody took the spike pass over"
            time.sleep(0.02)
        takeover = time.monotonic() - max(killed_at, ready[id(survivor)])
        # ">=": if the clock passes the hour (+ grace) during the test, the pass judges one more bucket
        while (done := signals.holder("spike_detection")[2]) is None or done < newest:
            assert time.monotonic() - killed_at < 60, "the survivor did not finish the pass"
            time.sleep(0.05)
        # a third replica (no spike pass of its own) streams what the others raised
        with ServerProcess(store_url, env={**ENV, "VOC_SPIKE_CHECK_SECONDS": "0"}) as watcher:
            with grpc.insecure_channel(watcher.target) as chan:
                insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
                seen = []
                try:
                    for event in insights.WatchSignals(ipb.WatchSignalsRequest(), timeout=3):
                        seen.append((event.sequence, event.kind, event.signal.signal_id))
                except grpc.RpcError as err:
                    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
                listed = insights.ListSignals(ipb.ListSignalsRequest(page_size=500)).signals
    finally:
        for p in (a, b):
            p.__exit__(None, None, None)
    assert takeover <= PERIOD + 1.0, f"takeover took {takeover:.2f}s (period {PERIOD}s)"
    spike_signals = [s for s in listed if s.sku_id == SPIKING and s.kind == "sku"]
    assert len(spike_signals) == 1, listed  # one incident, one signal: no duplicate from a replica
    assert spike_signals[0].window_start.ToDatetime(tzinfo=UTC) == now - timedelta(hours=3)
    assert not [s for s in listed if s.sku_id == QUIET]
    assert [x[0] for x in seen] == sorted({x[0] for x in seen})  # in order, no duplicate
    assert (ipb.SignalEvent.OPENED, spike_signals[0].signal_id) in {(k, sid) for _, k, sid in seen}
