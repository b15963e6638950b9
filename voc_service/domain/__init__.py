"""Plain dataclasses for the domain: no I/O, no protobuf, no NLP."""

from voc_service.domain.analysis import (
    ConversationAnalysis,
    ConversationSentiment,
    EmotionHit,
    EmotionKind,
    Entity,
    PiiKind,
    Redaction,
    SentimentLabel,
    Trajectory,
    TurnAnalysis,
    TurnSentiment,
)
from voc_service.domain.conversation import Conversation, Outcome, Role, Turn
from voc_service.domain.errors import (
    DeadlineExpired,
    InternalError,
    InvalidInput,
    LimitExceeded,
    NotFound,
    StoreUnavailable,
    VocError,
)

__all__ = [
    "Conversation",
    "ConversationAnalysis",
    "ConversationSentiment",
    "DeadlineExpired",
    "EmotionHit",
    "EmotionKind",
    "Entity",
    "InternalError",
    "InvalidInput",
    "LimitExceeded",
    "NotFound",
    "Outcome",
    "PiiKind",
    "Redaction",
    "Role",
    "SentimentLabel",
    "StoreUnavailable",
    "Turn",
    "Trajectory",
    "TurnAnalysis",
    "TurnSentiment",
    "VocError",
]
