"""Labelled and unlabelled text from a user's CSV file, with errors that name the row and column."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from voc_service.sentiment.train import parse_label

TEXT_COLUMN_GUESSES = ("text", "review", "content", "comment", "sentence", "utterance")
LABEL_COLUMN_GUESSES = ("label", "sentiment", "polarity", "y")
MAX_FIELD_CHARS = 1_000_000


class CsvDataError(ValueError):
    pass


@dataclass(slots=True)
class LabelledRows:
    texts: list[str]
    labels: list[int]
    skipped_empty: int
    domains: list[str] | None = None  # with a domain column: each row's value there


def _column(header: list[str], wanted: str | None, guesses: tuple[str, ...], what: str, path: Path) -> str:
    if wanted:
        if wanted not in header:
            raise CsvDataError(f"{path}: no {what} column {wanted!r}; columns: {', '.join(header)}")
        return wanted
    lowered = {h.strip().lower(): h for h in header}
    for g in guesses:
        if g in lowered:
            return lowered[g]
    raise CsvDataError(
        f"{path}: cannot tell the {what} column; name it with --{what}-column (columns: {', '.join(header)})"
    )


def _reader(path: Path):
    csv.field_size_limit(min(sys.maxsize, MAX_FIELD_CHARS))
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CsvDataError(f"{path}: {exc.strerror}") from None
    reader = csv.DictReader(fh)
    if not reader.fieldnames:
        fh.close()
        raise CsvDataError(f"{path}: empty file or no header row")
    return fh, reader


def read_labelled(
    path: Path, text_column: str | None, label_column: str | None, domain_column: str | None = None
) -> LabelledRows:
    fh, reader = _reader(path)
    with fh:
        header = list(reader.fieldnames or [])
        tc = _column(header, text_column, TEXT_COLUMN_GUESSES, "text", path)
        lc = _column(header, label_column, LABEL_COLUMN_GUESSES, "label", path)
        dc = _column(header, domain_column, (), "domain", path) if domain_column else None
        texts, labels, domains, empty = [], [], [], 0
        try:
            for row in reader:
                text = (row.get(tc) or "").strip()
                if not text:
                    empty += 1
                    continue
                raw = row.get(lc) or ""
                label = parse_label(raw)
                if label is None:
                    raise CsvDataError(
                        f"{path}: line {reader.line_num}: label {raw!r} in column {lc!r} is not one of "
                        "0/1, neg/pos, negative/positive, neutral (also -1, 负面/正面/中性)"
                    )
                if dc is not None:
                    domain = (row.get(dc) or "").strip()
                    if not domain:
                        raise CsvDataError(f"{path}: line {reader.line_num}: empty domain in column {dc!r}")
                    domains.append(domain)
                texts.append(text)
                labels.append(label)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvDataError(f"{path}: line {reader.line_num}: {exc}") from None
    if not texts:
        raise CsvDataError(f"{path}: no rows with text")
    return LabelledRows(texts, labels, empty, domains if dc is not None else None)


def read_texts(path: Path, text_column: str | None) -> list[str]:
    fh, reader = _reader(path)
    with fh:
        tc = _column(list(reader.fieldnames or []), text_column, TEXT_COLUMN_GUESSES, "text", path)
        try:
            return [t for row in reader if (t := (row.get(tc) or "").strip())]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvDataError(f"{path}: line {reader.line_num}: {exc}") from None
