"""A small client for the AnalysisService, used by `voc ingest`, the demo and the benchmarks."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

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


def channel(
    target: str,
    max_message_bytes: int = 4 * 1024 * 1024,
    *,
    token: str | None = None,
    tls_ca: Path | None = None,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> grpc.Channel:
    """A channel to a voc server: plaintext, or TLS when a CA or a client certificate is given
    (mutual TLS with the certificate). ``token`` is sent as ``authorization: Bearer …`` on every
    call: as call credentials over TLS, as plain metadata otherwise (loopback and tests; over a
    network, use TLS so the token is not readable on the wire)."""
    from voc_service.api.tls import channel_credentials

    options = [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
    ]
    if tls_ca is not None or tls_cert is not None:
        creds = channel_credentials(tls_ca, tls_cert, tls_key)
        if token:
            creds = grpc.composite_channel_credentials(creds, grpc.access_token_call_credentials(token))
        return grpc.secure_channel(target, creds, options=options)
    chan = grpc.insecure_channel(target, options=options)
    return grpc.intercept_channel(chan, BearerToken(token)) if token else chan


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class BearerToken(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds ``authorization: Bearer <token>`` to every call of a plaintext channel (gRPC sends
    call credentials over TLS only)."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details: Any) -> _CallDetails:
        metadata = [*(details.metadata or ()), self._header]
        return _CallDetails(
            details.method, details.timeout, metadata, details.credentials,
            getattr(details, "wait_for_ready", None), getattr(details, "compression", None),
        )  # fmt: skip

    def _call(self, continuation: Callable, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    intercept_unary_unary = _call
    intercept_unary_stream = _call
    intercept_stream_unary = _call
    intercept_stream_stream = _call


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
