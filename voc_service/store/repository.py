"""The conversation store: idempotent batch upserts committed in one transaction.

A batch is the unit of acknowledgement: the ingest servicer acks a conversation only after the
transaction holding it committed, so an ack means durable. Re-sending an id replaces the stored
conversation and its analysis and bumps ``revision``; the id is the primary key, so it can never
be stored twice.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_fixed, wait_random_exponential

from voc_service.domain import Conversation, ConversationAnalysis, Outcome, PromiseStatus, StoreUnavailable
from voc_service.insights.buckets import Contribution, contribution, deltas
from voc_service.store import codec
from voc_service.store.buckets import apply_deltas, stored_contributions
from voc_service.store.migrate import upgrade
from voc_service.store.schema import analyses, conversation_skus, conversations, findings, promises, sku_categories
from voc_service.store.upsert import upsert_insert

log = logging.getLogger(__name__)

_ATTEMPTS = 4
# PostgreSQL's SQLSTATEs for a transaction that lost to a concurrent one and may simply be re-run.
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def _lost_race(exc: BaseException) -> bool:
    """Another writer inserted one of our new ids between our read and our insert (the next
    attempt sees it and updates), or PostgreSQL chose us as a deadlock victim. Anything else
    (connection lost, disk full, locked too long) is the caller's."""
    return isinstance(exc, IntegrityError) or (
        isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES
    )


def _commit_retrying() -> Retrying:
    """Lost races are re-run as a whole transaction, a few times, with jittered waits so that
    the replicas that collided do not collide again."""
    return Retrying(
        retry=retry_if_exception(_lost_race),
        stop=stop_after_attempt(_ATTEMPTS),
        wait=wait_random_exponential(multiplier=0.01, max=0.2),
        reraise=True,
    )


@dataclass(frozen=True, slots=True)
class SaveResult:
    outcome: Outcome  # STORED or UPDATED
    revision: int


