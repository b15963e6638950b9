import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Window(_message.Message):
    __slots__ = ("since", "until", "resolution_seconds")
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    resolution_seconds: int
    def __init__(self, since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution_seconds: _Optional[int] = ...) -> None: ...

class TrendPoint(_message.Message):
    __slots__ = ("start", "conversations", "complaints", "negative_turns", "flagged", "mean_sentiment")
    START_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_TURNS_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    MEAN_SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    conversations: int
    complaints: int
    negative_turns: int
    flagged: int
    mean_sentiment: float
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conversations: _Optional[int] = ..., complaints: _Optional[int] = ..., negative_turns: _Optional[int] = ..., flagged: _Optional[int] = ..., mean_sentiment: _Optional[float] = ...) -> None: ...

class Keyword(_message.Message):
    __slots__ = ("word", "weight")
    WORD_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    word: str
    weight: float
    def __init__(self, word: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class TopicSummary(_message.Message):
    __slots__ = ("id", "label", "keywords", "fitted_size", "lineage", "conversations", "complaints", "complaint_share", "trend")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    FITTED_SIZE_FIELD_NUMBER: _ClassVar[int]
    LINEAGE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_SHARE_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    id: int
    label: str
    keywords: _containers.RepeatedCompositeFieldContainer[Keyword]
    fitted_size: int
    lineage: str
    conversations: int
    complaints: int
    complaint_share: float
    trend: _containers.RepeatedCompositeFieldContainer[TrendPoint]
    def __init__(self, id: _Optional[int] = ..., label: _Optional[str] = ..., keywords: _Optional[_Iterable[_Union[Keyword, _Mapping]]] = ..., fitted_size: _Optional[int] = ..., lineage: _Optional[str] = ..., conversations: _Optional[int] = ..., complaints: _Optional[int] = ..., complaint_share: _Optional[float] = ..., trend: _Optional[_Iterable[_Union[TrendPoint, _Mapping]]] = ...) -> None: ...

class ListTopicsRequest(_message.Message):
    __slots__ = ("window", "include_trend")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TREND_FIELD_NUMBER: _ClassVar[int]
    window: Window
    include_trend: bool
    def __init__(self, window: _Optional[_Union[Window, _Mapping]] = ..., include_trend: _Optional[bool] = ...) -> None: ...

class ListTopicsResponse(_message.Message):
    __slots__ = ("model_version", "topics", "outlier_conversations", "bucket_seconds")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_SECONDS_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    topics: _containers.RepeatedCompositeFieldContainer[TopicSummary]
    outlier_conversations: int
    bucket_seconds: int
    def __init__(self, model_version: _Optional[str] = ..., topics: _Optional[_Iterable[_Union[TopicSummary, _Mapping]]] = ..., outlier_conversations: _Optional[int] = ..., bucket_seconds: _Optional[int] = ...) -> None: ...

class GetTopicRequest(_message.Message):
    __slots__ = ("topic_id", "window", "sku_limit", "example_limit")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    SKU_LIMIT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    topic_id: int
    window: Window
    sku_limit: int
    example_limit: int
    def __init__(self, topic_id: _Optional[int] = ..., window: _Optional[_Union[Window, _Mapping]] = ..., sku_limit: _Optional[int] = ..., example_limit: _Optional[int] = ...) -> None: ...

class TopicExample(_message.Message):
    __slots__ = ("conversation_id", "customer_text", "probability", "occurred_at")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TEXT_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_text: str
    probability: float
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, conversation_id: _Optional[str] = ..., customer_text: _Optional[str] = ..., probability: _Optional[float] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TopicSku(_message.Message):
    __slots__ = ("sku_id", "conversations", "complaints", "complaint_share", "share_of_sku", "fit_keywords")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_SHARE_FIELD_NUMBER: _ClassVar[int]
    SHARE_OF_SKU_FIELD_NUMBER: _ClassVar[int]
    FIT_KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    conversations: int
    complaints: int
    complaint_share: float
    share_of_sku: float
    fit_keywords: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sku_id: _Optional[str] = ..., conversations: _Optional[int] = ..., complaints: _Optional[int] = ..., complaint_share: _Optional[float] = ..., share_of_sku: _Optional[float] = ..., fit_keywords: _Optional[_Iterable[str]] = ...) -> None: ...

