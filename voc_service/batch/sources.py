"""Backfill inputs, cut into deterministic partitions of whole records.

A *record* is one conversation: a non-blank line of JSONL (the canonical proto3 JSON of
``voc.v1.Conversation``, what ``voc generate`` writes), a data row of CSV, a row of Parquet. Records
are numbered from 0 in file order and a partition is a fixed run of them (``size`` records), so the
same file always gives the same partitions, whichever machine plans them, and a partition can be
read on its own (JSONL / CSV: a byte range found by one scan of the file; Parquet: a row range).

CSV and Parquet use one row per conversation with these columns (docs/batch.md):

    conversation_id  required
    turns            required: a JSON array of turns in the proto3 JSON mapping of voc.v1.Turn,
                     e.g. [{"role": "CUSTOMER", "text": "在吗", "sent_at": "2026-11-01T02:30:00Z"}]
    channel, customer_id, order_id, agent_id     optional strings
    started_at       optional, RFC 3339 text (Parquet: also a timestamp column)
    sku_ids          optional: a JSON array, or ids separated by "|" (Parquet: also list<string>)
    attributes       optional: a JSON object of strings (Parquet: also map<string, string>)

A record that cannot be parsed becomes ``None``: the pipeline rejects it (INVALID_ARGUMENT), as the
server rejects a bad message, and the rest of its batch goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf import json_format

from voc_service.api.pb import conversation_pb2
from voc_service.jsonl import parse_conversation

FORMATS = ("jsonl", "csv", "parquet")
CSV_COLUMNS = ("conversation_id", "channel", "customer_id", "order_id", "agent_id", "started_at", "sku_ids",
               "attributes", "turns")

Message = conversation_pb2.Conversation | None


@dataclass(frozen=True, slots=True)
class Partition:
    index: int
    first: int  # number of its first record in the file
    count: int
    start: int = 0  # byte range (JSONL, CSV) of its records
    end: int = 0


def detect_format(path: str) -> str:
    name = path.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise ValueError(f"cannot tell the format of {path!r} from its name; give --format {'|'.join(FORMATS)}")


def fingerprint(path: str) -> str:
    """Identifies the input's content (size + first and last MiB), not its path: a copied file
    resumes the same job, an edited one starts a new one."""
    h = hashlib.sha256()
    size = os.path.getsize(path)
    h.update(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(size - (1 << 20))
            h.update(fh.read())
    return h.hexdigest()


def plan(path: str, fmt: str, size: int) -> list[Partition]:
    """Partitions of ``size`` records (the last one may be shorter)."""
    if size < 1:
        raise ValueError("a partition needs at least one record")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        total = pq.ParquetFile(path).metadata.num_rows
        return [Partition(i, first, min(size, total - first)) for i, first in enumerate(range(0, total, size))]
    starts = _record_offsets(path, fmt)  # byte offset of every record, plus the end of the last
    out = []
    total = len(starts) - 1
    for i, first in enumerate(range(0, total, size)):
        last = min(first + size, total)
        out.append(Partition(i, first, last - first, starts[first], starts[last]))
    return out


def _record_offsets(path: str, fmt: str) -> list[int]:
    offsets: list[int] = []
    with open(path, "rb") as fh:
        if fmt == "jsonl":
            pos = 0
            for line in fh:
                if line.strip():
                    offsets.append(pos)
                pos += len(line)
            offsets.append(pos)
            return offsets
        if fmt != "csv":
            raise ValueError(f"unknown format {fmt!r}")
        lines = _CountingLines(fh)
        reader = csv.reader(lines)
        header = next(reader, None)
        _check_header(header)
        while True:
            start = lines.pos
            row = next(reader, None)
            if row is None:
                break
            if any(cell.strip() for cell in row):
                offsets.append(start)
        offsets.append(lines.pos)
    return offsets


class _CountingLines:
    """Lines of a binary file as text, counting the bytes handed out: the csv reader asks for one
    line at a time, so after each row ``pos`` is where the next row starts (quoted newlines too)."""

    def __init__(self, fh: io.BufferedReader) -> None:
        self.fh = fh
        self.pos = fh.tell()

    def __iter__(self) -> _CountingLines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline()
        if not line:
            raise StopIteration
        self.pos += len(line)
        return line.decode("utf-8-sig" if self.pos == len(line) else "utf-8")


def _check_header(header: list[str] | None) -> list[str]:
    if header is None:
        raise ValueError("the CSV file is empty (it needs a header row)")
    header = [h.strip() for h in header]
    missing = [c for c in ("conversation_id", "turns") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise ValueError(f"CSV header: missing {missing}, unknown {unknown}; columns are {list(CSV_COLUMNS)}")
    return header


def read(path: str, fmt: str, part: Partition) -> list[Message]:
    """The partition's records as Conversation messages (None: a record that does not parse)."""
    if fmt == "jsonl":
        with open(path, "rb") as fh:
            fh.seek(part.start)
            data = fh.read(part.end - part.start).decode("utf-8")
        msgs = [_parse_json_line(line) for line in data.splitlines() if line.strip()]
    elif fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = _check_header(next(csv.reader(fh), None))
        with open(path, "rb") as fh:
            fh.seek(part.start)
            data = fh.read(part.end - part.start).decode("utf-8")
        rows = (r for r in csv.reader(io.StringIO(data, newline="")) if any(c.strip() for c in r))
        msgs = [row_to_message(dict(zip(header, r, strict=False))) for r in rows]
    elif fmt == "parquet":
        msgs = [row_to_message(r) for r in _parquet_rows(path, part)]
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if len(msgs) != part.count:
        raise RuntimeError(f"partition {part.index}: read {len(msgs)} records, planned {part.count} (file changed?)")
    return msgs


