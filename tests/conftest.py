"""Shared fixtures: a real `voc serve` process on a loopback port with a real database.

Every test that asks for ``store_url`` (a fresh database per test) or ``module_store_url`` (one
per module) runs once per backend: SQLite, and PostgreSQL when ``VOC_TEST_POSTGRES_URL`` is set.
Without it the PostgreSQL half is skipped, and the run's summary says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from backends import POSTGRES_ENV, fresh_database, postgres_url

from voc_service.api.pb import analysis_service_pb2_grpc, conversation_pb2
from voc_service.domain import (
    Conversation,
    ConversationAnalysis,
    ConversationSentiment,
    Quality,
    Role,
    SentimentLabel,
    TopicAssignment,
    Turn,
    TurnAnalysis,
    TurnSentiment,
)
from voc_service.launcher import ServerProcess

BUCKET_T0 = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)

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


_NO_POSTGRES = pytest.mark.skipif(postgres_url() is None, reason=f"PostgreSQL half not run: {POSTGRES_ENV} is not set")
BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql", marks=_NO_POSTGRES)]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test."""
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_store_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database shared by the tests of one module."""
    with fresh_database(backend, tmp_path_factory.mktemp("store")) as url:
        yield url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if postgres_url() is None:
        terminalreporter.write_line(
            f"NOTE: the PostgreSQL half of the suite was NOT run ({POSTGRES_ENV} is not set; "
            "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
            yellow=True,
            bold=True,
        )
    else:
        terminalreporter.write_line(f"the suite ran against SQLite and PostgreSQL ({POSTGRES_ENV})")


@pytest.fixture(scope="module")
def server(module_store_url: str) -> Iterator[ServerProcess]:
    with ServerProcess(module_store_url, env=LIMIT_ENV) as proc:
        proc.store_url = module_store_url  # type: ignore[attr-defined]
        yield proc


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.target, options=[("grpc.max_send_message_length", 8 * 1024 * 1024)]) as chan:
        grpc.channel_ready_future(chan).result(timeout=10)
        yield chan


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> analysis_service_pb2_grpc.AnalysisServiceStub:
    return analysis_service_pb2_grpc.AnalysisServiceStub(channel)


def analysed_item(
    cid: str,
    skus: list[str],
    topic: int | None = 3,
    complaint: bool = False,
    at: datetime = BUCKET_T0,
    mean: float = -0.5,
    flagged: bool = False,
) -> tuple[Conversation, ConversationAnalysis]:
    """A conversation with a hand-made analysis (sentiment, QA, topic): store-level tests
    without running the pipeline."""
    conv = Conversation(cid, [Turn(Role.CUSTOMER, "太慢了", at), Turn(Role.AGENT, "抱歉", at)], sku_ids=skus, started_at=at)
    neg = TurnSentiment(mean, SentimentLabel.NEGATIVE if mean < -0.3 else SentimentLabel.NEUTRAL, 0.9)
    turns = [TurnAnalysis(0, Role.CUSTOMER, "太慢了", sentiment=neg), TurnAnalysis(1, Role.AGENT, "抱歉")]
    analysis = ConversationAnalysis(
        cid,
        turns,
        {"pipeline": "test"},
        sentiment=ConversationSentiment(customer_turns=1, customer_mean=mean, complaint=complaint, customer_satisfaction=mean),
        quality=Quality(score=70.0 if flagged else 100.0, flagged=flagged),
        topic=None if topic is None else TopicAssignment(topic, "物流", 0.9, "m@1"),
    )
    return conv, analysis


def _spike_conversation(cid: str, sku: str, at: datetime, complaint: bool) -> conversation_pb2.Conversation:
    conv = conversation_pb2.Conversation(conversation_id=cid, sku_ids=[sku], channel="app")
    conv.started_at.FromDatetime(at)
    texts = ["屏幕坏了，我要投诉" if complaint else "请问这个什么时候发货", "您好，马上为您处理"]
    for i, text in enumerate(texts):
        turn = conv.turns.add(role=conversation_pb2.CUSTOMER if i == 0 else conversation_pb2.AGENT, text=text)
        turn.sent_at.FromDatetime(at + timedelta(seconds=10 * i))
    return conv


def spike_history(now: datetime, spiking: str = "100045612378", quiet: str = "") -> list[conversation_pb2.Conversation]:
    """Four days before ``now`` (hour-aligned) of 16 conversations an hour per SKU with 1
    complaint; the last three closed hours of ``spiking`` have 10 complaints out of 16 (a critical
    spike); ``quiet`` (optional) stays ordinary. Deterministic: the same verdicts whenever it runs."""
    out = []
    for h in range(4 * 24, 0, -1):
        hour = now - timedelta(hours=h)
        for sku in (s for s in (spiking, quiet) if s):
            complaints = 10 if (h <= 3 and sku == spiking) else 1
            out.extend(
                _spike_conversation(f"{sku}-{h}-{k}", sku, hour + timedelta(minutes=3 * k), k < complaints) for k in range(16)
            )
    return out
