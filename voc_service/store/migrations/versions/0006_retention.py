"""retention: when a conversation's transcript was purged, and an index to find old conversations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from voc_service.store.schema import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("purged_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("analyses") as batch:
        batch.create_index("ix_analyses_occurred_at", ["occurred_at"])


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_index("ix_analyses_occurred_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("purged_at")