def _parse_json_line(line: str) -> Message:
    try:
        return parse_conversation(line)
    except Exception:  # noqa: BLE001 - InvalidInput or a decoding error: the record is rejected
        return None


def _parquet_rows(path: str, part: Partition) -> Iterator[dict]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    first, stop, at = part.first, part.first + part.count, 0
    for g in range(pf.metadata.num_row_groups):
        n = pf.metadata.row_group(g).num_rows
        if at + n > first and at < stop:
            table = pf.read_row_group(g)
            lo, hi = max(first - at, 0), min(stop - at, n)
            yield from table.slice(lo, hi - lo).to_pylist()
        at += n
        if at >= stop:
            break


def row_to_message(row: dict) -> Message:
    """One CSV / Parquet row (columns above) as a Conversation message; None if it does not parse."""
    try:
        doc: dict = {"conversation_id": str(row.get("conversation_id") or "")}
        for key in ("channel", "customer_id", "order_id", "agent_id"):
            if row.get(key):
                doc[key] = str(row[key])
        started = row.get("started_at")
        if isinstance(started, datetime):
            started = (started if started.tzinfo else started.replace(tzinfo=UTC)).isoformat()
        if started:
            doc["started_at"] = str(started).replace("+00:00", "Z")
        skus = row.get("sku_ids")
        if isinstance(skus, str):
            skus = json.loads(skus) if skus.lstrip().startswith("[") else [s for s in skus.split("|") if s]
        if skus:
            doc["sku_ids"] = [str(s) for s in skus]
        attrs = row.get("attributes")
        if isinstance(attrs, str):
            attrs = json.loads(attrs) if attrs.strip() else {}
        if isinstance(attrs, list):  # pyarrow gives a map column as [(key, value), …]
            attrs = dict(attrs)
        if attrs:
            doc["attributes"] = {str(k): str(v) for k, v in attrs.items()}
        turns = row.get("turns")
        doc["turns"] = json.loads(turns) if isinstance(turns, str) else list(turns or [])
        return json_format.ParseDict(doc, conversation_pb2.Conversation())
    except Exception:  # noqa: BLE001 - a bad row is rejected like a bad message
        return None


def message_to_row(msg: conversation_pb2.Conversation) -> dict:
    """The CSV / Parquet row of a Conversation (the inverse of row_to_message; for tests and
    for converting JSONL)."""
    doc = json_format.MessageToDict(msg, preserving_proto_field_name=True)
    return {
        "conversation_id": msg.conversation_id,
        "channel": msg.channel,
        "customer_id": msg.customer_id,
        "order_id": msg.order_id,
        "agent_id": msg.agent_id,
        "started_at": doc.get("started_at", ""),
        "sku_ids": json.dumps(list(msg.sku_ids)),
        "attributes": json.dumps(dict(msg.attributes), ensure_ascii=False),
        "turns": json.dumps(doc.get("turns", []), ensure_ascii=False),
    }
