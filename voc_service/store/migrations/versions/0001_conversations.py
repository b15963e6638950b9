"""conversations and analyses

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from voc_service.store.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("order_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("customer_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("agent_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_started_at", "conversations", ["started_at"])
    op.create_index("ix_conversations_customer_id", "conversations", ["customer_id"])
    op.create_index("ix_conversations_order_id", "conversations", ["order_id"])
    op.create_table(
        "analyses",
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("turns", sa.Text(), nullable=False),
        sa.Column("redaction_count", sa.Integer(), nullable=False),
        sa.Column("char_count", sa.Integer(), nullable=False),
        sa.Column("analysed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.conversation_id"],
            name="fk_analyses_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_analyses"),
    )


def downgrade() -> None:
    op.drop_table("analyses")
    op.drop_index("ix_conversations_order_id", "conversations")
    op.drop_index("ix_conversations_customer_id", "conversations")
    op.drop_index("ix_conversations_started_at", "conversations")
    op.drop_table("conversations")
