import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    CUSTOMER: _ClassVar[Role]
    AGENT: _ClassVar[Role]
    BOT: _ClassVar[Role]
    SYSTEM: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
CUSTOMER: Role
AGENT: Role
BOT: Role
SYSTEM: Role

class Turn(_message.Message):
    __slots__ = ("role", "text", "sent_at", "agent_id")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    role: Role
    text: str
    sent_at: _timestamp_pb2.Timestamp
    agent_id: str
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., text: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agent_id: _Optional[str] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("conversation_id", "channel", "sku_ids", "order_id", "customer_id", "agent_id", "started_at", "turns", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SKU_IDS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    channel: str
    sku_ids: _containers.RepeatedScalarFieldContainer[str]
    order_id: str
    customer_id: str
    agent_id: str
    started_at: _timestamp_pb2.Timestamp
    turns: _containers.RepeatedCompositeFieldContainer[Turn]
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, conversation_id: _Optional[str] = ..., channel: _Optional[str] = ..., sku_ids: _Optional[_Iterable[str]] = ..., order_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., turns: _Optional[_Iterable[_Union[Turn, _Mapping]]] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...
