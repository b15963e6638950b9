"""Durability after SIGKILL, graceful shutdown on SIGTERM, and metrics over HTTP."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path

import grpc
from conftest import make_conversation

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc
from voc_service.client import channel as open_channel
from voc_service.client import ingest
from voc_service.launcher import ServerProcess, sqlite_url
from voc_service.store import open_store


def test_acknowledged_conversations_survive_sigkill(store_url: str) -> None:
    url = store_url
    server = ServerProcess(url).start()
    try:
        with open_channel(server.target) as chan:
            summary, acks = ingest(
                chan, (make_conversation(f"d-{i}", f"第{i}个问题，订单号28945612{i:04d}") for i in range(1500))
            )
        assert summary.outcomes == {"STORED": 1500}
    finally:
        server.kill()  # SIGKILL right after the last ack: no shutdown hook runs
    acked = {a.conversation_id for a in acks if a.outcome == pb.STORED}
    with ServerProcess(url) as restarted:  # restart on the same store (runs migrations, recovers the WAL)
        store = open_store(url, migrate=False)
        assert store.count() == 1500
        missing = [cid for cid in sorted(acked) if store.get(cid) is None]
        assert missing == []
        with open_channel(restarted.target) as chan:
            again = analysis_service_pb2_grpc.AnalysisServiceStub(chan).Analyze(
                pb.AnalyzeRequest(conversation=make_conversation("d-7"), persist=True)
            )
        assert (again.outcome, again.revision) == (pb.UPDATED, 2)


def test_sigterm_finishes_in_flight_stream_then_exits_cleanly(store_url: str) -> None:
    server = ServerProcess(store_url, env={"VOC_GRACE_SECONDS": "20"}).start()
    first_ack = threading.Event()
    acks: list[pb.IngestAck] = []

    def slow_requests():
        for i in range(60):
            yield pb.IngestRequest(conversation=make_conversation(f"g-{i}"))
            time.sleep(0.02)

    def consume() -> None:
        with grpc.insecure_channel(server.target) as chan:
            for ack in analysis_service_pb2_grpc.AnalysisServiceStub(chan).Ingest(slow_requests()):
                acks.append(ack)
                first_ack.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert first_ack.wait(30)
    exit_code = server.terminate(timeout=60)  # SIGTERM while the stream is still sending
    consumer.join(30)
    assert exit_code == 0
    assert len(acks) == 60 and all(a.outcome == pb.STORED for a in acks)
    assert any('"voc stopped"' in line for line in server.log_lines)
    assert open_store(store_url, migrate=False).count() == 60


def test_metrics_are_scraped_over_http(stub, server) -> None:
    stub.Analyze(pb.AnalyzeRequest(conversation=make_conversation("m-1")))
    list(stub.Ingest(iter([pb.IngestRequest(conversation=make_conversation("m-2"))])))
    body = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10).read().decode()
    assert 'voc_rpc_handled_total{code="OK",method="Analyze"}' in body
    assert 'voc_ingest_conversations_total{outcome="STORED"}' in body
    assert 'voc_stage_duration_seconds_count{stage="redact"}' in body
    assert 'voc_redactions_total{kind="PHONE"}' in body
    assert "voc_ready 1.0" in body
    assert "13812345678" not in body and "289456123478" not in body  # no personal data or ids in labels


def test_logs_carry_no_personal_data(server) -> None:
    assert server.log_lines, "the server logs at least its ready line"
    assert not any("13812345678" in line for line in server.log_lines)


def test_sigusr1_dumps_every_threads_stack_and_the_server_goes_on(store_url: str) -> None:
    """What an operator (or the demo, when a shutdown hangs) sends to see what a stuck server is
    doing: the stacks land in stderr, nothing stops."""
    with ServerProcess(store_url) as server:
        dump = server.dump_threads()
        text = "\n".join(dump)
        assert "most recent call first" in text and "cmd_serve" in text, dump[:20]
        assert sum("most recent call first" in line for line in dump) >= 2  # all threads, not one
        with open_channel(server.target) as chan:
            reply = analysis_service_pb2_grpc.AnalysisServiceStub(chan).Analyze(
                pb.AnalyzeRequest(conversation=make_conversation("u-1"))
            )
        assert reply.analysis.conversation_id == "u-1"
        assert server.terminate() == 0


def test_a_shutdown_stuck_on_a_worker_ends_with_its_stacks_within_grace_plus_the_watchdog(tmp_path: Path) -> None:
    """A worker process that never takes its exit sentinel (frozen here with SIGSTOP) would hold
    ``WorkerPool.close`` and so the whole shutdown forever: the watchdog ends the server with
    exit code 1 after the grace period plus SHUTDOWN_WATCHDOG_SECONDS, every thread's stack in
    its stderr (the stuck close among them)."""
    import os
    import signal
    import subprocess

    from voc_service.cli import SHUTDOWN_WATCHDOG_SECONDS

    # the store does not matter here (SQLite only: the test waits ~17 s)
    server = ServerProcess(sqlite_url(tmp_path / "v.db"), env={"VOC_WORKERS": "1", "VOC_GRACE_SECONDS": "1"}).start()
    assert server.proc is not None
    workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout.split()]
    assert workers, "the server has a worker process"
    try:
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        t0 = time.monotonic()
        code = server.terminate(timeout=1 + SHUTDOWN_WATCHDOG_SECONDS + 15)
        took = time.monotonic() - t0
        assert code == 1 and 1 + SHUTDOWN_WATCHDOG_SECONDS - 1 <= took < 1 + SHUTDOWN_WATCHDOG_SECONDS + 10, (code, took)
        stacks = "\n".join(server.log_lines)
        assert "most recent call first" in stacks and "in close" in stacks and "workers.py" in stacks
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        server.kill()
