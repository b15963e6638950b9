"""The ingest step shared by the in-process path and the worker processes: conversation protos
in, one plain, picklable ack record per conversation out (in order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voc_service.api.convert import conversation_from_pb
from voc_service.api.errors import status_code_for
from voc_service.api.pb import conversation_pb2
from voc_service.domain import Conversation, InvalidInput, Outcome, VocError
from voc_service.pipeline import Pipeline, Result


@dataclass(frozen=True, slots=True)
class AckRecord:
    outcome: Outcome
    revision: int = 0
    code: str = ""  # gRPC status name when REJECTED
    field: str = ""
    message: str = ""
    redactions: tuple[str, ...] = ()  # PII kinds redacted, for the metrics of the serving process
    findings: tuple[tuple[str, str], ...] = ()  # (rule id, severity) of each QA finding, for metrics
    flagged: bool = False


def ingest_batch(pipeline: Pipeline, messages: Sequence[conversation_pb2.Conversation | None]) -> list[AckRecord]:
    """Convert, analyse and store (one transaction) a batch; a bad conversation only rejects itself."""
    convs: list[Conversation] = []
    slots: list[int] = []
    records: list[AckRecord | None] = [None] * len(messages)
    for i, msg in enumerate(messages):
        try:
            if msg is None:
                raise InvalidInput("conversation", "required")
            convs.append(conversation_from_pb(msg))
            slots.append(i)
        except VocError as exc:
            records[i] = _rejected(exc)
    for i, result in zip(slots, pipeline.process(convs, persist=True), strict=True):
        records[i] = _record(result)
    assert all(r is not None for r in records)
    return records  # type: ignore[return-value]


def _rejected(exc: VocError) -> AckRecord:
    return AckRecord(
        Outcome.REJECTED, 0, status_code_for(exc).name, getattr(exc, "field", ""), getattr(exc, "message", str(exc))
    )


def _record(result: Result) -> AckRecord:
    if result.error is not None:
        return _rejected(result.error)
    assert result.analysis is not None
    quality = result.analysis.quality
    return AckRecord(
        result.outcome,
        result.revision,
        redactions=result.analysis.redaction_kinds,
        findings=() if quality is None else tuple((f.rule_id, f.severity.value) for f in quality.findings),
        flagged=quality is not None and quality.flagged,
    )
