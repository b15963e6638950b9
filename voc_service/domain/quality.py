"""What quality inspection finds in a conversation: findings with evidence, a score, promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """1 (info) .. 4 (critical): what "at least this severity" compares."""
        return _RANK[self]


_RANK = {Severity.INFO: 1, Severity.MINOR: 2, Severity.MAJOR: 3, Severity.CRITICAL: 4}


class Evidence(NamedTuple):
    """Where a rule hit: a turn and a code-point span of its stored (redacted) text, end exclusive.

    ``turn_index`` is -1 for a conversation-level finding with nothing to point at (a rule made
    only of ``not`` conditions). A NamedTuple, not a frozen dataclass: findings are built on the
    ingest path, and a frozen dataclass's __init__ (object.__setattr__ per field) costs 4x."""

    turn_index: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Finding:
    rule_id: str
    rule_version: int
    severity: Severity
    deduction: float
    message: str
    evidence: list[Evidence] = field(default_factory=list)  # first = the primary hit
    # For promise_broken: the promise this finding refers to ("<conversation_id>#<turn>").
    ref: str = ""

    @property
    def primary(self) -> Evidence:
        return self.evidence[0] if self.evidence else Evidence(-1, 0, 0, "")


@dataclass(slots=True)
class Quality:
    """score = 100 minus the deductions (floored at 0); flagged when a critical finding exists or
    the score falls under the configured threshold."""

    score: float = 100.0
    flagged: bool = False
    findings: list[Finding] = field(default_factory=list)
    pack_version: str = ""
    first_response_seconds: float | None = None  # for scorecards; None when not measurable


class PromiseKind(StrEnum):
    CALLBACK = "callback"
    VISIT = "visit"
    REFUND = "refund"
    DELIVERY = "delivery"
    HANDLE = "handle"


class PromiseStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    BROKEN = "broken"


@dataclass(slots=True)
class Promise:
    """An agent commitment with a deadline, found in one conversation and tracked across later ones."""

    promise_id: str  # "<conversation_id>#<turn_index>"
    conversation_id: str
    turn_index: int
    kind: PromiseKind
    due_at: datetime
    made_at: datetime
    start: int
    end: int
    text: str
    customer_id: str = ""
    order_id: str = ""
    status: PromiseStatus = PromiseStatus.OPEN
    status_at: datetime | None = None
    status_note: str = ""
    broken_by: str = ""  # conversation id in which the customer said it did not happen
