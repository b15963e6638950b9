"""The periodic complaint-spike pass over the time buckets.

For each bucket that has closed (plus a grace period for late conversations) and not been judged
yet, in order: the subjects that could open a signal (at least ``min_count`` complaints in the
bucket) and the subjects with an open signal are judged in rate mode (insights/spikes.py) from
their history before the bucket — causal, as `voc spikes` replays it. One replica runs the pass
for a bucket (the store's job lease); a bucket's signals and the mark "bucket done" are written in
one transaction that only commits while the writer still holds the lease, so each bucket is
judged into signals exactly once across replicas. The lease lasts half a check period and every
replica looks twice a period (server.py), so a replica that dies is replaced within one period.

Kinds: ``sku``, ``topic``, ``sku_topic``, and ``new_topic`` — a topic the active model's last refit
found new (lineage "new") whose complaints grow: judged against its own short history (count
mode) instead of a share, since a young topic has no share history to speak of.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from voc_service.insights.buckets import sku_key
from voc_service.insights.spikes import RateHistory, SignalState, SpikeConfig, judge_rate, own_hour_factors, step
from voc_service.store.signals import JobClaim, LeaseLost, SignalRow, SignalStore, lease_holder
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


@dataclass(slots=True)
class _Subject:
    key: str
    kind: str
    sku_id: str
    topic_id: int | None
    complaints: float = 0.0
    conversations: float = 0.0
    open: SignalRow | None = None


class SpikeDetector:
    def __init__(
        self,
        store: SignalStore,
        cfg: SpikeConfig,
        bucket_seconds: int,
        model: Callable[[], TopicModel | None] = lambda: None,
        holder: str | None = None,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self.store, self.cfg, self.width = store, cfg, timedelta(seconds=bucket_seconds)
        self.model = model
        self.holder = holder or lease_holder()
        self.lease = lease

    def judge_bucket(self, bucket: datetime, claim: JobClaim | None = None) -> PassResult:
        """Judge one bucket and record its signals (with ``claim``: only while holding the job's
        lease; LeaseLost otherwise, and nothing is written)."""
        cfg, result = self.cfg, PassResult(bucket)
        since = bucket - self.width * cfg.history
        all_c, all_n = (a[0] for a in self.store.history_dense(["all"], since, cfg.history, self.width))
        # too little history to know what is normal (a new deployment's first days): nothing
        # opens, but open signals can still resolve
        warm = np.count_nonzero(all_n) >= cfg.min_history
        model = self.model()
        # "new" only means emerging after a refit: every topic of a first fit is "new" too
        refit = model is not None and bool(model.previous_version)
        new_topics = {x.topic_id for x in model.lineage if x.kind == "new"} if refit else set()  # type: ignore[union-attr]
        subjects = {
            s.subject: _Subject(s.subject, s.kind, s.sku_id, s.topic_id, s.complaints, s.conversations)
            for s in (self.store.bucket_subjects(bucket, int(np.ceil(cfg.min_count)), self._window_start(bucket)) if warm else [])
        }
        for sig in self.store.open_signals():
            subj = subjects.setdefault(sig.subject, _Subject(sig.subject, sig.kind, sig.sku_id, sig.topic_id))
            subj.open = sig
        missing = [k for k, s in subjects.items() if s.open is not None and not s.conversations]
        for key, (c, n) in self.store.counts_of(missing, bucket).items():
            subjects[key].complaints, subjects[key].conversations = c, n
        if not subjects:
            if claim is not None:
                self.store.record([], [], [], datetime.now(UTC), claim)
            return result
        keys = sorted(subjects)
        windows = self.store.incident_windows(keys)
        h = self._history(keys, windows, since, bucket)
        phases = self._phases(since, bucket)
        h.factor, now_factor = _hour_factors(all_c, all_n, phases)
        share = all_c.sum() / all_n.sum() if all_n.sum() else 0.0
        now_c = np.array([subjects[k].complaints for k in keys])
        now_n = np.array([subjects[k].conversations for k in keys], dtype=float)
        young = self._young_new_topics(keys, subjects, new_topics, h)  # before h.n is exposure
        prior, now_factors = self._expose(keys, subjects, h, now_n, share, now_factor, all_n, phases, bucket)
        judged = judge_rate(h, now_c, now_n, cfg, prior_share=prior, now_factor=now_factors)
        scores = judged.score
        o_score, o_obs, o_exp, o_win = (a.copy() for a in judged.opening(now_c))
        for i, k in enumerate(keys):
            if k in young:  # a new topic: growth against its own short history, not a share
                mean = h.c[i].sum() / max(1.0, young[k])
                o_exp[i] = max(mean, 1.0)  # at least one complaint a bucket: a quiet start is no baseline
                o_score[i] = scores[i] = min(300.0, -stats.poisson.logsf(now_c[i] - 1, o_exp[i]) / np.log(10))
                o_obs[i], o_win[i] = now_c[i], 1
        result.judged = len(keys)
        opened, updated, resolved = [], [], []
        for i, k in enumerate(keys):
            s = subjects[k]
            state = SignalState(open=s.open is not None, quiet=s.open.quiet if s.open else 0)
            if s.open is None and windows.get(k):  # cooldown runs from the last signal's resolution
                last = max(end for _start, end in windows[k])
                state.cooldown = max(0, cfg.cooldown - int((bucket - last) / self.width) + 1)
            if s.open is not None:  # an open signal resolves on its buckets' own scores
                event = step(state, float(scores[i]), float(now_c[i]), float(judged.expected[i]), "rate", cfg)
            else:  # a signal opens on the window that stands out most
                event = step(state, float(o_score[i]), float(o_obs[i]), float(o_exp[i]), "rate", cfg)
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
        self, keys: list[str], subjects: dict[str, _Subject], h: RateHistory, now_n: np.ndarray,
        share: float, now_factor: float, traffic: np.ndarray, phases: tuple[np.ndarray, int] | None,
        bucket: datetime,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Judge topics against everyone's traffic and SKU x topic pairs against their SKU's (in
        place: ``h.n``, ``h.factor`` and ``now_n`` of their rows); returns each subject's prior
        share and time-of-day factor now.

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
        kinds = ("topic", "sku_topic") if self.cfg.pair_exposure == "sku" else ("topic",)
        rows = [
            i for i, k in enumerate(keys)
            if subjects[k].kind in kinds
            and len(active := np.flatnonzero(h.n[i])) and h.n.shape[1] - active[0] >= self.cfg.min_history
        ]
        if not rows:
            return prior, now_factors
        pairs = [i for i in rows if subjects[keys[i]].kind == "sku_topic"]
        sku_n, sku_now = self._sku_traffic([sku_key(subjects[keys[i]].sku_id) for i in pairs], keys, subjects, h, bucket)
        now_all = self.store.counts_of(["all"], bucket).get("all", (0, 0))[1] if len(pairs) < len(rows) else 0
        for i in rows:
            if subjects[keys[i]].kind == "sku_topic":
                sku = sku_key(subjects[keys[i]].sku_id)
                h.n[i], now_n[i] = sku_n[sku], sku_now[sku]
            else:
                h.n[i], now_n[i] = traffic, now_all
            prior[i] = h.c[i].sum() / max(h.n[i].sum(), 1.0)
        if phases is None:  # buckets of a day or more: no time of day
            return prior, now_factors
        # every bucket counts for the profile, past signals too: a topic that "spikes" every night
        # until its profile has learnt the night must not have those nights masked out of it
        # (masked, the false signals on the generated bench rose from 16 to 22-24 per seed)
        factors, now_f = own_hour_factors(h.c[rows], h.n[rows], h.factor, now_factor, *phases)
        h.factor = np.repeat(h.factor[None, :], len(keys), axis=0)
        h.factor[rows], now_factors[rows] = factors, now_f
        return prior, now_factors

    def _sku_traffic(
        self, skus: list[str], keys: list[str], subjects: dict[str, _Subject], h: RateHistory, bucket: datetime
    ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Conversations of the SKU subjects ``skus``: history (from ``h`` when the SKU is a
        candidate itself, read otherwise) and the judged bucket's."""
        row = {k: i for i, k in enumerate(keys)}
        hist = {s: h.n[row[s]].copy() for s in skus if s in row}
        now = {s: subjects[s].conversations for s in skus if s in row}
        missing = sorted(set(skus) - set(hist))
        if missing:
            since = bucket - self.width * self.cfg.history
            _c, n = self.store.history_dense(missing, since, self.cfg.history, self.width)
            hist.update(zip(missing, n))
            got = self.store.counts_of(missing, bucket)
            now.update({s: float(got.get(s, (0, 0))[1]) for s in missing})
        return hist, now

    def _phases(self, since: datetime, bucket: datetime) -> tuple[np.ndarray, int] | None:
        """Phase of the day of each history column and of ``bucket`` (None for day-wide buckets)."""
        L, width = self.cfg.history, int(self.width.total_seconds())
        if 86400 % width or width >= 86400:
            return None
        per_day = 86400 // width
        now = int(((bucket - since) / self.width + _phase0(since, width)) % per_day)
        return (np.arange(L) + round(_phase0(since, width))) % per_day, now

    def _young_new_topics(
        self, keys: list[str], subjects: dict[str, _Subject], new_topics: set[int], h: RateHistory
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
        self, s: _Subject, young: bool, bucket: datetime, span: datetime, observed: float, expected: float,
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
            "subject": s.key,
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
        )
        lease = timedelta(seconds=max(1.0, settings.spike_check_seconds / 2))
        return cls(store, cfg, width, model, lease=lease)

    def replay(self, since: datetime, until: datetime) -> list[PassResult]:
        """Judge every bucket in [since, until) in order, without the lease: backfills, benches
        and the demo (the live pass only looks at buckets that just closed)."""
        from voc_service.insights.buckets import bucket_start

        out, bucket = [], bucket_start(since, int(self.width.total_seconds()))
        while bucket < until:
            out.append(self.judge_bucket(bucket))
            bucket += self.width
        return out

    def run_due(self, now: datetime, grace: timedelta = timedelta(minutes=2), catch_up: int = 24 * 7) -> list[PassResult]:
        """Judge every closed bucket not judged yet (at most ``catch_up``), holding the lease;
        returns what was done (nothing when another replica holds the lease)."""
        from voc_service.insights.buckets import bucket_start

        newest = bucket_start(now - grace, int(self.width.total_seconds())) - self.width
        held, last = self.store.acquire(JOB, self.holder, now, self.lease)
        if not held:
            return []
        start = newest - self.width * (catch_up - 1) if last is None else max(last + self.width, newest - self.width * (catch_up - 1))
        out = []
        bucket, t0 = start, time.monotonic()
        while bucket <= newest:
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
