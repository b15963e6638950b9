import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from voc_service.api.pb import analysis_pb2 as _analysis_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListFlaggedRequest(_message.Message):
    __slots__ = ("rule_id", "severity", "sku_id", "agent_id", "since", "until", "page_size", "page_token")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    severity: _analysis_pb2.Severity
    sku_id: str
    agent_id: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, rule_id: _Optional[str] = ..., severity: _Optional[_Union[_analysis_pb2.Severity, str]] = ..., sku_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class FlaggedConversation(_message.Message):
    __slots__ = ("conversation_id", "started_at", "agent_id", "sku_ids", "score", "findings")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_IDS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    started_at: _timestamp_pb2.Timestamp
    agent_id: str
    sku_ids: _containers.RepeatedScalarFieldContainer[str]
    score: float
    findings: _containers.RepeatedCompositeFieldContainer[_analysis_pb2.Finding]
    def __init__(self, conversation_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agent_id: _Optional[str] = ..., sku_ids: _Optional[_Iterable[str]] = ..., score: _Optional[float] = ..., findings: _Optional[_Iterable[_Union[_analysis_pb2.Finding, _Mapping]]] = ...) -> None: ...

class ListFlaggedResponse(_message.Message):
    __slots__ = ("conversations", "next_page_token")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[FlaggedConversation]
    next_page_token: str
    def __init__(self, conversations: _Optional[_Iterable[_Union[FlaggedConversation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("conversation_id", "rule_id", "verdict", "note", "reviewer_id", "reviewed_at", "rule_version")
    class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        VERDICT_UNSPECIFIED: _ClassVar[Review.Verdict]
        CONFIRMED: _ClassVar[Review.Verdict]
        FALSE_POSITIVE: _ClassVar[Review.Verdict]
    VERDICT_UNSPECIFIED: Review.Verdict
    CONFIRMED: Review.Verdict
    FALSE_POSITIVE: Review.Verdict
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    RULE_VERSION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    rule_id: str
    verdict: Review.Verdict
    note: str
    reviewer_id: str
    reviewed_at: _timestamp_pb2.Timestamp
    rule_version: int
    def __init__(self, conversation_id: _Optional[str] = ..., rule_id: _Optional[str] = ..., verdict: _Optional[_Union[Review.Verdict, str]] = ..., note: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rule_version: _Optional[int] = ...) -> None: ...

class SubmitReviewRequest(_message.Message):
    __slots__ = ("conversation_id", "rule_id", "verdict", "note", "reviewer_id")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    rule_id: str
    verdict: Review.Verdict
    note: str
    reviewer_id: str
    def __init__(self, conversation_id: _Optional[str] = ..., rule_id: _Optional[str] = ..., verdict: _Optional[_Union[Review.Verdict, str]] = ..., note: _Optional[str] = ..., reviewer_id: _Optional[str] = ...) -> None: ...

class ListReviewsRequest(_message.Message):
    __slots__ = ("rule_id", "conversation_id", "reviewer_id", "page_size", "page_token")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    conversation_id: str
    reviewer_id: str
    page_size: int
    page_token: str
    def __init__(self, rule_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReviewsResponse(_message.Message):
    __slots__ = ("reviews", "next_page_token")
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[Review]
    next_page_token: str
    def __init__(self, reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RuleInfo(_message.Message):
    __slots__ = ("rule_id", "version", "description", "severity", "deduction", "pack", "findings", "reviewed", "confirmed", "precision", "has_precision")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DEDUCTION_FIELD_NUMBER: _ClassVar[int]
    PACK_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    HAS_PRECISION_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    version: int
    description: str
    severity: _analysis_pb2.Severity
    deduction: float
    pack: str
    findings: int
    reviewed: int
    confirmed: int
    precision: float
    has_precision: bool
    def __init__(self, rule_id: _Optional[str] = ..., version: _Optional[int] = ..., description: _Optional[str] = ..., severity: _Optional[_Union[_analysis_pb2.Severity, str]] = ..., deduction: _Optional[float] = ..., pack: _Optional[str] = ..., findings: _Optional[int] = ..., reviewed: _Optional[int] = ..., confirmed: _Optional[int] = ..., precision: _Optional[float] = ..., has_precision: _Optional[bool] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules", "pack_version")
    RULES_FIELD_NUMBER: _ClassVar[int]
    PACK_VERSION_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[RuleInfo]
    pack_version: str
    def __init__(self, rules: _Optional[_Iterable[_Union[RuleInfo, _Mapping]]] = ..., pack_version: _Optional[str] = ...) -> None: ...

class GetScorecardRequest(_message.Message):
    __slots__ = ("agent_id", "since", "until")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    def __init__(self, agent_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Scorecard(_message.Message):
    __slots__ = ("agent_id", "conversations", "mean_score", "flagged_rate", "findings_by_rule", "mean_first_response_seconds", "first_responses_measured")
    class FindingsByRuleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    MEAN_SCORE_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_RATE_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_BY_RULE_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIRST_RESPONSE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSES_MEASURED_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    conversations: int
    mean_score: float
    flagged_rate: float
    findings_by_rule: _containers.ScalarMap[str, int]
    mean_first_response_seconds: float
    first_responses_measured: int
    def __init__(self, agent_id: _Optional[str] = ..., conversations: _Optional[int] = ..., mean_score: _Optional[float] = ..., flagged_rate: _Optional[float] = ..., findings_by_rule: _Optional[_Mapping[str, int]] = ..., mean_first_response_seconds: _Optional[float] = ..., first_responses_measured: _Optional[int] = ...) -> None: ...

class ListScorecardsRequest(_message.Message):
    __slots__ = ("since", "until", "best_first", "min_conversations", "page_size", "page_token")
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    BEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    MIN_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    best_first: bool
    min_conversations: int
    page_size: int
    page_token: str
    def __init__(self, since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., best_first: _Optional[bool] = ..., min_conversations: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScorecardsResponse(_message.Message):
    __slots__ = ("scorecards", "next_page_token")
    SCORECARDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scorecards: _containers.RepeatedCompositeFieldContainer[Scorecard]
    next_page_token: str
    def __init__(self, scorecards: _Optional[_Iterable[_Union[Scorecard, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListPromisesRequest(_message.Message):
    __slots__ = ("statuses", "overdue_only", "customer_id", "order_id", "page_size", "page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[_analysis_pb2.Promise.Status]
    overdue_only: bool
    customer_id: str
    order_id: str
    page_size: int
    page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[_analysis_pb2.Promise.Status, str]]] = ..., overdue_only: _Optional[bool] = ..., customer_id: _Optional[str] = ..., order_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPromisesResponse(_message.Message):
    __slots__ = ("promises", "next_page_token")
    PROMISES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    promises: _containers.RepeatedCompositeFieldContainer[_analysis_pb2.Promise]
    next_page_token: str
    def __init__(self, promises: _Optional[_Iterable[_Union[_analysis_pb2.Promise, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordFulfilmentRequest(_message.Message):
    __slots__ = ("promise_id", "note", "fulfilled_at")
    PROMISE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    FULFILLED_AT_FIELD_NUMBER: _ClassVar[int]
    promise_id: str
    note: str
    fulfilled_at: _timestamp_pb2.Timestamp
    def __init__(self, promise_id: _Optional[str] = ..., note: _Optional[str] = ..., fulfilled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReloadRulesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReloadRulesResponse(_message.Message):
    __slots__ = ("pack_version", "rule_count")
    PACK_VERSION_FIELD_NUMBER: _ClassVar[int]
    RULE_COUNT_FIELD_NUMBER: _ClassVar[int]
    pack_version: str
    rule_count: int
    def __init__(self, pack_version: _Optional[str] = ..., rule_count: _Optional[int] = ...) -> None: ...
