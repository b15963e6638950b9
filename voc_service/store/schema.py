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
    # when retention blanked the turn texts (voc_service/store/retention.py); NULL: texts kept.
    # A re-send stores the texts again and clears it.
    sa.Column("purged_at", UTCDateTime(), nullable=True),
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
    # quality inspection: score and flag as columns (queried), everything else in `quality` JSON
    sa.Column("qa_score", sa.Float, nullable=True),
    sa.Column("flagged", sa.Boolean, nullable=True),
    sa.Column("quality", sa.Text, nullable=True),
    # when the conversation happened: started_at, else its first turn's time, else when stored
    sa.Column("occurred_at", UTCDateTime(), nullable=True),
    # seconds from the customer's first reachable turn to the first agent turn (scorecards)
    sa.Column("first_response_seconds", sa.Float, nullable=True),
    # topic of the active model when analysed (-1 = outlier); the model version says which model
    sa.Column("topic_id", sa.Integer, nullable=True),
    sa.Column("topic_probability", sa.Float, nullable=True),
    sa.Column("topic_label", sa.String(200), nullable=True),
    sa.Column("topic_model", sa.String(80), nullable=True),
    # the rest of what this analysis added to the time buckets, so a re-send can subtract it
    sa.Column("customer_negative_turns", sa.Integer, nullable=True),
    sa.Column("customer_sentiment", sa.Float, nullable=True),  # mean over customer turns; NULL: none
    sa.Column("bucket_seconds", sa.Integer, nullable=True),  # bucket width it was counted with
    sa.Index(None, "flagged", "occurred_at"),
    sa.Index(None, "topic_id"),
    sa.Index(None, "occurred_at"),  # retention finds old conversations by it
)

