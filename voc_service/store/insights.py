"""Reads over the time buckets (and, for examples, the analyses): what InsightsService serves.

Sums are taken in SQL over the window's buckets, so a query costs the number of buckets in the
window, never the number of conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.insights.buckets import Counts
from voc_service.store.buckets import COUNT_COLUMNS
from voc_service.store.schema import analyses, buckets, conversations, sku_categories

_SUMS = [sa.func.sum(buckets.c[c]).label(c) for c in COUNT_COLUMNS]


def _counts(row: sa.Row) -> Counts:
    return Counts(**{c: (getattr(row, c) or 0) for c in COUNT_COLUMNS})


@dataclass(frozen=True, slots=True)
class StoredExample:
    conversation_id: str
    probability: float
    occurred_at: datetime | None
    payload: str  # the stored conversation payload (redacted)


class InsightsStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _window(self, since: datetime, until: datetime) -> list[sa.ColumnElement[bool]]:
        return [buckets.c.bucket_start >= since, buckets.c.bucket_start < until]

    def totals(self, kind: str, since: datetime, until: datetime, key: sa.Column) -> dict[object, Counts]:
        """Window sums per subject of one kind, keyed by ``key`` (buckets.c.topic_id or .sku_id)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(key.label("key"), *_SUMS)
                .where(buckets.c.kind == kind, *self._window(since, until))
                .group_by(key)
            ).all()
        return {r.key: _counts(r) for r in rows}

    def topic_totals(self, since: datetime, until: datetime) -> dict[int, Counts]:
        return self.totals("topic", since, until, buckets.c.topic_id)  # type: ignore[return-value]

    def series(self, subject: str, since: datetime, until: datetime) -> list[tuple[datetime, Counts]]:
        """One subject's buckets in the window, oldest first (buckets without conversations left out)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(buckets.c.bucket_start, *(buckets.c[c] for c in COUNT_COLUMNS))
                .where(buckets.c.subject == subject, buckets.c.conversations > 0, *self._window(since, until))
                .order_by(buckets.c.bucket_start)
            ).all()
        return [(r.bucket_start, _counts(r)) for r in rows]

    def series_by_topic(self, since: datetime, until: datetime) -> dict[int, list[tuple[datetime, Counts]]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(buckets.c.topic_id, buckets.c.bucket_start, *(buckets.c[c] for c in COUNT_COLUMNS))
                .where(buckets.c.kind == "topic", buckets.c.conversations > 0, *self._window(since, until))
                .order_by(buckets.c.topic_id, buckets.c.bucket_start)
            ).all()
        out: dict[int, list[tuple[datetime, Counts]]] = {}
        for r in rows:
            out.setdefault(r.topic_id, []).append((r.bucket_start, _counts(r)))
        return out

    def topic_skus(self, topic_id: int, since: datetime, until: datetime, limit: int) -> list[tuple[str, Counts, int]]:
        """The SKUs with most conversations on ``topic_id`` in the window: (sku, counts on the
        topic, all of the SKU's conversations in the window)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(buckets.c.sku_id, *_SUMS)
                .where(buckets.c.kind == "sku_topic", buckets.c.topic_id == topic_id, *self._window(since, until))
                .group_by(buckets.c.sku_id)
                .having(sa.func.sum(buckets.c.conversations) > 0)
                .order_by(sa.func.sum(buckets.c.conversations).desc(), buckets.c.sku_id)
                .limit(limit)
            ).all()
            skus = [r.sku_id for r in rows]
            all_of_sku = dict(
                conn.execute(
                    sa.select(buckets.c.sku_id, sa.func.sum(buckets.c.conversations))
                    .where(buckets.c.kind == "sku", buckets.c.sku_id.in_(skus), *self._window(since, until))
                    .group_by(buckets.c.sku_id)
                ).all()
            ) if skus else {}
        return [(r.sku_id, _counts(r), int(all_of_sku.get(r.sku_id, 0))) for r in rows]

    def topic_examples(
        self, topic_id: int, model_version: str, since: datetime, until: datetime, limit: int
    ) -> list[StoredExample]:
        """Stored conversations the given model put on the topic in the window, most probable first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    analyses.c.conversation_id, analyses.c.topic_probability, analyses.c.occurred_at,
                    conversations.c.payload,
                )
                .join(conversations, conversations.c.conversation_id == analyses.c.conversation_id)
                .where(
                    analyses.c.topic_id == topic_id,
                    analyses.c.topic_model == model_version,
                    analyses.c.occurred_at >= since,
                    analyses.c.occurred_at < until,
                    conversations.c.purged_at.is_(None),  # a purged transcript has no words to show
                )
                .order_by(analyses.c.topic_probability.desc(), analyses.c.conversation_id)
                .limit(limit)
            ).all()
        return [StoredExample(r.conversation_id, r.topic_probability or 0.0, r.occurred_at, r.payload) for r in rows]

    # --- SKUs -----------------------------------------------------------------------------------

    def sku_sums(
        self, since: datetime, until: datetime, sku_id: str | None = None, category: str | None = None
    ) -> list[dict]:
        """Window sums per SKU with its category ('' when unknown): every SKU, one, or one category's."""
        query = (
            sa.select(buckets.c.sku_id, sa.func.coalesce(sku_categories.c.category, "").label("category"), *_SUMS)
            .select_from(buckets.outerjoin(sku_categories, sku_categories.c.sku_id == buckets.c.sku_id))
            .where(buckets.c.kind == "sku", *self._window(since, until))
            .group_by(buckets.c.sku_id, sku_categories.c.category)
        )
        if sku_id is not None:
            query = query.where(buckets.c.sku_id == sku_id)
        if category is not None:
            query = query.where(sku_categories.c.category == category)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def category_sums(self, since: datetime, until: datetime) -> dict[str, dict]:
        """Window sums per category over its SKUs' buckets (a conversation naming two SKUs of one
        category counts twice there, as it does in each SKU)."""
        query = (
            sa.select(sku_categories.c.category, *_SUMS)
            .select_from(buckets.join(sku_categories, sku_categories.c.sku_id == buckets.c.sku_id))
            .where(buckets.c.kind == "sku", *self._window(since, until))
            .group_by(sku_categories.c.category)
        )
        with self.engine.connect() as conn:
            return {r.category: dict(r._mapping) for r in conn.execute(query)}

    def all_sums(self, since: datetime, until: datetime) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*_SUMS).where(buckets.c.subject == "all", *self._window(since, until))).one()
        return {c: (getattr(row, c) or 0) for c in COUNT_COLUMNS}

    def sku_topics(self, sku_id: str, since: datetime, until: datetime, limit: int) -> list[tuple[int, Counts]]:
        """The topics of a SKU's conversations in the window, most complaints first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(buckets.c.topic_id, *_SUMS)
                .where(buckets.c.kind == "sku_topic", buckets.c.sku_id == sku_id, *self._window(since, until))
                .group_by(buckets.c.topic_id)
                .having(sa.func.sum(buckets.c.conversations) > 0)
                .order_by(sa.func.sum(buckets.c.complaints).desc(), sa.func.sum(buckets.c.conversations).desc(), buckets.c.topic_id)
                .limit(limit)
            ).all()
        return [(r.topic_id, _counts(r)) for r in rows]
