"""quality inspection: scores, findings, reviews, promises, conversation SKUs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from voc_service.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("qa_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("flagged", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("quality", sa.Text(), nullable=True))
        batch.add_column(sa.Column("occurred_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("first_response_seconds", sa.Float(), nullable=True))
        batch.create_index("ix_analyses_flagged_occurred_at", ["flagged", "occurred_at"])
    op.create_table(
        "conversation_skus",
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("sku_id", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.conversation_id"],
            name="fk_conversation_skus_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "sku_id", name="pk_conversation_skus"),
    )
    op.create_index("ix_conversation_skus_sku_id", "conversation_skus", ["sku_id"])
    op.create_table(
        "findings",
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("occurred_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.conversation_id"],
            name="fk_findings_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "rule_id", name="pk_findings"),
    )
    op.create_index("ix_findings_rule_id", "findings", ["rule_id"])
    op.create_table(
        "reviews",
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("reviewer_id", sa.String(128), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "rule_id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_rule_id", "reviews", ["rule_id"])
    op.create_index("ix_reviews_reviewed_at", "reviews", ["reviewed_at"])
    op.create_table(
        "promises",
        sa.Column("promise_id", sa.String(160), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("span_start", sa.Integer(), nullable=False),
        sa.Column("span_end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("order_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_at", UTCDateTime(), nullable=True),
        sa.Column("status_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("broken_by", sa.String(128), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("promise_id", name="pk_promises"),
    )
    op.create_index("ix_promises_customer_id", "promises", ["customer_id"])
    op.create_index("ix_promises_order_id", "promises", ["order_id"])
    op.create_index("ix_promises_status_due_at", "promises", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("promises")
    op.drop_table("reviews")
    op.drop_table("findings")
    op.drop_table("conversation_skus")
    with op.batch_alter_table("analyses") as batch:
        batch.drop_index("ix_analyses_flagged_occurred_at")
        for col in ("first_response_seconds", "occurred_at", "quality", "flagged", "qa_score"):
            batch.drop_column(col)
