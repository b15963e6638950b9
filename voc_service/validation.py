"""The validate stage: reject malformed or oversized conversations with the field at fault.

Runs first, so later stages may assume sane input. Roles are checked when the proto is converted
(an unknown enum value cannot become a domain Role).
"""

from __future__ import annotations

import re

from voc_service.config import Settings
from voc_service.domain import InvalidInput, LimitExceeded
from voc_service.pipeline import Work, stages

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Validate:
    name = "validate"
    version = "1"

    def __init__(self, settings: Settings) -> None:
        self.max_turns = settings.max_turns
        self.max_turn_chars = settings.max_turn_chars
        self.max_id_chars = settings.max_id_chars
        self.max_attributes = settings.max_attributes

    def __call__(self, work: Work) -> None:
        conv = work.conversation
        self._check_id("conversation.conversation_id", conv.conversation_id, required=True)
        for name in ("channel", "order_id", "customer_id", "agent_id"):
            self._check_id(f"conversation.{name}", getattr(conv, name))
        for i, sku in enumerate(conv.sku_ids):
            self._check_id(f"conversation.sku_ids[{i}]", sku, required=True)
        if len(conv.attributes) > self.max_attributes:
            raise LimitExceeded("conversation.attributes", f"more than {self.max_attributes} attributes")
        for key, value in conv.attributes.items():
            self._check_id(f"conversation.attributes[{key[:32]!r}]", key, required=True)
            if len(value) > self.max_turn_chars:
                raise LimitExceeded(
                    f"conversation.attributes[{key[:32]!r}]", f"longer than {self.max_turn_chars} characters"
                )
        if not conv.turns:
            raise InvalidInput("conversation.turns", "a conversation needs at least one turn")
        if len(conv.turns) > self.max_turns:
            raise LimitExceeded("conversation.turns", f"{len(conv.turns)} turns; the limit is {self.max_turns}")
        started = conv.started_at
        max_chars = self.max_turn_chars
        for i, turn in enumerate(conv.turns):
            if len(turn.text) > max_chars:
                raise LimitExceeded(
                    f"conversation.turns[{i}].text", f"{len(turn.text)} characters; the limit is {max_chars}"
                )
            if started is not None and turn.sent_at is not None and turn.sent_at < started:
                raise InvalidInput(f"conversation.turns[{i}].sent_at", "before conversation.started_at")
            if turn.agent_id:
                self._check_id(f"conversation.turns[{i}].agent_id", turn.agent_id)

    def _check_id(self, field: str, value: str, required: bool = False) -> None:
        if not value:
            if required:
                raise InvalidInput(field, "must not be empty")
            return
        if len(value) > self.max_id_chars:
            raise LimitExceeded(field, f"longer than {self.max_id_chars} characters")
        if _CONTROL.search(value) is not None:
            raise InvalidInput(field, "contains control characters")
        if value.isspace():
            raise InvalidInput(field, "must not be blank")


stages.register("validate", func=Validate)
