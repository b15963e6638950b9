import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from voc_service.api.pb import conversation_pb2 as _conversation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    INFO: _ClassVar[Severity]
    MINOR: _ClassVar[Severity]
    MAJOR: _ClassVar[Severity]
    CRITICAL: _ClassVar[Severity]
SEVERITY_UNSPECIFIED: Severity
INFO: Severity
MINOR: Severity
MAJOR: Severity
CRITICAL: Severity

class Redaction(_message.Message):
    __slots__ = ("kind", "start", "end")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Redaction.Kind]
        PHONE: _ClassVar[Redaction.Kind]
        LANDLINE: _ClassVar[Redaction.Kind]
        ID_CARD: _ClassVar[Redaction.Kind]
        BANK_CARD: _ClassVar[Redaction.Kind]
        EMAIL: _ClassVar[Redaction.Kind]
        ADDRESS: _ClassVar[Redaction.Kind]
    KIND_UNSPECIFIED: Redaction.Kind
    PHONE: Redaction.Kind
    LANDLINE: Redaction.Kind
    ID_CARD: Redaction.Kind
    BANK_CARD: Redaction.Kind
    EMAIL: Redaction.Kind
    ADDRESS: Redaction.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    kind: Redaction.Kind
    start: int
    end: int
    def __init__(self, kind: _Optional[_Union[Redaction.Kind, str]] = ..., start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class Entity(_message.Message):
    __slots__ = ("label", "start", "end", "text")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    label: str
    start: int
    end: int
    text: str
    def __init__(self, label: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class Emotion(_message.Message):
    __slots__ = ("kind", "start", "end", "text")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Emotion.Kind]
        ANGER: _ClassVar[Emotion.Kind]
        ANXIETY: _ClassVar[Emotion.Kind]
        DISAPPOINTMENT: _ClassVar[Emotion.Kind]
        ESCALATION: _ClassVar[Emotion.Kind]
        HUMAN_REQUEST: _ClassVar[Emotion.Kind]
    KIND_UNSPECIFIED: Emotion.Kind
    ANGER: Emotion.Kind
    ANXIETY: Emotion.Kind
    DISAPPOINTMENT: Emotion.Kind
    ESCALATION: Emotion.Kind
    HUMAN_REQUEST: Emotion.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    kind: Emotion.Kind
    start: int
    end: int
    text: str
    def __init__(self, kind: _Optional[_Union[Emotion.Kind, str]] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class Sentiment(_message.Message):
    __slots__ = ("score", "label", "confidence")
    class Label(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        LABEL_UNSPECIFIED: _ClassVar[Sentiment.Label]
        NEGATIVE: _ClassVar[Sentiment.Label]
        NEUTRAL: _ClassVar[Sentiment.Label]
        POSITIVE: _ClassVar[Sentiment.Label]
    LABEL_UNSPECIFIED: Sentiment.Label
    NEGATIVE: Sentiment.Label
    NEUTRAL: Sentiment.Label
    POSITIVE: Sentiment.Label
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    score: float
    label: Sentiment.Label
    confidence: float
    def __init__(self, score: _Optional[float] = ..., label: _Optional[_Union[Sentiment.Label, str]] = ..., confidence: _Optional[float] = ...) -> None: ...

class ConversationSentiment(_message.Message):
    __slots__ = ("customer_turns", "customer_start", "customer_end", "customer_min", "customer_mean", "trajectory", "agent_negative_turns", "complaint", "complaint_reasons", "customer_satisfaction", "satisfaction_factors")
    class Trajectory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TRAJECTORY_UNSPECIFIED: _ClassVar[ConversationSentiment.Trajectory]
        FLAT: _ClassVar[ConversationSentiment.Trajectory]
        IMPROVED: _ClassVar[ConversationSentiment.Trajectory]
        WORSENED: _ClassVar[ConversationSentiment.Trajectory]
    TRAJECTORY_UNSPECIFIED: ConversationSentiment.Trajectory
    FLAT: ConversationSentiment.Trajectory
    IMPROVED: ConversationSentiment.Trajectory
    WORSENED: ConversationSentiment.Trajectory
    class SatisfactionFactorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CUSTOMER_TURNS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_START_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_END_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_MIN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_MEAN_FIELD_NUMBER: _ClassVar[int]
    TRAJECTORY_FIELD_NUMBER: _ClassVar[int]
    AGENT_NEGATIVE_TURNS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_REASONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FACTORS_FIELD_NUMBER: _ClassVar[int]
    customer_turns: int
    customer_start: float
    customer_end: float
    customer_min: float
    customer_mean: float
    trajectory: ConversationSentiment.Trajectory
    agent_negative_turns: _containers.RepeatedScalarFieldContainer[int]
    complaint: bool
    complaint_reasons: _containers.RepeatedScalarFieldContainer[str]
    customer_satisfaction: float
    satisfaction_factors: _containers.ScalarMap[str, float]
    def __init__(self, customer_turns: _Optional[int] = ..., customer_start: _Optional[float] = ..., customer_end: _Optional[float] = ..., customer_min: _Optional[float] = ..., customer_mean: _Optional[float] = ..., trajectory: _Optional[_Union[ConversationSentiment.Trajectory, str]] = ..., agent_negative_turns: _Optional[_Iterable[int]] = ..., complaint: _Optional[bool] = ..., complaint_reasons: _Optional[_Iterable[str]] = ..., customer_satisfaction: _Optional[float] = ..., satisfaction_factors: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("turn_index", "start", "end", "text")
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    turn_index: int
    start: int
    end: int
    text: str
    def __init__(self, turn_index: _Optional[int] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("rule_id", "rule_version", "severity", "deduction", "message", "turn_index", "start", "end", "evidence_text", "evidence", "ref")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DEDUCTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_TEXT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    rule_version: int
    severity: Severity
    deduction: float
    message: str
    turn_index: int
    start: int
    end: int
    evidence_text: str
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    ref: str
    def __init__(self, rule_id: _Optional[str] = ..., rule_version: _Optional[int] = ..., severity: _Optional[_Union[Severity, str]] = ..., deduction: _Optional[float] = ..., message: _Optional[str] = ..., turn_index: _Optional[int] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., evidence_text: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., ref: _Optional[str] = ...) -> None: ...

class Quality(_message.Message):
    __slots__ = ("score", "flagged", "findings", "pack_version")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    PACK_VERSION_FIELD_NUMBER: _ClassVar[int]
    score: float
    flagged: bool
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    pack_version: str
    def __init__(self, score: _Optional[float] = ..., flagged: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., pack_version: _Optional[str] = ...) -> None: ...

class Promise(_message.Message):
    __slots__ = ("promise_id", "conversation_id", "turn_index", "kind", "made_at", "due_at", "start", "end", "text", "customer_id", "order_id", "status", "status_at", "status_note", "broken_by")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Promise.Kind]
        CALLBACK: _ClassVar[Promise.Kind]
        VISIT: _ClassVar[Promise.Kind]
        REFUND: _ClassVar[Promise.Kind]
        DELIVERY: _ClassVar[Promise.Kind]
        HANDLE: _ClassVar[Promise.Kind]
    KIND_UNSPECIFIED: Promise.Kind
    CALLBACK: Promise.Kind
    VISIT: Promise.Kind
    REFUND: Promise.Kind
    DELIVERY: Promise.Kind
    HANDLE: Promise.Kind
    class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATUS_UNSPECIFIED: _ClassVar[Promise.Status]
        OPEN: _ClassVar[Promise.Status]
        FULFILLED: _ClassVar[Promise.Status]
        BROKEN: _ClassVar[Promise.Status]
    STATUS_UNSPECIFIED: Promise.Status
    OPEN: Promise.Status
    FULFILLED: Promise.Status
    BROKEN: Promise.Status
    PROMISE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MADE_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_NOTE_FIELD_NUMBER: _ClassVar[int]
    BROKEN_BY_FIELD_NUMBER: _ClassVar[int]
    promise_id: str
    conversation_id: str
    turn_index: int
    kind: Promise.Kind
    made_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    start: int
    end: int
    text: str
    customer_id: str
    order_id: str
    status: Promise.Status
    status_at: _timestamp_pb2.Timestamp
    status_note: str
    broken_by: str
    def __init__(self, promise_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., turn_index: _Optional[int] = ..., kind: _Optional[_Union[Promise.Kind, str]] = ..., made_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., text: _Optional[str] = ..., customer_id: _Optional[str] = ..., order_id: _Optional[str] = ..., status: _Optional[_Union[Promise.Status, str]] = ..., status_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_note: _Optional[str] = ..., broken_by: _Optional[str] = ...) -> None: ...

class TopicAssignment(_message.Message):
    __slots__ = ("id", "label", "probability", "model_version", "outlier")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_FIELD_NUMBER: _ClassVar[int]
    id: int
    label: str
    probability: float
    model_version: str
    outlier: bool
    def __init__(self, id: _Optional[int] = ..., label: _Optional[str] = ..., probability: _Optional[float] = ..., model_version: _Optional[str] = ..., outlier: _Optional[bool] = ...) -> None: ...

class TurnAnalysis(_message.Message):
    __slots__ = ("index", "role", "redacted_text", "redactions", "tokens", "entities", "emotions", "sentiment")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REDACTED_TEXT_FIELD_NUMBER: _ClassVar[int]
    REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    index: int
    role: _conversation_pb2.Role
    redacted_text: str
    redactions: _containers.RepeatedCompositeFieldContainer[Redaction]
    tokens: _containers.RepeatedScalarFieldContainer[str]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    emotions: _containers.RepeatedCompositeFieldContainer[Emotion]
    sentiment: Sentiment
    def __init__(self, index: _Optional[int] = ..., role: _Optional[_Union[_conversation_pb2.Role, str]] = ..., redacted_text: _Optional[str] = ..., redactions: _Optional[_Iterable[_Union[Redaction, _Mapping]]] = ..., tokens: _Optional[_Iterable[str]] = ..., entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., emotions: _Optional[_Iterable[_Union[Emotion, _Mapping]]] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ...) -> None: ...

class ConversationAnalysis(_message.Message):
    __slots__ = ("conversation_id", "turns", "versions", "redaction_count", "char_count", "sentiment", "quality", "promises", "topic")
    class VersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    REDACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    PROMISES_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    turns: _containers.RepeatedCompositeFieldContainer[TurnAnalysis]
    versions: _containers.ScalarMap[str, str]
    redaction_count: int
    char_count: int
    sentiment: ConversationSentiment
    quality: Quality
    promises: _containers.RepeatedCompositeFieldContainer[Promise]
    topic: TopicAssignment
    def __init__(self, conversation_id: _Optional[str] = ..., turns: _Optional[_Iterable[_Union[TurnAnalysis, _Mapping]]] = ..., versions: _Optional[_Mapping[str, str]] = ..., redaction_count: _Optional[int] = ..., char_count: _Optional[int] = ..., sentiment: _Optional[_Union[ConversationSentiment, _Mapping]] = ..., quality: _Optional[_Union[Quality, _Mapping]] = ..., promises: _Optional[_Iterable[_Union[Promise, _Mapping]]] = ..., topic: _Optional[_Union[TopicAssignment, _Mapping]] = ...) -> None: ...

class StoredConversation(_message.Message):
    __slots__ = ("conversation", "analysis", "revision", "purged_at")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PURGED_AT_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    analysis: ConversationAnalysis
    revision: int
    purged_at: _timestamp_pb2.Timestamp
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., analysis: _Optional[_Union[ConversationAnalysis, _Mapping]] = ..., revision: _Optional[int] = ..., purged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
