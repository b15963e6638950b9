"""JSON Lines in the canonical proto3 JSON mapping: Conversation in, ConversationAnalysis out."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from google.protobuf import json_format
from google.protobuf.message import Message

from voc_service.api.pb import conversation_pb2
from voc_service.domain import InvalidInput
from voc_service.text.redact import Redactor

_redactor = Redactor()


def to_json(msg: Message) -> str:
    return json_format.MessageToJson(msg, indent=None, ensure_ascii=False)


def parse_conversation(line: str) -> conversation_pb2.Conversation:
    """Raises InvalidInput with the parser's reason (redacted: it may quote a value)."""
    if not line.lstrip().startswith("{"):
        raise InvalidInput("", "not a Conversation in proto3 JSON: a line must be one JSON object")
    try:
        return json_format.Parse(line, conversation_pb2.Conversation())
    except json_format.ParseError as exc:
        reason = _redactor.redact(str(exc)[:300]).text
        raise InvalidInput("", f"not a Conversation in proto3 JSON: {reason}") from None


@contextmanager
def open_input(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdin
    else:
        with open(path, encoding="utf-8") as fh:
            yield fh


def read_lines(fh: IO[str]) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) for every non-blank line."""
    for number, line in enumerate(fh, 1):
        if line.strip():
            yield number, line
