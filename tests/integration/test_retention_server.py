"""Retention through the real server: with VOC_RETENTION_DAYS set, the server's periodic purge
blanks the transcript of a conversation that happened long ago (GetConversation says when), keeps
its analysis, leaves a recent one alone, and counts what it purged in /metrics."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import grpc
from conftest import LIMIT_ENV, make_conversation

from voc_service.api.pb import analysis_service_pb2 as apb
from voc_service.api.pb import quality_service_pb2 as pb
from voc_service.api.pb import quality_service_pb2_grpc
from voc_service.client import ingest
from voc_service.launcher import ServerProcess

TEXTS = ("我的订单289456123478怎么还没到，太慢了，我要投诉，电话13812345678", "亲，您好，24小时内给您回电", "好的")


def purged_so_far(server: ServerProcess) -> int:
    return sum(json.loads(line)["purged"] for line in list(server.log_lines) if '"retention purge"' in line)


def wait_for_purges(server: ServerProcess, at_least: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while purged_so_far(server) < at_least:
        server.act_and_wait(lambda: None, '"retention purge"', timeout=max(0.1, deadline - time.monotonic()))


def test_the_server_purges_old_transcripts_and_keeps_the_rest(store_url: str) -> None:
    env = {**LIMIT_ENV, "VOC_WORKERS": "0", "VOC_SPIKE_CHECK_SECONDS": "0", "VOC_RETENTION_DAYS": "30",
           "VOC_RETENTION_CHECK_SECONDS": "0.3"}  # fmt: skip
    now = datetime.now(UTC)
    old = make_conversation("ret-old", *TEXTS, start=int((now - timedelta(days=60)).timestamp()))
    new = make_conversation("ret-new", *TEXTS, start=int((now - timedelta(hours=1)).timestamp()))
    with ServerProcess(store_url, env=env) as server, grpc.insecure_channel(server.target) as chan:
        quality = quality_service_pb2_grpc.QualityServiceStub(chan)
        summary, _acks = ingest(chan, [old, new])
        assert summary.outcomes == {"STORED": 2}
        wait_for_purges(server, 1)

        got = quality.GetConversation(pb.GetConversationRequest(conversation_id="ret-old"))
        assert [t.text for t in got.conversation.turns] == ["", "", ""]
        assert [t.role for t in got.conversation.turns] == [t.role for t in old.turns]
        assert [t.sent_at.seconds for t in got.conversation.turns] == [t.sent_at.seconds for t in old.turns]
        assert got.HasField("purged_at") and abs(got.purged_at.ToDatetime(UTC) - datetime.now(UTC)) < timedelta(minutes=5)
        assert all(t.redacted_text == "" and not t.entities and not t.redactions for t in got.analysis.turns)
        assert got.analysis.sentiment.complaint  # the analysis stays
        assert got.analysis.quality.findings and all(f.evidence_text == "" for f in got.analysis.quality.findings)
        assert got.analysis.promises and all(p.text == "" for p in got.analysis.promises)
        line = next(line for line in server.log_lines if '"retention purge"' in line)
        assert "289456123478" not in line and "回电" not in line  # counts only, never text

        kept = quality.GetConversation(pb.GetConversationRequest(conversation_id="ret-new"))
        assert not kept.HasField("purged_at")
        assert "24小时内给您回电" in kept.conversation.turns[1].text
        assert "<PHONE>" in kept.conversation.turns[0].text

        # other reads of the purged conversation do not trip over it
        flagged = quality.ListFlagged(pb.ListFlaggedRequest(page_size=50))
        assert all(c.conversation_id in {"ret-old", "ret-new"} for c in flagged.conversations)
        quality.ListPromises(pb.ListPromisesRequest())

        with urllib.request.urlopen(f"http://{server.host}:{server.metrics_port}/metrics", timeout=10) as resp:
            metrics = resp.read().decode()
        assert float(re.search(r"^voc_transcripts_purged_total (\S+)$", metrics, re.M).group(1)) == 1.0

        # a re-send of the purged id is recognised (an update), and the next purge blanks it again
        _summary, acks = ingest(chan, [old])
        assert acks[0].outcome == apb.UPDATED and acks[0].revision == 2
        wait_for_purges(server, 2)
        again = quality.GetConversation(pb.GetConversationRequest(conversation_id="ret-old"))
        assert again.revision == 2 and again.HasField("purged_at") and [t.text for t in again.conversation.turns] == ["", "", ""]
