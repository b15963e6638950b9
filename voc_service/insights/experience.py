"""SKU experience views: the index formula (insights/index.py) over the store's window sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from voc_service.insights.buckets import Counts
from voc_service.insights.index import Experience, IndexConfig, Prior, Sums, experience, global_prior, shrink_prior
from voc_service.store.insights import InsightsStore


@dataclass(frozen=True, slots=True)
class SkuView:
    sku_id: str
    category: str
    index: float
    low: float
    high: float
    complaint_share: float
    raw_complaint_share: float
    sentiment: float
    raw_sentiment: float
    flagged_share: float
    negative_share: float
    raw_negative_share: float
    conversations: int
    complaints: int
    prior_index: float


def _prior_at(p: Prior, i: int) -> Prior:
    return Prior(*(np.array([getattr(p, f)[i]]) for f in Prior.__slots__))


def _stack(priors: list[Prior]) -> Prior:
    return Prior(*(np.concatenate([getattr(p, f) for p in priors]) for f in Prior.__slots__))


class SkuExperience:
    def __init__(self, store: InsightsStore, cfg: IndexConfig) -> None:
        self.store = store
        self.cfg = cfg

    def _priors(self, since: datetime, until: datetime) -> tuple[Prior, dict[str, Prior]]:
        top = global_prior(Sums.of([self.store.all_sums(since, until)]))
        cats = self.store.category_sums(since, until)
        names = sorted(cats)
        if not names:
            return top, {}
        grouped = shrink_prior(Sums.of([cats[n] for n in names]), top, self.cfg.prior_conversations)
        return top, {n: _prior_at(grouped, i) for i, n in enumerate(names)}

    def _views(self, rows: list[dict], priors: tuple[Prior, dict[str, Prior]]) -> list[SkuView]:
        if not rows:
            return []
        top, by_cat = priors
        prior = _stack([by_cat.get(r["category"], top) for r in rows])
        got = experience(Sums.of(rows), prior, self.cfg)
        # the index of the prior itself: what a SKU with no conversations would get
        empty = Sums(*(np.zeros(len(rows)) for _ in Sums.__slots__))
        base = experience(empty, prior, self.cfg).index
        return [_view(r, got, base, i) for i, r in enumerate(rows)]

    def one(
        self, sku_id: str, since: datetime, until: datetime, points: list[tuple[datetime, Counts]]
    ) -> tuple[SkuView, list[tuple[datetime, float, Counts]]] | None:
        """One SKU's view, and the index of each of its trend ``points`` shrunk toward the same
        prior as the window's (read once for both)."""
        rows = [r for r in self.store.sku_sums(since, until, sku_id=sku_id) if r["conversations"] > 0]
        if not rows:
            return None
        priors = self._priors(since, until)
        view = self._views(rows, priors)[0]
        if not points:
            return view, []
        top, by_cat = priors
        prior = _stack([by_cat.get(view.category, top)] * len(points))
        got = experience(Sums.of([c.as_row() for _, c in points]), prior, self.cfg)
        return view, [(start, float(got.index[i]), c) for i, (start, c) in enumerate(points)]

    def ranked(
        self, since: datetime, until: datetime, category: str | None, min_conversations: int, best_first: bool
    ) -> list[SkuView]:
        rows = [r for r in self.store.sku_sums(since, until, category=category) if r["conversations"] >= max(1, min_conversations)]
        views = self._views(rows, self._priors(since, until))
        return sorted(views, key=lambda v: rank_key(v, best_first))


def rank_key(v: SkuView, best_first: bool) -> tuple[float, str]:
    """Worst first by the interval's UPPER bound, best first by its LOWER bound: a SKU is listed
    among the worst only when even its optimistic value is bad, and among the best only when even
    its pessimistic value is good, so a SKU with two conversations (a wide interval) can neither
    top nor bottom a ranking, whatever its two conversations said."""
    return (-v.low, v.sku_id) if best_first else (v.high, v.sku_id)


def _view(row: dict, e: Experience, base: np.ndarray, i: int) -> SkuView:
    return SkuView(
        row["sku_id"], row["category"], float(e.index[i]), float(e.low[i]), float(e.high[i]),
        float(e.complaint_share[i]), float(e.raw_complaint_share[i]), float(e.sentiment[i]), float(e.raw_sentiment[i]),
        float(e.flagged_share[i]), float(e.negative_share[i]), float(e.raw_negative_share[i]), int(row["conversations"]), int(row["complaints"]), float(base[i]),
    )
