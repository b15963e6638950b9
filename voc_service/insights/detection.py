"""The periodic complaint-spike pass over the time buckets.

For each bucket that has closed (plus a grace period for late conversations) and not been judged
yet, in order: the subjects that could open a signal (at least ``min_count`` complaints in the
bucket) and the subjects with an open signal are judged in rate mode (insights/spikes.py) from
their history before the bucket — causal, as `voc spikes` replays it. What the history says is
normal (a subject's baseline) is estimated when needed and held for up to a day
(insights/baselines.py): a held candidate costs the pass its window's buckets, not its weeks; the
ones about to expire are renewed right after a pass (``prepare``), between passes.
One replica runs the pass for a bucket (the store's job lease); a bucket's signals and the mark
"bucket done" are written in one transaction that only commits while the writer still holds the
lease, so each bucket is judged into signals exactly once across replicas. The lease lasts half a
check period and every replica looks twice a period (server.py), so a replica that dies is
replaced within one period.

Kinds: ``sku``, ``topic``, ``sku_topic``, and ``new_topic`` — a topic the active model's last refit
found new (lineage "new") whose complaints grow: judged against its own short history (count
mode) instead of a share, since a young topic has no share history to speak of.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from voc_service.insights.buckets import sku_key
from voc_service.insights.baselines import Baseline, BaselineCache
from voc_service.insights.spikes import (
    RateBaseline, RateHistory, SignalState, SpikeConfig, own_hour_adjust, phase_noise, rate_baseline, score_rate, step,
)
from voc_service.store.signals import JobClaim, LeaseLost, SignalStore, SubjectCounts, lease_holder
from voc_service.topics.model import TopicModel

if TYPE_CHECKING:
    from voc_service.config import Settings

log = logging.getLogger(__name__)

JOB = "spike_detection"
SEVERITIES = ("minor", "major", "critical")


def severity(score: float, observed: float, expected: float, cfg: SpikeConfig) -> str:
    """By impact, once a signal opened (it is already improbable): critical = at least 3x the
    expected complaints AND at least 2x min_count of them extra (a real number of unhappy
    customers, not 3 instead of 1); major = at least 2x expected, or far beyond chance (score
    at least twice the opening score); minor = the rest."""
    excess = observed - expected
    if observed >= 3 * max(expected, 1e-9) and excess >= 2 * cfg.min_count:
        return "critical"
    if observed >= 2 * max(expected, 1e-9) or score >= 2 * cfg.open_score:
        return "major"
    return "minor"


@dataclass(slots=True)
class PassResult:
    bucket: datetime
    judged: int = 0
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    estimated: int = 0  # of the judged: baselines estimated from their history (the others held)


@dataclass(slots=True)
class _Rows:
    """What the pass scores, one row per subject (keys sorted): baseline, the window's recent
    buckets [S, lag] with their time-of-day factors, and the judged bucket's exposure and factor."""

    share: np.ndarray
    rho: np.ndarray
    rho_w: dict[int, np.ndarray]
    recent_c: np.ndarray
    recent_n: np.ndarray
    recent_f: np.ndarray
    now_n: np.ndarray
    now_f: np.ndarray

    @classmethod
    def empty(cls, size: int, cfg: SpikeConfig, now_n: np.ndarray, now_f: float) -> _Rows:
        lag = cfg.lag
        return cls(
            np.zeros(size), np.zeros(size), {w: np.full(size, np.nan) for w in cfg.sums},
            np.zeros((size, lag)), np.zeros((size, lag)), np.ones((size, lag)), now_n.copy(), np.full(size, now_f),
        )


@dataclass(slots=True)
class _Context:
    """What every subject of a bucket's pass is judged with: everyone's history ("all") over the
    history window before ``bucket``, its time-of-day profile and overall complaint share."""

    bucket: datetime
    since: datetime
    all_n: np.ndarray
    phases: tuple[np.ndarray, int] | None
    base_f: np.ndarray  # everyone's time-of-day factor of each history column
    now_factor: float  # ... and of the judged bucket
    share: float
    warm: bool  # enough history to know what is normal: nothing opens before


