"""AnalysisService: Analyze (unary) and Ingest (bidirectional stream)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator

import grpc

from voc_service import telemetry
from voc_service.api.convert import OUTCOME_TO_PB, analysis_to_pb, conversation_from_pb
from voc_service.api.errors import DeadlineExpired, status_code_for
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc as pb_grpc
from voc_service.config import Settings
from voc_service.domain import Conversation, InvalidInput, Outcome, VocError
from voc_service.pipeline import Pipeline, Result

log = logging.getLogger(__name__)

_END = object()


class AnalysisServicer(pb_grpc.AnalysisServiceServicer):
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self.pipeline = pipeline
        self.batch_max = settings.ingest_batch_max
        self.queue_size = settings.ingest_queue

    def Analyze(self, request: pb.AnalyzeRequest, context: grpc.ServicerContext) -> pb.AnalyzeResponse:
        if not request.HasField("conversation"):
            raise InvalidInput("conversation", "required")
        conv = conversation_from_pb(request.conversation)
        if not request.persist:
            analysis = self.pipeline.analyze(conv)
            return pb.AnalyzeResponse(analysis=analysis_to_pb(analysis, request.include_tokens), outcome=pb.NOT_STORED)
        remaining = context.time_remaining()
        if remaining is not None and remaining <= 0:
            raise DeadlineExpired("deadline passed before the conversation could be stored")
        result = self.pipeline.process([conv], persist=True)[0]
        if result.error is not None:
            raise result.error
        _count(result)
        assert result.analysis is not None
        return pb.AnalyzeResponse(
            analysis=analysis_to_pb(result.analysis, request.include_tokens),
            outcome=OUTCOME_TO_PB[result.outcome],
            revision=result.revision,
        )

    def Ingest(self, request_iterator: Iterator[pb.IngestRequest], context: grpc.ServicerContext) -> Iterator[pb.IngestAck]:
        """Reads ahead on a helper thread so that whatever has arrived is analysed and committed
        as one batch (one transaction) while acks stay one-per-request and in order. A producer
        that waits for each ack still gets it immediately: a batch never waits to fill up."""
        inbox: queue.Queue = queue.Queue(maxsize=self.queue_size)
        reader = threading.Thread(target=_read_all, args=(request_iterator, inbox, context), daemon=True, name="ingest-reader")
        reader.start()
        sequence = 0
        done = False
        while not done:
            item = _next(inbox, context)
            if item is _END:
                break
            batch = [item]
            while len(batch) < self.batch_max:
                try:
                    nxt = inbox.get_nowait()
                except queue.Empty:
                    break
                if nxt is _END:
                    done = True
                    break
                batch.append(nxt)
            for ack in self._ingest_batch(batch, sequence):
                yield ack
            sequence += len(batch)

    def _ingest_batch(self, batch: list[pb.IngestRequest], first_sequence: int) -> list[pb.IngestAck]:
        convs: list[Conversation] = []
        slots: list[int] = []  # index into batch of each converted conversation
        results: list[Result | None] = [None] * len(batch)
        for i, req in enumerate(batch):
            try:
                if not req.HasField("conversation"):
                    raise InvalidInput("conversation", "required")
                convs.append(conversation_from_pb(req.conversation))
                slots.append(i)
            except VocError as exc:
                results[i] = Result(Outcome.REJECTED, error=exc)
        for i, res in zip(slots, self.pipeline.process(convs, persist=True), strict=True):
            results[i] = res
        acks = []
        for i, (req, res) in enumerate(zip(batch, results, strict=True)):
            assert res is not None
            _count(res)
            ack = pb.IngestAck(
                sequence=first_sequence + i,
                conversation_id=req.conversation.conversation_id,
                outcome=OUTCOME_TO_PB[res.outcome],
                revision=res.revision,
            )
            if res.error is not None:
                err = res.error
                ack.error.code = status_code_for(err).name
                ack.error.field = getattr(err, "field", "")
                ack.error.message = getattr(err, "message", str(err))
            acks.append(ack)
        return acks


def _count(result: Result) -> None:
    telemetry.INGESTED.labels(result.outcome.value).inc()
    if result.analysis is not None and result.outcome is not Outcome.REJECTED:
        for turn in result.analysis.turns:
            for r in turn.redactions:
                telemetry.REDACTIONS.labels(r.kind.value).inc()


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
