"""Time-bucket aggregates in SQL: read what stored conversations added, apply net changes.

Applied inside the conversation store's write transaction, so a conversation and its counts are
committed together or not at all. The increment is an INSERT … ON CONFLICT DO UPDATE (SQLite and
PostgreSQL spell it the same way through SQLAlchemy), one statement for the whole batch, in key
order so two concurrent writers on PostgreSQL lock shared rows ("all", a popular SKU) in the same
order and cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.insights.buckets import Contribution, Counts, Delta, deltas
from voc_service.store.schema import analyses, buckets, conversation_skus
from voc_service.store.upsert import upsert_insert

COUNT_COLUMNS = tuple(f for f in Counts.__slots__)


def stored_contributions(conn: sa.Connection, ids: Sequence[str]) -> list[Contribution]:
    """What the stored versions of ``ids`` added to the buckets (rows stored before buckets
    existed added nothing, and are skipped)."""
    if not ids:
        return []
    return _contributions(conn, [analyses.c.conversation_id.in_(ids), analyses.c.bucket_seconds.is_not(None)])


def _contributions(
    conn: sa.Connection, where: list[sa.ColumnElement[bool]], bucket_seconds: int | None = None
) -> list[Contribution]:
    """Contributions of the analyses matching ``where``, with the width each was counted with
    (or ``bucket_seconds`` when given: a rebuild)."""
    rows = conn.execute(
        sa.select(
            analyses.c.conversation_id, analyses.c.occurred_at, analyses.c.bucket_seconds, analyses.c.topic_id,
            analyses.c.complaint, analyses.c.flagged, analyses.c.customer_negative_turns,
            analyses.c.customer_sentiment, analyses.c.customer_satisfaction, analyses.c.qa_score,
        ).where(*where)
    ).all()
    if not rows:
        return []
    skus: dict[str, list[str]] = {}
    for cid, sku in conn.execute(
        sa.select(conversation_skus.c.conversation_id, conversation_skus.c.sku_id).where(
            conversation_skus.c.conversation_id.in_([r.conversation_id for r in rows])
        )
    ):
        skus.setdefault(cid, []).append(sku)
    return [
        Contribution(
            occurred_at=r.occurred_at,
            bucket_seconds=bucket_seconds or r.bucket_seconds,
            sku_ids=tuple(sorted(skus.get(r.conversation_id, []))),
            topic_id=r.topic_id,
            complaint=bool(r.complaint),
            flagged=bool(r.flagged),
            negative_turns=r.customer_negative_turns or 0,
            sentiment=r.customer_sentiment,
            satisfaction=r.customer_satisfaction if r.customer_sentiment is not None else None,
            qa_score=r.qa_score,
        )
        for r in rows
        if r.occurred_at is not None
    ]


def rebuild(engine: Engine, bucket_seconds: int, page: int = 2000) -> int:
    """Recount every bucket from the stored analyses with a (new) bucket width, in ONE
    transaction: readers see the old buckets or the new ones, never a half-built state, and
    ingest waits until it is done. Returns the number of conversations counted.

    Conversations stored before migration 0005 lack their negative-turn count and mean
    sentiment: they are counted with 0 negative turns and no sentiment."""
    counted = 0
    with engine.connect() as conn:
        conn.info["write"] = True  # SQLite: take the write lock first (see make_engine)
        with conn.begin():
            conn.execute(buckets.delete())
            after = ""
            while True:
                ids = conn.execute(
                    sa.select(analyses.c.conversation_id)
                    .where(analyses.c.conversation_id > after)
                    .order_by(analyses.c.conversation_id)
                    .limit(page)
                ).scalars().all()
                if not ids:
                    break
                found = _contributions(conn, [analyses.c.conversation_id.in_(ids)], bucket_seconds)
                apply_deltas(conn, deltas([], found))
                counted += len(found)
                after = ids[-1]
            conn.execute(analyses.update().values(bucket_seconds=bucket_seconds))
    return counted


def apply_deltas(conn: sa.Connection, delta: Delta) -> None:
    if not delta:
        return
    stmt = upsert_insert(conn, buckets)
    stmt = stmt.on_conflict_do_update(
        index_elements=[buckets.c.subject, buckets.c.bucket_start],
        set_={c: buckets.c[c] + stmt.excluded[c] for c in COUNT_COLUMNS},
    )
    rows = [
        {
            "subject": subject.key,
            "bucket_start": start,
            "kind": subject.kind,
            "sku_id": subject.sku_id,
            "topic_id": subject.topic_id,
            **counts.as_row(),
        }
        for (_key, start), (subject, counts) in sorted(delta.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    conn.execute(stmt, rows)
