"""time buckets, SKU categories, topic model registry and topic lineage events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from voc_service.store.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("customer_negative_turns", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("customer_sentiment", sa.Float(), nullable=True))
        batch.add_column(sa.Column("bucket_seconds", sa.Integer(), nullable=True))
    op.create_table(
        "buckets",
        sa.Column("subject", sa.String(220), nullable=False),
        sa.Column("bucket_start", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sku_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("conversations", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("complaints", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("negative_turns", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("flagged", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sentiment_sum", sa.Float(), nullable=False, server_default="0"),
        sa.Column("sentiment_sq_sum", sa.Float(), nullable=False, server_default="0"),
        sa.Column("sentiment_n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("satisfaction_sum", sa.Float(), nullable=False, server_default="0"),
        sa.Column("qa_score_sum", sa.Float(), nullable=False, server_default="0"),
        sa.Column("qa_n", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("subject", "bucket_start", name="pk_buckets"),
    )
    op.create_index("ix_buckets_kind_bucket_start", "buckets", ["kind", "bucket_start"])
    op.create_index("ix_buckets_sku_id", "buckets", ["sku_id"])
    op.create_index("ix_buckets_topic_id", "buckets", ["topic_id"])
    op.create_table(
        "sku_categories",
        sa.Column("sku_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(128), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sku_id", name="pk_sku_categories"),
    )
    op.create_index("ix_sku_categories_category", "sku_categories", ["category"])
    op.create_table(
        "signals",
        sa.Column("signal_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("subject", sa.String(220), nullable=False),
        sa.Column("sku_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("opened_bucket", UTCDateTime(), nullable=False),
        sa.Column("last_bucket", UTCDateTime(), nullable=False),
        sa.Column("resolved_bucket", UTCDateTime(), nullable=True),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("peak_score", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("quiet", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("keywords", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("evidence", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("signal_id", name="pk_signals"),
    )
    op.create_index("ix_signals_status", "signals", ["status"])
    op.create_index("ix_signals_subject_signal_id", "signals", ["subject", "signal_id"])
    op.create_table(
        "signal_events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_signal_events"),
    )
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False, server_default=""),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_bucket", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_jobs"),
    )
    op.create_table(
        "topic_models",
        sa.Column("version", sa.String(80), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("previous_version", sa.String(80), nullable=False, server_default=""),
        sa.Column("topic_count", sa.Integer(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("arrays", sa.LargeBinary(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("version", name="pk_topic_models"),
    )
    op.create_table(
        "topic_events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("previous_ids", sa.String(200), nullable=False, server_default=""),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_topic_events"),
    )
    op.create_index("ix_topic_events_model_version", "topic_events", ["model_version"])


def downgrade() -> None:
    op.drop_index("ix_topic_events_model_version", "topic_events")
    op.drop_table("topic_events")
    op.drop_table("topic_models")
    op.drop_table("jobs")
    op.drop_table("signal_events")
    op.drop_index("ix_signals_subject_signal_id", "signals")
    op.drop_index("ix_signals_status", "signals")
    op.drop_table("signals")
    op.drop_index("ix_sku_categories_category", "sku_categories")
    op.drop_table("sku_categories")
    for ix in ("ix_buckets_topic_id", "ix_buckets_sku_id", "ix_buckets_kind_bucket_start"):
        op.drop_index(ix, "buckets")
    op.drop_table("buckets")
    with op.batch_alter_table("analyses") as batch:
        for col in ("bucket_seconds", "customer_sentiment", "customer_negative_turns"):
            batch.drop_column(col)
