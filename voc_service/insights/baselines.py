"""Rate baselines kept between spike passes, in the detector's memory.

A subject's baseline (its normal complaint share, over-dispersion and time-of-day profile) is
estimated from weeks of hourly history; re-reading and re-estimating those weeks every hour for
every candidate is what a pass over many candidates spent its time on (100,000 candidates: ~12 s
reading their history, ~8 s estimating it with 28 days of hourly buckets). A day's new buckets
move a four-week estimate little, so a baseline is reused for up to ``refresh`` passes and the
pass reads only each candidate's newest buckets (the windows' recent part).

Causal by construction: a baseline is used only for buckets at or after the one it was estimated
for (a replay of older buckets estimates its own). Lifetimes are spread over the second half of
``refresh`` by subject, so baselines estimated in one pass do not all expire in one later pass,
and shortened in proportion for a subject whose history does not yet fill the window.
Nothing here is durable: a restarted replica (or a new lease holder) estimates its candidates'
baselines afresh in its first pass, from the store, as every pass did before.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

@dataclass(slots=True)
class Baseline:
    """One subject's ``spikes.RateBaseline`` row and how it is exposed: ``exposure`` says whose
    conversations its complaints are a share of (its own or its SKU's,
    detection.SpikeDetector._expose; topics, a share of everyone's, are estimated every pass and
    never held); ``adjust`` its own time-of-day profile on top of everyone's, per phase of the
    day (None: everyone's)."""

    estimated_for: datetime
    until: datetime  # first bucket it no longer serves (BaselineCache.put sets it)
    share: float
    rho: float
    rho_w: tuple[float, ...]  # per window > 1 in ascending order; NaN: not measurable
    exposure: str
    adjust: np.ndarray | None


class BaselineCache:
    def __init__(self, refresh: int, width: timedelta) -> None:
        if refresh < 1:
            raise ValueError(f"refresh must be at least 1 bucket, not {refresh}")
        self.refresh, self.width = refresh, width
        self._rows: dict[str, Baseline] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def lifetime(self, key: str) -> int:
        """Buckets for which ``key``'s baseline is used: ``refresh``, less a per-subject spread of
        up to half of it."""
        spread = self.refresh // 2
        return self.refresh - (zlib.crc32(key.encode("utf-8")) % spread if spread else 0)

    def get(self, key: str, bucket: datetime) -> Baseline | None:
        """The baseline of ``key`` usable for ``bucket``, if any."""
        row = self._rows.get(key)
        return row if (row is not None and row.estimated_for <= bucket < row.until) else None

    def put(self, key: str, row: Baseline, fullness: float = 1.0) -> None:
        """Hold ``row``; ``fullness`` is the share of the history window the subject's history
        fills: a baseline from a week of history when four are read lives a quarter as long (the
        new buckets while it is held stay a small part of what it was estimated from; a new
        subject's first days change its baseline fast)."""
        life = max(1, int(self.lifetime(key) * min(1.0, max(0.0, fullness))))
        row.until = row.estimated_for + self.width * life
        self._rows[key] = row

    def evict(self, bucket: datetime) -> None:
        """Forget baselines that can no longer serve ``bucket`` or later ones (a pass that moves
        back in time, a replay, forgets everything estimated after it)."""
        limit = self.width * self.refresh
        self._rows = {k: r for k, r in self._rows.items() if timedelta(0) <= bucket - r.estimated_for < limit}
