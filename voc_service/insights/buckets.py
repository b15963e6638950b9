"""What one conversation adds to the time buckets, and the net change when it is re-sent.

Every stored conversation counts once in the bucket of when it happened, for each subject it
belongs to: everything ("all"), each of its SKUs, its topic, and each SKU×topic pair. A re-send
subtracts what the previous version added and adds the new version (it may have moved to another
bucket, SKU or topic), so the buckets always equal a recount of the store.

Pure functions: the store applies the result in the same transaction as the conversation itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from voc_service.domain import ConversationAnalysis, Role, SentimentLabel

# Buckets are aligned to Beijing time (UTC+8), the platform's business day: with a width of one
# day a bucket is a calendar day there, not 08:00 to 08:00.
ALIGN_OFFSET = timedelta(hours=8)

# A customer whose mean turn sentiment is at or below this left unhappy: the buckets count these
# conversations (`negative_customers`) for the experience index. A share of unhappy customers
# ranks products more robustly than the mean score, which a few very negative or very positive
# turns pull around (docs/insights.md). Changing it needs a rebuild of the buckets
# (`pipelines/rebuild_buckets.py`); migration 0007 back-filled the counts with this value.
NEGATIVE_CUSTOMER = -0.3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One conversation's part of the aggregates, as stored beside its analysis."""

    occurred_at: datetime
    bucket_seconds: int
    sku_ids: tuple[str, ...]
    topic_id: int | None  # None: no topic model; -1: outlier (counted: a rising outlier share is news)
    complaint: bool
    flagged: bool
    negative_turns: int
    sentiment: float | None  # customer's mean turn sentiment; None without customer turns
    satisfaction: float | None
    qa_score: float | None


@dataclass(slots=True)
class Counts:
    conversations: int = 0
    complaints: int = 0
    negative_turns: int = 0
    flagged: int = 0
    sentiment_sum: float = 0.0
    sentiment_sq_sum: float = 0.0  # for the spread of sentiment (index confidence intervals)
    sentiment_n: int = 0
    negative_customers: int = 0  # conversations whose customer mean sentiment <= NEGATIVE_CUSTOMER
    satisfaction_sum: float = 0.0
    qa_score_sum: float = 0.0
    qa_n: int = 0

    def add(self, c: Contribution, sign: int) -> None:
        self.conversations += sign
        self.complaints += sign * c.complaint
        self.negative_turns += sign * c.negative_turns
        self.flagged += sign * c.flagged
        if c.sentiment is not None:
            self.sentiment_sum += sign * c.sentiment
            self.sentiment_sq_sum += sign * c.sentiment * c.sentiment
            self.sentiment_n += sign
            self.negative_customers += sign * (c.sentiment <= NEGATIVE_CUSTOMER)
            self.satisfaction_sum += sign * (c.satisfaction or 0.0)
        if c.qa_score is not None:
            self.qa_score_sum += sign * c.qa_score
            self.qa_n += sign

    def is_zero(self) -> bool:
        return all(abs(getattr(self, f.name)) < 1e-9 for f in fields(self))

    def as_row(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Subject:
    key: str  # the buckets' primary key part
    kind: str
    sku_id: str = ""
    topic_id: int | None = None


def sku_key(sku_id: str) -> str:
    """The buckets' subject key of a SKU."""
    return f"sku:{sku_id}"


def subjects(c: Contribution) -> list[Subject]:
    out = [Subject("all", "all")]
    skus = list(dict.fromkeys(s for s in c.sku_ids if s))
    out.extend(Subject(sku_key(s), "sku", s) for s in skus)
    if c.topic_id is not None:
        out.append(Subject(f"topic:{c.topic_id}", "topic", "", c.topic_id))
        out.extend(Subject(f"sku_topic:{s}|{c.topic_id}", "sku_topic", s, c.topic_id) for s in skus)
    return out


def bucket_start(ts: datetime, seconds: int) -> datetime:
    """The start of the bucket holding ``ts`` (Beijing-aligned, see ALIGN_OFFSET)."""
    shifted = (ts.astimezone(UTC) + ALIGN_OFFSET - _EPOCH).total_seconds()
    return _EPOCH + timedelta(seconds=shifted - shifted % seconds) - ALIGN_OFFSET


def contribution(
    analysis: ConversationAnalysis, occurred_at: datetime, sku_ids: Iterable[str], bucket_seconds: int
) -> Contribution:
    s, q = analysis.sentiment, analysis.quality
    customer = s is not None and s.customer_turns > 0
    return Contribution(
        occurred_at=occurred_at,
        bucket_seconds=bucket_seconds,
        sku_ids=tuple(sku_ids),
        topic_id=None if analysis.topic is None else analysis.topic.topic_id,
        complaint=bool(s is not None and s.complaint),
        flagged=bool(q is not None and q.flagged),
        negative_turns=sum(
            1
            for t in analysis.turns
            if t.role is Role.CUSTOMER and t.sentiment is not None and t.sentiment.label is SentimentLabel.NEGATIVE
        ),
        sentiment=s.customer_mean if customer else None,  # type: ignore[union-attr]
        satisfaction=s.customer_satisfaction if customer else None,  # type: ignore[union-attr]
        qa_score=None if q is None else q.score,
    )


Delta = dict[tuple[str, datetime], tuple[Subject, Counts]]


def deltas(removed: Iterable[Contribution], added: Iterable[Contribution]) -> Delta:
    """Net change per (subject, bucket): what ``added`` brings minus what ``removed`` took;
    entries that cancel out are dropped (a re-send that changed nothing writes nothing)."""
    out: Delta = {}
    for sign, group in ((-1, removed), (1, added)):
        for c in group:
            start = bucket_start(c.occurred_at, c.bucket_seconds)
            for subj in subjects(c):
                entry = out.get((subj.key, start))
                if entry is None:
                    entry = out[(subj.key, start)] = (subj, Counts())
                entry[1].add(c, sign)
    return {k: v for k, v in out.items() if not v[1].is_zero()}
