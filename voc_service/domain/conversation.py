"""A customer-service conversation as the caller sent it (before any analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """Who wrote a turn. Values equal the proto enum names, so conversion is a lookup."""

    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    BOT = "BOT"
    SYSTEM = "SYSTEM"


@dataclass(slots=True)
class Turn:
    role: Role
    text: str
    sent_at: datetime | None = None  # timezone-aware (UTC) when known
    agent_id: str = ""


@dataclass(slots=True)
class Conversation:
    """`conversation_id` is the caller's id and the idempotency key: re-sending it updates."""

    conversation_id: str
    turns: list[Turn]
    channel: str = ""
    sku_ids: list[str] = field(default_factory=list)
    order_id: str = ""
    customer_id: str = ""  # pseudonymous id from the caller, never a name or phone
    agent_id: str = ""
    started_at: datetime | None = None  # timezone-aware (UTC) when known
    attributes: dict[str, str] = field(default_factory=dict)
    purged_at: datetime | None = None  # read from the store: when retention blanked the turn texts


class Outcome(StrEnum):
    """What happened to a conversation sent for analysis (names match the proto enum)."""

    NOT_STORED = "NOT_STORED"
    STORED = "STORED"
    UPDATED = "UPDATED"
    REJECTED = "REJECTED"
