"""Public dataclasses of the synthetic generator: configuration, catalog items and ground truth.

Everything here is plain data so that `dataclasses.asdict` works; `labels_to_dict` additionally
turns datetimes into ISO strings so the labels can be dumped as JSON lines next to the corpus.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from voc_service.domain.conversation import Conversation

# China has no DST, so a fixed offset is exact and needs no tzdata on the host.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

#: Every QA violation code the generator can inject (see `dialogue.py` for the exact definitions).
VIOLATION_CODES: tuple[str, ...] = (
    "missing_greeting",
    "missing_closing",
    "forbidden_language",
    "absolute_promise",
    "extreme_words",
    "slow_first_response",
    "slow_reply",
    "unanswered_transfer",
    "repeated_question",
    "escalation_threat",
    "negative_ending",
    "agent_pii_leak",
)

SENTIMENTS: tuple[str, ...] = ("NEGATIVE", "NEUTRAL", "POSITIVE")
EMOTIONS: tuple[str, ...] = ("anger", "anxiety", "disappointment", "escalation", "human_request")
PII_KINDS: tuple[str, ...] = ("PHONE", "LANDLINE", "ID_CARD", "BANK_CARD", "EMAIL", "ADDRESS")
PROMISE_KINDS: tuple[str, ...] = ("callback", "visit", "refund", "handle")
CHANNELS: tuple[str, ...] = ("app", "web", "mini_program", "phone_asr")


def _default_start() -> datetime:
    """2026-11-01 00:00 Beijing time (the run-up to 双11), expressed in UTC."""
    return datetime(2026, 11, 1, tzinfo=BEIJING).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Sku:
    sku_id: str
    category: str
    brand: str
    name: str


@dataclass(frozen=True, slots=True)
class SpikeSpec:
    """An injected complaint spike.

    While `start <= t < start + hours`, complaints matching `sku_id` and/or `intent` (None = any)
    arrive at `complaint_multiplier` x their normal rate. The extra conversations carry
    `labels.spike_id == f"spike-{i}"` where i is the spike's index in `GeneratorConfig.spikes`.
    """

    sku_id: str | None
    intent: str | None
    start: datetime
    hours: int
    complaint_multiplier: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


@dataclass(slots=True)
class GeneratorConfig:
    seed: int = 7
    start: datetime = field(default_factory=_default_start)
    days: float = 1.0
    conversations_per_day: int = 5000
    n_skus: int = 300
    spikes: list[SpikeSpec] = field(default_factory=list)
    #: day offsets (from `start`, in 24 h steps) where traffic doubles with the same complaint share
    sale_days: list[int] = field(default_factory=list)
    #: the emerging intent (`new_intent`) appears only from `start + new_intent_from_day` days on
    new_intent_from_day: float | None = None
    violation_rate: float = 0.15
    pii_rate: float = 0.3
    #: which emerging intent to inject: "coupon_unusable" (any category) or "battery_swelling"
    new_intent: str = "coupon_unusable"


@dataclass(slots=True)
class TurnLabel:
    """Sentiment is given for every turn; agent/bot/system turns are NEUTRAL except an agent
    turn carrying forbidden language, which is NEGATIVE. Emotions only ever occur on customer turns."""

    sentiment: str
    emotions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PiiSpan:
    """`text[start:end] == value` for `conversation.turns[turn_index].text`."""

    turn_index: int
    kind: str
    start: int
    end: int
    value: str


@dataclass(slots=True)
class Violation:
    code: str
    turn_index: int | None


@dataclass(slots=True)
class Promise:
    """An agent commitment with a deadline; `text` is the exact commitment phrase inside the turn."""

    turn_index: int
    kind: str
    due: datetime
    text: str


@dataclass(slots=True)
class Labels:
    intent: str
    category: str
    complaint: bool
    trajectory: str  # improved | worsened | flat: last vs first customer turn sentiment
    satisfaction: float  # [-1, 1]
    turn_labels: list[TurnLabel]
    violations: list[Violation]
    pii: list[PiiSpan]
    spike_id: str | None = None
    promises: list[Promise] = field(default_factory=list)
    broken_promise_of: str | None = None

    @property
    def violation_codes(self) -> set[str]:
        return {v.code for v in self.violations}


@dataclass(slots=True)
class Generated:
    conversation: Conversation
    labels: Labels


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def labels_to_dict(labels: Labels) -> dict[str, Any]:
    """`asdict(labels)` with datetimes as ISO-8601 strings (ready for `json.dumps`)."""
    return _jsonable(asdict(labels))