class TopicDetail(_message.Message):
    __slots__ = ("model_version", "topic", "examples", "fit_examples", "skus")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    FIT_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    topic: TopicSummary
    examples: _containers.RepeatedCompositeFieldContainer[TopicExample]
    fit_examples: _containers.RepeatedScalarFieldContainer[str]
    skus: _containers.RepeatedCompositeFieldContainer[TopicSku]
    def __init__(self, model_version: _Optional[str] = ..., topic: _Optional[_Union[TopicSummary, _Mapping]] = ..., examples: _Optional[_Iterable[_Union[TopicExample, _Mapping]]] = ..., fit_examples: _Optional[_Iterable[str]] = ..., skus: _Optional[_Iterable[_Union[TopicSku, _Mapping]]] = ...) -> None: ...

class ListTopicEventsRequest(_message.Message):
    __slots__ = ("after_event_id", "kind", "page_size")
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    after_event_id: int
    kind: str
    page_size: int
    def __init__(self, after_event_id: _Optional[int] = ..., kind: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class TopicEvent(_message.Message):
    __slots__ = ("event_id", "model_version", "kind", "topic_id", "previous_ids", "label", "created_at")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_IDS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    model_version: str
    kind: str
    topic_id: int
    previous_ids: _containers.RepeatedScalarFieldContainer[int]
    label: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[int] = ..., model_version: _Optional[str] = ..., kind: _Optional[str] = ..., topic_id: _Optional[int] = ..., previous_ids: _Optional[_Iterable[int]] = ..., label: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTopicEventsResponse(_message.Message):
    __slots__ = ("events", "last_event_id")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[TopicEvent]
    last_event_id: int
    def __init__(self, events: _Optional[_Iterable[_Union[TopicEvent, _Mapping]]] = ..., last_event_id: _Optional[int] = ...) -> None: ...

class GetSkuExperienceRequest(_message.Message):
    __slots__ = ("sku_id", "window", "topic_limit")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    TOPIC_LIMIT_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    window: Window
    topic_limit: int
    def __init__(self, sku_id: _Optional[str] = ..., window: _Optional[_Union[Window, _Mapping]] = ..., topic_limit: _Optional[int] = ...) -> None: ...

class ExperienceComponents(_message.Message):
    __slots__ = ("complaint_share", "raw_complaint_share", "sentiment", "raw_sentiment", "flagged_share", "negative_share", "raw_negative_share")
    COMPLAINT_SHARE_FIELD_NUMBER: _ClassVar[int]
    RAW_COMPLAINT_SHARE_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    RAW_SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_SHARE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_SHARE_FIELD_NUMBER: _ClassVar[int]
    RAW_NEGATIVE_SHARE_FIELD_NUMBER: _ClassVar[int]
    complaint_share: float
    raw_complaint_share: float
    sentiment: float
    raw_sentiment: float
    flagged_share: float
    negative_share: float
    raw_negative_share: float
    def __init__(self, complaint_share: _Optional[float] = ..., raw_complaint_share: _Optional[float] = ..., sentiment: _Optional[float] = ..., raw_sentiment: _Optional[float] = ..., flagged_share: _Optional[float] = ..., negative_share: _Optional[float] = ..., raw_negative_share: _Optional[float] = ...) -> None: ...

class IndexPoint(_message.Message):
    __slots__ = ("start", "index", "conversations", "complaints")
    START_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    index: float
    conversations: int
    complaints: int
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., index: _Optional[float] = ..., conversations: _Optional[int] = ..., complaints: _Optional[int] = ...) -> None: ...

class SkuTopic(_message.Message):
    __slots__ = ("topic_id", "label", "conversations", "complaints")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    topic_id: int
    label: str
    conversations: int
    complaints: int
    def __init__(self, topic_id: _Optional[int] = ..., label: _Optional[str] = ..., conversations: _Optional[int] = ..., complaints: _Optional[int] = ...) -> None: ...

class SkuExperience(_message.Message):
    __slots__ = ("sku_id", "category", "index", "index_low", "index_high", "components", "conversations", "complaints", "prior_index", "trend", "top_complaint_topics")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    INDEX_LOW_FIELD_NUMBER: _ClassVar[int]
    INDEX_HIGH_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    PRIOR_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    TOP_COMPLAINT_TOPICS_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    category: str
    index: float
    index_low: float
    index_high: float
    components: ExperienceComponents
    conversations: int
    complaints: int
    prior_index: float
    trend: _containers.RepeatedCompositeFieldContainer[IndexPoint]
    top_complaint_topics: _containers.RepeatedCompositeFieldContainer[SkuTopic]
    def __init__(self, sku_id: _Optional[str] = ..., category: _Optional[str] = ..., index: _Optional[float] = ..., index_low: _Optional[float] = ..., index_high: _Optional[float] = ..., components: _Optional[_Union[ExperienceComponents, _Mapping]] = ..., conversations: _Optional[int] = ..., complaints: _Optional[int] = ..., prior_index: _Optional[float] = ..., trend: _Optional[_Iterable[_Union[IndexPoint, _Mapping]]] = ..., top_complaint_topics: _Optional[_Iterable[_Union[SkuTopic, _Mapping]]] = ...) -> None: ...

