from voc_service.api.pb import conversation_pb2 as _conversation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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

class TurnAnalysis(_message.Message):
    __slots__ = ("index", "role", "redacted_text", "redactions", "tokens", "entities", "emotions")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REDACTED_TEXT_FIELD_NUMBER: _ClassVar[int]
    REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    index: int
    role: _conversation_pb2.Role
    redacted_text: str
    redactions: _containers.RepeatedCompositeFieldContainer[Redaction]
    tokens: _containers.RepeatedScalarFieldContainer[str]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    emotions: _containers.RepeatedCompositeFieldContainer[Emotion]
    def __init__(self, index: _Optional[int] = ..., role: _Optional[_Union[_conversation_pb2.Role, str]] = ..., redacted_text: _Optional[str] = ..., redactions: _Optional[_Iterable[_Union[Redaction, _Mapping]]] = ..., tokens: _Optional[_Iterable[str]] = ..., entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., emotions: _Optional[_Iterable[_Union[Emotion, _Mapping]]] = ...) -> None: ...

class ConversationAnalysis(_message.Message):
    __slots__ = ("conversation_id", "turns", "versions", "redaction_count", "char_count")
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
    conversation_id: str
    turns: _containers.RepeatedCompositeFieldContainer[TurnAnalysis]
    versions: _containers.ScalarMap[str, str]
    redaction_count: int
    char_count: int
    def __init__(self, conversation_id: _Optional[str] = ..., turns: _Optional[_Iterable[_Union[TurnAnalysis, _Mapping]]] = ..., versions: _Optional[_Mapping[str, str]] = ..., redaction_count: _Optional[int] = ..., char_count: _Optional[int] = ...) -> None: ...

class StoredConversation(_message.Message):
    __slots__ = ("conversation", "analysis", "revision")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    conversation: _conversation_pb2.Conversation
    analysis: ConversationAnalysis
    revision: int
    def __init__(self, conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., analysis: _Optional[_Union[ConversationAnalysis, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...
