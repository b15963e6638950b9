"""Event-level scoring of spike alerts against labelled anomaly windows, and the windowed-Gaussian
baseline, for bench_spikes_nab.py.

Kept apart from the benchmark script so the rules can be read (and unit-tested) on their own:

- A detection is an alert *onset* (the alert column going 0 -> 1): an alert that stays open is one
  signal to a person, however many rows it lasts.
- A window is detected when an onset falls inside it. Only the first onset in a window counts (TP);
  later onsets in an already-detected window are suppressed (neither TP nor FP), so a flapping alert
  during a real incident is not rewarded or punished.
- Any other onset is a false positive.
- The lenient variant also accepts onsets up to `early_fraction` of the window length before its
  start: NAB centres windows on the labelled point, so an early catch of the build-up is fair there.

Everything is by row order of the file (the order the detector sees), never by sorted timestamps:
some NAB files have repeated or backwards timestamps (daylight-saving changes).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

HOUR = np.timedelta64(1, "h")
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Window:
    """One labelled anomaly window, as timestamps (inclusive both ends)."""

    start: np.datetime64
    end: np.datetime64

    def lower(self, early_fraction: float) -> np.datetime64:
        """Earliest onset time accepted for this window in a variant with early tolerance."""
        if early_fraction <= 0:
            return self.start
        length_ns = (self.end - self.start).astype("timedelta64[ns]").astype(np.int64)
        return self.start - np.timedelta64(int(round(length_ns * early_fraction)), "ns")


@dataclass
class Score:
    """Event counts of one file, or the sum over files (counts add, delays are pooled)."""

    rows: int = 0
    windows: int = 0
    detected: int = 0
    false_positives: int = 0
    suppressed: int = 0
    delays_rows: list[int] = field(default_factory=list)
    delays_hours: list[float] = field(default_factory=list)

    @property
    def true_positives(self) -> int:
        # one counted onset per detected window, by construction
        return self.detected

    @property
    def onsets(self) -> int:
        """Onsets that count towards precision (suppressed repeats inside a detected window excluded)."""
        return self.detected + self.false_positives

    @property
    def precision(self) -> float | None:
        return self.detected / self.onsets if self.onsets else None

    @property
    def recall(self) -> float | None:
        return self.detected / self.windows if self.windows else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if r is None:
            return None
        p = p or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def fp_per_1k_rows(self) -> float:
        return 1000 * self.false_positives / self.rows if self.rows else 0.0

    @property
    def median_delay_rows(self) -> float | None:
        return statistics.median(self.delays_rows) if self.delays_rows else None

    @property
    def median_delay_hours(self) -> float | None:
        return statistics.median(self.delays_hours) if self.delays_hours else None

    def summary(self) -> dict:
        """The JSON-friendly numbers of this score."""
        return {
            "rows": self.rows,
            "windows": self.windows,
            "detected": self.detected,
            "onsets": self.onsets,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "suppressed": self.suppressed,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "fp_per_1k_rows": self.fp_per_1k_rows,
            "median_delay_rows": self.median_delay_rows,
            "median_delay_hours": self.median_delay_hours,
        }


def combine(scores: Iterable[Score]) -> Score:
    """Overall score: counts summed over files (micro-average), so long files weigh more."""
    total = Score()
    for s in scores:
        total.rows += s.rows
        total.windows += s.windows
        total.detected += s.detected
        total.false_positives += s.false_positives
        total.suppressed += s.suppressed
        total.delays_rows += s.delays_rows
        total.delays_hours += s.delays_hours
    return total


def onsets(alert: np.ndarray) -> np.ndarray:
    """Row indices where the alert goes 0 -> 1 (an alert open on the first row is an onset)."""
    on = np.asarray(alert, dtype=bool)
    previous = np.concatenate(([False], on[:-1]))
    return np.flatnonzero(on & ~previous)


def score_file(
    timestamps: np.ndarray, alert: np.ndarray, windows: Sequence[Window], early_fraction: float = 0.0
) -> Score:
    """Score one file's alert column (one value per row, file order) against its windows.

    An onset inside several (extended) windows is given to the earliest not yet detected one, so
    overlapping lenient extensions cannot turn one onset into two detections.
    """
    timestamps = np.asarray(timestamps, dtype="datetime64[ns]")
    lowers = [w.lower(early_fraction) for w in windows]
    # first row at or after each window start, for the delay in rows (file order)
    start_rows = [int(np.argmax(timestamps >= w.start)) for w in windows]
    detected = [False] * len(windows)
    score = Score(rows=len(timestamps), windows=len(windows))
    for i in onsets(alert):
        t = timestamps[i]
        inside = [j for j, w in enumerate(windows) if lowers[j] <= t <= w.end]
        if not inside:
            score.false_positives += 1
            continue
        fresh = [j for j in inside if not detected[j]]
        if not fresh:
            score.suppressed += 1
            continue
        j = fresh[0]
        detected[j] = True
        score.detected += 1
        score.delays_rows.append(int(i) - start_rows[j])
        score.delays_hours.append(float((t - windows[j].start) / HOUR))
    return score


def infer_step(timestamps: np.ndarray) -> np.timedelta64:
    """The sampling step: the median positive gap (robust to the gaps and repeats in NAB files)."""
    ts = np.asarray(timestamps, dtype="datetime64[ns]")
    gaps = np.diff(ts)
    gaps = gaps[gaps > np.timedelta64(0, "ns")]
    return np.median(gaps.astype(np.int64)).astype("timedelta64[ns]") if len(gaps) else np.timedelta64(1, "h")


def rows_per(span: np.timedelta64, step: np.timedelta64) -> int:
    """How many rows cover `span` at sampling step `step` (at least 1)."""
    return max(1, int(round(span / step)))


def windowed_gaussian_z(values: np.ndarray, window: int, min_history: int = 30) -> np.ndarray:
    """z of each point against the mean and std of the `window` points before it (causal).

    Fewer than `window` points of history are used as they come; z = 0 for the first
    `min_history` rows whatever the window (hourly files have a 24-row day), so no alert on a
    barely-seen series. A flat history (std 0) makes any different value infinitely surprising,
    an equal one not at all.
    """
    history = pd.Series(np.asarray(values, dtype=float)).shift(1).rolling(window, min_periods=min(window, min_history))
    mean = history.mean().to_numpy()
    std = history.std(ddof=0).to_numpy()
    deviation = np.asarray(values, dtype=float) - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, deviation / std, np.where(deviation == 0, 0.0, np.sign(deviation) * np.inf))
    z = np.nan_to_num(z, nan=0.0, posinf=np.inf, neginf=-np.inf)
    z[:min_history] = 0.0
    return z


def gaussian_alerts(z: np.ndarray, k: float) -> np.ndarray:
    """The baseline's alert column: open while |z| >= k."""
    return (np.abs(z) >= k).astype(np.int8)