class ConversationStore:
    def __init__(self, engine: Engine, bucket_seconds: int = 3600) -> None:
        self.engine = engine
        self.bucket_seconds = bucket_seconds  # width of the time buckets new conversations count in

    def save_batch(self, items: Sequence[tuple[Conversation, ConversationAnalysis]]) -> list[SaveResult]:
        """Upsert redacted conversations with their analyses in ONE transaction.

        Raises StoreUnavailable when the commit fails: then nothing of the batch is stored.
        """
        if not items:
            return []
        retrying = _commit_retrying()
        try:
            return retrying(self._commit, items)
        except DBAPIError as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            log.error("store commit failed", extra={"error": type(exc).__name__, "attempts": attempts})
            raise StoreUnavailable("the store could not commit; retry later") from exc

    def _commit(self, items: Sequence[tuple[Conversation, ConversationAnalysis]]) -> list[SaveResult]:
        with self.engine.connect() as conn:
            conn.info["write"] = True  # SQLite: BEGIN IMMEDIATE (see make_engine)
            with conn.begin():
                return self._save(conn, items)

    def _save(
        self, conn: sa.Connection, items: Sequence[tuple[Conversation, ConversationAnalysis]]
    ) -> list[SaveResult]:
        now = datetime.now(UTC)
        ids = list({conv.conversation_id for conv, _ in items})
        known: dict[str, int] = {}
        # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes other writers): a
        # replica saving one of these ids at the same time waits here until we commit, then reads
        # our revision, so both "subtract the old counts" steps never see the same old version.
        # Ids are locked in sorted order, so two batches sharing ids cannot deadlock on them.
        ids.sort()
        for chunk in _chunks(ids, 500):
            rows = conn.execute(
                sa.select(conversations.c.conversation_id, conversations.c.revision)
                .where(conversations.c.conversation_id.in_(chunk))
                .order_by(conversations.c.conversation_id)
                .with_for_update()
            )
            known.update({cid: rev for cid, rev in rows})
        existed = set(known)
        results: list[SaveResult] = []
        latest: dict[str, tuple[dict, dict]] = {}  # last version of each id in this batch wins
        added: dict[str, Contribution] = {}
        children: dict[str, tuple[Conversation, ConversationAnalysis, datetime]] = {}
        for conv, analysis in items:
            cid = conv.conversation_id
            revision = known.get(cid, 0) + 1
            known[cid] = revision
            outcome = Outcome.UPDATED if revision > 1 else Outcome.STORED
            results.append(SaveResult(outcome, revision))
            occurred = conv.started_at or next((t.sent_at for t in conv.turns if t.sent_at is not None), None) or now
            children[cid] = (conv, analysis, occurred)
            quality = analysis.quality
            adds = added[cid] = contribution(analysis, occurred, conv.sku_ids, self.bucket_seconds)
            latest[cid] = (
                {
                    "conversation_id": cid,
                    "channel": conv.channel,
                    "order_id": conv.order_id,
                    "customer_id": conv.customer_id,
                    "agent_id": conv.agent_id,
                    "started_at": conv.started_at,
                    "turn_count": len(conv.turns),
                    "payload": codec.conversation_payload(conv),
                    "revision": revision,
                    "created_at": now,
                    "updated_at": now,
                    "purged_at": None,  # a re-send brings the texts back; retention blanks them again
                },
                {
                    "conversation_id": cid,
                    "versions": json.dumps(analysis.versions, separators=(",", ":")),
                    "turns": codec.analysis_turns(analysis),
                    "redaction_count": analysis.redaction_count,
                    "char_count": analysis.char_count,
                    "analysed_at": now,
                    "summary": codec.summary_payload(analysis.sentiment),
                    "complaint": None if analysis.sentiment is None else analysis.sentiment.complaint,
                    "customer_satisfaction": (
                        None if analysis.sentiment is None else analysis.sentiment.customer_satisfaction
                    ),
                    "qa_score": None if quality is None else quality.score,
                    "flagged": None if quality is None else quality.flagged,
                    "quality": codec.quality_payload(quality),
                    "occurred_at": occurred,
                    "first_response_seconds": None if quality is None else quality.first_response_seconds,
                    "topic_id": None if analysis.topic is None else analysis.topic.topic_id,
                    "topic_probability": None if analysis.topic is None else analysis.topic.probability,
                    "topic_label": None if analysis.topic is None else analysis.topic.label[:200],
                    "topic_model": None if analysis.topic is None else analysis.topic.model_version[:80],
                    "customer_negative_turns": adds.negative_turns,
                    "customer_sentiment": adds.sentiment,
                    "bucket_seconds": adds.bucket_seconds,
                },
            )
        new = [v for cid, v in latest.items() if cid not in existed]
        old = [v for cid, v in latest.items() if cid in existed]
        removed: list[Contribution] = []
        for chunk in _chunks([cid for cid in latest if cid in existed], 500):
            removed.extend(stored_contributions(conn, chunk))  # read before the rows are replaced
        if new:
            new.sort(key=lambda v: v[0]["conversation_id"])  # the same lock order as above
            conn.execute(conversations.insert(), [c for c, _ in new])
            conn.execute(analyses.insert(), [a for _, a in new])
        if old:
            conn.execute(
                conversations.update().where(conversations.c.conversation_id == sa.bindparam("cid")),
                [
                    {
                        **{k: v for k, v in c.items() if k not in ("conversation_id", "created_at")},
                        "cid": c["conversation_id"],
                    }
                    for c, _ in old
                ],
            )
            conn.execute(
                analyses.update().where(analyses.c.conversation_id == sa.bindparam("cid")),
                [
                    {**{k: v for k, v in a.items() if k != "conversation_id"}, "cid": a["conversation_id"]}
                    for _, a in old
                ],
            )
        self._save_children(conn, children, existed, now)
        apply_deltas(conn, deltas(removed, added.values()))
        _save_categories(conn, children.values(), now)
        return results

    def _save_children(
        self,
        conn: sa.Connection,
        items: dict[str, tuple[Conversation, ConversationAnalysis, datetime]],
        existed: set[str],
        now: datetime,
    ) -> None:
        """Rows that hang off a conversation (SKUs, findings, promises) are replaced with it. A
        promise keeps its status across re-sends: only still-open ones are rewritten."""
        updated = [cid for cid in items if cid in existed]
        for chunk in _chunks(updated, 500):
            conn.execute(conversation_skus.delete().where(conversation_skus.c.conversation_id.in_(chunk)))
            conn.execute(findings.delete().where(findings.c.conversation_id.in_(chunk)))
            conn.execute(
                promises.delete().where(
                    promises.c.conversation_id.in_(chunk), promises.c.status == PromiseStatus.OPEN.value
                )
            )
        kept: set[str] = set()
        for chunk in _chunks(updated, 500):
            kept.update(
                conn.execute(sa.select(promises.c.promise_id).where(promises.c.conversation_id.in_(chunk))).scalars()
            )
        sku_rows, finding_rows, promise_rows, broken = [], [], [], []
        for cid, (conv, analysis, occurred) in items.items():
            sku_rows.extend({"conversation_id": cid, "sku_id": sku} for sku in dict.fromkeys(conv.sku_ids) if sku)
            if analysis.quality is not None:
                for f in analysis.quality.findings:
                    finding_rows.append(
                        {
                            "conversation_id": cid,
                            "rule_id": f.rule_id,
                            "rule_version": f.rule_version,
                            "severity": f.severity.rank,
                            "agent_id": conv.agent_id,
                            "occurred_at": occurred,
                        }
                    )
                    if f.ref:
                        broken.append({"pid": f.ref, "by": cid})
            promise_rows.extend(codec.promise_row(p) for p in analysis.promises if p.promise_id not in kept)
        if sku_rows:
            conn.execute(conversation_skus.insert(), sku_rows)
        if finding_rows:
            conn.execute(findings.insert(), finding_rows)
        if promise_rows:
            conn.execute(promises.insert(), promise_rows)
        if broken:
            conn.execute(
                promises.update()
                .where(promises.c.promise_id == sa.bindparam("pid"), promises.c.status == PromiseStatus.OPEN.value)
                .values(status=PromiseStatus.BROKEN.value, status_at=now, broken_by=sa.bindparam("by")),
                broken,
            )

    def get(self, conversation_id: str) -> tuple[Conversation, ConversationAnalysis, int] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    _stored_select()
                    .join(analyses, analyses.c.conversation_id == conversations.c.conversation_id)
                    .where(conversations.c.conversation_id == conversation_id)
                )
                .mappings()
                .first()
            )
        return None if row is None else _from_row(row)

    def iter_stored(
        self, batch: int = 500, since: datetime | None = None, purged: bool = True
    ) -> Iterator[tuple[Conversation, ConversationAnalysis, int]]:
        """Every stored conversation (that occurred at or after ``since``; ``purged=False``: only
        those whose texts retention has not blanked) with its analysis and revision, in id order,
        read in pages (keyset paging: a large store is never loaded at once)."""
        after = ""
        window = [] if since is None else [analyses.c.occurred_at >= since]
        if not purged:
            window.append(conversations.c.purged_at.is_(None))
        while True:
            with self.engine.connect() as conn:
                rows = (
                    conn.execute(
                        _stored_select()
                        .join(analyses, analyses.c.conversation_id == conversations.c.conversation_id)
                        .where(conversations.c.conversation_id > after, *window)
                        .order_by(conversations.c.conversation_id)
                        .limit(batch)
                    )
                    .mappings()
                    .all()
                )
            if not rows:
                return
            for row in rows:
                yield _from_row(row)
            after = rows[-1]["conversation_id"]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(conversations)).scalar_one()

    def close(self) -> None:
        self.engine.dispose()


