"""Export findings and SKU experience indices to Parquet (pyarrow), read from the store.

* findings: one row per QA finding (conversation_id, rule_id, rule_version, severity 1-4,
  agent_id, occurred_at) with the conversation's qa_score, flagged, complaint, topic_id and SKUs;
  read in keyset pages, written in row groups, so a large store is never held in memory.
* indices: one row per SKU for the window [since, until): the experience index and its interval,
  shrunk complaint share and sentiment, the raw values, conversations, complaints (the same
  computation as InsightsService.ListSkuExperience, voc_service/insights/experience.py), plus
  ``days`` rows per day when asked (one window per Beijing day) for trends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.insights.experience import SkuExperience
from voc_service.insights.index import IndexConfig
from voc_service.store.insights import InsightsStore
from voc_service.store.schema import analyses, conversation_skus, findings

FINDING_COLUMNS = ("conversation_id", "rule_id", "rule_version", "severity", "agent_id", "occurred_at",
                   "qa_score", "flagged", "complaint", "topic_id", "sku_ids")
INDEX_COLUMNS = ("window_start", "window_end", "sku_id", "category", "index", "low", "high", "complaint_share",
                 "raw_complaint_share", "sentiment", "raw_sentiment", "flagged_share", "negative_share",
                 "raw_negative_share", "conversations", "complaints", "prior_index")


def export_findings(engine: Engine, out: str, page: int = 20000) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("conversation_id", pa.string()), ("rule_id", pa.string()), ("rule_version", pa.int32()),
        ("severity", pa.int8()), ("agent_id", pa.string()), ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("qa_score", pa.float64()), ("flagged", pa.bool_()), ("complaint", pa.bool_()), ("topic_id", pa.int64()),
        ("sku_ids", pa.list_(pa.string())),
    ])
    written, after = 0, ("", "")
    with pq.ParquetWriter(out, schema) as writer, engine.connect() as conn:
        while True:
            rows = conn.execute(
                sa.select(findings, analyses.c.qa_score, analyses.c.flagged, analyses.c.complaint, analyses.c.topic_id)
                .join(analyses, analyses.c.conversation_id == findings.c.conversation_id)
                .where(sa.tuple_(findings.c.conversation_id, findings.c.rule_id) > sa.tuple_(*after))
                .order_by(findings.c.conversation_id, findings.c.rule_id)
                .limit(page)
            ).mappings().all()
            if not rows:
                break
            ids = sorted({r["conversation_id"] for r in rows})
            skus: dict[str, list[str]] = {}
            for k in range(0, len(ids), 500):
                for cid, sku in conn.execute(
                    sa.select(conversation_skus.c.conversation_id, conversation_skus.c.sku_id)
                    .where(conversation_skus.c.conversation_id.in_(ids[k : k + 500]))
                    .order_by(conversation_skus.c.conversation_id, conversation_skus.c.sku_id)
                ):
                    skus.setdefault(cid, []).append(sku)
            columns = {c: [r[c] for r in rows] for c in FINDING_COLUMNS if c != "sku_ids"}
            columns["sku_ids"] = [skus.get(r["conversation_id"], []) for r in rows]
            writer.write_table(pa.table(columns, schema=schema))
            written += len(rows)
            after = (rows[-1]["conversation_id"], rows[-1]["rule_id"])
    return written


def index_rows(engine: Engine, since: datetime, until: datetime, prior_conversations: float) -> list[dict]:
    skus = SkuExperience(InsightsStore(engine), IndexConfig(prior_conversations=prior_conversations))
    views = skus.ranked(since, until, None, 1, best_first=False)
    return [
        {"window_start": since, "window_end": until, "sku_id": v.sku_id, "category": v.category, "index": v.index,
         "low": v.low, "high": v.high, "complaint_share": v.complaint_share,
         "raw_complaint_share": v.raw_complaint_share, "sentiment": v.sentiment, "raw_sentiment": v.raw_sentiment,
         "flagged_share": v.flagged_share, "negative_share": v.negative_share,
         "raw_negative_share": v.raw_negative_share, "conversations": v.conversations, "complaints": v.complaints,
         "prior_index": v.prior_index}
        for v in views
    ]


def day_windows(since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    out, at = [], since
    while at < until:
        out.append((at, min(at + timedelta(days=1), until)))
        at += timedelta(days=1)
    return out


def write_indices(rows: list[dict], out: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("window_start", pa.timestamp("us", tz="UTC")), ("window_end", pa.timestamp("us", tz="UTC")),
        ("sku_id", pa.string()), ("category", pa.string()),
        *[(c, pa.float64()) for c in ("index", "low", "high", "complaint_share", "raw_complaint_share", "sentiment",
                                     "raw_sentiment", "flagged_share", "negative_share", "raw_negative_share")],
        ("conversations", pa.int64()), ("complaints", pa.int64()), ("prior_index", pa.float64()),
    ])
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in INDEX_COLUMNS}, schema=schema), out)
    return len(rows)