# SKU ids of a conversation, one row each (filters and per-SKU aggregates).
conversation_skus = sa.Table(
    "conversation_skus",
    metadata,
    sa.Column(
        "conversation_id",
        sa.String(128),
        sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("sku_id", sa.String(128), primary_key=True),
    sa.Index(None, "sku_id"),
)

# One row per (conversation, rule) that hit: the queryable copy of analyses.quality.
findings = sa.Table(
    "findings",
    metadata,
    sa.Column(
        "conversation_id",
        sa.String(128),
        sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("rule_version", sa.Integer, nullable=False),
    sa.Column("severity", sa.Integer, nullable=False),  # 1 info .. 4 critical (filters "at least")
    sa.Column("agent_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("occurred_at", UTCDateTime(), nullable=True),
    sa.Index(None, "rule_id"),
)

# A reviewer's verdict on one finding; kept when the conversation is re-sent or purged, so rule
# precision survives retention.
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("conversation_id", sa.String(128), primary_key=True),
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("rule_version", sa.Integer, nullable=False),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("reviewer_id", sa.String(128), nullable=False),
    sa.Column("reviewed_at", UTCDateTime(), nullable=False),
    sa.Index(None, "rule_id"),
    sa.Index(None, "reviewed_at"),
)

promises = sa.Table(
    "promises",
    metadata,
    sa.Column("promise_id", sa.String(160), primary_key=True),
    sa.Column("conversation_id", sa.String(128), nullable=False),
    sa.Column("turn_index", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("made_at", UTCDateTime(), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("span_start", sa.Integer, nullable=False),
    sa.Column("span_end", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("customer_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("order_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_at", UTCDateTime(), nullable=True),
    sa.Column("status_note", sa.Text, nullable=False, server_default=""),
    sa.Column("broken_by", sa.String(128), nullable=False, server_default=""),
    sa.Index(None, "customer_id"),
    sa.Index(None, "order_id"),
    sa.Index(None, "status", "due_at"),
)

# Aggregates per subject and time bucket, updated in the transaction that stores a conversation
# (a re-send subtracts what its previous version added). Subjects: "all", "sku:<id>",
# "topic:<id>", "sku_topic:<id>|<topic>"; kind / sku_id / topic_id repeat the subject's parts for
# queries. What product, operations and quality teams read (indices, trends, spikes) comes from here.
buckets = sa.Table(
    "buckets",
    metadata,
    sa.Column("subject", sa.String(220), primary_key=True),
    sa.Column("bucket_start", UTCDateTime(), primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("sku_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("topic_id", sa.Integer, nullable=True),
    sa.Column("conversations", sa.Integer, nullable=False, server_default="0"),
    sa.Column("complaints", sa.Integer, nullable=False, server_default="0"),
    sa.Column("negative_turns", sa.Integer, nullable=False, server_default="0"),
    sa.Column("flagged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sentiment_sum", sa.Float, nullable=False, server_default="0"),
    sa.Column("sentiment_sq_sum", sa.Float, nullable=False, server_default="0"),
    sa.Column("sentiment_n", sa.Integer, nullable=False, server_default="0"),
    sa.Column("negative_customers", sa.Integer, nullable=False, server_default="0"),  # migration 0007
    sa.Column("satisfaction_sum", sa.Float, nullable=False, server_default="0"),
    sa.Column("qa_score_sum", sa.Float, nullable=False, server_default="0"),
    sa.Column("qa_n", sa.Integer, nullable=False, server_default="0"),
    sa.Index(None, "kind", "bucket_start"),
    sa.Index(None, "sku_id"),
    sa.Index(None, "topic_id"),
)

# The catalog category of each SKU, as the latest conversation naming the SKU said it
# (attributes["category"]): experience indices shrink a SKU toward its category's mean.
sku_categories = sa.Table(
    "sku_categories",
    metadata,
    sa.Column("sku_id", sa.String(128), primary_key=True),
    sa.Column("category", sa.String(128), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index(None, "category"),
)

# Complaint-spike signals: one row per incident (opened, updated while open, resolved).
signals = sa.Table(
    "signals",
    metadata,
    sa.Column("signal_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(12), nullable=False),  # sku, topic, sku_topic, new_topic
    sa.Column("subject", sa.String(220), nullable=False),
    sa.Column("sku_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("topic_id", sa.Integer, nullable=True),
    sa.Column("opened_bucket", UTCDateTime(), nullable=False),
    sa.Column("last_bucket", UTCDateTime(), nullable=False),  # newest bucket judged while open
    sa.Column("resolved_bucket", UTCDateTime(), nullable=True),
    sa.Column("observed", sa.Integer, nullable=False),  # complaints in the opening bucket
    sa.Column("expected", sa.Float, nullable=False),
    sa.Column("score", sa.Float, nullable=False),  # at opening
    sa.Column("peak_score", sa.Float, nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open, resolved
    sa.Column("quiet", sa.Integer, nullable=False, server_default="0"),  # buckets in a row under close_score
    sa.Column("keywords", sa.Text, nullable=False, server_default="[]"),  # JSON list
    sa.Column("evidence", sa.Text, nullable=False, server_default="[]"),  # JSON list of conversation ids
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index(None, "status"),
    sa.Index(None, "subject", "signal_id"),
)

# Every change of a signal (opened, resolved), in commit order: what WatchSignals streams.
signal_events = sa.Table(
    "signal_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("signal_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

# Periodic jobs run once per period across replicas: a lease (holder + expiry) and progress.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False, server_default=""),
    sa.Column("lease_until", UTCDateTime(), nullable=True),
    sa.Column("last_bucket", UTCDateTime(), nullable=True),  # newest bucket the job has finished
)

# Topic models registered for serving: the artefact itself (model.json + model.npz bytes, loaded
# with allow_pickle=False), so every replica on the same database can load the active one.
topic_models = sa.Table(
    "topic_models",
    metadata,
    sa.Column("version", sa.String(80), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("previous_version", sa.String(80), nullable=False, server_default=""),
    sa.Column("topic_count", sa.Integer, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),  # model.json
    sa.Column("arrays", sa.LargeBinary, nullable=False),  # model.npz
    sa.Column("registered_at", UTCDateTime(), nullable=False),
    sa.Column("activated_at", UTCDateTime(), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
)

# Lineage events of activated models (kept / split / merged / new / retired), in activation
# order: a "new" topic is an emerging subject the insights read.
topic_events = sa.Table(
    "topic_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_version", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("topic_id", sa.Integer, nullable=False),
    sa.Column("previous_ids", sa.String(200), nullable=False, server_default=""),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "model_version"),
)
