"""INSERT … ON CONFLICT for the two backends we support: SQLAlchemy spells it per dialect."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

_INSERTS: dict[str, Callable[[sa.Table], sa.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def upsert_insert(conn: sa.Connection, table: sa.Table):  # noqa: ANN201 - a dialect-specific Insert
    """The dialect's INSERT construct (it has ``on_conflict_do_update`` and ``excluded``)."""
    insert = _INSERTS.get(conn.dialect.name)
    if insert is None:
        raise NotImplementedError(f"upserts need SQLite or PostgreSQL, not {conn.dialect.name}")
    return insert(table)
