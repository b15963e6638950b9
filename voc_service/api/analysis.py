"""AnalysisService: Analyze (unary) and Ingest (bidirectional stream)."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence

import grpc

from voc_service import telemetry
from voc_service.api.auth import caller_key
from voc_service.api.convert import OUTCOME_TO_PB, analysis_to_pb, conversation_from_pb
from voc_service.api.errors import status_code_for
from voc_service.api.ingest import AckRecord, ingest_batch
from voc_service.api.limits import RateLimiter, Slots
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc as pb_grpc
from voc_service.config import Settings
from voc_service.domain import InvalidInput, Outcome
from voc_service.domain.errors import Overloaded
from voc_service.pipeline import Pipeline
from voc_service.workers import WorkerPool

log = logging.getLogger(__name__)

_END = object()
# A batch being processed; calling it waits for and returns its ack records in request order.
Pending = Callable[[], list[AckRecord]]


class AnalysisServicer(pb_grpc.AnalysisServiceServicer):
    def __init__(self, pipeline: Pipeline, settings: Settings, pool: WorkerPool | None = None) -> None:
        self.pipeline = pipeline
        self.pool = pool
        self.batch_max = settings.ingest_batch_max
        self.queue_size = settings.ingest_queue
        # With workers, keep one batch per worker in flight so none of them waits for our acks.
        self.in_flight = pool.size if pool is not None else 1
        # Limits: a stream holds a handler thread for its life, so only some may be open (reads
        # must always find a thread); each caller's conversations are metered by one bucket.
        self.streams = Slots(settings.ingest_stream_limit())
        self.rate = RateLimiter(settings.ingest_rate_per_token, settings.ingest_burst)

    def Analyze(self, request: pb.AnalyzeRequest, context: grpc.ServicerContext) -> pb.AnalyzeResponse:
        if not self.rate.allow(caller_key(context)):
            raise Overloaded(_OVER_RATE_MESSAGE)
        if not request.HasField("conversation"):
            raise InvalidInput("conversation", "required")
        conv = conversation_from_pb(request.conversation)
        if not request.persist:
            analysis = self.pipeline.analyze(conv)
            return pb.AnalyzeResponse(analysis=analysis_to_pb(analysis, request.include_tokens), outcome=pb.NOT_STORED)
        result = self.pipeline.process([conv], persist=True, still_wanted=lambda: _time_left(context))[0]
        if result.error is not None:
            raise result.error
        assert result.analysis is not None
        quality = result.analysis.quality
        _count(
            result.outcome,
            result.analysis.redaction_kinds,
            () if quality is None else [(f.rule_id, f.severity.value) for f in quality.findings],
            quality is not None and quality.flagged,
        )
        return pb.AnalyzeResponse(
            analysis=analysis_to_pb(result.analysis, request.include_tokens),
            outcome=OUTCOME_TO_PB[result.outcome],
            revision=result.revision,
        )

    def Ingest(
        self, request_iterator: Iterator[pb.IngestRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.IngestAck]:
        """Reads ahead on a helper thread so that whatever has arrived is analysed and committed
        as one batch (one transaction) while acks stay one-per-request and in order. A producer
        that waits for each ack still gets it at once: a batch never waits to fill up.

        One stream more than ``max_ingest_streams`` is refused at once (RESOURCE_EXHAUSTED); a
        conversation over the caller's rate gets a REJECTED ack with that code and is not stored."""
        if not self.streams.try_acquire():
            raise Overloaded(f"too many open Ingest streams (limit {self.streams.size}); retry later")
        try:
            yield from self._ingest(request_iterator, context, caller_key(context))
        finally:
            self.streams.release()

    def _ingest(
        self, request_iterator: Iterator[pb.IngestRequest], context: grpc.ServicerContext, caller: str
    ) -> Iterator[pb.IngestAck]:
        inbox: queue.Queue = queue.Queue(maxsize=self.queue_size)
        threading.Thread(
            target=_read_all, args=(request_iterator, inbox, context), daemon=True, name="ingest-reader"
        ).start()
        pending: deque[tuple[list[pb.IngestRequest], Pending]] = deque()
        sequence = 0
        ended = False
        while not ended or pending:
            batch: list[pb.IngestRequest] = []
            if not ended and len(pending) < self.in_flight:
                # Block for input only when nothing is in flight; otherwise take what is there.
                ended = _take(inbox, context, batch, self.batch_max, block=not pending)
            if batch:
                pending.append((batch, self._start(batch, caller)))
                continue
            if pending:
                done, wait = pending.popleft()
                for i, (req, rec) in enumerate(zip(done, wait(), strict=True)):
                    _count(rec.outcome, rec.redactions, rec.findings, rec.flagged)
                    yield _ack(sequence + i, req.conversation.conversation_id, rec)
                sequence += len(done)

    def _start(self, batch: Sequence[pb.IngestRequest], caller: str) -> Pending:
        admitted = [self.rate.allow(caller) for _ in batch]
        messages = [r.conversation if r.HasField("conversation") else None for r, ok in zip(batch, admitted) if ok]
        if not messages:
            return lambda: _merge(admitted, [])
        if self.pool is None:
            records = ingest_batch(self.pipeline, messages)
            return lambda: _merge(admitted, records)
        running = self.pool.submit(messages)

        def wait() -> list[AckRecord]:
            records, timings = running.result()
            for stage, seconds in timings:
                telemetry.observe_stage(stage, seconds)
            return _merge(admitted, records)

        return wait


