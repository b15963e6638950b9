"""What the pipeline learns about a conversation. Filled stage by stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from voc_service.domain.conversation import Role
from voc_service.domain.quality import Promise, Quality


class PiiKind(StrEnum):
    PHONE = "PHONE"
    LANDLINE = "LANDLINE"
    ID_CARD = "ID_CARD"
    BANK_CARD = "BANK_CARD"
    EMAIL = "EMAIL"
    ADDRESS = "ADDRESS"

    @property
    def placeholder(self) -> str:
        return f"<{self.value}>"


@dataclass(slots=True, frozen=True)
class Redaction:
    """A placeholder in the redacted text; offsets are code points, end exclusive."""

    kind: PiiKind
    start: int
    end: int


@dataclass(slots=True, frozen=True)
class Entity:
    label: str
    start: int
    end: int
    text: str


class EmotionKind(StrEnum):
    ANGER = "anger"
    ANXIETY = "anxiety"  # anxiety / urgency
    DISAPPOINTMENT = "disappointment"
    ESCALATION = "escalation"  # threats to complain, go to 12315, the press, a lawyer ...
    HUMAN_REQUEST = "human_request"  # asks for a human agent


@dataclass(slots=True, frozen=True)
class EmotionHit:
    """An emotional-risk cue in a turn's (redacted) text: the evidence for the flag."""

    kind: EmotionKind
    start: int
    end: int


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(slots=True, frozen=True)
class TurnSentiment:
    """score in [-1, 1]; label follows the score (NEUTRAL inside the neutral margin);
    confidence in [0, 1] is how sure the model is of the label (see docs/sentiment.md)."""

    score: float
    label: SentimentLabel
    confidence: float


class Trajectory(StrEnum):
    FLAT = "flat"
    IMPROVED = "improved"
    WORSENED = "worsened"


@dataclass(slots=True)
class ConversationSentiment:
    """The customer's side summarised, plus the agent turns that sounded negative."""

    customer_turns: int = 0
    customer_start: float = 0.0
    customer_end: float = 0.0
    customer_min: float = 0.0
    customer_mean: float = 0.0
    trajectory: Trajectory = Trajectory.FLAT
    agent_negative_turns: list[int] = field(default_factory=list)  # turn indexes
    complaint: bool = False
    complaint_reasons: list[str] = field(default_factory=list)
    customer_satisfaction: float = 0.0
    satisfaction_factors: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class TopicAssignment:
    """The conversation's topic in the model that assigned it; ``topic_id`` -1 = outlier (no topic
    close enough: docs/topics.md)."""

    topic_id: int
    label: str
    probability: float
    model_version: str

    @property
    def outlier(self) -> bool:
        return self.topic_id < 0


@dataclass(slots=True)
class TurnAnalysis:
    index: int
    role: Role
    text: str  # normalised, then redacted: the only form of the text that is ever stored
    redactions: list[Redaction] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    # spaces[i] is True when a single space followed tokens[i] in `text` (spaCy's convention), so
    # "".join(t + " " * s) == text and token offsets can be recovered without storing them.
    spaces: list[bool] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    emotions: list[EmotionHit] = field(default_factory=list)
    sentiment: TurnSentiment | None = None


@dataclass(slots=True)
class ConversationAnalysis:
    conversation_id: str
    turns: list[TurnAnalysis] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    sentiment: ConversationSentiment | None = None
    quality: Quality | None = None
    promises: list[Promise] = field(default_factory=list)
    topic: TopicAssignment | None = None

    @property
    def redaction_kinds(self) -> tuple[str, ...]:
        """The kind of every redaction, in turn order (for metrics)."""
        return tuple(r.kind.value for t in self.turns for r in t.redactions)

    @property
    def redaction_count(self) -> int:
        return sum(len(t.redactions) for t in self.turns)

    @property
    def char_count(self) -> int:
        return sum(len(t.text) for t in self.turns)
