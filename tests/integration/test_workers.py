"""Ingest through worker processes and in the serving process: same results, order per id kept,
and a dead worker costs speed, never data."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from conftest import make_conversation

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.client import channel, ingest
from voc_service.launcher import ServerProcess
from voc_service.store import open_store


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_same_results_with_and_without_workers_and_last_send_wins(store_url: str, workers: str) -> None:
    url = store_url
    convs = [make_conversation(f"w-{i}", f"第{i}次咨询,电话1381234{i:04d}") for i in range(600)]
    convs.insert(300, make_conversation("w-5", "改过的内容"))  # a re-send of w-5 in a later batch
    with ServerProcess(url, env={"VOC_WORKERS": workers, "VOC_INGEST_BATCH_MAX": "16"}) as server:
        assert len(children(server.proc.pid)) == int(workers)
        with channel(server.target) as chan:
            summary, acks = ingest(chan, convs)
    assert summary.outcomes == {"STORED": 600, "UPDATED": 1}
    assert [a.sequence for a in acks] == list(range(601))
    assert acks[300].conversation_id == "w-5" and acks[300].outcome == pb.UPDATED and acks[300].revision == 2
    store = open_store(url, migrate=False)
    assert store.count() == 600
    conv, analysis, revision = store.get("w-5")
    assert revision == 2 and conv.turns[0].text == "改过的内容"  # stored in the order it was sent
    conv, analysis, _ = store.get("w-42")
    assert conv.turns[0].text == "第42次咨询,电话<PHONE>" and analysis.turns[0].redactions[0].kind.value == "PHONE"


def test_a_killed_worker_loses_nothing(store_url: str) -> None:
    url = store_url
    with ServerProcess(url, env={"VOC_WORKERS": "2"}) as server:
        victim = children(server.proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while victim in children(server.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # wait until the kernel has reaped it, so the pool sees it dead
        with channel(server.target) as chan:
            summary, _ = ingest(chan, (make_conversation(f"k-{i}") for i in range(300)))
        assert summary.outcomes == {"STORED": 300}
        assert any("ingest worker died" in line for line in server.log_lines)
    assert open_store(url, migrate=False).count() == 300