_OVER_RATE_MESSAGE = "ingest rate limit exceeded; retry later"
_OVER_RATE_ACK = AckRecord(
    Outcome.REJECTED, 0, status_code_for(Overloaded(_OVER_RATE_MESSAGE)).name, "", _OVER_RATE_MESSAGE
)


def _merge(admitted: Sequence[bool], records: list[AckRecord]) -> list[AckRecord]:
    """The batch's acks in request order: processed records where admitted, rate rejections elsewhere."""
    if all(admitted):
        return records
    it = iter(records)
    return [next(it) if ok else _OVER_RATE_ACK for ok in admitted]


def _time_left(context: grpc.ServicerContext) -> bool:
    remaining = context.time_remaining()
    return context.is_active() and (remaining is None or remaining > 0)


def _ack(sequence: int, conversation_id: str, rec: AckRecord) -> pb.IngestAck:
    ack = pb.IngestAck(
        sequence=sequence, conversation_id=conversation_id, outcome=OUTCOME_TO_PB[rec.outcome], revision=rec.revision
    )
    if rec.outcome is Outcome.REJECTED:
        ack.error.code = rec.code
        ack.error.field = rec.field
        ack.error.message = rec.message
    return ack


def _count(
    outcome: Outcome, redactions: Sequence[str], findings: Sequence[tuple[str, str]] = (), flagged: bool = False
) -> None:
    telemetry.INGESTED.labels(outcome.value).inc()
    for kind in redactions:
        telemetry.REDACTIONS.labels(kind).inc()
    if outcome is Outcome.REJECTED:
        return
    for rule, severity in findings:
        telemetry.FINDINGS.labels(rule, severity).inc()
    if flagged:
        telemetry.FLAGGED.inc()


def _take(inbox: queue.Queue, context: grpc.ServicerContext, batch: list, limit: int, block: bool) -> bool:
    """Move up to ``limit`` requests from the inbox into ``batch``; True when the stream ended."""
    if block:
        item = _next(inbox, context)
        if item is _END:
            return True
        batch.append(item)
    while len(batch) < limit:
        try:
            item = inbox.get_nowait()
        except queue.Empty:
            return False
        if item is _END:
            return True
        batch.append(item)
    return False


def _next(inbox: queue.Queue, context: grpc.ServicerContext) -> object:
    """Block for the next request, but give up when the stream is dead (cancelled, shut down)."""
    while True:
        try:
            return inbox.get(timeout=0.5)
        except queue.Empty:
            if not context.is_active():
                return _END


def _read_all(requests: Iterator[pb.IngestRequest], inbox: queue.Queue, context: grpc.ServicerContext) -> None:
    try:
        for req in requests:
            while True:  # bounded queue: block (backpressure) but notice a dead stream
                try:
                    inbox.put(req, timeout=0.5)
                    break
                except queue.Full:
                    if not context.is_active():
                        return
    except Exception:  # noqa: BLE001 - the client went away; the handler just ends
        log.debug("ingest stream ended by the client")
    finally:
        try:
            inbox.put(_END, timeout=5)
        except queue.Full:
            pass
