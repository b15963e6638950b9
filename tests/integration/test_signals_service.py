"""Complaint spikes end to end through real servers: four days of traffic of two SKUs, one with
a spike in the last three hours, ingested over gRPC; the server's own periodic pass judges the
closed buckets; ListSignals and WatchSignals (with resume) show the incident; the metrics
endpoint exports it."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa
from conftest import LIMIT_ENV, spike_history

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc
from voc_service.api.pb import insights_service_pb2 as ipb
from voc_service.api.pb import insights_service_pb2_grpc
from voc_service.launcher import ServerProcess
from voc_service.store.signals import SignalStore

SPIKING, QUIET = "100045612378", "200000000002"


@pytest.fixture(scope="module")
def spiked(module_store_url: str) -> Iterator[tuple[ServerProcess, datetime]]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    env = {**LIMIT_ENV, "VOC_WORKERS": "0", "VOC_SPIKE_CHECK_SECONDS": "0.5", "VOC_SPIKE_GRACE_SECONDS": "0",
           "VOC_SPIKE_MIN_COMPLAINTS": "4", "VOC_METRICS_WATCH_SKUS": f'["{QUIET}"]'}
    # backfilled history (timestamps of the last 4 days) is ingested with the pass off: the live
    # pass judges buckets as they close, so it would have judged these buckets empty already.
    # Then a server with the pass on starts on the same store and judges the last week's buckets.
    with ServerProcess(module_store_url, env={**env, "VOC_SPIKE_CHECK_SECONDS": "0"}) as loader:
        with grpc.insecure_channel(loader.target) as chan:
            stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
            acks = list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in spike_history(now, SPIKING, QUIET))))
        assert all(a.outcome == pb.STORED for a in acks)
    with ServerProcess(module_store_url, env=env) as proc:
        wait_until_judged(module_store_url, now - timedelta(hours=1))
        yield proc, now - timedelta(hours=3)


def wait_until_judged(url: str, bucket: datetime, timeout: float = 120) -> None:
    """Until the server's pass has judged ``bucket`` (the jobs table says so; a later bucket too,
    when the clock passed the hour during the test)."""
    engine = sa.create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while (done := SignalStore(engine).holder("spike_detection")[2]) is None or done < bucket:
            assert time.monotonic() < deadline, f"the spike pass did not reach {bucket}"
            time.sleep(0.1)
    finally:
        engine.dispose()


def test_the_injected_spike_becomes_one_signal_with_evidence(spiked) -> None:
    server, spike = spiked
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        events = insights.WatchSignals(ipb.WatchSignalsRequest(after_sequence=0), timeout=60)
        first = next(iter(events))  # blocks until the server's pass opened something
        events.cancel()
        assert first.kind == ipb.SignalEvent.OPENED
        got = insights.ListSignals(ipb.ListSignalsRequest(kind="sku", sku_id=SPIKING)).signals
        assert len(got) == 1, got
        signal = got[0]
        assert signal.window_start.ToDatetime(tzinfo=UTC) == spike
        assert signal.status == ipb.Signal.OPEN  # still running: no quiet bucket after it yet
        assert signal.observed == 10 and signal.expected == pytest.approx(1.0, abs=0.2)
        assert signal.score >= 5 and signal.severity == "critical"
        evidence = signal.evidence_conversation_ids
        assert len(evidence) == 10 and all(e.startswith(f"{SPIKING}-3-") for e in evidence)
        # one incident, one signal: the next two hours of the same spike extend it
        assert signal.window_end.ToDatetime(tzinfo=UTC) == spike + timedelta(hours=3)
        everything = insights.ListSignals(ipb.ListSignalsRequest(page_size=500)).signals
        assert {s.sku_id for s in everything} == {SPIKING}
        assert not insights.ListSignals(ipb.ListSignalsRequest(status=ipb.Signal.RESOLVED)).signals


def test_watch_resumes_without_gap_or_duplicate(spiked) -> None:
    server = spiked[0]
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        everything = []
        stream = insights.WatchSignals(ipb.WatchSignalsRequest(), timeout=4)
        try:
            for e in stream:
                everything.append(e.sequence)
        except grpc.RpcError as err:  # the deadline ends a stream that would otherwise wait forever
            assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert everything and everything == sorted(set(everything))
        resumed = []
        stream = insights.WatchSignals(ipb.WatchSignalsRequest(after_sequence=everything[0]), timeout=3)
        try:
            for e in stream:
                resumed.append(e.sequence)
        except grpc.RpcError:
            pass
        assert resumed == everything[1:]
        with pytest.raises(grpc.RpcError) as err:
            next(iter(insights.WatchSignals(ipb.WatchSignalsRequest(after_sequence=-1))))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "after_sequence" in err.value.details()


def test_metrics_export_open_signals_and_a_bounded_sku_set(spiked) -> None:
    server = spiked[0]
    text = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10).read().decode()
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(("voc_signals_open", "voc_sku_experience_index"))
    }
    assert values['voc_signals_open{kind="sku",severity="critical"}'] == 1.0
    assert values['voc_signals_open{kind="topic",severity="minor"}'] == 0.0  # every series exists
    index = {k: v for k, v in values.items() if k.startswith("voc_sku_experience_index")}
    # both SKUs have >= 20 conversations: the worst N holds them; the watched one is there anyway
    assert set(index) == {f'voc_sku_experience_index{{sku="{s}"}}' for s in (SPIKING, QUIET)}
    assert index[f'voc_sku_experience_index{{sku="{SPIKING}"}}'] < index[f'voc_sku_experience_index{{sku="{QUIET}"}}']


def test_watch_streams_beyond_the_limit_are_refused_at_once(spiked) -> None:
    """Each WatchSignals stream holds a handler thread: with 16 threads, 4 may be open (a
    quarter); a fifth is refused with RESOURCE_EXHAUSTED, and a slot frees when a watcher leaves."""
    server = spiked[0]
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        streams = [insights.WatchSignals(ipb.WatchSignalsRequest(), timeout=30) for _ in range(4)]
        for s in streams:
            next(s)  # open and delivering (the spike's events exist)
        with pytest.raises(grpc.RpcError) as err:
            next(insights.WatchSignals(ipb.WatchSignalsRequest(), timeout=10))
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "WatchSignals" in err.value.details()
        streams[0].cancel()
        deadline = time.monotonic() + 10
        while True:  # the cancelled stream's handler notices within one poll
            try:
                again = insights.WatchSignals(ipb.WatchSignalsRequest(), timeout=10)
                next(again)
                again.cancel()
                break
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and time.monotonic() < deadline
                time.sleep(0.2)
        for s in streams[1:]:
            s.cancel()
