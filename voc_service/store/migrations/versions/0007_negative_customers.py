"""buckets: conversations whose customer left unhappy (mean turn sentiment <= -0.3), back-filled

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

The experience index gained an unhappy-customer share (docs/insights.md). The count is derived
from what every stored analysis already holds (its customer mean sentiment), so the back-fill adds
each such conversation to the buckets it was counted in, with the same subjects and bucket
alignment as the code of this revision. Both are frozen copies here on purpose: a migration must
do what it did when it was written, whatever later code does.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from voc_service.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEGATIVE_CUSTOMER = -0.3
ALIGN_OFFSET = timedelta(hours=8)  # buckets are aligned to Beijing time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PAGE = 2000

analyses = sa.table(
    "analyses",
    sa.column("conversation_id", sa.String),
    sa.column("occurred_at", UTCDateTime()),
    sa.column("bucket_seconds", sa.Integer),
    sa.column("topic_id", sa.Integer),
    sa.column("customer_sentiment", sa.Float),
)
conversation_skus = sa.table("conversation_skus", sa.column("conversation_id", sa.String), sa.column("sku_id", sa.String))
buckets = sa.table(
    "buckets",
    sa.column("subject", sa.String),
    sa.column("bucket_start", UTCDateTime()),
    sa.column("negative_customers", sa.Integer),
)


def _bucket_start(ts: datetime, seconds: int) -> datetime:
    shifted = (ts.astimezone(UTC) + ALIGN_OFFSET - _EPOCH).total_seconds()
    return _EPOCH + timedelta(seconds=shifted - shifted % seconds) - ALIGN_OFFSET


def _subjects(skus: list[str], topic_id: int | None) -> list[str]:
    skus = list(dict.fromkeys(s for s in skus if s))
    out = ["all", *(f"sku:{s}" for s in skus)]
    if topic_id is not None:
        out.append(f"topic:{topic_id}")
        out.extend(f"sku_topic:{s}|{topic_id}" for s in skus)
    return out


def upgrade() -> None:
    with op.batch_alter_table("buckets") as batch:
        batch.add_column(sa.Column("negative_customers", sa.Integer(), nullable=False, server_default="0"))
    conn = op.get_bind()
    counts: Counter[tuple[str, datetime]] = Counter()
    after = ""
    while True:
        rows = conn.execute(
            sa.select(analyses.c.conversation_id, analyses.c.occurred_at, analyses.c.bucket_seconds, analyses.c.topic_id)
            .where(
                analyses.c.conversation_id > after,
                analyses.c.bucket_seconds.is_not(None),
                analyses.c.occurred_at.is_not(None),
                analyses.c.customer_sentiment <= NEGATIVE_CUSTOMER,
            )
            .order_by(analyses.c.conversation_id)
            .limit(PAGE)
        ).all()
        if not rows:
            break
        skus: dict[str, list[str]] = {}
        for cid, sku in conn.execute(
            sa.select(conversation_skus.c.conversation_id, conversation_skus.c.sku_id).where(
                conversation_skus.c.conversation_id.in_([r.conversation_id for r in rows])
            )
        ):
            skus.setdefault(cid, []).append(sku)
        for r in rows:
            start = _bucket_start(r.occurred_at, r.bucket_seconds)
            for subject in _subjects(sorted(skus.get(r.conversation_id, [])), r.topic_id):
                counts[(subject, start)] += 1
        after = rows[-1].conversation_id
    if counts:
        conn.execute(
            buckets.update()
            .where(buckets.c.subject == sa.bindparam("s"), buckets.c.bucket_start == sa.bindparam("b"))
            .values(negative_customers=sa.bindparam("n")),
            [{"s": s, "b": b, "n": n} for (s, b), n in sorted(counts.items())],
        )


def downgrade() -> None:
    with op.batch_alter_table("buckets") as batch:
        batch.drop_column("negative_customers")
