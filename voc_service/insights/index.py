"""SKU experience index, 0–100: how customers fare with a product, shrunk by volume.

For a SKU over a window, from its time buckets:

    complaint share         p = complaints / conversations
    sentiment               s = mean of the customers' mean turn sentiment, in [-1, 1]
    unhappy-customer share  u = conversations whose customer mean sentiment <= -0.3
                                / conversations with customer turns
    QA                      f = flagged conversations / conversations

Each is shrunk toward its category's value (and the category's toward the global one) with
``prior_conversations`` pseudo-conversations (empirical Bayes with a fixed prior strength):

    p~ = (complaints + m * p_cat) / (conversations + m)

so a SKU with 2 conversations sits near its category and can neither top nor bottom a ranking,
while a SKU with 2,000 is judged on its own record. Then

    index = 100 * (w_c * (1 - p~) + w_s * (1 + s~) / 2 + w_u * (1 - u~) + w_q * (1 - f~))

with weights 0.2 / 0.2 / 0.4 / 0.2 by default (they sum to 1, so the index is in [0, 100]). The
unhappy share carries the most weight because it ranked products by how negative their customers
really are better than the mean score or the complaint flag did (docs/benchmarks.md: the mean is
pulled around by a few extreme turns; complaint intent depends on the product, e.g. a bad book
review rarely reports a problem). The 95 %
interval uses each component's posterior variance (binomial for the shares, the category's
spread of sentiment for s~), treating the components as independent: complaints and negative
sentiment move together, so the true interval is somewhat wider. docs/insights.md has a worked
example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class IndexConfig:
    prior_conversations: float = 20.0
    weight_complaints: float = 0.2
    weight_sentiment: float = 0.2
    weight_negative: float = 0.4  # unhappy-customer share
    weight_quality: float = 0.2
    z: float = 1.96  # 95 % interval


@dataclass(slots=True)
class Sums:
    """Window sums per subject (arrays of equal length), as the buckets hold them."""

    conversations: np.ndarray
    complaints: np.ndarray
    flagged: np.ndarray
    sentiment_sum: np.ndarray
    sentiment_sq_sum: np.ndarray
    sentiment_n: np.ndarray
    negative_customers: np.ndarray

    @classmethod
    def of(cls, rows: list[dict[str, float]]) -> Sums:
        return cls(*(np.array([float(r.get(f, 0.0)) for r in rows]) for f in cls.__slots__))

    def total(self) -> Sums:
        return Sums(*(np.array([getattr(self, f).sum()]) for f in self.__slots__))


@dataclass(slots=True)
class Prior:
    """What a subject is shrunk toward (arrays, one entry per subject)."""

    complaint_share: np.ndarray
    sentiment: np.ndarray
    sentiment_var: np.ndarray
    flagged_share: np.ndarray
    negative_share: np.ndarray


@dataclass(slots=True)
class Experience:
    index: np.ndarray
    low: np.ndarray
    high: np.ndarray
    complaint_share: np.ndarray  # shrunk
    sentiment: np.ndarray  # shrunk
    flagged_share: np.ndarray  # shrunk
    negative_share: np.ndarray  # shrunk
    raw_complaint_share: np.ndarray
    raw_sentiment: np.ndarray
    raw_negative_share: np.ndarray


def _ratio(a: np.ndarray, b: np.ndarray, default: float | np.ndarray = 0.0) -> np.ndarray:
    out = np.broadcast_to(np.asarray(default, dtype=float), a.shape).copy()
    np.divide(a, b, out=out, where=b > 0)
    return out


def shrink_prior(group: Sums, top: Prior, m: float) -> Prior:
    """A group's (category's) own values shrunk toward ``top`` (the global prior)."""
    mean = (group.sentiment_sum + m * top.sentiment) / (group.sentiment_n + m)
    var = _ratio(group.sentiment_sq_sum, group.sentiment_n, top.sentiment_var + top.sentiment**2) - mean**2
    return Prior(
        (group.complaints + m * top.complaint_share) / (group.conversations + m),
        mean,
        np.maximum(var, 1e-4),
        (group.flagged + m * top.flagged_share) / (group.conversations + m),
        (group.negative_customers + m * top.negative_share) / (group.sentiment_n + m),
    )


def global_prior(total: Sums) -> Prior:
    """The whole store's values (no shrinkage: there is nothing above them)."""
    mean = _ratio(total.sentiment_sum, total.sentiment_n)
    var = _ratio(total.sentiment_sq_sum, total.sentiment_n, 0.25) - mean**2
    return Prior(
        _ratio(total.complaints, total.conversations),
        mean,
        np.maximum(var, 1e-4),
        _ratio(total.flagged, total.conversations),
        _ratio(total.negative_customers, total.sentiment_n),
    )


def experience(s: Sums, prior: Prior, cfg: IndexConfig) -> Experience:
    m = max(cfg.prior_conversations, 1e-9)  # 0 = no shrinkage; still defined for empty subjects
    p = (s.complaints + m * prior.complaint_share) / (s.conversations + m)
    sent = (s.sentiment_sum + m * prior.sentiment) / (s.sentiment_n + m)
    f = (s.flagged + m * prior.flagged_share) / (s.conversations + m)
    u = (s.negative_customers + m * prior.negative_share) / (s.sentiment_n + m)
    wc, ws, wu, wq = cfg.weight_complaints, cfg.weight_sentiment, cfg.weight_negative, cfg.weight_quality
    index = 100.0 * (wc * (1 - p) + ws * (1 + sent) / 2 + wu * (1 - u) + wq * (1 - f))
    var = (
        wc**2 * p * (1 - p) / (s.conversations + m + 1)
        + (ws / 2) ** 2 * prior.sentiment_var / (s.sentiment_n + m)
        + wu**2 * u * (1 - u) / (s.sentiment_n + m + 1)
        + wq**2 * f * (1 - f) / (s.conversations + m + 1)
    )
    half = 100.0 * cfg.z * np.sqrt(var)
    return Experience(
        index, np.clip(index - half, 0, 100), np.clip(index + half, 0, 100), p, sent, f, u,
        _ratio(s.complaints, s.conversations), _ratio(s.sentiment_sum, s.sentiment_n),
        _ratio(s.negative_customers, s.sentiment_n),
    )
