from voc_service.api.pb import analysis_pb2 as _analysis_pb2
from voc_service.api.pb import conversation_pb2 as _conversation_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    NOT_STORED: _ClassVar[Outcome]
    STORED: _ClassVar[Outcome]
    UPDATED: _ClassVar[Outcome]
    REJECTED: _ClassVar[Outcome]
OUTCOME_UNSPECIFIED: Outcome
NOT_STORED: Outcome
STORED: Outcome
UPDATED: Outcome
REJECTED: Outcome

class AnalyzeRequest(_message.Message):
    __slots__ = ("conversation", "persist", "include_tokens")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    PERSIST_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    persist: bool
    include_tokens: bool
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., persist: _Optional[bool] = ..., include_tokens: _Optional[bool] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("analysis", "outcome", "revision")
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    analysis: _analysis_pb2.ConversationAnalysis
    outcome: Outcome
    revision: int
    def __init__(self, analysis: _Optional[_Union[_analysis_pb2.ConversationAnalysis, _Mapping]] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., revision: _Optional[int] = ...) -> None: ...

class IngestRequest(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ...) -> None: ...

class IngestError(_message.Message):
    __slots__ = ("code", "field", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    field: str
    message: str
    def __init__(self, code: _Optional[str] = ..., field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class IngestAck(_message.Message):
    __slots__ = ("sequence", "conversation_id", "outcome", "revision", "error")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    conversation_id: str
    outcome: Outcome
    revision: int
    error: IngestError
    def __init__(self, sequence: _Optional[int] = ..., conversation_id: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., revision: _Optional[int] = ..., error: _Optional[_Union[IngestError, _Mapping]] = ...) -> None: ...
