"""A small client for the AnalysisService, used by `voc ingest`, the demo and the benchmarks."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import grpc

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc as pb_grpc
from voc_service.api.pb import conversation_pb2


@dataclass
class IngestSummary:
    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # "CODE field" -> count
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def channel(target: str, max_message_bytes: int = 4 * 1024 * 1024) -> grpc.Channel:
    return grpc.insecure_channel(
        target,
        options=[
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ],
    )


def ingest(
    chan: grpc.Channel, conversations: Iterable[conversation_pb2.Conversation], timeout: float | None = None
) -> tuple[IngestSummary, list[pb.IngestAck]]:
    """Stream conversations through Ingest; returns the summary and every ack (in order)."""
    stub = pb_grpc.AnalysisServiceStub(chan)
    summary = IngestSummary()

    def requests() -> Iterator[pb.IngestRequest]:
        for conv in conversations:
            summary.sent += 1
            yield pb.IngestRequest(conversation=conv)

    start = time.perf_counter()
    acks = []
    for ack in stub.Ingest(requests(), timeout=timeout):
        acks.append(ack)
        summary.outcomes[pb.Outcome.Name(ack.outcome)] += 1
        if ack.outcome == pb.REJECTED:
            summary.errors[f"{ack.error.code} {ack.error.field}".strip()] += 1
    summary.seconds = time.perf_counter() - start
    return summary, acks
