"""Complaint spikes end to end through a real server: recent generated traffic with an injected
spike on one SKU is ingested over gRPC; the server's own periodic pass judges the closed buckets;
ListSignals and WatchSignals (with resume) show the incident; the metrics endpoint exports it."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from conftest import LIMIT_ENV

from voc_service.api.convert import conversation_to_pb
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc
from voc_service.api.pb import insights_service_pb2 as ipb
from voc_service.api.pb import insights_service_pb2_grpc
from voc_service.launcher import ServerProcess, sqlite_url
from voc_service.synth import GeneratorConfig, SpikeSpec, build_catalog, generate
from voc_service.synth.traffic import TrafficModel


def _scenario() -> tuple[GeneratorConfig, str, datetime]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    cfg = GeneratorConfig(seed=51, start=now - timedelta(days=4), days=3.8, conversations_per_day=1200, n_skus=12)
    top = build_catalog(cfg.n_skus, cfg.seed)[TrafficModel(build_catalog(cfg.n_skus, cfg.seed), cfg).by_popularity[0]]
    spike = now - timedelta(hours=20)
    cfg.spikes = [SpikeSpec(sku_id=top.sku_id, intent=None, start=spike, hours=3, complaint_multiplier=12.0)]
    return cfg, top.sku_id, spike


@pytest.fixture(scope="module")
def spiked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, datetime]]:
    cfg, sku, spike = _scenario()
    db = tmp_path_factory.mktemp("signals") / "voc.db"
    env = {**LIMIT_ENV, "VOC_WORKERS": "0", "VOC_SPIKE_CHECK_SECONDS": "0.5", "VOC_SPIKE_GRACE_SECONDS": "0",
           "VOC_SPIKE_MIN_COMPLAINTS": "4", "VOC_SPIKE_OPEN_SCORE": "2.5", "VOC_METRICS_WATCH_SKUS": f'["{sku}"]'}
    # backfilled history (timestamps of the last 4 days) is ingested with the pass off: the live
    # pass judges buckets as they close, so it would have judged these buckets empty already.
    # Then a server with the pass on starts on the same store and judges the last week's buckets.
    with ServerProcess(sqlite_url(db), env={**env, "VOC_SPIKE_CHECK_SECONDS": "0"}) as loader:
        convs = [conversation_to_pb(g.conversation) for g in generate(cfg)]
        with grpc.insecure_channel(loader.target) as chan:
            stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
            acks = list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs)))
        assert all(a.outcome == pb.STORED for a in acks)
    with ServerProcess(sqlite_url(db), env=env) as proc:
        yield proc, sku, spike


def test_the_injected_spike_becomes_one_signal_with_evidence(spiked) -> None:
    server, sku, spike = spiked
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        events = insights.WatchSignals(ipb.WatchSignalsRequest(after_sequence=0), timeout=60)
        first = next(iter(events))  # blocks until the server's pass opened something
        events.cancel()
        assert first.kind == ipb.SignalEvent.OPENED
        got = insights.ListSignals(ipb.ListSignalsRequest(kind="sku", sku_id=sku)).signals
        assert len(got) == 1, got
        signal = got[0]
        start = signal.window_start.ToDatetime(tzinfo=UTC)
        assert spike <= start < spike + timedelta(hours=3)
        assert signal.observed > signal.expected and signal.score >= 2.5 and signal.evidence_conversation_ids
        assert signal.window_end.ToDatetime(tzinfo=UTC) >= spike + timedelta(hours=3)  # open while it ran
        assert signal.severity in ("minor", "major", "critical")
        # nothing else of that kind anywhere near the other SKUs' ordinary days
        others = insights.ListSignals(ipb.ListSignalsRequest(kind="sku", page_size=500)).signals
        assert {s.sku_id for s in others} == {sku}


def test_watch_resumes_without_gap_or_duplicate(spiked) -> None:
    server = spiked[0]
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        everything = []
        stream = insights.WatchSignals(ipb.WatchSignalsRequest(), timeout=5)
        try:
            for e in stream:
                everything.append(e)
        except grpc.RpcError as err:  # the deadline ends a stream that would otherwise wait forever
            assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        seqs = [e.sequence for e in everything]
        assert seqs and seqs == sorted(set(seqs))
        resumed = []
        stream = insights.WatchSignals(ipb.WatchSignalsRequest(after_sequence=seqs[0]), timeout=3)
        try:
            for e in stream:
                resumed.append(e.sequence)
        except grpc.RpcError:
            pass
        assert resumed[: len(seqs) - 1] == seqs[1:]
        with pytest.raises(grpc.RpcError) as err:
            next(iter(insights.WatchSignals(ipb.WatchSignalsRequest(after_sequence=-1))))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "after_sequence" in err.value.details()


def test_metrics_export_open_signals_and_the_watched_sku(spiked) -> None:
    server, sku, _ = spiked
    text = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10).read().decode()
    lines = [line for line in text.splitlines() if line.startswith(("voc_signals_open", "voc_sku_experience_index"))]
    assert any(line.startswith('voc_signals_open{kind="sku",severity=') for line in lines)
    assert sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("voc_signals_open")) >= 0
    assert any(f'voc_sku_experience_index{{sku="{sku}"}}' in line for line in lines)
    assert len([line for line in lines if line.startswith("voc_sku_experience_index")]) <= 10 + 1
