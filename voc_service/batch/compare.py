"""Compare what two stores hold: every row of the analysis tables, timestamps of the write left out.

Used by the tests and the bench to prove a parallel backfill stores what the in-order path stores.
Compared: conversations (payload, revision, …), analyses (every column: turns, sentiment summary,
quality with its findings, topic, …), findings, conversation SKUs, promises (status, broken_by),
time buckets and SKU categories. Left out: when a row was written (created_at, updated_at,
analysed_at, a promise's status_at, purged_at). Bucket sums are floats added in another order, so
they are compared to 9 significant digits; JSON columns as data (protobuf map fields, such as a
conversation's attributes, come out of a parse in no fixed key order); everything else exactly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.store.schema import analyses, buckets, conversation_skus, conversations, findings, promises, sku_categories

WRITE_TIMES = {"created_at", "updated_at", "analysed_at", "status_at", "purged_at"}
TABLES = (conversations, analyses, findings, conversation_skus, promises, buckets, sku_categories)
_ROUNDED = {"buckets"}


def _value(table: str, v: object) -> object:
    if isinstance(v, float) and table in _ROUNDED:
        return float(f"{v:.9g}")
    if hasattr(v, "isoformat"):
        return v.isoformat()  # type: ignore[union-attr]
    if isinstance(v, str) and v[:1] in "{[":
        try:  # JSON columns: compared as data (a map's key order is not part of its content)
            return json.loads(v)
        except ValueError:
            return v
    return v


def snapshot(engine: Engine) -> dict[str, dict[tuple, str]]:
    """{table: {primary key: digest of the row without write times}}."""
    out: dict[str, dict[tuple, str]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            keys = [c.name for c in table.primary_key.columns]
            cols = [c for c in table.columns if c.name not in WRITE_TIMES]
            rows: dict[tuple, str] = {}
            for row in conn.execute(sa.select(*cols)).mappings():
                doc = {k: _value(table.name, v) for k, v in row.items()}
                digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
                rows[tuple(row[k] for k in keys)] = digest
            out[table.name] = rows
    return out


@dataclass
class Difference:
    rows: dict[str, int] = field(default_factory=dict)  # rows compared per table
    only_left: dict[str, list] = field(default_factory=dict)
    only_right: dict[str, list] = field(default_factory=dict)
    changed: dict[str, list] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return not (self.only_left or self.only_right or self.changed)

    def summary(self) -> str:
        if self.equal:
            return "equal: " + ", ".join(f"{t} {n}" for t, n in self.rows.items())
        parts = []
        for name, got in (("only left", self.only_left), ("only right", self.only_right), ("changed", self.changed)):
            parts += [f"{t}: {len(keys)} {name} (e.g. {keys[:3]})" for t, keys in got.items()]
        return "DIFFERENT: " + "; ".join(parts)


def compare(left: Engine, right: Engine) -> Difference:
    a, b = snapshot(left), snapshot(right)
    diff = Difference()
    for table in a:
        x, y = a[table], b[table]
        diff.rows[table] = len(x)
        if only := sorted(set(x) - set(y), key=str):
            diff.only_left[table] = only
        if only := sorted(set(y) - set(x), key=str):
            diff.only_right[table] = only
        if changed := sorted((k for k in set(x) & set(y) if x[k] != y[k]), key=str):
            diff.changed[table] = changed
    return diff
