"""`voc spikes`: replay the spike detector over a CSV series, causally, one output row per input row.

Product teams tune the detector settings on their own history with it; the benches score the
detector with it (bench/bench_spikes_nab.py). The detector is the service's own
(insights/spikes.py); only the series comes from a file instead of the time buckets.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from voc_service.domain import InvalidInput
from voc_service.insights.spikes import Backtest, SpikeConfig, backtest

DEFAULT_WINDOWS = (1, 2, 4)  # = Settings.spike_windows' default


@dataclass(slots=True)
class Series:
    timestamps: list[str]  # as given: copied to the output unchanged
    seconds: list[float]
    values: list[float]
    totals: list[float] | None
    backwards: int = 0  # rows whose timestamp is earlier than the previous row's (judged in file order)


def _parse_time(text: str, line: int) -> float:
    text = text.strip()
    try:
        return float(text)  # epoch seconds
    except ValueError:
        pass
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"line {line}: timestamp", f"not a timestamp: {text[:40]!r}") from None
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).timestamp()


def _number(text: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"line {line}: {column}", f"not a number: {text[:40]!r}") from None
    if not math.isfinite(value):
        raise InvalidInput(f"line {line}: {column}", "must be a finite number")
    return value


def read_series(fh: IO[str], value_column: str, total_column: str | None, time_column: str) -> Series:
    reader = csv.DictReader(fh)
    header = reader.fieldnames or []
    for name in (time_column, value_column, *([total_column] if total_column else [])):
        if name not in header:
            raise InvalidInput(f"column {name}", f"missing (the header has: {', '.join(header) or 'nothing'})")
    out = Series([], [], [], [] if total_column else None)
    for row in reader:
        line = reader.line_num
        seconds = _parse_time(row[time_column] or "", line)
        if out.seconds and seconds < out.seconds[-1]:
            out.backwards += 1  # real exports repeat an hour (DST, re-sent batches): keep the row
        out.timestamps.append(row[time_column])
        out.seconds.append(seconds)
        out.values.append(_number(row[value_column] or "", line, value_column))
        if out.totals is not None and total_column:
            total = _number(row[total_column] or "", line, total_column)
            if total < 0 or total < out.values[-1]:
                raise InvalidInput(f"line {line}: {total_column}", "must be >= 0 and >= the value (complaints are part of the traffic)")
            out.totals.append(total)
    if not out.values:
        raise InvalidInput("csv", "no data rows")
    return out


def season_of(seconds: Sequence[float]) -> int:
    """Rows per day when the series is regular and finer than a day (else 0: no daily profile)."""
    steps = [b - a for a, b in zip(seconds, seconds[1:], strict=False) if b > a]
    if not steps:
        return 0
    step = statistics.median(steps)
    if step <= 0 or step > 6 * 3600 or 86400 % step:
        return 0
    return int(86400 // step)


def run_backtest(series: Series, overrides: dict[str, object], mode: str | None) -> tuple[Backtest, SpikeConfig]:
    """Defaults scaled to the series' step: a day of rows is the season, 28 days the history,
    two days (or 30 rows) before the first possible signal."""
    season = int(overrides.pop("season", None) or season_of(series.seconds))  # type: ignore[call-overload]
    days = float(overrides.pop("history_days", None) or 28)  # type: ignore[arg-type]
    per_day = season or 24
    base = SpikeConfig(
        season=season, history=max(30, int(days * per_day)), min_history=2 * season if season else 30,
        recent=per_day if season else 24,
        # hysteresis and cooldown in time, not rows: 30 minutes quiet resolves, 6 hours of cooldown
        close_after=max(2, round(per_day / 48)), cooldown=max(6, round(per_day / 4)),
        windows=DEFAULT_WINDOWS,  # rate mode: as the service judges (count / value: unused)
    )
    cfg = dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None})
    return backtest(series.values, cfg, series.totals, mode), cfg


def write_rows(out: IO[str], series: Series, result: Backtest) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "value", "expected", "score", "alert"])
    for ts, value, row in zip(series.timestamps, series.values, result.rows, strict=True):
        expected = "" if math.isnan(row.expected) else f"{row.expected:.6g}"
        writer.writerow([ts, f"{value:.10g}", expected, f"{row.score:.3f}", int(row.alert)])