@dataclass(slots=True)
class _Estimate:
    """Baselines estimated from history (``SpikeDetector._estimated``), one row per subject."""

    history: RateHistory  # as exposed: topics' and pairs' conversations are whose they are a share of
    baseline: RateBaseline
    now_n: np.ndarray  # the judged bucket's exposure
    now_f: np.ndarray  # the judged bucket's time-of-day factor
    adjust: list[np.ndarray | None]
    exposure: list[str]
    fullness: np.ndarray
    young: dict[str, float]  # young new topics: key -> buckets of history


class SpikeDetector:
    def __init__(
        self,
        store: SignalStore,
        cfg: SpikeConfig,
        bucket_seconds: int,
        model: Callable[[], TopicModel | None] = lambda: None,
        holder: str | None = None,
        lease: timedelta = timedelta(minutes=5),
        baseline_refresh: int = 1,
    ) -> None:
        self.store, self.cfg, self.width = store, cfg, timedelta(seconds=bucket_seconds)
        self.model = model
        self.holder = holder or lease_holder()
        self.lease = lease
        self.baselines = BaselineCache(baseline_refresh, self.width)
        # the last pass's bucket, subjects and young new topics: whose baselines `prepare` renews
        self._last_pass: tuple[datetime, dict[str, SubjectCounts], set[str]] | None = None

    def judge_bucket(self, bucket: datetime, claim: JobClaim | None = None) -> PassResult:
        """Judge one bucket and record its signals (with ``claim``: only while holding the job's
        lease; LeaseLost otherwise, and nothing is written).

        Each candidate is scored against its baseline: estimated here from its history when the
        detector holds none usable for this bucket (insights/baselines.py), else the one held,
        with only the window's newest buckets read."""
        cfg, result = self.cfg, PassResult(bucket)
        ctx = self._context(bucket)
        model = self.model()
        # "new" only means emerging after a refit: every topic of a first fit is "new" too
        refit = model is not None and bool(model.previous_version)
        new_topics = {x.topic_id for x in model.lineage if x.kind == "new"} if refit else set()  # type: ignore[union-attr]
        window_start = self._window_start(bucket)
        subjects = {
            s.subject: s
            for s in (self.store.bucket_subjects(bucket, int(np.ceil(cfg.min_count)), window_start, self.width) if ctx.warm else [])
        }
        for sig in self.store.open_signals():
            subj = subjects.setdefault(sig.subject, SubjectCounts(sig.subject, sig.kind, sig.sku_id, sig.topic_id, 0, 0))
            subj.open = sig
        missing = [k for k, s in subjects.items() if s.open is not None and not s.conversations]
        for key, (c, n) in self.store.counts_of(missing, bucket).items():
            subjects[key].complaints, subjects[key].conversations = c, n
        if not subjects:
            if claim is not None:
                self.store.record([], [], [], datetime.now(UTC), claim)
            return result
        keys = sorted(subjects)
        now_c = np.array([subjects[k].complaints for k in keys])
        rows = _Rows.empty(len(keys), cfg, np.array([subjects[k].conversations for k in keys], dtype=float), ctx.now_factor)
        self.baselines.evict(bucket)
        # topics are few and each carries much of the traffic: always estimated afresh (held, their
        # baselines added false signals on the generated bench; new topics need their fresh
        # history anyway)
        held = {
            i: b for i, k in enumerate(keys)
            if subjects[k].kind != "topic" and (b := self.baselines.get(k, bucket)) is not None
        }
        estimate = [i for i in range(len(keys)) if i not in held]
        result.estimated = len(estimate)
        young: dict[str, float] = {}
        if estimate:
            young = self._estimate(estimate, keys, subjects, rows, ctx, new_topics)
        if held:
            self._from_held(held, keys, subjects, rows, ctx)
        self._last_pass = (bucket, subjects, set(young))  # filtered by `prepare`, off the pass's path
        base = RateBaseline(rows.share, rows.rho, dict(rows.rho_w))
        judged = score_rate(base, now_c, rows.now_n, cfg, rows.now_f, rows.recent_c, rows.recent_n, rows.recent_f)
        scores = judged.score
        o_score, o_obs, o_exp, o_win = (a.copy() for a in judged.opening(now_c))
        for i, k in enumerate(keys):
            if k in young:  # a new topic: growth against its own short history, not a share
                o_exp[i] = max(young[k], 1.0)  # at least one complaint a bucket: a quiet start is no baseline
                o_score[i] = scores[i] = min(300.0, -stats.poisson.logsf(now_c[i] - 1, o_exp[i]) / np.log(10))
                o_obs[i], o_win[i] = now_c[i], 1
        result.judged = len(keys)
        ended = self.store.last_buckets(bucket - self.width * (cfg.cooldown + 1))
        pair_cfg = cfg if cfg.pair_open_score is None else replace(cfg, open_score=cfg.pair_open_score)
        opened, updated, resolved = [], [], []
        for i, k in enumerate(keys):
            s = subjects[k]
            state = SignalState(open=s.open is not None, quiet=s.open.quiet if s.open else 0)
            if s.open is None and k in ended:  # cooldown runs from the last signal's resolution
                state.cooldown = max(0, cfg.cooldown - int((bucket - ended[k]) / self.width) + 1)
            if s.open is not None:  # an open signal resolves on its buckets' own scores
                event = step(state, float(scores[i]), float(now_c[i]), float(judged.expected[i]), "rate", cfg)
            else:  # a signal opens on the window that stands out most
                kind_cfg = pair_cfg if s.kind == "sku_topic" else cfg
                event = step(state, float(o_score[i]), float(o_obs[i]), float(o_exp[i]), "rate", kind_cfg)
            if event == "open":
                span = bucket - self.width * (int(o_win[i]) - 1)
                opened.append(self._new_signal(s, k in young, bucket, span, float(o_obs[i]), float(o_exp[i]), float(o_score[i]), model))
            elif s.open is not None and event == "resolve":
                resolved.append({"signal_id": s.open.signal_id, "resolved_bucket": bucket, "last_bucket": bucket, "quiet": state.quiet})
            elif s.open is not None:
                updated.append({
                    "signal_id": s.open.signal_id, "last_bucket": bucket, "quiet": state.quiet,
                    "peak_score": max(s.open.peak_score, float(scores[i])),
                })
        now = datetime.now(UTC)
        result.opened = self.store.record(opened, updated, resolved, now, claim)
        result.resolved = [r["signal_id"] for r in resolved]
        return result

    def _context(self, bucket: datetime) -> _Context:
        cfg = self.cfg
        since = bucket - self.width * cfg.history
        all_c, all_n = (a[0] for a in self.store.history_dense(["all"], since, cfg.history, self.width))
        phases = self._phases(since, bucket)
        base_f, now_factor = _hour_factors(all_c, all_n, phases)
        share = all_c.sum() / all_n.sum() if all_n.sum() else 0.0
        # too little history to know what is normal (a new deployment's first days): nothing
        # opens, but open signals can still resolve
        warm = bool(np.count_nonzero(all_n) >= cfg.min_history)
        return _Context(bucket, since, all_n, phases, base_f, now_factor, float(share), warm)

    def _estimate(
        self, idx: list[int], keys: list[str], subjects: dict[str, SubjectCounts], rows: _Rows, ctx: _Context,
        new_topics: set[int],
    ) -> dict[str, float]:
        """Baselines of the subjects ``idx`` from their history (and held for the next passes);
        fills their rows. Returns the young new topics: key -> their mean complaints a bucket."""
        lag = self.cfg.lag
        sub = [keys[i] for i in idx]
        est = self._estimated(sub, subjects, ctx, rows.now_n[idx], new_topics)
        h, b = est.history, est.baseline
        rows.share[idx], rows.rho[idx], rows.now_n[idx], rows.now_f[idx] = b.share, b.rho, est.now_n, est.now_f
        for w, r in b.rho_w.items():
            if r is not None:
                rows.rho_w[w][idx] = r
        if lag:
            k = min(lag, h.c.shape[1])  # a history shorter than the window: the rest stays 0
            factor = np.broadcast_to(h.factor if h.factor.ndim == 2 else h.factor[None, :], h.c.shape)
            rows.recent_c[idx, lag - k :] = h.c[:, h.c.shape[1] - k :]
            rows.recent_n[idx, lag - k :] = h.n[:, h.n.shape[1] - k :]
            rows.recent_f[idx, lag - k :] = factor[:, factor.shape[1] - k :]
        self._hold(sub, subjects, est, ctx.bucket)
        return {k: float(h.c[sub.index(k)].sum()) / age for k, age in est.young.items()}

    def _estimated(
        self, sub: list[str], subjects: dict[str, SubjectCounts], ctx: _Context, now_n: np.ndarray, new_topics: set[int]
    ) -> _Estimate:
        """Baselines of the subjects ``sub`` for ``ctx.bucket`` from their history before it."""
        h = self._history(sub, self.store.incident_windows(sub), ctx.since, ctx.bucket)
        h.factor = ctx.base_f
        now_n = np.array(now_n, dtype=float)
        young = self._young_new_topics(sub, subjects, new_topics, h)  # before h.n is exposure
        active = h.n > 0
        fullness = np.where(active.any(axis=1), 1.0 - active.argmax(axis=1) / h.n.shape[1], 0.0)
        prior, now_f, adjust, exposure = self._expose(
            sub, subjects, h, now_n, ctx.share, ctx.now_factor, ctx.all_n, ctx.phases, ctx.bucket
        )
        b = rate_baseline(h, self.cfg, prior)
        b.measure_windows(self.cfg.sums)  # for all: the baselines are kept
        topics = np.array([i for i, e in enumerate(exposure) if e == "all"], dtype=np.intp)
        if topics.size and ctx.phases is not None:  # topics: judged with the noise of this time of day
            b.use_phase_noise(topics, phase_noise(h, b, self.cfg, topics, *ctx.phases))
        return _Estimate(h, b, now_n, now_f, adjust, exposure, fullness, young)

    def _hold(self, sub: list[str], subjects: dict[str, SubjectCounts], est: _Estimate, bucket: datetime) -> None:
        """Keep the estimated baselines for the next passes (topics and young new topics: never)."""
        b, windows = est.baseline, self.cfg.sums
        for j, key in enumerate(sub):
            if key in est.young or subjects[key].kind == "topic":
                continue
            rho_w = tuple(float(b.rho_w[w][j]) if b.rho_w[w] is not None else float("nan") for w in windows)  # type: ignore[index]
            row = Baseline(bucket, bucket, float(b.share[j]), float(b.rho[j]), rho_w, est.exposure[j], est.adjust[j])
            self.baselines.put(key, row, float(est.fullness[j]))

    def prepare(self, bucket: datetime, stopping: Callable[[], bool] = lambda: False, chunk: int = 2000) -> int:
        """Renew, ahead of the pass of ``bucket``, the held baselines that would expire there, of
        the subjects judged in the pass just before it. Returns how many were estimated.

        Why: in a steady state where most candidates are held, the pass still re-estimates the
        ones whose lifetime ends (weeks of history each); done right after the previous pass,
        that work is off the path from a bucket's close to its signals, and the pass judges with
        held baselines only. The estimate is the one the pass would make: everything before
        ``bucket`` has closed and been judged (the incidents of the previous pass included), so
        the result is the same up to conversations that arrive later than the grace period.
        A subject not judged in the previous pass is not renewed (the cache does not grow with
        every subject ever seen), and with a refresh of 1 (estimate every pass) nothing is
        prepared. Stops between chunks of ``chunk`` subjects when ``stopping()``."""
        last = self._last_pass
        if self.baselines.refresh == 1 or last is None or last[0] != bucket - self.width:
            return 0
        self.baselines.evict(bucket)
        subjects, young = last[1], last[2]
        due = [
            k for k in sorted(subjects)
            if subjects[k].kind != "topic" and k not in young and self.baselines.get(k, bucket) is None
        ]
        if not due:
            return 0
        ctx = self._context(bucket)
        if not ctx.warm:
            return 0
        done = 0
        for start in range(0, len(due), chunk):
            if stopping():
                break
            sub = due[start : start + chunk]
            est = self._estimated(sub, subjects, ctx, np.zeros(len(sub)), set())
            self._hold(sub, subjects, est, bucket)
            done += len(sub)
        return done

    def _from_held(
        self, held: dict[int, Baseline], keys: list[str], subjects: dict[str, SubjectCounts], rows: _Rows, ctx: _Context
    ) -> None:
        """Fill the rows of the subjects with a held baseline: the baseline itself, and the
        window's recent buckets and the judged bucket's exposure (their own conversations, their
        SKU's) and time-of-day factor. Vectorised over the subjects that are their own exposure
        (most of a big pass); the pairs exposed to their SKU's traffic one by one."""
        lag, windows = self.cfg.lag, self.cfg.sums
        bucket, base_f, now_factor, phases = ctx.bucket, ctx.base_f, ctx.now_factor, ctx.phases
        idx = np.fromiter(held, dtype=np.intp, count=len(held))
        got = list(held.values())
        rows.share[idx] = [b.share for b in got]
        rows.rho[idx] = [b.rho for b in got]
        if windows:
            rho_w = np.array([b.rho_w for b in got], dtype=float).reshape(len(got), len(windows))
            for j, w in enumerate(windows):
                rows.rho_w[w][idx] = rho_w[:, j]
        other = [(i, b) for i, b in held.items() if b.exposure == "sku" or b.adjust is not None]
        skus = sorted({sku_key(subjects[keys[i]].sku_id) for i, b in other if b.exposure == "sku"})
        now = self._conversations_now(skus, subjects, bucket)
        cols = phases[0][len(phases[0]) - lag :] if (phases is not None and lag) else None
        if lag:
            need = [keys[i] for i in idx]
            c, n = self._recent(need + skus, subjects, bucket)
            rows.recent_c[idx], rows.recent_n[idx] = c[: len(need)], n[: len(need)]
            rows.recent_f[idx] = base_f[len(base_f) - lag :]
            sku_n = {k: n[len(need) + j] for j, k in enumerate(skus)}
        for i, b in other:  # own conversations and everyone's profile are already in the rows
            if b.exposure == "sku":
                sku = sku_key(subjects[keys[i]].sku_id)
                rows.now_n[i] = now[sku]
                if lag:
                    rows.recent_n[i] = sku_n[sku]
            if phases is not None and b.adjust is not None:
                rows.now_f[i] = now_factor * b.adjust[phases[1]]
                if cols is not None:
                    rows.recent_f[i] = rows.recent_f[i] * b.adjust[cols]

    def _conversations_now(self, keys: list[str], subjects: dict[str, SubjectCounts], bucket: datetime) -> dict[str, float]:
        """Conversations of ``keys`` in the judged bucket: the pass's own subjects' counts, read
        for the others (a pair's SKU that is no candidate itself)."""
        now = {k: float(subjects[k].conversations) for k in keys if k in subjects}
        absent = [k for k in keys if k not in now]
        if absent:
            got = self.store.counts_of(absent, bucket)
            now.update({k: float(got.get(k, (0, 0))[1]) for k in absent})
        return now

    def _recent(self, need: list[str], subjects: dict[str, SubjectCounts], bucket: datetime) -> tuple[np.ndarray, np.ndarray]:
        """Complaints and conversations [len(need), lag] of ``need`` in the window's buckets before
        ``bucket``: from the candidates query where it returned them, read otherwise."""
        lag = self.cfg.lag
        c, n = np.zeros((len(need), lag)), np.zeros((len(need), lag))
        have = [j for j, k in enumerate(need) if (s := subjects.get(k)) is not None and len(s.recent_complaints) == lag]
        if have:
            c[have] = [subjects[need[j]].recent_complaints for j in have]
            n[have] = [subjects[need[j]].recent_conversations for j in have]
        if len(have) < len(need):
            rest = sorted(set(range(len(need))) - set(have))
            rc, rn = self.store.history_dense([need[j] for j in rest], bucket - self.width * lag, lag, self.width)
            c[rest], n[rest] = rc, rn
        return c, n

    def _history(
        self, keys: list[str], windows: dict[str, list[tuple[datetime, datetime]]], since: datetime, bucket: datetime
    ) -> RateHistory:
        """Dense history of the candidates with their past incidents masked (an open incident is
        judged against the normal before it, a resolved one does not make the subject deaf for
        weeks); the time-of-day factor is set by the caller."""
        L = self.cfg.history
        c, n = self.store.history_dense(keys, since, L, self.width)
        skip = np.zeros((len(keys), L), dtype=bool)
        col = {k: i for i, k in enumerate(keys)}

        def index(t: datetime) -> int:
            return int((t - since) / self.width)

        for key, spans in windows.items():
            for opened, last in spans:
                lo, hi = max(0, index(opened)), min(L, index(last) + 1)
                if lo < hi:
                    skip[col[key], lo:hi] = True
        return RateHistory(c, n, np.ones(L), skip)

    def _expose(
        self, keys: list[str], subjects: dict[str, SubjectCounts], h: RateHistory, now_n: np.ndarray,
        share: float, now_factor: float, traffic: np.ndarray, phases: tuple[np.ndarray, int] | None,
        bucket: datetime,
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray | None], list[str]]:
        """Judge topics against everyone's traffic and SKU x topic pairs against their SKU's (in
        place: ``h.n``, ``h.factor`` and ``now_n`` of their rows); returns each subject's prior
        share, time-of-day factor now, own time-of-day adjustment per phase of the day (None:
        everyone's profile) and exposure ("own", "sku" or "all": whose conversations its
        complaints are a share of).

        A topic's conversations are not its exposure but its symptom: an incident brings
        conversations ABOUT the topic, nearly every one a complaint, so the complaint share
        within the topic hardly moves while its volume doubles. Against everyone's traffic the
        rise is plain, and a sale day that doubles that traffic still expects twice the
        complaints. A pair is the same symptom on one product (a screen fault of one phone: its
        complaint share within itself is near 100 % before and during the incident), so its
        exposure is its SKU's conversations: a sale day of that SKU expects twice its complaints
        too. Both take their own long-run rate as the prior and their own time-of-day profile
        (``spikes.own_hour_factors``): a topic of follow-ups on broken promises peaks at night
        however quiet the night's traffic is. A subject with under ``min_history`` buckets of
        history is judged on its own conversations, as before. SKUs keep their own conversations
        (a SKU promoted on the home page gets more of them without a defect)."""
        prior = np.full(len(keys), share)
        now_factors = np.full(len(keys), now_factor)
        adjust: list[np.ndarray | None] = [None] * len(keys)
        exposure = ["own"] * len(keys)
        kinds = ("topic", "sku_topic") if self.cfg.pair_exposure == "sku" else ("topic",)
        rows = [
            i for i, k in enumerate(keys)
            if subjects[k].kind in kinds
            and len(active := np.flatnonzero(h.n[i])) and h.n.shape[1] - active[0] >= self.cfg.min_history
        ]
        if not rows:
            return prior, now_factors, adjust, exposure
        pairs = [i for i in rows if subjects[keys[i]].kind == "sku_topic"]
        sku_n, sku_now = self._sku_traffic([sku_key(subjects[keys[i]].sku_id) for i in pairs], keys, subjects, h, bucket)
        now_all = self.store.counts_of(["all"], bucket).get("all", (0, 0))[1] if len(pairs) < len(rows) else 0
        for i in rows:
            if subjects[keys[i]].kind == "sku_topic":
                sku = sku_key(subjects[keys[i]].sku_id)
                h.n[i], now_n[i], exposure[i] = sku_n[sku], sku_now[sku], "sku"
            else:
                h.n[i], now_n[i], exposure[i] = traffic, now_all, "all"
            prior[i] = h.c[i].sum() / max(h.n[i].sum(), 1.0)
        if phases is None:  # buckets of a day or more: no time of day
            return prior, now_factors, adjust, exposure
        # every bucket counts for the profile, past signals too: a topic that "spikes" every night
        # until its profile has learnt the night must not have those nights masked out of it
        # (masked, the false signals on the generated bench rose from 16 to 22-24 per seed)
        cols, now_phase = phases
        own = own_hour_adjust(h.c[rows], h.n[rows], h.factor, cols, max(int(cols.max()), now_phase) + 1)
        h.factor = np.repeat(h.factor[None, :], len(keys), axis=0)
        h.factor[rows], now_factors[rows] = h.factor[rows] * own[:, cols], now_factor * own[:, now_phase]
        for j, i in enumerate(rows):
            adjust[i] = own[j]
        return prior, now_factors, adjust, exposure

    def _sku_traffic(
        self, skus: list[str], keys: list[str], subjects: dict[str, SubjectCounts], h: RateHistory, bucket: datetime
    ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Conversations of the SKU subjects ``skus``: history (from ``h`` when the SKU's own
        history is in it, read otherwise) and the judged bucket's."""
        row = {k: i for i, k in enumerate(keys)}
        hist = {s: h.n[row[s]].copy() for s in skus if s in row}
        missing = sorted(set(skus) - set(hist))
        if missing:
            since = bucket - self.width * self.cfg.history
            _c, n = self.store.history_dense(missing, since, self.cfg.history, self.width)
            hist.update(zip(missing, n))
        return hist, self._conversations_now(sorted(set(skus)), subjects, bucket)

    def _phases(self, since: datetime, bucket: datetime) -> tuple[np.ndarray, int] | None:
        """Phase of the day of each history column and of ``bucket`` (None for day-wide buckets)."""
        L, width = self.cfg.history, int(self.width.total_seconds())
        if 86400 % width or width >= 86400:
            return None
        per_day = 86400 // width
        now = int(((bucket - since) / self.width + _phase0(since, width)) % per_day)
        return (np.arange(L) + round(_phase0(since, width))) % per_day, now

    def _young_new_topics(
        self, keys: list[str], subjects: dict[str, SubjectCounts], new_topics: set[int], h: RateHistory
    ) -> dict[str, float]:
        """Topic subjects of "new" topics with under 3 days of history: key -> buckets of history
        (from the first bucket with conversations in the dense history already read)."""
        limit = 72 * 3600 / self.width.total_seconds()
        out = {}
        for i, k in enumerate(keys):
            if subjects[k].kind != "topic" or subjects[k].topic_id not in new_topics:
                continue
            active = np.flatnonzero(h.n[i])
            age = h.n.shape[1] - active[0] if len(active) else 0
            if age < limit:
                out[k] = max(1.0, float(age))
        return out

    def _window_start(self, bucket: datetime) -> datetime | None:
        """First bucket of the longest window judged (None: one bucket)."""
        w = max(self.cfg.windows)
        return bucket - self.width * (w - 1) if w > 1 else None

    def _new_signal(
        self, s: SubjectCounts, young: bool, bucket: datetime, span: datetime, observed: float, expected: float,
        score: float, model: TopicModel | None,
    ) -> dict:
        """``observed`` / ``expected`` / evidence cover the window that opened it, from ``span``
        to ``bucket``; the signal opens at ``bucket``, when it was decided."""
        end = bucket + self.width
        topic_id = s.topic_id
        if topic_id is None and s.sku_id:
            topic_id = self.store.top_topic(s.sku_id, span, end)
        topic = model.by_id.get(topic_id) if (model is not None and topic_id is not None) else None
        return {
            "kind": "new_topic" if young else s.kind,
            "subject": s.subject,
            "sku_id": s.sku_id,
            "topic_id": s.topic_id,
            "opened_bucket": bucket,
            "last_bucket": bucket,
            "observed": int(observed),
            "expected": expected,
            "score": score,
            "peak_score": score,
            "severity": severity(score, observed, expected, self.cfg),
            "keywords": [w for w, _ in topic.keywords[:6]] if topic is not None else [],
            "evidence": self.store.evidence(s.sku_id, s.topic_id, span, end),
        }

    @classmethod
    def from_settings(cls, store: SignalStore, settings: Settings, model: Callable[[], TopicModel | None]) -> SpikeDetector:
        width = settings.bucket_seconds
        per_day = max(1, round(86400 / width))
        cfg = SpikeConfig(
            season=per_day if 86400 % width == 0 else 0,
            history=max(2, round(settings.spike_history_days * 86400 / width)),
            open_score=settings.spike_open_score,
            min_count=settings.spike_min_complaints,
            cooldown=settings.spike_cooldown_buckets,
            windows=tuple(sorted(set(settings.spike_windows) | {1})),
            pair_open_score=settings.spike_pair_open_score,
        )
        lease = timedelta(seconds=max(1.0, settings.spike_check_seconds / 2))
        return cls(store, cfg, width, model, lease=lease, baseline_refresh=settings.spike_baseline_refresh_buckets)

    def replay(self, since: datetime, until: datetime) -> list[PassResult]:
        """Judge every bucket in [since, until) in order, without the lease: backfills, benches
        and the demo (the live pass only looks at buckets that just closed)."""
        from voc_service.insights.buckets import bucket_start

        out, bucket = [], bucket_start(since, int(self.width.total_seconds()))
        while bucket < until:
            out.append(self.judge_bucket(bucket))
            bucket += self.width
            self.prepare(bucket)  # as the server does after each pass
        return out

    def run_due(
        self, now: datetime, grace: timedelta = timedelta(minutes=2), catch_up: int = 24 * 7,
        stopping: Callable[[], bool] = lambda: False,
    ) -> list[PassResult]:
        """Judge every closed bucket not judged yet (at most ``catch_up``), holding the lease;
        returns what was done (nothing when another replica holds the lease). Between buckets it
        stops when ``stopping()`` says the server is shutting down: a catch-up of a week of
        buckets must not hold a shutdown up (the rest is judged by whoever runs next)."""
        from voc_service.insights.buckets import bucket_start

        newest = bucket_start(now - grace, int(self.width.total_seconds())) - self.width
        held, last = self.store.acquire(JOB, self.holder, now, self.lease)
        if not held:
            return []
        start = newest - self.width * (catch_up - 1) if last is None else max(last + self.width, newest - self.width * (catch_up - 1))
        out = []
        bucket, t0 = start, time.monotonic()
        while bucket <= newest and not stopping():
            lease_until = now + timedelta(seconds=time.monotonic() - t0) + self.lease
            try:
                out.append(self.judge_bucket(bucket, JobClaim(JOB, self.holder, bucket, lease_until)))
            except LeaseLost:
                log.warning("spike detection lease lost; another replica continues")
                break
            bucket += self.width
        return out


def _hour_factors(c: np.ndarray, n: np.ndarray, phases: tuple[np.ndarray, int] | None) -> tuple[np.ndarray, float]:
    """Complaint share by phase of the (Beijing) day relative to the all-day share, from the
    "all" subject's dense history ``c``, ``n`` (so every subject shares one well-estimated
    profile), shrunk toward 1 with 200 conversations' weight; and the factor of the judged
    bucket. Buckets of a day or more (``phases`` None) have no hour of day: factor 1."""
    if phases is None:
        return np.ones(len(c)), 1.0
    cols, now = phases
    per_day = max(int(cols.max()), now) + 1
    c_ph = np.bincount(cols, weights=c, minlength=per_day)
    n_ph = np.bincount(cols, weights=n, minlength=per_day)
    total = c_ph.sum() / n_ph.sum() if n_ph.sum() else 0.0
    if total <= 0:
        return np.ones(len(c)), 1.0
    by_phase = (c_ph + 200 * total) / (n_ph + 200) / total
    return by_phase[cols], float(by_phase[now])


def _phase0(since: datetime, width: int) -> float:
    """Bucket phase (in buckets since Beijing midnight) of ``since``."""
    from voc_service.insights.buckets import ALIGN_OFFSET

    local = since.astimezone(UTC) + ALIGN_OFFSET
    return (local.hour * 3600 + local.minute * 60 + local.second) / width