def _save_categories(
    conn: sa.Connection, items: Iterable[tuple[Conversation, ConversationAnalysis, datetime]], now: datetime
) -> None:
    """attributes["category"] of a conversation is its SKUs' catalog category (latest wins)."""
    rows = {
        sku: {"sku_id": sku, "category": conv.attributes["category"][:128], "updated_at": now}
        for conv, _a, _o in items
        if conv.attributes.get("category")
        for sku in conv.sku_ids
        if sku
    }
    if rows:
        stmt = upsert_insert(conn, sku_categories)
        stmt = stmt.on_conflict_do_update(
            index_elements=[sku_categories.c.sku_id],
            set_={"category": stmt.excluded.category, "updated_at": stmt.excluded.updated_at},
        )
        conn.execute(stmt, [rows[k] for k in sorted(rows)])


def _stored_select() -> sa.Select:
    return sa.select(
        conversations,
        analyses.c.versions,
        analyses.c.turns.label("analysis_turns"),
        analyses.c.summary,
        analyses.c.quality,
        analyses.c.topic_id,
        analyses.c.topic_probability,
        analyses.c.topic_label,
        analyses.c.topic_model,
    )


def _from_row(row: sa.RowMapping) -> tuple[Conversation, ConversationAnalysis, int]:
    conv = codec.conversation_from_row(dict(row))
    analysis = codec.analysis_from_row(
        {
            "conversation_id": row["conversation_id"],
            "turns": row["analysis_turns"],
            "versions": row["versions"],
            "summary": row["summary"],
            "quality": row["quality"],
            "topic": (
                None
                if row["topic_id"] is None
                else (row["topic_id"], row["topic_label"] or "", row["topic_probability"] or 0.0, row["topic_model"] or "")
            ),
        },
        conv,
    )
    return conv, analysis, row["revision"]


def _chunks(seq: list[str], size: int) -> list[list[str]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def make_engine(url: str, sqlite_synchronous: str = "FULL") -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            # readers never block the writer. Switching a NEW file to WAL needs it to itself, and
            # SQLite answers "locked" at once, without the busy timeout, while another process
            # (replicas started together) does the same: wait for that one, up to ~10 s
            Retrying(
                retry=retry_if_exception(lambda e: isinstance(e, sqlite3.OperationalError) and "locked" in str(e)),
                stop=stop_after_attempt(100),
                wait=wait_fixed(0.1),
                reraise=True,
            )(cur.execute, "PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # A write transaction takes the write lock at BEGIN: one that reads ids and then writes
            # can then never fail halfway with SQLITE_BUSY when several writers (threads, worker
            # processes) meet. Reads begin deferred and never wait for writers (WAL).
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.pop("write", False) else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def open_store(
    url: str, sqlite_synchronous: str = "FULL", migrate: bool = True, bucket_seconds: int = 3600
) -> ConversationStore:
    """Connect and bring the schema to the newest migration (idempotent, safe on every start)."""
    engine = make_engine(url, sqlite_synchronous)
    if migrate:
        upgrade(engine)
    return ConversationStore(engine, bucket_seconds)
