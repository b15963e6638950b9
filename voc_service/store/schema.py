"""Table definitions (SQLAlchemy Core). Alembic migrations in ./migrations must match these;
tests/unit/test_store.py compares a migrated database with this metadata.

Only portable types: the same code runs on SQLite and PostgreSQL. Structured payloads are JSON
text we serialise ourselves; they are read whole, never queried inside.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, whatever the backend keeps (SQLite keeps naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("conversation_id", sa.String(128), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False, server_default=""),
    sa.Column("order_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("customer_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("agent_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("turn_count", sa.Integer, nullable=False),
    # {"sku_ids": [...], "attributes": {...}, "turns": [{"role", "text" (redacted), "sent_at", "agent_id"}]}
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index(None, "started_at"),
    sa.Index(None, "customer_id"),
    sa.Index(None, "order_id"),
)

analyses = sa.Table(
    "analyses",
    metadata,
    sa.Column(
        "conversation_id",
        sa.String(128),
        sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("versions", sa.Text, nullable=False),  # JSON {component: version}
    # JSON [{"redactions": [[kind, start, end]...], "entities": [[label, start, end]...]} per turn]
    sa.Column("turns", sa.Text, nullable=False),
    sa.Column("redaction_count", sa.Integer, nullable=False),
    sa.Column("char_count", sa.Integer, nullable=False),
    sa.Column("analysed_at", UTCDateTime(), nullable=False),
    # JSON of the conversation-level sentiment; its two most queried numbers also as columns
    sa.Column("summary", sa.Text, nullable=True),
    sa.Column("complaint", sa.Boolean, nullable=True),
    sa.Column("customer_satisfaction", sa.Float, nullable=True),
)
