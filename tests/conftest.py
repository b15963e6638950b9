"""Shared fixtures: a real `voc serve` process on a loopback port with a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from voc_service.api.pb import analysis_service_pb2_grpc, conversation_pb2
from voc_service.launcher import ServerProcess, sqlite_url

# Small limits so that the limit tests need small messages.
LIMIT_ENV = {
    "VOC_MAX_TURNS": "50",
    "VOC_MAX_TURN_CHARS": "500",
    "VOC_MAX_MESSAGE_BYTES": "262144",
    "VOC_LOG_LEVEL": "INFO",
}


def make_conversation(cid: str = "c-1", *texts: str, start: int = 1_790_000_000) -> conversation_pb2.Conversation:
    """A conversation alternating CUSTOMER / AGENT turns, 10 s apart."""
    texts = texts or (
        "在吗？我的订单号289456123478怎么还没到，电话13812345678",
        "亲，您好，稍等我帮您查一下",
        "好的谢谢",
    )
    conv = conversation_pb2.Conversation(
        conversation_id=cid,
        channel="app",
        sku_ids=["100045612378"],
        order_id="289456123478",
        customer_id="u_1",
        agent_id="agent_001",
    )
    conv.started_at.seconds = start
    for i, text in enumerate(texts):
        turn = conv.turns.add(role=conversation_pb2.CUSTOMER if i % 2 == 0 else conversation_pb2.AGENT, text=text)
        turn.sent_at.seconds = start + 10 * i
    return conv


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    db = tmp_path_factory.mktemp("store") / "voc.db"
    with ServerProcess(sqlite_url(db), env=LIMIT_ENV) as proc:
        proc.db_path = db  # type: ignore[attr-defined]
        yield proc


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.target, options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]) as chan:
        grpc.channel_ready_future(chan).result(timeout=10)
        yield chan


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> analysis_service_pb2_grpc.AnalysisServiceStub:
    return analysis_service_pb2_grpc.AnalysisServiceStub(channel)
