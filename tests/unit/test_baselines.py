"""The baseline cache: causal (never serves a bucket before the one it was estimated for), bounded
in time, and spreading the expiry of baselines estimated together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from voc_service.insights.baselines import Baseline, BaselineCache

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 10, 6, tzinfo=UTC)


def row(at: datetime) -> Baseline:
    return Baseline(at, at, 0.1, 0.01, (float("nan"),), "own", None)


def test_a_baseline_serves_its_own_bucket_and_later_ones_for_its_lifetime_only() -> None:
    cache = BaselineCache(24, HOUR)
    cache.put("sku:A", row(T0))
    life = cache.lifetime("sku:A")
    assert 12 < life <= 24
    assert cache.get("sku:A", T0) is not None
    assert cache.get("sku:A", T0 + HOUR * (life - 1)) is not None
    assert cache.get("sku:A", T0 + HOUR * life) is None
    assert cache.get("sku:A", T0 - HOUR) is None  # causal: never for an earlier bucket
    assert cache.get("sku:B", T0) is None


def test_lifetimes_are_spread_and_refresh_one_means_every_pass() -> None:
    cache = BaselineCache(24, HOUR)
    lives = {cache.lifetime(f"sku:{i}") for i in range(500)}
    assert lives == set(range(13, 25))  # expiries spread over the second half of the day
    every = BaselineCache(1, HOUR)
    every.put("sku:A", row(T0))
    assert every.lifetime("sku:A") == 1
    assert every.get("sku:A", T0) is not None and every.get("sku:A", T0 + HOUR) is None
    with pytest.raises(ValueError, match="at least 1"):
        BaselineCache(0, HOUR)


def test_evict_forgets_what_cannot_serve_the_bucket_or_later_ones() -> None:
    cache = BaselineCache(4, HOUR)
    for k, at in (("old", T0), ("new", T0 + 3 * HOUR), ("future", T0 + 9 * HOUR)):
        cache.put(k, row(at))
    cache.evict(T0 + 5 * HOUR)
    assert len(cache) == 1 and cache.get("new", T0 + 5 * HOUR) is not None
    assert np.isnan(cache.get("new", T0 + 5 * HOUR).rho_w[0])  # type: ignore[union-attr]


def test_a_baseline_from_a_history_that_does_not_fill_the_window_lives_that_much_shorter() -> None:
    cache = BaselineCache(24, HOUR)
    cache.put("sku:new", row(T0), fullness=0.25)  # a week of history where four are read
    life = cache.lifetime("sku:new") // 4
    assert cache.get("sku:new", T0 + HOUR * (life - 1)) is not None
    assert cache.get("sku:new", T0 + HOUR * life) is None
    cache.put("sku:first", row(T0), fullness=0.0)  # no history at all: this pass only
    assert cache.get("sku:first", T0) is not None and cache.get("sku:first", T0 + HOUR) is None
