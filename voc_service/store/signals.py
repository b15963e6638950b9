"""SQL of the spike detection pass: candidate subjects, history sums, signals and their events,
and the job lease that makes one replica run the pass for a bucket.

The lease is a row per job (holder, expiry) taken with one conditional UPDATE, which SQLite and
PostgreSQL both run atomically: whoever's UPDATE matched holds it; a replica that dies stops
renewing and another takes over when the lease expires.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.store.schema import analyses, buckets, conversation_skus, jobs, signal_events, signals
from voc_service.store.upsert import upsert_insert

KINDS = ("sku", "topic", "sku_topic")


@dataclass(slots=True)
class SubjectCounts:
    subject: str
    kind: str
    sku_id: str
    topic_id: int | None
    complaints: int
    conversations: int
    # the buckets of the window before the judged one, oldest first (empty without a window)
    recent_complaints: tuple[int, ...] = ()
    recent_conversations: tuple[int, ...] = ()
    open: SignalRow | None = None  # its open signal (the pass sets it)


@dataclass(slots=True)
class SignalRow:
    signal_id: int
    kind: str
    subject: str
    sku_id: str
    topic_id: int | None
    opened_bucket: datetime
    last_bucket: datetime
    resolved_bucket: datetime | None
    observed: int
    expected: float
    score: float
    peak_score: float
    severity: str
    status: str
    quiet: int
    keywords: list[str]
    evidence: list[str]
    updated_at: datetime


def _signal(r: sa.RowMapping) -> SignalRow:
    d = dict(r)
    d["keywords"] = json.loads(d["keywords"])
    d["evidence"] = json.loads(d["evidence"])
    return SignalRow(**d)


class SignalStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- reads for the pass ------------------------------------------------------------------

    def bucket_subjects(
        self, bucket: datetime, min_complaints: int, since: datetime | None = None, width: timedelta | None = None
    ) -> list[SubjectCounts]:
        """Subjects with at least ``min_complaints`` complaints in ``bucket`` (or, with ``since``,
        in the buckets from ``since`` to ``bucket`` together, and at least one in ``bucket``): the
        only ones that can open a signal there (a pass over 1 million SKUs judges a few hundred).
        Counts are ``bucket``'s own; with ``since`` and ``width`` also each earlier bucket's of
        the window (the pass scores the window's sums from them without reading the history)."""
        cols = (buckets.c.subject, buckets.c.kind, buckets.c.sku_id, buckets.c.topic_id)
        with self.engine.connect() as conn:
            if since is None or since >= bucket:
                rows = conn.execute(
                    sa.select(*cols, buckets.c.complaints, buckets.c.conversations)
                    .where(buckets.c.bucket_start == bucket, buckets.c.kind.in_(KINDS),
                           buckets.c.complaints >= min_complaints)
                ).all()
                return [SubjectCounts(*r) for r in rows]
            newest = buckets.c.bucket_start == bucket
            now_c = sa.func.sum(sa.case((newest, buckets.c.complaints), else_=0))
            now_n = sa.func.sum(sa.case((newest, buckets.c.conversations), else_=0))
            starts = [] if width is None else [since + width * j for j in range(int((bucket - since) / width))]
            recent = [
                sa.func.sum(sa.case((buckets.c.bucket_start == at, col), else_=0))
                for col in (buckets.c.complaints, buckets.c.conversations) for at in starts
            ]
            result = conn.execute(
                sa.select(*cols, now_c, now_n, *recent)
                .where(buckets.c.bucket_start >= since, buckets.c.bucket_start <= bucket, buckets.c.kind.in_(KINDS))
                .group_by(*cols)
                .having(sa.and_(sa.func.sum(buckets.c.complaints) >= min_complaints, now_c >= 1))
            )
            rows = result.cursor.fetchall()  # text and integers: the driver's tuples (a pass may return 100,000)
            result.close()
        k = len(starts)
        return [SubjectCounts(r[0], r[1], r[2], r[3], r[4], r[5], r[6 : 6 + k], r[6 + k : 6 + 2 * k]) for r in rows]

    def counts_of(self, subjects: list[str], bucket: datetime) -> dict[str, tuple[int, int]]:
        """(complaints, conversations) of ``subjects`` in ``bucket`` (absent: none)."""
        out: dict[str, tuple[int, int]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(subjects):
                for s, c, n in conn.execute(
                    sa.select(buckets.c.subject, buckets.c.complaints, buckets.c.conversations)
                    .where(buckets.c.bucket_start == bucket, buckets.c.subject.in_(chunk))
                ):
                    out[s] = (c, n)
        return out

    def history_dense(
        self, subjects: list[str], since: datetime, length: int, width: timedelta
    ) -> tuple[np.ndarray, np.ndarray]:
        """Complaints and conversations of ``subjects`` in the ``length`` buckets of ``width``
        from ``since``, as two [len(subjects), length] arrays, oldest first; no row: 0. A pass over
        100,000 candidates reads millions of rows: timestamps arrive as the backend's text and
        only the few distinct ones are parsed, instead of one timezone-aware datetime per row,
        and the rows are the driver's own tuples."""
        c = np.zeros((len(subjects), length))
        n = np.zeros((len(subjects), length))
        row_of = {s: i for i, s in enumerate(subjects)}.__getitem__
        slot: dict[str, int] = {}

        def slot_of(text: str) -> int:
            j = slot.get(text)
            if j is None:
                at = datetime.fromisoformat(text)
                at = at.replace(tzinfo=UTC) if at.tzinfo is None else at  # SQLite keeps naive UTC
                j = slot[text] = int((at - since) / width)
            return j

        until = since + width * length
        with self.engine.connect() as conn:
            for chunk in _chunks(subjects):
                result = conn.execute(
                    sa.select(buckets.c.subject, sa.cast(buckets.c.bucket_start, sa.String), buckets.c.complaints,
                              buckets.c.conversations)
                    .where(buckets.c.subject.in_(chunk), buckets.c.bucket_start >= since,
                           buckets.c.bucket_start < until, buckets.c.conversations > 0)
                )
                # plain columns (text, integers): the driver's tuples as they come; SQLAlchemy's
                # row objects cost more than the query itself at millions of rows
                rows = result.cursor.fetchall()
                result.close()
                if not rows:
                    continue
                subj, at, cc, nn = zip(*rows)
                i = np.fromiter(map(row_of, subj), dtype=np.intp, count=len(rows))
                j = np.fromiter(map(slot_of, at), dtype=np.intp, count=len(rows))
                c[i, j] = cc
                n[i, j] = nn
        return c, n

    def incident_windows(self, subjects: list[str]) -> dict[str, list[tuple[datetime, datetime]]]:
        """Each subject's signals as (opened bucket, newest bucket judged while open): the
        buckets that were not normal for it."""
        out: dict[str, list[tuple[datetime, datetime]]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(subjects):
                for subject, start, last in conn.execute(
                    sa.select(signals.c.subject, signals.c.opened_bucket, signals.c.last_bucket).where(
                        signals.c.subject.in_(chunk)
                    )
                ):
                    out.setdefault(subject, []).append((start, last))
        return out

    def last_buckets(self, since: datetime) -> dict[str, datetime]:
        """Per subject, the newest bucket judged while one of its signals was open, for the
        subjects whose signals were open at or after ``since`` (what the cooldown needs)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(signals.c.subject, sa.func.max(signals.c.last_bucket))
                .where(signals.c.last_bucket >= since)
                .group_by(signals.c.subject)
            ).all()
        return {subject: last for subject, last in rows}

    def open_signals(self) -> list[SignalRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(signals).where(signals.c.status == "open").order_by(signals.c.signal_id))
            return [_signal(r) for r in rows.mappings()]

    def evidence(
        self, sku_id: str, topic_id: int | None, since: datetime, until: datetime, limit: int = 10
    ) -> list[str]:
        """Complaint conversations of the subject in the window, the least satisfied customers
        first (what a reviewer should read first: the clearest cases of the incident, not the
        alphabetically first ids); conversations without a satisfaction estimate last, ties by id."""
        q = sa.select(analyses.c.conversation_id).where(
            analyses.c.complaint.is_(True), analyses.c.occurred_at >= since, analyses.c.occurred_at < until
        )
        if topic_id is not None:
            q = q.where(analyses.c.topic_id == topic_id)
        if sku_id:
            q = q.join(conversation_skus, conversation_skus.c.conversation_id == analyses.c.conversation_id).where(
                conversation_skus.c.sku_id == sku_id
            )
        with self.engine.connect() as conn:
            order = (analyses.c.customer_satisfaction.is_(None), analyses.c.customer_satisfaction, analyses.c.conversation_id)
            return list(conn.execute(q.order_by(*order).limit(limit)).scalars())

    def top_topic(self, sku_id: str, since: datetime, until: datetime) -> int | None:
        """The topic most of a SKU's complaints in the window are about."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(buckets.c.topic_id)
                .where(buckets.c.kind == "sku_topic", buckets.c.sku_id == sku_id,
                       buckets.c.bucket_start >= since, buckets.c.bucket_start < until)
                .group_by(buckets.c.topic_id)
                .order_by(sa.func.sum(buckets.c.complaints).desc(), buckets.c.topic_id)
                .limit(1)
            ).scalar()

    # --- writes of the pass ------------------------------------------------------------------

    def record(
        self, opened: list[dict], updated: list[dict], resolved: list[dict], now: datetime, claim: JobClaim | None = None
    ) -> list[int]:
        """One transaction: new signals, updates of open ones, resolutions, and an event for each
        opening and resolution in that order. Returns the new signal ids.

        With ``claim`` the same transaction marks the bucket done for the job, only if this
        holder still has the lease and nobody finished the bucket yet; otherwise nothing is
        written and LeaseLost is raised. So a bucket's signals are written exactly once, even
        when a lease expires mid-pass and another replica judges the same bucket.

        Writers of signal events are serialised (PostgreSQL: a transaction advisory lock;
        SQLite: BEGIN IMMEDIATE), so event ids become visible in id order and a WatchSignals
        reader on any replica that resumes "after id N" can never skip a late-committing event."""
        ids: list[int] = []
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_EVENT_WRITER_LOCK)))
                if claim is not None and not _claim(conn, claim):
                    raise LeaseLost(f"{claim.job}: lease lost or bucket already judged")
                for row in opened:
                    sid = conn.execute(
                        signals.insert().values(
                            **{**row, "keywords": json.dumps(row["keywords"], ensure_ascii=False),
                               "evidence": json.dumps(row["evidence"])},
                            status="open", quiet=0, updated_at=now,
                        )
                    ).inserted_primary_key[0]
                    ids.append(int(sid))
                    conn.execute(signal_events.insert().values(signal_id=sid, kind="opened", created_at=now))
                for row in updated:
                    conn.execute(
                        signals.update().where(signals.c.signal_id == row["signal_id"])
                        .values(**{k: v for k, v in row.items() if k != "signal_id"}, updated_at=now)
                    )
                for row in resolved:
                    conn.execute(
                        signals.update().where(signals.c.signal_id == row["signal_id"])
                        .values(**{k: v for k, v in row.items() if k != "signal_id"}, status="resolved", updated_at=now)
                    )
                    conn.execute(signal_events.insert().values(signal_id=row["signal_id"], kind="resolved", created_at=now))
        return ids

    # --- the job lease -------------------------------------------------------------------------

    def acquire(self, job: str, holder: str, now: datetime, ttl: timedelta) -> tuple[bool, datetime | None]:
        """Take (or renew) the job's lease; returns (held, newest bucket the job finished)."""
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                # two replicas starting at once both create the row: the second insert is a no-op
                conn.execute(
                    upsert_insert(conn, jobs).values(name=job, holder="", lease_until=None, last_bucket=None)
                    .on_conflict_do_nothing(index_elements=[jobs.c.name])
                )
                got = conn.execute(
                    jobs.update()
                    .where(jobs.c.name == job, sa.or_(jobs.c.holder == holder, jobs.c.lease_until.is_(None),
                                                       jobs.c.lease_until < now))
                    .values(holder=holder, lease_until=now + ttl)
                ).rowcount
                last = conn.execute(sa.select(jobs.c.last_bucket).where(jobs.c.name == job)).scalar()
        return got == 1, last

    def holder(self, job: str) -> tuple[str, datetime | None, datetime | None]:
        """(holder, lease expiry, newest finished bucket) of a job: operators and tests ask who runs it."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs.c.holder, jobs.c.lease_until, jobs.c.last_bucket).where(jobs.c.name == job)).first()
        return ("", None, None) if row is None else (row[0], row[1], row[2])

    # --- reads for the API ---------------------------------------------------------------------

    def list(
        self, status: str = "", kind: str = "", sku_id: str = "", topic_id: int | None = None,
        since: datetime | None = None, after_id: int | None = None, limit: int = 50,
    ) -> list[SignalRow]:
        """Newest first; ``after_id`` continues below that id (keyset paging)."""
        q = sa.select(signals)
        for col, value in ((signals.c.status, status), (signals.c.kind, kind), (signals.c.sku_id, sku_id)):
            if value:
                q = q.where(col == value)
        if topic_id is not None:
            q = q.where(signals.c.topic_id == topic_id)
        if since is not None:
            q = q.where(signals.c.opened_bucket >= since)
        if after_id is not None:
            q = q.where(signals.c.signal_id < after_id)
        with self.engine.connect() as conn:
            return [_signal(r) for r in conn.execute(q.order_by(signals.c.signal_id.desc()).limit(limit)).mappings()]

    def events_after(self, event_id: int, limit: int = 500) -> list[tuple[int, str, SignalRow]]:
        """Signal events after ``event_id`` in order, each with the signal as it is now."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(signal_events.c.event_id, signal_events.c.kind.label("event_kind"), signals)
                .join(signals, signals.c.signal_id == signal_events.c.signal_id)
                .where(signal_events.c.event_id > event_id)
                .order_by(signal_events.c.event_id)
                .limit(limit)
            ).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            eid, ekind = d.pop("event_id"), d.pop("event_kind")
            out.append((eid, ekind, _signal(d)))  # type: ignore[arg-type]
        return out

    def open_counts(self) -> list[tuple[str, str, int]]:
        """(kind, severity, open signals): the metric's values, read at scrape time."""
        with self.engine.connect() as conn:
            return [
                tuple(r)  # type: ignore[misc]
                for r in conn.execute(
                    sa.select(signals.c.kind, signals.c.severity, sa.func.count())
                    .where(signals.c.status == "open")
                    .group_by(signals.c.kind, signals.c.severity)
                )
            ]


@dataclass(frozen=True, slots=True)
class JobClaim:
    """"This holder finished this bucket of this job", written with the bucket's results."""

    job: str
    holder: str
    bucket: datetime
    lease_until: datetime  # every finished bucket renews the lease, so a long catch-up keeps it


class LeaseLost(Exception):
    """Another replica holds the job's lease now, or already finished the bucket."""


_EVENT_WRITER_LOCK = 0x766F635F736967  # "voc_sig": the advisory lock key of signal-event writers


def lease_holder() -> str:
    """A lease holder's id an operator can read in the jobs table: host, process, unique suffix."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claim(conn: sa.Connection, claim: JobClaim) -> bool:
    """Mark the bucket finished and renew the lease, only while holding it (row-locks the job)."""
    return conn.execute(
        jobs.update()
        .where(
            jobs.c.name == claim.job,
            jobs.c.holder == claim.holder,
            sa.or_(jobs.c.last_bucket.is_(None), jobs.c.last_bucket < claim.bucket),
        )
        .values(last_bucket=claim.bucket, lease_until=claim.lease_until)
    ).rowcount == 1


def _chunks(seq: list[str], size: int = 500) -> list[list[str]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]
