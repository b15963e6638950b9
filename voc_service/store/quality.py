"""Queries behind the review workflow, rule precision, scorecards and promises.

Separate from ConversationStore (which owns the write path) but on the same engine and tables.
Every list is keyset-paged: the page token encodes the sort key of the last row returned, so a
page never repeats or skips rows when new conversations arrive between calls.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.domain import InvalidInput, NotFound, Promise, PromiseStatus, Quality, Severity
from voc_service.store import codec
from voc_service.store.schema import analyses, conversation_skus, conversations, findings, promises, reviews

MAX_PAGE = 500
DEFAULT_PAGE = 50


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidInput("page_size", "must be >= 0")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)


def encode_token(values: Sequence[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode()


def decode_token(token: str, n: int) -> list | None:
    if not token:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != n:
        raise InvalidInput("page_token", "not a page token from this API (pass next_page_token back unchanged)")
    return values


def _where_given(q: sa.Select, *filters: tuple[sa.ColumnElement, object]) -> sa.Select:
    """``column == value`` for every filter whose value was given: an empty filter is no filter."""
    for column, value in filters:
        if value:
            q = q.where(column == value)
    return q


def _agent_period(
    agent_col: sa.ColumnElement, at_col: sa.ColumnElement, agent_id: str, since: datetime | None, until: datetime | None
) -> list[sa.ColumnElement]:
    """Conversations of an agent (any agent when empty, never the agent-less) in [since, until)."""
    cond = [agent_col != "", *([agent_col == agent_id] if agent_id else [])]
    if since is not None:
        cond.append(at_col >= since)
    if until is not None:
        cond.append(at_col < until)
    return cond


def _ts(value: datetime | None) -> str:
    """Cursor form of a timestamp: ISO text, exact to the microsecond (a float is not)."""
    return "" if value is None else value.isoformat()


def _at(value: object) -> datetime | None:
    if value == "":
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("page_token", "not a page token from this API (pass next_page_token back unchanged)") from None


@dataclass(slots=True)
class FlaggedRow:
    conversation_id: str
    occurred_at: datetime | None
    agent_id: str
    sku_ids: list[str]
    quality: Quality


@dataclass(slots=True)
class ReviewRow:
    conversation_id: str
    rule_id: str
    rule_version: int
    confirmed: bool
    note: str
    reviewer_id: str
    reviewed_at: datetime


@dataclass(slots=True)
class RuleCounts:
    findings: int = 0
    reviewed: int = 0
    confirmed: int = 0


@dataclass(slots=True)
class ScorecardRow:
    agent_id: str
    conversations: int = 0
    mean_score: float = 0.0
    flagged_rate: float = 0.0
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    mean_first_response_seconds: float = 0.0
    first_responses_measured: int = 0


class QualityStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- flagged conversations ----------------------------------------------------------------

    def list_flagged(
        self,
        *,
        rule_id: str = "",
        min_severity: Severity | None = None,
        sku_id: str = "",
        agent_id: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        size: int = DEFAULT_PAGE,
        token: str = "",
    ) -> tuple[list[FlaggedRow], str]:
        """Flagged conversations, newest first (occurred_at, then id, both descending)."""
        after = decode_token(token, 2)
        a, c = analyses, conversations
        q = (
            sa.select(c.c.conversation_id, c.c.agent_id, c.c.payload, a.c.occurred_at, a.c.quality)
            .join(a, a.c.conversation_id == c.c.conversation_id)
            .where(a.c.flagged.is_(True))
        )
        q = _where_given(q, (c.c.agent_id, agent_id))
        if since is not None:
            q = q.where(a.c.occurred_at >= since)
        if until is not None:
            q = q.where(a.c.occurred_at < until)
        if sku_id:
            q = q.where(
                sa.exists().where(
                    conversation_skus.c.conversation_id == c.c.conversation_id, conversation_skus.c.sku_id == sku_id
                )
            )
        if rule_id or min_severity is not None:
            cond = [findings.c.conversation_id == c.c.conversation_id]
            if rule_id:
                cond.append(findings.c.rule_id == rule_id)
            if min_severity is not None:
                cond.append(findings.c.severity >= min_severity.rank)
            q = q.where(sa.exists().where(*cond))
        if after is not None:
            at = _at(after[0])
            q = q.where(sa.or_(a.c.occurred_at < at, sa.and_(a.c.occurred_at == at, c.c.conversation_id < after[1])))
        q = q.order_by(a.c.occurred_at.desc(), c.c.conversation_id.desc()).limit(size + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        out = []
        for row in rows[:size]:
            payload = json.loads(row["payload"])
            texts = [t[1] for t in payload["turns"]]
            quality = codec.quality_from_payload(row["quality"], texts)
            assert quality is not None
            out.append(FlaggedRow(row["conversation_id"], row["occurred_at"], row["agent_id"], payload["sku_ids"], quality))
        nxt = encode_token([_ts(out[-1].occurred_at), out[-1].conversation_id]) if len(rows) > size else ""
        return out, nxt

    # --- reviews --------------------------------------------------------------------------------

    def submit_review(
        self, conversation_id: str, rule_id: str, confirmed: bool, note: str, reviewer_id: str, at: datetime
    ) -> ReviewRow:
        """One review per finding; a later review of the same finding replaces the earlier one."""
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                version = conn.execute(
                    sa.select(findings.c.rule_version).where(
                        findings.c.conversation_id == conversation_id, findings.c.rule_id == rule_id
                    )
                ).scalar_one_or_none()
                if version is None:
                    raise NotFound(f"no finding of rule {rule_id!r} in conversation {conversation_id!r}")
                row = {
                    "rule_version": version,
                    "confirmed": confirmed,
                    "note": note,
                    "reviewer_id": reviewer_id,
                    "reviewed_at": at,
                }
                key = (reviews.c.conversation_id == conversation_id) & (reviews.c.rule_id == rule_id)
                if conn.execute(sa.select(sa.func.count()).select_from(reviews).where(key)).scalar_one():
                    conn.execute(reviews.update().where(key).values(**row))
                else:
                    conn.execute(reviews.insert().values(conversation_id=conversation_id, rule_id=rule_id, **row))
        return ReviewRow(conversation_id, rule_id, version, confirmed, note, reviewer_id, at)

    def list_reviews(
        self, *, rule_id: str = "", conversation_id: str = "", reviewer_id: str = "", size: int = DEFAULT_PAGE,
        token: str = "",
    ) -> tuple[list[ReviewRow], str]:
        """Newest first: (reviewed_at, conversation_id, rule_id) descending."""
        after = decode_token(token, 3)
        r = reviews.c
        q = _where_given(
            sa.select(reviews), (r.rule_id, rule_id), (r.conversation_id, conversation_id), (r.reviewer_id, reviewer_id)
        )
        if after is not None:
            at = _at(after[0])
            q = q.where(
                sa.or_(
                    r.reviewed_at < at,
                    sa.and_(r.reviewed_at == at, r.conversation_id < after[1]),
                    sa.and_(r.reviewed_at == at, r.conversation_id == after[1], r.rule_id < after[2]),
                )
            )
        q = q.order_by(r.reviewed_at.desc(), r.conversation_id.desc(), r.rule_id.desc()).limit(size + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        out = [
            ReviewRow(
                x["conversation_id"], x["rule_id"], x["rule_version"], x["confirmed"], x["note"], x["reviewer_id"],
                x["reviewed_at"],
            )
            for x in rows[:size]
        ]
        last = out[-1] if out else None
        nxt = encode_token([_ts(last.reviewed_at), last.conversation_id, last.rule_id]) if last and len(rows) > size else ""
        return out, nxt

    def rule_counts(self) -> dict[str, RuleCounts]:
        """Per rule: stored findings, reviewed findings and confirmed ones (precision's parts)."""
        out: dict[str, RuleCounts] = {}
        with self.engine.connect() as conn:
            for rule, n in conn.execute(sa.select(findings.c.rule_id, sa.func.count()).group_by(findings.c.rule_id)):
                out.setdefault(rule, RuleCounts()).findings = n
            q = sa.select(
                reviews.c.rule_id, sa.func.count(), sa.func.sum(sa.case((reviews.c.confirmed.is_(True), 1), else_=0))
            ).group_by(reviews.c.rule_id)
            for rule, n, confirmed in conn.execute(q):
                counts = out.setdefault(rule, RuleCounts())
                counts.reviewed, counts.confirmed = n, int(confirmed or 0)
        return out

    # --- scorecards -------------------------------------------------------------------------------

    def scorecards(
        self, *, agent_id: str = "", since: datetime | None = None, until: datetime | None = None
    ) -> list[ScorecardRow]:
        """Per agent over conversations that happened in [since, until): count, mean QA score,
        flagged rate, mean first-response time and findings by rule."""
        a, c = analyses, conversations
        cond = [a.c.qa_score.is_not(None), *_agent_period(c.c.agent_id, a.c.occurred_at, agent_id, since, until)]
        q = (
            sa.select(
                c.c.agent_id,
                sa.func.count(),
                sa.func.avg(a.c.qa_score),
                sa.func.sum(sa.case((a.c.flagged.is_(True), 1), else_=0)),
                sa.func.avg(a.c.first_response_seconds),
                sa.func.count(a.c.first_response_seconds),
            )
            .join(a, a.c.conversation_id == c.c.conversation_id)
            .where(*cond)
            .group_by(c.c.agent_id)
        )
        f = findings.c
        fq = (
            sa.select(f.agent_id, f.rule_id, sa.func.count())
            .where(*_agent_period(f.agent_id, f.occurred_at, agent_id, since, until))
            .group_by(f.agent_id, f.rule_id)
        )
        with self.engine.connect() as conn:
            cards = {
                agent: ScorecardRow(agent, n, float(mean or 0), int(flagged or 0) / n, {}, float(fr or 0), int(nfr))
                for agent, n, mean, flagged, fr, nfr in conn.execute(q)
            }
            for agent, rule, n in conn.execute(fq):
                if agent in cards:
                    cards[agent].findings_by_rule[rule] = n
        return list(cards.values())

    # --- promises ---------------------------------------------------------------------------------

    def list_promises(
        self,
        *,
        statuses: Sequence[PromiseStatus] = (),
        overdue_at: datetime | None = None,
        customer_id: str = "",
        order_id: str = "",
        size: int = DEFAULT_PAGE,
        token: str = "",
    ) -> tuple[list[Promise], str]:
        """By due time, then id. ``overdue_at``: only OPEN promises due before that instant."""
        after = decode_token(token, 2)
        p = promises.c
        q = sa.select(promises)
        if statuses:
            q = q.where(p.status.in_([s.value for s in statuses]))
        if overdue_at is not None:
            q = q.where(p.status == PromiseStatus.OPEN.value, p.due_at < overdue_at)
        q = _where_given(q, (p.customer_id, customer_id), (p.order_id, order_id))
        if after is not None:
            at = _at(after[0])
            q = q.where(sa.or_(p.due_at > at, sa.and_(p.due_at == at, p.promise_id > after[1])))
        q = q.order_by(p.due_at, p.promise_id).limit(size + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        out = [codec.promise_from_row(dict(r)) for r in rows[:size]]
        nxt = encode_token([_ts(out[-1].due_at), out[-1].promise_id]) if len(rows) > size else ""
        return out, nxt

    def promises_of(self, conversation_id: str) -> list[Promise]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(promises).where(promises.c.conversation_id == conversation_id).order_by(promises.c.turn_index)
            ).mappings()
            return [codec.promise_from_row(dict(r)) for r in rows]

    def open_promises(self, customer_ids: Sequence[str], order_ids: Sequence[str]) -> list[Promise]:
        """OPEN promises to any of these customers or about any of these orders: one query for a
        whole ingest batch. Each key column is matched by its own index (UNION ALL) and the
        status is filtered here: with status in the WHERE clause SQLite's planner prefers the
        (status, due_at) index and scans every open promise (1.7 ms instead of 0.3 ms at 8,000)."""
        branches = [
            sa.select(promises).where(column.in_(sorted(set(values))))
            for column, values in ((promises.c.customer_id, [c for c in customer_ids if c]),
                                   (promises.c.order_id, [o for o in order_ids if o]))
            if values
        ]
        if not branches:
            return []
        rows: dict[str, Promise] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(sa.union_all(*branches) if len(branches) > 1 else branches[0]).mappings():
                if r["status"] == PromiseStatus.OPEN.value:
                    rows[r["promise_id"]] = codec.promise_from_row(dict(r))
        return list(rows.values())

    def record_fulfilment(self, promise_id: str, note: str, at: datetime) -> Promise:
        """Marks the promise FULFILLED (upstream systems know best, so this also overrides BROKEN)."""
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                found = conn.execute(
                    promises.update()
                    .where(promises.c.promise_id == promise_id)
                    .values(status=PromiseStatus.FULFILLED.value, status_at=at, status_note=note)
                ).rowcount
                if not found:
                    raise NotFound(f"no promise {promise_id!r}")
                row = conn.execute(sa.select(promises).where(promises.c.promise_id == promise_id)).mappings().one()
        return codec.promise_from_row(dict(row))
