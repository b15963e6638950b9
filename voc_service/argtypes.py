"""argparse value types shared by the CLI and the jobs in pipelines/."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime


def iso_time(text: str) -> datetime:
    """An ISO 8601 time; UTC when it carries no offset (the store keeps UTC)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
