"""conversation-level sentiment on analyses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("complaint", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("customer_satisfaction", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("customer_satisfaction")
        batch.drop_column("complaint")
        batch.drop_column("summary")
