"""topic assignment on analyses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("topic_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("topic_probability", sa.Float(), nullable=True))
        batch.add_column(sa.Column("topic_label", sa.String(200), nullable=True))
        batch.add_column(sa.Column("topic_model", sa.String(80), nullable=True))
        batch.create_index("ix_analyses_topic_id", ["topic_id"])


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_index("ix_analyses_topic_id")
        for col in ("topic_model", "topic_label", "topic_probability", "topic_id"):
            batch.drop_column(col)
