"""Complaint-spike detection: observed complaints in a bucket against what was expected there.

One detector for the service's periodic pass (many subjects at once: SKU, topic, SKU×topic) and
for `voc spikes` (one series, replayed row by row). Every decision at time t reads only buckets
before t (causal), so a backtest scores exactly what the service would have said live.

Expected count, by what is known about the subject:

- ``rate`` — complaints and the subject's own traffic (conversations): expected = traffic now ×
  the subject's complaint share over its history, shrunk toward a prior share (the global one in
  the service) by ``prior_weight`` conversations. A sale day with twice the conversations expects
  twice the complaints: it is a spike only when the SHARE rises. Tail: beta-binomial (complaints
  out of conversations, over-dispersion from the history).
- ``count`` — complaint counts without traffic: a seasonal profile, the trimmed mean (largest
  dropped) of the same hour over the last ``cycles`` days, or the same hour of the week once three
  weeks of history exist; a spike of a few hours is one value per hour-of-day and is trimmed away,
  so it never becomes tomorrow's normal.
- ``value`` — a series that is not counts (NAB's CPU, latency, temperature): the same seasonal
  profile, trimmed at both ends.

Score = −log10 of the tail probability of the observation: beta-binomial in rate mode, negative
binomial for counts (Poisson
plus an over-dispersion term estimated from the history's residuals under the same baseline), a
normal tail on MAD-scaled residuals for values. In rate mode the sums over the last few buckets
(``windows``) are scored too, and the highest score is the one that opens: a slow spike on a
small subject shows in its sum before it shows in any one hour. A signal OPENS when the score reaches
``open_score`` and (counts) at least ``min_count`` were observed, ``min_excess`` above expected;
it RESOLVES after ``close_after`` buckets in a row under ``close_score`` (hysteresis); then the
subject stays quiet for ``cooldown`` buckets. One incident, one signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

MAX_SCORE = 300.0
MODES = ("rate", "count", "value")
PAIR_EXPOSURES = ("sku", "own")


@dataclass(frozen=True, slots=True)
class SpikeConfig:
    season: int = 24  # buckets per day (hour-of-day pattern); 0 = no daily pattern
    weekly: bool = True  # hour-of-week profile once 3 weeks of history exist
    cycles: int = 7  # same-phase values (days; weeks: up to 4) averaged for the baseline
    recent: int = 24  # without enough history for a profile: mean of the last N buckets
    history: int = 24 * 28  # buckets of history read at most
    min_history: int = 48  # no signal before this many buckets of history
    open_score: float = 5.0  # -log10 tail probability that opens a signal (p = 1e-5)
    close_score: float = 2.0  # under this for close_after buckets in a row: resolved
    close_after: int = 2
    cooldown: int = 6  # buckets after resolving before the subject can open again
    min_count: float = 5.0  # counts: at least this many observed to open
    min_excess: float = 3.0  # counts: at least this many above expected to open
    prior_weight: float = 200.0  # rate: conversations' worth of weight of the prior share
    windows: tuple[int, ...] = (1,)  # rate: also judge the sum of the last w buckets (scan)
    direction: str = "up"  # "up": only rises; "both": rises and drops (values only)
    # the pass: a SKU x topic pair's complaints as a share of its SKU's conversations ("sku") or of
    # its own ("own", before 2026-12-04); measured in docs/benchmarks.md
    pair_exposure: str = "sku"
    # the pass: SKU x topic pairs open at this score instead (None: open_score). There are about
    # ten pairs for every SKU, so at one threshold they would bring most of the chance signals
    pair_open_score: float | None = None

    @property
    def lag(self) -> int:
        """Buckets before the judged one that the longest window sums (kept out of the share)."""
        return max(self.windows) - 1

    @property
    def sums(self) -> list[int]:
        """The windows longer than one bucket, shortest first."""
        return sorted(set(self.windows) - {1})

    def __post_init__(self) -> None:
        if self.pair_exposure not in PAIR_EXPOSURES:
            raise ValueError(f"pair_exposure must be one of {PAIR_EXPOSURES}, not {self.pair_exposure!r}")


@dataclass(slots=True)
class Judgement:
    """The detector's view of each subject's newest bucket (arrays, one entry per subject).

    ``expected`` and ``score`` are the newest bucket's own. With several windows (rate mode),
    ``window`` is the span (in buckets, ending with the newest) whose score was highest,
    ``window_score`` that score and ``window_observed`` / ``window_expected`` its sums: what
    opens a signal. Without, they equal the bucket's own."""

    expected: np.ndarray
    score: np.ndarray
    window: np.ndarray | None = None
    window_score: np.ndarray | None = None
    window_observed: np.ndarray | None = None
    window_expected: np.ndarray | None = None

    def opening(self, now: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(score, observed, expected, window) that decide whether a signal opens."""
        if self.window_score is None:
            ones = np.ones(len(self.score), dtype=int)
            return self.score, np.asarray(now, dtype=float), self.expected, ones
        assert self.window is not None and self.window_observed is not None and self.window_expected is not None
        return self.window_score, self.window_observed, self.window_expected, self.window


def _profile(hist: np.ndarray, cfg: SpikeConfig, trim_low: bool) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Seasonal baseline from ``hist`` [S, L]: (expected for the bucket right after it [S],
    expected of each of the history's last columns [S, K] for the residuals, and the factor by
    which the residuals' variance understates the variance of a NEW observation around the
    expected value: residuals are measured against a mean they are part of (x (c / (c - 1))),
    and the mean itself is uncertain (x (1 + 1 / c)), for c values averaged; and the period)."""
    S, L = hist.shape
    if cfg.weekly and cfg.season and L >= 3 * 7 * cfg.season:
        period, cycles = 7 * cfg.season, min(4, L // (7 * cfg.season))
    elif cfg.season and L >= 2 * cfg.season:
        period, cycles = cfg.season, min(cfg.cycles, L // cfg.season)
    else:
        period, cycles = 1, max(1, min(cfg.recent, L))
    block = hist[:, L - period * cycles :].reshape(S, cycles, period)
    if cycles >= 4:
        s = np.sort(block, axis=1)
        s = s[:, 1:-1] if (trim_low and cycles >= 5) else s[:, :-1]
        prof = s.mean(axis=1)
    else:
        prof = block.mean(axis=1)
    # column L (the bucket judged) has the phase of the block's first column
    fitted = np.broadcast_to(prof[:, None, :], block.shape).reshape(S, period * cycles)
    used = cycles - (1 if cycles >= 4 else 0) - (1 if (trim_low and cycles >= 5) else 0)
    inflate = (used + 1) / (used - 1) if used > 1 else 4.0
    return prof[:, 0], fitted, inflate, period


def _near_phase(resid: np.ndarray, period: int) -> np.ndarray:
    """The residuals of the phases within 1/24 of a period of the judged one (an hour for a daily
    profile, seven for a weekly one): noise differs by time of day (a busy afternoon is noisier
    than the night), so one pooled spread flags every busy hour."""
    if period <= 1:
        return resid
    w = max(1, period // 24)
    block = resid.reshape(resid.shape[0], -1, period)
    phases = np.unique(np.r_[np.arange(0, w + 1), np.arange(period - w, period)] % period)
    return block[:, :, phases].reshape(resid.shape[0], -1)


def _neg_binomial_score(x: np.ndarray, mu: np.ndarray, inv_k: np.ndarray) -> np.ndarray:
    """-log10 P(X >= x) for X ~ NB(mean mu, variance mu + inv_k * mu^2); Poisson when inv_k = 0."""
    x = np.ceil(x)
    mu = np.maximum(mu, 1e-3)
    out = np.empty_like(mu, dtype=float)
    pois = inv_k <= 1e-6
    if pois.any():
        out[pois] = stats.poisson.logsf(x[pois] - 1, mu[pois])
    nb = ~pois
    if nb.any():
        k = 1.0 / inv_k[nb]
        out[nb] = stats.nbinom.logsf(x[nb] - 1, k, k / (k + mu[nb]))
    return np.clip(-out / np.log(10.0), 0.0, MAX_SCORE)


def _beta_binomial_score(x: np.ndarray, n: np.ndarray, p: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """-log10 P(X >= x) for X ~ BetaBinomial(n, mean p, intra-class correlation rho); binomial
    when rho = 0. Complaints are a share of the conversations: with a share as high as 30 %, a
    Poisson or negative-binomial tail (variance >= n p) would be too wide (binomial: n p (1 - p))."""
    x = np.ceil(np.minimum(x, n))
    p = np.clip(p, 1e-6, 1 - 1e-6)
    n_int = np.round(n).astype(np.int64)
    out = np.zeros_like(p, dtype=float)
    binom = rho <= 1e-6
    if binom.any():
        out[binom] = stats.binom.logsf(x[binom] - 1, n_int[binom], p[binom])
    small = ~binom & (n_int <= _DIRECT_MAX_N)
    if small.any():
        scale = (1 - rho[small]) / rho[small]
        out[small] = _betabinom_tail(x[small], n_int[small], p[small] * scale, (1 - p[small]) * scale)
    big = ~binom & ~small
    if big.any():
        scale = (1 - rho[big]) / rho[big]
        a, b = p[big] * scale, (1 - p[big]) * scale
        sf = stats.betabinom.sf(x[big] - 1, n_int[big], a, b)
        logs = np.log(np.where(sf > 0, sf, 1.0))
        # beyond double precision the survival function is 0: sum the tail's log-pmf instead
        for j in np.flatnonzero(sf <= 0):
            ks = np.arange(x[big][j], n_int[big][j] + 1)
            logs[j] = float(np.logaddexp.reduce(stats.betabinom.logpmf(ks, n_int[big][j], a[j], b[j])))
        out[big] = logs
    return np.clip(-out / np.log(10.0), 0.0, MAX_SCORE)


# Subjects with up to this many conversations in the judged span get their beta-binomial tail
# summed directly, all at once; scipy's betabinom.sf sums each subject's CDF in a Python-level
# loop (half of a 100,000-subject pass). Bigger spans (the "all" subject) keep scipy's.
_DIRECT_MAX_N = 1000
_DIRECT_CELLS = 2_000_000  # terms summed per chunk (bounded memory)


def _betabinom_tail(x: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log P(X >= x) for X ~ BetaBinomial(n, a, b), elementwise: the log-sum-exp of the tail's
    log-pmf, terms k = x..n laid out as rows (exact in log space, also far beyond double
    precision where the survival function underflows to 0)."""
    x = np.maximum(x, 0.0).astype(np.int64)
    out = np.zeros(x.shape, dtype=float)  # x <= 0: the whole distribution, log 1
    todo = np.flatnonzero(x > 0)
    if not todo.size:
        return out
    order = todo[np.argsort(n[todo] - x[todo], kind="stable")]  # similar widths share a chunk
    lo = 0
    while lo < order.size:
        hi = lo + 1
        while hi < order.size and (hi - lo + 1) * (int(n[order[hi]] - x[order[hi]]) + 1) <= _DIRECT_CELLS:
            hi += 1
        rows = order[lo:hi]
        width = int((n[rows] - x[rows]).max()) + 1
        k = x[rows, None] + np.arange(width)[None, :]
        nn, aa, bb = n[rows, None], a[rows, None], b[rows, None]
        inside = k <= nn
        k = np.where(inside, k, nn)  # keep the arguments valid; masked out below
        logpmf = (
            special.gammaln(nn + 1) - special.gammaln(k + 1) - special.gammaln(nn - k + 1)
            + special.betaln(k + aa, nn - k + bb) - special.betaln(aa, bb)
        )
        out[rows] = special.logsumexp(np.where(inside, logpmf, -np.inf), axis=1)
        lo = hi
    return np.minimum(out, 0.0)


def _over_dispersion(obs: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """1/k of a negative binomial from the history's residuals (method of moments, top 2 %
    of squared residuals trimmed so a past spike does not make every future one look normal)."""
    excess = (obs - fitted) ** 2 - fitted
    if excess.shape[1] >= 50:
        cut = np.quantile(excess, 0.98, axis=1, keepdims=True)
        keep = excess <= cut
    else:
        keep = np.ones_like(excess, dtype=bool)
    num = np.where(keep, excess, 0.0).sum(axis=1)
    den = np.where(keep, fitted**2, 0.0).sum(axis=1)
    return np.clip(np.divide(num, den, out=np.zeros_like(num), where=den > 0), 0.0, 5.0)


@dataclass(slots=True)
class RateHistory:
    """A subject's history for rate mode, dense (oldest first): complaints ``c`` and conversations
    ``n`` per bucket [S, L]; ``factor`` [L] (or [S, L], one profile per subject) the expected
    share of each bucket relative to the all-hours share (time of day: night shoppers complain
    more, and everyone's night does);
    ``skip`` [S, L] buckets that are not normal for the subject (its own past incidents)."""

    c: np.ndarray
    n: np.ndarray
    factor: np.ndarray
    skip: np.ndarray

    @classmethod
    def of(cls, hist: np.ndarray, hist_total: np.ndarray) -> RateHistory:
        c, n = np.atleast_2d(np.asarray(hist, dtype=float)), np.atleast_2d(np.asarray(hist_total, dtype=float))
        return cls(c, n, np.ones(c.shape[1]), np.zeros(c.shape, dtype=bool))


@dataclass(slots=True)
class RateBaseline:
    """What a subject's history says is normal in rate mode: everything ``judge_rate`` takes from
    the history except its newest ``max(windows) - 1`` buckets, one entry per subject. Kept
    between passes (insights/baselines.py): the share of a subject with weeks of history moves
    little in a day, and re-reading those weeks every hour for every candidate is what a pass over
    many candidates spends its time on.

    ``rho_w``: per window w > 1, the over-dispersion of the history's own w-bucket sums (None for
    a history too short to measure it: the window's buckets are then taken as independent; NaN
    for one subject: the same for it). Measured on demand from ``parts`` (the history's
    complaints, conversations, fitted means and normal buckets) for the subjects a window could
    open, unless ``measure_windows`` measured it for all (a baseline that is kept needs it)."""

    share: np.ndarray
    rho: np.ndarray
    rho_w: dict[int, np.ndarray | None] = field(default_factory=dict)
    parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def window_rho(self, w: int, rows: np.ndarray) -> np.ndarray | None:
        if w in self.rho_w:
            got = self.rho_w[w]
            return None if got is None else got[rows]
        if self.parts is None:
            return None
        c, n, mu, keep = self.parts
        return _window_dispersions(c[rows], n[rows], mu[rows], keep[rows], [w])[w]

    def measure_windows(self, windows: list[int]) -> None:
        if self.parts is not None:
            self.rho_w.update(_window_dispersions(*self.parts, [w for w in windows if w not in self.rho_w]))
            self.parts = None

    def use_phase_noise(self, rows: np.ndarray, noise: PhaseNoise) -> None:
        """Judge ``rows`` with the over-dispersion of the judged time of day (``phase_noise``;
        after ``measure_windows``) instead of the one pooled over all hours: a quiet day is then
        not judged as noisy as the swinging nights, nor the nights as calm as the day. Where the
        history holds too few buckets at that time of day to measure it, the larger of the two."""
        sure = noise.buckets >= PHASE_NOISE_MIN_BUCKETS
        self.rho[rows] = np.where(sure, noise.rho, np.maximum(self.rho[rows], noise.rho))
        for w, local in noise.rho_w.items():
            got = self.rho_w.get(w)
            if local is not None and got is not None:
                got[rows] = np.where(sure, local, np.fmax(got[rows], local))


def rate_baseline(h: RateHistory, cfg: SpikeConfig, prior_share: np.ndarray | float | None = None) -> RateBaseline:
    """The subject's normal complaint share (over its normal history, shrunk toward
    ``prior_share``) and over-dispersion. Robust: the subject's past incidents and any bucket
    more than 3 sigma above the first estimate are left out, so one spike neither hides the next
    hours of itself nor makes the subject deaf for the weeks its history remembers it; the newest
    ``max(windows) - 1`` buckets are left out too, so a spike that is building does not raise its
    own baseline."""
    factor = h.factor if h.factor.ndim == 2 else h.factor[None, :]
    expected_base = h.n * factor
    keep = _normal(h, cfg)
    share = _share(h.c, expected_base, keep, cfg, prior_share)
    mu = expected_base * share[:, None]
    sd = np.sqrt(np.maximum(mu * (1 - np.minimum(factor * share[:, None], 0.99)), 1e-9))
    keep &= h.c <= mu + 3 * sd + 1  # one trimming pass: outlying buckets are not "normal"
    share = _share(h.c, expected_base, keep, cfg, prior_share)
    mu = h.n * np.clip(share[:, None] * factor, 1e-6, 0.99)
    return RateBaseline(share, _dispersion(h.c, h.n, mu, keep), parts=(h.c, h.n, mu, keep))


def _normal(h: RateHistory, cfg: SpikeConfig) -> np.ndarray:
    """The buckets a baseline may learn from before any trimming [S, L]: not the subject's
    past incidents, and not the window's newest ``max(windows) - 1`` (a spike that is building
    must not raise its own baseline)."""
    keep = ~h.skip
    if 0 < cfg.lag < keep.shape[1]:
        keep = keep.copy()
        keep[:, -cfg.lag :] = False
    return keep


def _dispersion(c: np.ndarray, n: np.ndarray, mu: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Beta-binomial rho of complaints ``c`` out of ``n`` around ``mu`` over the buckets ``keep``
    (method of moments, clipped to [0, 0.5])."""
    p = np.clip(np.divide(mu, n, out=np.zeros_like(mu), where=n > 0), 1e-6, 0.99)
    q = p * (1 - p)
    resid = np.where(keep, (c - mu) ** 2 - n * q, 0.0).sum(axis=1)
    den = np.where(keep, n * (n - 1) * q, 0.0).sum(axis=1)
    return np.clip(np.divide(resid, den, out=np.zeros_like(den), where=den > 0), 0.0, 0.5)


# a time of day's own over-dispersion replaces the pooled one from this many buckets at it on
PHASE_NOISE_MIN_BUCKETS = 21  # (a week of a 3-hour band of hourly buckets)


@dataclass(slots=True)
class PhaseNoise:
    """Over-dispersion at one time of day (``phase_noise``), one entry per subject."""

    rho: np.ndarray
    rho_w: dict[int, np.ndarray | None]
    buckets: np.ndarray  # normal buckets at that time of day it was measured on


def phase_noise(
    h: RateHistory, base: RateBaseline, cfg: SpikeConfig, rows: np.ndarray, phases: np.ndarray, now_phase: int
) -> PhaseNoise:
    """Over-dispersion of the subjects ``rows`` (and of their window sums) measured only on the
    buckets, and the sums, that end within one phase of the judged bucket's ``now_phase`` (its
    time of day; ``phases`` [L] is each history column's). A topic fed by follow-ups on broken promises swings from one night to the next with
    how many promises fell due, far more than its steady, busy daytime; one rho pooled over all
    hours is the day's and calls a busy night a spike. Measured before the 3-sigma trimming of
    ``rate_baseline`` (that trimming would drop the busy nights as outliers and see no swing);
    past incidents and the window's newest buckets stay out. ``RateBaseline.use_phase_noise``
    applies it."""
    per_day = max(int(phases.max()), now_phase) + 1
    gap = np.abs(phases - now_phase)
    near = np.minimum(gap, per_day - gap) <= 1
    factor = h.factor if h.factor.ndim == 2 else np.broadcast_to(h.factor[None, :], h.c.shape)
    c, n, keep = h.c[rows], h.n[rows], _normal(h, cfg)[rows]
    mu = n * np.clip(base.share[rows, None] * factor[rows], 1e-6, 0.99)
    at = keep & near[None, :]
    return PhaseNoise(_dispersion(c, n, mu, at), _window_dispersions(c, n, mu, keep, cfg.sums, ends=near), at.sum(axis=1))


def judge_rate(
    h: RateHistory, now: np.ndarray, now_total: np.ndarray, cfg: SpikeConfig,
    prior_share: np.ndarray | float | None = None, now_factor: np.ndarray | float = 1.0,
) -> Judgement:
    """Rate mode: expected = conversations now x the subject's complaint share (``rate_baseline``)
    x the time-of-day factor now; scored by ``score_rate`` with the history's newest buckets as
    the windows' recent part."""
    lag = cfg.lag
    factor = h.factor if h.factor.ndim == 2 else h.factor[None, :]
    k = min(lag, h.c.shape[1])
    recent = slice(h.c.shape[1] - k, None)
    return score_rate(
        rate_baseline(h, cfg, prior_share), now, now_total, cfg, now_factor,
        h.c[:, recent], h.n[:, recent], np.broadcast_to(factor[:, recent], (h.c.shape[0], k)),
    )


def score_rate(
    base: RateBaseline, now: np.ndarray, now_total: np.ndarray, cfg: SpikeConfig, now_factor: np.ndarray | float,
    recent_c: np.ndarray, recent_n: np.ndarray, recent_factor: np.ndarray,
) -> Judgement:
    """Score the newest bucket against ``base``; ``recent_*`` [S, k] are the k buckets before it
    (k = max(windows) - 1, fewer with a shorter history), oldest first, with their time-of-day
    factors.

    Windows (``cfg.windows``): a spike of a few hours on a small subject adds too few complaints
    in any one bucket to stand out from its hour-to-hour noise, but its sum over the last w
    buckets does. Each window is scored against the sum of its buckets' expectations, with the
    over-dispersion of the history's own w-bucket sums."""
    now = np.asarray(now, dtype=float)
    n_now = np.asarray(now_total, dtype=float)
    share, rho = base.share, base.rho
    p_now = np.clip(share * now_factor, 1e-6, 0.99)
    expected = n_now * p_now
    score = _beta_binomial_score(now, n_now, p_now, rho)
    out = Judgement(expected, score)
    if not cfg.lag:
        return out
    mu = recent_n * np.clip(share[:, None] * recent_factor, 1e-6, 0.99)
    best = score.copy()
    win = np.ones(len(score), dtype=int)
    w_obs, w_exp = now.copy(), expected.copy()
    for w in cfg.sums:
        k = min(w - 1, recent_c.shape[1])
        cols = slice(recent_c.shape[1] - k, None)
        obs = now + recent_c[:, cols].sum(axis=1)
        n_w = n_now + recent_n[:, cols].sum(axis=1)
        exp = expected + mu[:, cols].sum(axis=1)
        # only where the window could open a signal: enough complaints above expectation
        todo = (obs >= cfg.min_count) & (obs - exp >= cfg.min_excess) & (n_w > 1)
        if not todo.any():
            continue
        N = n_w[todo]
        # too little history to measure it (None, or NaN for a subject): as if the buckets were independent
        nn = np.concatenate([recent_n[todo][:, cols], n_now[todo, None]], axis=1)
        rho_w = rho[todo] * (nn * (nn - 1)).sum(axis=1) / np.maximum(N * (N - 1), 1.0)
        measured = base.window_rho(w, todo)
        if measured is not None:
            rho_w = np.where(np.isnan(measured), rho_w, measured)
        sc = _beta_binomial_score(obs[todo], N, np.clip(exp[todo] / N, 1e-6, 0.99), rho_w)
        idx = np.flatnonzero(todo)
        better = sc > best[idx]
        i = idx[better]
        best[i], win[i], w_obs[i], w_exp[i] = sc[better], w, obs[i], exp[i]
    out.window, out.window_score, out.window_observed, out.window_expected = win, best, w_obs, w_exp
    return out


def own_hour_factors(
    c: np.ndarray, n: np.ndarray, base: np.ndarray, base_now: float,
    phase: np.ndarray, now_phase: int, pseudo: float = 50.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Each subject's own time-of-day profile on top of ``base`` [L] (everyone's): the factors
    [S, L] and the factor of the judged bucket [S] (``own_hour_adjust``). ``phase`` [L] is each
    column's phase, ``now_phase`` the judged bucket's."""
    adjust = own_hour_adjust(c, n, base, phase, max(int(phase.max()) if phase.size else 0, now_phase) + 1, pseudo)
    return base[None, :] * adjust[:, phase], base_now * adjust[:, now_phase]


def own_hour_adjust(
    c: np.ndarray, n: np.ndarray, base: np.ndarray, phase: np.ndarray, per_day: int, pseudo: float = 50.0
) -> np.ndarray:
    """Per phase of the day [S, per_day], a subject's complaints in the history against what
    ``base`` [L] (everyone's time-of-day factor of each column) expected there, shrunk toward 1
    with ``pseudo`` complaints' weight (a thin subject keeps everyone's profile)."""
    base_rate = n * base[None, :]
    rate = c.sum(axis=1) / np.maximum(base_rate.sum(axis=1), 1e-9)
    observed = np.zeros((c.shape[0], per_day))
    expected = np.zeros((c.shape[0], per_day))
    for k in range(per_day):
        cols = phase == k
        observed[:, k] = c[:, cols].sum(axis=1)
        expected[:, k] = rate * base_rate[:, cols].sum(axis=1)
    return (observed + pseudo) / (expected + pseudo)


def _window_dispersions(
    c: np.ndarray, n: np.ndarray, mu: np.ndarray, keep: np.ndarray, windows: list[int], ends: np.ndarray | None = None
) -> dict[int, np.ndarray | None]:
    """Over-dispersion (beta-binomial rho) of sums of w consecutive buckets, for each w in
    ``windows``, measured on the normal history's own rolling sums: busy hours come in runs (a
    delayed batch of parcels, a night of follow-ups), so a sum of w buckets varies more than w
    independent buckets would. None for a w the history is too short for (under 10 w buckets).
    The running sums are shared by all windows (every baseline estimate computes them). With
    ``ends`` [L], only the sums ending at those columns count."""
    todo = [w for w in windows if c.shape[1] >= 10 * w]
    out: dict[int, np.ndarray | None] = {w: None for w in windows}
    if not todo:
        return out
    zero = np.zeros((c.shape[0], 1))
    k_cs, c_cs, n_cs, m_cs = (
        np.concatenate([zero, np.cumsum(a, axis=1)], axis=1) for a in (keep.astype(float), c * keep, n * keep, mu * keep)
    )
    for w in todo:
        whole = (k_cs[:, w:] - k_cs[:, :-w]) == w
        cw, nw, mw = (cs[:, w:] - cs[:, :-w] for cs in (c_cs, n_cs, m_cs))
        whole &= nw > 1
        if ends is not None:
            whole &= ends[None, w - 1 :]
        out[w] = _dispersion(cw, nw, mw, whole)
    return out


def _share(
    c: np.ndarray, base: np.ndarray, keep: np.ndarray, cfg: SpikeConfig, prior: np.ndarray | float | None
) -> np.ndarray:
    num, den = np.where(keep, c, 0.0).sum(axis=1), np.where(keep, base, 0.0).sum(axis=1)
    if prior is None:
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return (num + cfg.prior_weight * np.asarray(prior, dtype=float)) / (den + cfg.prior_weight)


def judge(mode: str, hist: np.ndarray, now: np.ndarray, cfg: SpikeConfig) -> Judgement:
    """Count or value mode: expected value and score of the newest bucket ``now`` [S] of each
    subject from its dense history ``hist`` [S, L] (oldest first)."""
    hist = np.asarray(hist, dtype=float)
    now = np.asarray(now, dtype=float)
    if mode == "count":
        expected, fitted, inflate, _period = _profile(hist, cfg, trim_low=False)
        obs = hist[:, hist.shape[1] - fitted.shape[1] :]
        # predictive variance = inflate x (mu + mu^2/k): as a negative binomial, 1/k' below
        mu = np.maximum(expected, 1e-3)
        inv_k = _over_dispersion(obs, fitted) * inflate + (inflate - 1) / mu
        return Judgement(expected, _neg_binomial_score(now, expected, np.clip(inv_k, 0.0, 5.0)))
    if mode == "value":
        expected, fitted, inflate, period = _profile(hist, cfg, trim_low=True)
        signed = (hist[:, hist.shape[1] - fitted.shape[1] :] - fitted) * np.sqrt(inflate)
        resid = np.abs(signed)
        scale = 1.4826 * np.median(_near_phase(resid, period), axis=1)
        scale = np.maximum(scale, 1e-9 + 1e-6 * np.abs(expected))
        dev = now - expected
        both = cfg.direction == "both"
        z = np.abs(dev) / scale if both else dev / scale
        log_p = stats.norm.logsf(z)
        # a series with recurring bursts (a nightly batch job's CPU) has heavier tails than a
        # normal: the share of its own history at least this far out bounds the probability below
        past = (resid if both else signed) >= (np.abs(dev) if both else dev)[:, None]
        freq = past.mean(axis=1)
        log_p = np.maximum(log_p, np.log(np.maximum(freq, 1e-300)))
        return Judgement(expected, np.clip(-log_p / np.log(10.0), 0.0, MAX_SCORE))
    raise ValueError(f"unknown mode {mode!r} for a dense history (count or value)")


@dataclass(slots=True)
class SignalState:
    """Per subject: is a signal open, how many quiet buckets in a row, cooldown left."""

    open: bool = False
    quiet: int = 0
    cooldown: int = 0


def step(state: SignalState, score: float, observed: float, expected: float, mode: str, cfg: SpikeConfig) -> str:
    """Advance one bucket; returns "open" (a signal starts), "resolve" (it ends), "" otherwise."""
    if state.open:
        state.quiet = state.quiet + 1 if score < cfg.close_score else 0
        if state.quiet >= cfg.close_after:
            state.open, state.quiet, state.cooldown = False, 0, cfg.cooldown
            return "resolve"
        return ""
    if state.cooldown > 0:
        state.cooldown -= 1
        return ""
    enough = mode == "value" or (observed >= cfg.min_count and observed - expected >= cfg.min_excess)
    if score >= cfg.open_score and enough:
        state.open, state.quiet = True, 0
        return "open"
    return ""


@dataclass(slots=True)
class BacktestRow:
    expected: float
    score: float
    alert: bool


@dataclass(slots=True)
class Backtest:
    mode: str
    rows: list[BacktestRow] = field(default_factory=list)


def pick_mode(values: Sequence[float], totals: Sequence[float] | None) -> str:
    if totals is not None:
        return "rate"
    arr = np.asarray(values, dtype=float)
    return "count" if arr.size and np.all(arr >= 0) and np.all(arr == np.round(arr)) else "value"


def backtest(
    values: Sequence[float], cfg: SpikeConfig, totals: Sequence[float] | None = None, mode: str | None = None
) -> Backtest:
    """Replay one series causally: row t is judged from rows before t only, exactly as the
    service's pass would have judged that bucket when it closed."""
    mode = mode or pick_mode(values, totals)
    if mode == "rate" and totals is None:
        raise ValueError("rate mode needs the traffic totals")
    x = np.asarray(values, dtype=float)
    tot = None if totals is None else np.asarray(totals, dtype=float)
    state = SignalState()
    out = Backtest(mode)
    for t in range(len(x)):
        lo = max(0, t - cfg.history)
        if t - lo < max(1, cfg.min_history):
            out.rows.append(BacktestRow(float("nan"), 0.0, False))
            continue
        if mode == "rate":
            assert tot is not None
            j = judge_rate(RateHistory.of(x[lo:t], tot[lo:t]), x[t : t + 1], tot[t : t + 1], cfg)
        else:
            j = judge(mode, x[None, lo:t], x[t : t + 1], cfg)
        e, s = float(j.expected[0]), float(j.score[0])
        if state.open:
            step(state, s, float(x[t]), e, mode, cfg)
            out.rows.append(BacktestRow(e, s, state.open))
            continue
        ws, wo, we, _w = (float(a[0]) for a in j.opening(x[t : t + 1]))
        step(state, ws, wo, we, mode, cfg)
        out.rows.append(BacktestRow(e, ws if state.open else s, state.open))
    return out
