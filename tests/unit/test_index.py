"""The SKU experience index: the documented worked example, and shrinkage by volume."""

import numpy as np
import pytest

from voc_service.insights.index import IndexConfig, Prior, Sums, experience, global_prior, shrink_prior


def sums(n, k, s_sum, s_sq, f, u=0) -> Sums:  # noqa: ANN001
    return Sums(*(np.array([float(v)]) for v in (n, k, f, s_sum, s_sq, n, u)))


PRIOR = Prior(np.array([0.2]), np.array([0.1]), np.array([0.2]), np.array([0.05]), np.array([0.25]))


def test_worked_example_of_docs_insights() -> None:
    """docs/insights.md: a SKU with 2 conversations, both complaints, sits near its category;
    a SKU with 2,000 and half of them complaints is ranked below it."""
    a = experience(sums(2, 2, -1.6, 1.28, 0, u=2), PRIOR, IndexConfig())
    assert a.complaint_share[0] == pytest.approx(6 / 22)
    assert a.sentiment[0] == pytest.approx(0.4 / 22)
    assert a.negative_share[0] == pytest.approx(7 / 22)
    assert a.raw_negative_share[0] == pytest.approx(1.0)
    assert a.index[0] == pytest.approx(71.09, abs=0.01)
    b = experience(sums(2000, 1000, -600, 400, 100, u=900), PRIOR, IndexConfig())
    assert b.negative_share[0] == pytest.approx(905 / 2020)
    assert b.index[0] == pytest.approx(58.18, abs=0.01)
    empty = experience(sums(0, 0, 0, 0, 0), PRIOR, IndexConfig())
    assert empty.index[0] == pytest.approx(76.0)  # the prior's own index
    # raw, without shrinkage, the tiny SKU would be the worst by far
    raw = experience(sums(2, 2, -1.6, 1.28, 0, u=2), PRIOR, IndexConfig(prior_conversations=0))
    assert raw.index[0] == pytest.approx(22.0)


def test_the_unhappy_share_moves_the_index_at_equal_mean_sentiment() -> None:
    """Two SKUs with the same complaints, QA and mean sentiment: the one whose customers are
    more often unhappy ranks lower (the mean hides a few very negative customers among many
    mildly positive ones, or the reverse)."""
    few = experience(sums(500, 50, 0, 100, 10, u=50), PRIOR, IndexConfig())
    many = experience(sums(500, 50, 0, 100, 10, u=200), PRIOR, IndexConfig())
    assert many.index[0] < few.index[0] - 10


def test_the_interval_narrows_with_volume_and_holds_the_index() -> None:
    small = experience(sums(5, 1, 0.5, 0.5, 0), PRIOR, IndexConfig())
    big = experience(sums(5000, 1000, 500, 500, 250), PRIOR, IndexConfig())
    for e in (small, big):
        assert e.low[0] <= e.index[0] <= e.high[0]
    assert (big.high - big.low)[0] < (small.high - small.low)[0] / 5


def test_tiny_skus_can_neither_top_nor_bottom_the_ranking() -> None:
    rng = np.random.default_rng(2)
    n = np.concatenate([rng.integers(200, 2000, 50), np.full(50, 2)])
    share = np.concatenate([rng.uniform(0.05, 0.6, 50), np.zeros(25), np.ones(25)])  # tiny: all 0 or all 1
    k = np.round(n * share)
    sent = -share * n  # mean sentiment -share
    s = Sums(n.astype(float), k, np.zeros(100), sent, sent**2 / np.maximum(n, 1), n.astype(float), k)
    total = Sums(*(np.array([getattr(s, f).sum()]) for f in Sums.__slots__))
    top = global_prior(total)
    prior = Prior(*(np.repeat(getattr(top, f), 100) for f in Prior.__slots__))
    got = experience(s, prior, IndexConfig())
    worst_first, best_first = np.argsort(got.high), np.argsort(-got.low)  # how rankings order (experience.rank_key)
    assert not set(worst_first[:5]) & set(range(50, 100)) and not set(best_first[:5]) & set(range(50, 100))
    # ...while without shrinkage they are exactly the extremes
    raw = experience(s, prior, IndexConfig(prior_conversations=0)).index
    assert set(np.argsort(raw)[:5]) <= set(range(75, 100))


def test_a_category_prior_is_itself_shrunk_toward_the_global_one() -> None:
    top = Prior(np.array([0.2]), np.array([0.0]), np.array([0.2]), np.array([0.1]), np.array([0.3]))
    tiny = shrink_prior(sums(1, 1, -1, 1, 1, u=1), top, 20)
    assert tiny.complaint_share[0] == pytest.approx((1 + 4) / 21)
    assert tiny.negative_share[0] == pytest.approx((1 + 6) / 21)
