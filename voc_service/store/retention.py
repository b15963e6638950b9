"""Retention: blank the raw transcripts of old conversations, keep everything derived from them.

A purged conversation keeps its row (id, channel, SKUs, order / customer / agent ids, times,
attributes, revision), its analysis numbers (sentiment, QA score and findings, topic), its share of
the time buckets, the signals that cite it as evidence, its reviews and its promises' status. What
goes is the text:

- the turn texts in ``conversations.payload`` (roles, times, agent ids and the turn count stay),
- the per-turn redaction and entity spans in ``analyses.turns``, which only locate text (sentiment
  and emotion kinds per turn stay; their quoted text was cut from the turn text and is now empty),
- ``promises.text``, and the quote of a purged promise in a ``promise_broken`` finding's message
  (in the purged conversation and in the later one that broke it).

``conversations.purged_at`` says when. A conversation is old enough when it *happened*
(``analyses.occurred_at``) before the cutoff; rows stored before migration 0003 have no
occurred_at and are judged by their start, else by when they were stored. Re-sending a purged id
stores its texts again and clears purged_at (ConversationStore.save_batch), and its bucket counts
move as for any re-send; the next purge blanks it again.

The work is done in batches, each its own short transaction, so a first purge of years of data
never holds the write lock for long (ingest goes on between batches). Rows are locked while
purged (PostgreSQL: FOR UPDATE SKIP LOCKED, so a conversation being re-sent right now is skipped
and left for the next run; SQLite: the write lock of BEGIN IMMEDIATE), so a purge can never
interleave with a re-send of the same id. Already purged rows are skipped: running it again does
nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.store.schema import analyses, conversations, promises

log = logging.getLogger(__name__)

JOB = "retention"  # the row in the jobs table whose lease makes one replica purge at a time
PROMISE_BROKEN = "promise_broken"  # voc_service.qa.stages.PROMISE_BROKEN (not imported: no QA stack here)
_QUOTE = re.compile(r"「[^」]*」")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def purge_transcripts(
    engine: Engine,
    older_than: datetime,
    batch: int = 1000,
    *,
    now: datetime | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> int:
    """Blank the transcripts of conversations that happened before ``older_than``; returns how
    many were purged. ``keep_going`` (optional) is asked before every batch: False stops (server
    shutdown, a lost lease); what was purged so far stays purged."""
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    if batch < 1:
        raise ValueError("batch must be >= 1")
    now = now or datetime.now(UTC)
    purged = 0
    for phase in (_dated, _undated):
        after: tuple | None = None
        while keep_going is None or keep_going():
            with engine.connect() as conn:
                conn.info["write"] = True  # SQLite: BEGIN IMMEDIATE (see make_engine)
                with conn.begin():
                    rows = conn.execute(phase(older_than, after, batch)).mappings().all()
                    if rows:
                        _purge(conn, rows, now)
            purged += len(rows)
            if len(rows) < batch:
                break
            after = (rows[-1]["occurred_at"], rows[-1]["conversation_id"])
    return purged


def count_purgeable(engine: Engine, older_than: datetime) -> int:
    """How many conversations a purge with this cutoff would blank now (``voc purge --dry-run``)."""
    with engine.connect() as conn:
        return sum(
            conn.execute(sa.select(sa.func.count()).select_from(phase(older_than, None, None).subquery())).scalar_one()
            for phase in (_dated, _undated)
        )


def _columns() -> list:
    return [
        conversations.c.conversation_id,
        conversations.c.payload,
        analyses.c.occurred_at,
        analyses.c.turns,
        analyses.c.quality,
    ]


def _dated(older_than: datetime, after: tuple | None, limit: int | None) -> sa.Select:
    """Conversations that happened before the cutoff, oldest first (the occurred_at index),
    continuing after the last one of the previous batch (keyset: purged rows are not re-read)."""
    a, c = analyses, conversations
    q = (
        sa.select(*_columns())
        .join(c, c.c.conversation_id == a.c.conversation_id)
        .where(a.c.occurred_at < older_than, c.c.purged_at.is_(None))
    )
    if after is not None:
        at, cid = after
        q = q.where(sa.or_(a.c.occurred_at > at, sa.and_(a.c.occurred_at == at, a.c.conversation_id > cid)))
    q = q.order_by(a.c.occurred_at, a.c.conversation_id)
    return q if limit is None else q.limit(limit).with_for_update(skip_locked=True)


def _undated(older_than: datetime, after: tuple | None, limit: int | None) -> sa.Select:
    """Rows stored before migration 0003 (no occurred_at): by their start, else when stored."""
    a, c = analyses, conversations
    q = (
        sa.select(*_columns())
        .join(c, c.c.conversation_id == a.c.conversation_id)
        .where(
            a.c.occurred_at.is_(None),
            sa.func.coalesce(c.c.started_at, c.c.created_at) < older_than,
            c.c.purged_at.is_(None),
        )
    )
    if after is not None:
        q = q.where(a.c.conversation_id > after[1])
    q = q.order_by(a.c.conversation_id)
    return q if limit is None else q.limit(limit).with_for_update(skip_locked=True)


def _purge(conn: sa.Connection, rows: list[sa.RowMapping], now: datetime) -> None:
    """Blank the locked ``rows``. Order matters on PostgreSQL: the rows of other conversations
    (the ones that broke a purged promise) are taken before the purged promises are written, and
    an ingest that breaks a promise locks its own conversation before the promise, so the two
    never wait for each other in a circle."""
    ids = [r["conversation_id"] for r in rows]
    conn.execute(
        conversations.update()
        .where(conversations.c.conversation_id == sa.bindparam("cid"))
        .values(payload=sa.bindparam("payload"), purged_at=now),
        [{"cid": r["conversation_id"], "payload": _blank_payload(r["payload"])} for r in rows],
    )
    # A promise_broken finding quotes the promise's text: the quote goes from the purged
    # conversations' findings and from the later conversations that broke their promises.
    promise_ids: set[str] = set()
    breakers: set[str] = set()
    for pid, by in conn.execute(
        sa.select(promises.c.promise_id, promises.c.broken_by).where(promises.c.conversation_id.in_(ids))
    ):
        promise_ids.add(pid)
        if by:
            breakers.add(by)
    others = sorted(breakers - set(ids))
    if others:
        changed = []
        for cid, quality in conn.execute(
            sa.select(analyses.c.conversation_id, analyses.c.quality)
            .where(analyses.c.conversation_id.in_(others))
            .order_by(analyses.c.conversation_id)
            .with_for_update()
        ):
            new = _unquote(quality, promise_ids, everything=False)
            if new != quality:
                changed.append({"cid": cid, "quality": new})
        if changed:
            conn.execute(
                analyses.update()
                .where(analyses.c.conversation_id == sa.bindparam("cid"))
                .values(quality=sa.bindparam("quality")),
                changed,
            )
    conn.execute(
        analyses.update()
        .where(analyses.c.conversation_id == sa.bindparam("cid"))
        .values(turns=sa.bindparam("turns"), quality=sa.bindparam("quality")),
        [
            {
                "cid": r["conversation_id"],
                "turns": _blank_turns(r["turns"]),
                "quality": _unquote(r["quality"], promise_ids, everything=True),
            }
            for r in rows
        ],
    )
    if promise_ids:
        conn.execute(promises.update().where(promises.c.conversation_id.in_(ids)).values(text=""))


def _blank_payload(payload: str) -> str:
    """Turn texts emptied; roles, times, agent ids, SKUs and attributes kept (codec layout)."""
    data = json.loads(payload)
    data["turns"] = [[role, "", ts, agent] for role, _text, ts, agent in data["turns"]]
    return _dumps(data)


def _blank_turns(turns: str) -> str:
    """Per-turn analysis without the spans that only locate text (redactions, entities)."""
    data = json.loads(turns)
    for t in data:
        t["r"], t["e"] = [], []
    return _dumps(data)


def _unquote(quality: str | None, promise_ids: set[str], everything: bool) -> str | None:
    """promise_broken findings quote the promise's text in their message: drop the quote when the
    finding belongs to a purged conversation (``everything``) or points at a purged promise."""
    if quality is None:
        return None
    data = json.loads(quality)
    changed = False
    for f in data["x"]:
        # [rule_id, version, severity, deduction, message, spans, ref] (codec.quality_payload)
        if f[0] == PROMISE_BROKEN and (everything or f[6] in promise_ids):
            message = _QUOTE.sub("「」", f[4])
            changed = changed or message != f[4]
            f[4] = message
    return _dumps(data) if changed else quality