class ListSkuExperienceRequest(_message.Message):
    __slots__ = ("window", "category", "min_conversations", "best_first", "page_size", "page_token")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MIN_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    BEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    window: Window
    category: str
    min_conversations: int
    best_first: bool
    page_size: int
    page_token: str
    def __init__(self, window: _Optional[_Union[Window, _Mapping]] = ..., category: _Optional[str] = ..., min_conversations: _Optional[int] = ..., best_first: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSkuExperienceResponse(_message.Message):
    __slots__ = ("skus", "next_page_token", "total")
    SKUS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    skus: _containers.RepeatedCompositeFieldContainer[SkuExperience]
    next_page_token: str
    total: int
    def __init__(self, skus: _Optional[_Iterable[_Union[SkuExperience, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class Signal(_message.Message):
    __slots__ = ("signal_id", "kind", "sku_id", "topic_id", "has_topic", "window_start", "window_end", "observed", "expected", "score", "peak_score", "severity", "status", "keywords", "evidence_conversation_ids", "resolved_at")
    class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATUS_UNSPECIFIED: _ClassVar[Signal.Status]
        OPEN: _ClassVar[Signal.Status]
        RESOLVED: _ClassVar[Signal.Status]
    STATUS_UNSPECIFIED: Signal.Status
    OPEN: Signal.Status
    RESOLVED: Signal.Status
    SIGNAL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_TOPIC_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PEAK_SCORE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_CONVERSATION_IDS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    signal_id: int
    kind: str
    sku_id: str
    topic_id: int
    has_topic: bool
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    observed: int
    expected: float
    score: float
    peak_score: float
    severity: str
    status: Signal.Status
    keywords: _containers.RepeatedScalarFieldContainer[str]
    evidence_conversation_ids: _containers.RepeatedScalarFieldContainer[str]
    resolved_at: _timestamp_pb2.Timestamp
    def __init__(self, signal_id: _Optional[int] = ..., kind: _Optional[str] = ..., sku_id: _Optional[str] = ..., topic_id: _Optional[int] = ..., has_topic: _Optional[bool] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., observed: _Optional[int] = ..., expected: _Optional[float] = ..., score: _Optional[float] = ..., peak_score: _Optional[float] = ..., severity: _Optional[str] = ..., status: _Optional[_Union[Signal.Status, str]] = ..., keywords: _Optional[_Iterable[str]] = ..., evidence_conversation_ids: _Optional[_Iterable[str]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSignalsRequest(_message.Message):
    __slots__ = ("status", "kind", "sku_id", "topic_id", "filter_topic", "since", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_TOPIC_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: Signal.Status
    kind: str
    sku_id: str
    topic_id: int
    filter_topic: bool
    since: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[Signal.Status, str]] = ..., kind: _Optional[str] = ..., sku_id: _Optional[str] = ..., topic_id: _Optional[int] = ..., filter_topic: _Optional[bool] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSignalsResponse(_message.Message):
    __slots__ = ("signals", "next_page_token")
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    signals: _containers.RepeatedCompositeFieldContainer[Signal]
    next_page_token: str
    def __init__(self, signals: _Optional[_Iterable[_Union[Signal, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchSignalsRequest(_message.Message):
    __slots__ = ("after_sequence",)
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class SignalEvent(_message.Message):
    __slots__ = ("sequence", "kind", "signal")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[SignalEvent.Kind]
        OPENED: _ClassVar[SignalEvent.Kind]
        RESOLVED: _ClassVar[SignalEvent.Kind]
    KIND_UNSPECIFIED: SignalEvent.Kind
    OPENED: SignalEvent.Kind
    RESOLVED: SignalEvent.Kind
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: SignalEvent.Kind
    signal: Signal
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[SignalEvent.Kind, str]] = ..., signal: _Optional[_Union[Signal, _Mapping]] = ...) -> None: ...
