"""The spike pass over real stored buckets (SQLite): one incident = one signal with evidence,
a sale day = none, the lease lets one runner judge a bucket."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from backends import fresh_database
from conftest import analysed_item

from voc_service.config import Settings
from voc_service.insights.detection import SpikeDetector
from voc_service.store import open_store
from voc_service.store.schema import buckets
from voc_service.store.signals import SignalStore

START = datetime(2026, 11, 1, tzinfo=UTC)
SPIKE = START + timedelta(days=9, hours=14)
SALE = START + timedelta(days=6)


def fill(store, days: int = 12) -> set[str]:  # noqa: ANN001
    """SKU A (and B as background) every hour, complaint share 8 %; 3 hours at 45 % for A;
    a sale day with three times the traffic of both at the usual share. Returns the ids of the
    spike hours' complaints of A."""
    rng = random.Random(1)
    spike_ids, batch = set(), []
    for h in range(days * 24):
        at = START + timedelta(hours=h)
        traffic = 3 if SALE <= at < SALE + timedelta(days=1) else 1
        for sku in ("A", "B"):
            for k in range(rng.randint(25, 35) * traffic):
                spiking = sku == "A" and SPIKE <= at < SPIKE + timedelta(hours=3)
                complaint = rng.random() < (0.45 if spiking else 0.08)
                cid = f"{sku}-{h}-{k}"
                batch.append(analysed_item(cid, [sku], topic=1 if complaint else 2, complaint=complaint, at=at + timedelta(minutes=k % 60)))
                if spiking and complaint:
                    spike_ids.add(cid)
        if len(batch) > 2000:
            store.save_batch(batch)
            batch = []
    store.save_batch(batch)
    return spike_ids


def hours_of(days: int, incident: datetime) -> Iterator[tuple[int, datetime, int, bool]]:
    """(index, start, traffic multiplier, inside the 3-hour incident) of each hour from START:
    the sale day has three times everyone's traffic."""
    for h in range(days * 24):
        at = START + timedelta(hours=h)
        yield h, at, 3 if SALE <= at < SALE + timedelta(days=1) else 1, incident <= at < incident + timedelta(hours=3)


def test_replay_finds_the_incident_once_with_evidence_and_nothing_on_the_sale_day(store_url: str) -> None:
    store = open_store(store_url)
    spike_ids = fill(store)
    detector = SpikeDetector.from_settings(SignalStore(store.engine), Settings(spike_history_days=7), lambda: None)
    results = detector.replay(START, START + timedelta(days=12))
    signals = SignalStore(store.engine).list(limit=100)
    opened = sorted((s.opened_bucket, s.subject) for s in signals)
    # the incident: SKU A in its first hour; the pair A|1 (a complaint subject: a share of A's
    # conversations, not of its own, which are always 100 % complaints) and its topic (diluted by
    # B's normal traffic: judged against everyone's) from the sums of the first hours; all within
    # the incident, one signal per subject
    assert (SPIKE, "sku:A") in opened, opened
    assert all(SPIKE <= b < SPIKE + timedelta(hours=3) for b, _ in opened), opened
    assert sorted(s for _, s in opened) == ["sku:A", "sku_topic:A|1", "topic:1"], opened
    sku_a = next(s for s in signals if s.subject == "sku:A")
    assert sku_a.status == "resolved" and SPIKE + timedelta(hours=3) <= sku_a.resolved_bucket <= SPIKE + timedelta(hours=8)
    assert sku_a.evidence and set(sku_a.evidence) <= spike_ids
    assert sku_a.observed > sku_a.expected * 3 and sku_a.severity in ("major", "critical")
    assert not any(SALE <= s.opened_bucket < SALE + timedelta(days=1) for s in signals)
    assert sum(len(r.opened) for r in results) == len(signals)


def test_the_lease_lets_one_runner_judge_a_bucket(store_url: str) -> None:
    store = open_store(store_url)
    signals = SignalStore(store.engine)
    now = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)
    a, b = (SpikeDetector.from_settings(signals, Settings(), lambda: None) for _ in range(2))
    done = a.run_due(now, catch_up=3)  # 12:05: the newest closed bucket (+2 min grace) is 11:00
    assert [r.bucket.hour for r in done] == [9, 10, 11]
    assert b.run_due(now) == []  # a holds the lease (5 minutes)
    later = now + timedelta(hours=1)  # a's lease expired: b takes over where a stopped
    assert [r.bucket.hour for r in b.run_due(later)] == [12]
    assert a.run_due(later + timedelta(seconds=10)) == []  # now b holds it


def test_a_catch_up_stops_between_buckets_when_the_server_stops_and_resumes_next_time(store_url: str) -> None:
    signals = SignalStore(open_store(store_url).engine)
    now = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)
    det = SpikeDetector.from_settings(signals, Settings(), lambda: None)
    calls = []

    def stopping() -> bool:  # the server's stop event, set while the third bucket is judged
        calls.append(1)
        return len(calls) > 2

    assert [r.bucket.hour for r in det.run_due(now, catch_up=5, stopping=stopping)] == [7, 8]
    assert [r.bucket.hour for r in det.run_due(now + timedelta(seconds=1))] == [9, 10, 11]


def test_a_stale_holder_writes_nothing(store_url: str) -> None:
    """A replica whose lease expired mid-pass (a long pause) cannot record a bucket: its results
    are dropped, not written twice next to those of the replica that took over."""
    from voc_service.store.signals import JobClaim, LeaseLost

    store = open_store(store_url)
    signals = SignalStore(store.engine)
    now = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)
    a, b = (SpikeDetector.from_settings(signals, Settings(), lambda: None) for _ in range(2))
    assert a.lease == timedelta(seconds=30)  # half the default check period
    assert [r.bucket.hour for r in a.run_due(now, catch_up=1)] == [11]
    assert [r.bucket.hour for r in b.run_due(now + timedelta(hours=1))] == [12]
    assert signals.holder("spike_detection")[0] == b.holder and b.holder != a.holder
    with pytest.raises(LeaseLost):  # a resumes after its pause, still believing it holds the lease
        a.judge_bucket(now.replace(hour=13, minute=0), JobClaim("spike_detection", a.holder, now.replace(hour=13, minute=0), now + timedelta(hours=2)))
    with pytest.raises(LeaseLost):  # nor may b judge a bucket already finished
        b.judge_bucket(now.replace(hour=12, minute=0), JobClaim("spike_detection", b.holder, now.replace(hour=12, minute=0), now + timedelta(hours=2)))
    assert signals.holder("spike_detection")[2] == now.replace(hour=12, minute=0)


def test_a_new_topic_whose_complaints_grow_is_a_new_topic_signal(store_url: str, backend: str, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from voc_service.topics.model import Lineage

    store = open_store(store_url)
    rng = random.Random(4)
    batch = []
    for h in range(6 * 24):  # six days of ordinary traffic on topic 2
        at = START + timedelta(hours=h)
        batch += [analysed_item(f"o-{h}-{k}", ["A"], topic=2, complaint=rng.random() < 0.1, at=at) for k in range(30)]
    # topic 7 appears on day 5 with 1-2 complaints an hour, then grows to 12 an hour
    for h in range(4 * 24, 6 * 24):
        at = START + timedelta(hours=h)
        complaints = 12 if h >= 5 * 24 + 20 else rng.randint(1, 2)
        batch += [analysed_item(f"n-{h}-{k}", ["B"], topic=7, complaint=k < complaints, at=at) for k in range(14)]
    store.save_batch(batch)
    refit = SimpleNamespace(lineage=[Lineage("kept", 2), Lineage("new", 7)], previous_version="topics@1", by_id={})
    signals = SignalStore(store.engine)
    SpikeDetector.from_settings(signals, Settings(), lambda: refit).replay(START, START + timedelta(days=6))
    got = [(s.kind, s.subject, s.opened_bucket) for s in signals.list(limit=50)]
    assert ("new_topic", "topic:7", START + timedelta(days=5, hours=20)) in got, got
    # the same topic from a first fit (every topic "new") is judged as an ordinary topic
    first = SimpleNamespace(lineage=[Lineage("new", 2), Lineage("new", 7)], previous_version="", by_id={})
    with fresh_database(backend, tmp_path) as other:
        store2 = open_store(other)
        store2.save_batch(batch)
        signals2 = SignalStore(store2.engine)
        SpikeDetector.from_settings(signals2, Settings(), lambda: first).replay(START, START + timedelta(days=6))
        assert not [s for s in signals2.list(limit=50) if s.kind == "new_topic"]
        store2.close()


def test_a_share_that_is_always_higher_at_night_is_no_spike(store_url: str) -> None:
    """Night owls complain more, every night, for every SKU: the time-of-day factor (from everyone's
    history) expects it; the same share in the afternoon is a spike."""
    store = open_store(store_url)
    rng = random.Random(6)
    batch = []
    afternoon = START + timedelta(days=8, hours=7)  # 15:00 Beijing
    for h in range(9 * 24):
        at = START + timedelta(hours=h)
        night = (at.hour + 8) % 24 < 5  # 00:00-05:00 Beijing
        for sku in ("A", "B", "C"):
            for k in range(30):
                share = 0.40 if night else 0.55 if (sku == "A" and afternoon <= at < afternoon + timedelta(hours=2)) else 0.10
                batch.append(analysed_item(f"{sku}-{h}-{k}", [sku], topic=None, complaint=rng.random() < share, at=at))
    store.save_batch(batch)
    signals = SignalStore(store.engine)
    SpikeDetector.from_settings(signals, Settings(), lambda: None).replay(START, START + timedelta(days=9))
    opened = {(s.subject, s.opened_bucket) for s in signals.list(limit=50)}
    assert opened == {("sku:A", afternoon)}, opened


def test_replay_job_judges_a_backfilled_period(store_url: str, capsys) -> None:  # noqa: ANN001
    import importlib.util

    url = store_url
    fill(open_store(url), days=10)
    spec = importlib.util.spec_from_file_location(
        "replay_spikes", Path(__file__).resolve().parents[2] / "pipelines" / "replay_spikes.py"
    )
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)  # type: ignore[union-attr]
    assert job.main(["--store", url, "--since", START.isoformat(), "--until", (START + timedelta(days=10)).isoformat()]) == 0
    assert "judged 240 buckets" in capsys.readouterr().out
    opened = {s.opened_bucket for s in SignalStore(open_store(url).engine).list(limit=50)}
    assert SPIKE in opened and all(SPIKE <= b < SPIKE + timedelta(hours=3) for b in opened), opened


def test_a_slow_spike_on_a_small_sku_opens_on_its_window_sum(store_url: str, backend: str, tmp_path: Path) -> None:
    """SKU S: 10 conversations an hour, 1 complaint; for four hours 5. No single hour reaches
    the opening score (P(Bin(10, 0.1) >= 5) = 0.0016), two hours together do: with windows the
    signal opens in the incident's second hour, its evidence from both; without, never."""
    start = START + timedelta(days=8, hours=6)
    batch, spike_ids = [], set()
    for h in range(9 * 24):
        at = START + timedelta(hours=h)
        spiking = start <= at < start + timedelta(hours=4)
        batch += [analysed_item(f"A-{h}-{k}", ["A"], topic=2, complaint=k < 3, at=at) for k in range(30)]
        for k in range(10):
            complaint = k < (5 if spiking else 1)
            batch.append(analysed_item(f"S-{h}-{k}", ["S"], topic=2, complaint=complaint, at=at))
            if spiking and complaint:
                spike_ids.add(f"S-{h}-{k}")

    def opened(url: str, windows: list[int]) -> list:
        store = open_store(url)
        store.save_batch(batch)
        signals = SignalStore(store.engine)
        SpikeDetector.from_settings(signals, Settings(spike_windows=windows), lambda: None).replay(START, START + timedelta(days=9))
        found = [s for s in signals.list(limit=50) if s.subject == "sku:S"]
        store.close()
        return found

    assert opened(store_url, [1]) == []
    with fresh_database(backend, tmp_path) as other:
        (sig,) = opened(other, [1, 2, 4])
    assert sig.opened_bucket == start + timedelta(hours=1) and (sig.observed, round(sig.expected)) == (10, 2)
    assert set(sig.evidence) <= spike_ids and {e.split("-")[1] for e in sig.evidence} == {str(8 * 24 + 6), str(8 * 24 + 7)}


def test_a_topic_whose_volume_rises_is_a_spike_even_when_its_share_cannot(store_url: str) -> None:
    """Topic 5 is a complaint subject (every conversation about it is a complaint: its share
    within itself is always 100 %). An incident brings four times its usual conversations among
    the same traffic: judged against everyone's traffic it opens at once; the sale day, with
    three times the traffic of everything, does not open it. Judged on its own conversations
    (before), no incident could ever move it."""
    rng = random.Random(9)
    incident = START + timedelta(days=8, hours=6)
    batch = []
    for h, at, traffic, spiking in hours_of(9, incident):
        for k in range(rng.randint(90, 110) * traffic):
            batch.append(analysed_item(f"o-{h}-{k}", [f"S{k % 20}"], topic=2, complaint=rng.random() < 0.05, at=at))
        for k in range(rng.randint(2, 4) * traffic * (4 if spiking else 1)):
            batch.append(analysed_item(f"t-{h}-{k}", [f"S{k % 20}"], topic=5, complaint=True, at=at))
    store = open_store(store_url)
    store.save_batch(batch)
    signals = SignalStore(store.engine)
    SpikeDetector.from_settings(signals, Settings(spike_history_days=7), lambda: None).replay(START, START + timedelta(days=9))
    got = [(s.subject, s.opened_bucket) for s in signals.list(limit=50)]
    topic = [b for subject, b in got if subject == "topic:5"]
    assert topic and incident <= topic[0] < incident + timedelta(hours=3), got
    assert not any(SALE <= b < SALE + timedelta(days=1) for _s, b in got), got


def test_a_product_topic_pair_is_judged_against_its_skus_traffic(store_url: str) -> None:
    """SKU P has 30 conversations an hour, 5 % complaints about topic 2, and one complaint an
    hour about topic 5 (a fault: every conversation about it is a complaint, so the pair P|5's
    share within itself is always 100 %). An incident brings six an hour for three hours: as a
    share of P's conversations the pair rises from 3 % to 17 % and opens; a sale day with three
    times everyone's traffic does not. Judged on its own conversations (``pair_exposure`` "own",
    the rule before) no incident could move it."""
    rng = random.Random(5)
    incident = START + timedelta(days=8, hours=10)
    batch = []
    for h, at, traffic, spiking in hours_of(9, incident):
        for sku in ("P", "Q"):
            for k in range(rng.randint(27, 33) * traffic):
                batch.append(analysed_item(f"{sku}-{h}-{k}", [sku], topic=2, complaint=rng.random() < 0.05, at=at))
        for k in range(rng.choice((0, 1, 1, 2)) * traffic + (6 if spiking else 0)):
            batch.append(analysed_item(f"f-{h}-{k}", ["P"], topic=5, complaint=True, at=at))
    store = open_store(store_url)
    store.save_batch(batch)
    signals = SignalStore(store.engine)
    detector = SpikeDetector.from_settings(signals, Settings(spike_history_days=7), lambda: None)
    assert detector.cfg.pair_exposure == "sku"
    detector.replay(START, START + timedelta(days=9))
    got = [(s.subject, s.opened_bucket) for s in signals.list(limit=50)]
    pair = [b for subject, b in got if subject == "sku_topic:P|5"]
    assert pair and incident <= pair[0] < incident + timedelta(hours=3), got
    assert not any(SALE <= b < SALE + timedelta(days=1) for _s, b in got), got
    assert not any(s.startswith("sku_topic:Q") or s == "sku:Q" for s, _b in got), got
    with store.engine.begin() as conn:
        conn.execute(sa.text("delete from signal_events"))
        conn.execute(sa.text("delete from signals"))
    own = SpikeDetector(signals, replace(detector.cfg, pair_exposure="own"), 3600)
    own.replay(START, START + timedelta(days=9))
    assert not [s for s in signals.list(limit=50) if s.subject == "sku_topic:P|5"]
    # pairs can be given an opening score of their own (VOC_SPIKE_PAIR_OPEN_SCORE): far above this
    # incident's, the pair stays quiet while the rest is judged as before
    strict = SpikeDetector.from_settings(signals, Settings(spike_history_days=7, spike_pair_open_score=60.0), lambda: None)
    assert strict.cfg.pair_open_score == 60.0 and strict.cfg.open_score == 5.0
    with store.engine.begin() as conn:
        conn.execute(sa.text("delete from signal_events"))
        conn.execute(sa.text("delete from signals"))
    strict.replay(START, START + timedelta(days=9))
    again = [(s.subject, s.opened_bucket) for s in signals.list(limit=50)]
    assert [x for x in got if not x[0].startswith("sku_topic:")] == again and again, (got, again)


def test_dense_history_reads_the_same_numbers_as_the_bucket_rows(store_url: str) -> None:
    store = open_store(store_url)
    fill(store, days=3)
    signals = SignalStore(store.engine)
    width = timedelta(hours=1)
    since, length = START + timedelta(hours=5), 40  # starts after the first rows, ends before the last
    keys = ["sku:A", "sku:B", "topic:1", "sku:none"]
    c, n = signals.history_dense(keys, since, length, width)
    rows: dict[str, list] = {}
    with store.engine.connect() as conn:  # the reference: the bucket rows as the column type reads them
        for key, start, cc, nn in conn.execute(
            sa.select(buckets.c.subject, buckets.c.bucket_start, buckets.c.complaints, buckets.c.conversations)
            .where(buckets.c.subject.in_(keys), buckets.c.bucket_start >= since,
                   buckets.c.bucket_start < since + width * length)
        ):
            rows.setdefault(key, []).append((start, cc, nn))
    assert c.shape == n.shape == (4, length) and not n[3].any()
    want_c, want_n = np.zeros((4, length)), np.zeros((4, length))
    for r, key in enumerate(keys):
        for start, cc, nn in rows.get(key, []):
            j = int((start - since) / width)
            want_c[r, j], want_n[r, j] = cc, nn
    np.testing.assert_array_equal(c, want_c)
    np.testing.assert_array_equal(n, want_n)
    assert len(rows["sku:A"]) == length and 0 < len(rows["topic:1"]) < length  # full and gappy histories
    assert n[0].sum() == sum(nn for _, _, nn in rows["sku:A"]) > 0


class _CountingStore(SignalStore):
    """The real store, noting whose whole history each read covers (longer than a window)."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self.history_reads: list[list[str]] = []

    def history_dense(self, subjects: list[str], since: datetime, length: int, width: timedelta):  # noqa: ANN201
        if length > 4:
            self.history_reads.append(list(subjects))
        return super().history_dense(subjects, since, length, width)


def _steady_candidates(store_url: str):  # noqa: ANN202 - a Store
    """Nine days of SKUs A and B, 30 conversations an hour each at a 20 % complaint share: both
    are candidates every hour (about 6 complaints)."""
    store = open_store(store_url)
    rng = random.Random(3)
    store.save_batch([
        analysed_item(f"{sku}-{h}-{k}", [sku], topic=None, complaint=rng.random() < 0.2, at=START + timedelta(hours=h))
        for h in range(9 * 24) for sku in ("A", "B") for k in range(30)
    ])
    return store


def test_a_held_baseline_spares_the_history_read_until_it_expires_and_judges_alike(store_url: str, backend: str, tmp_path: Path) -> None:
    """SKU A is a candidate every hour (about 6 complaints an hour). Its history is read when its
    baseline is estimated, then not until the baseline's lifetime has passed; a replay holding
    baselines for up to a day opens the same signals as one that estimates every bucket."""
    store = _steady_candidates(store_url)
    counting = _CountingStore(store.engine)
    det = SpikeDetector.from_settings(counting, Settings(spike_history_days=7, spike_baseline_refresh_buckets=6), lambda: None)
    first = START + timedelta(days=8)
    life = det.baselines.lifetime("sku:A")
    assert 3 < life <= 6
    read_at = []
    for k in range(life + 2):
        counting.history_reads.clear()
        assert det.judge_bucket(first + timedelta(hours=k)).judged == 2
        if any("sku:A" in keys for keys in counting.history_reads):
            read_at.append(k)
    assert read_at == [0, life], (read_at, life)
    store.close()

    def opened(url: str, refresh: int) -> list[tuple[str, datetime]]:
        s = open_store(url)
        fill(s)
        signals = SignalStore(s.engine)
        cfg = Settings(spike_history_days=7, spike_baseline_refresh_buckets=refresh)
        SpikeDetector.from_settings(signals, cfg, lambda: None).replay(START, START + timedelta(days=12))
        got = sorted((x.subject, x.opened_bucket) for x in signals.list(limit=100))
        s.close()
        return got

    with fresh_database(backend, tmp_path) as one, fresh_database(backend, tmp_path) as two:
        held = opened(one, 24)
        assert opened(two, 1) == held
    assert ("sku:A", SPIKE) in held


def test_prepare_renews_an_expiring_baseline_before_the_pass_with_the_estimate_the_pass_would_make(store_url: str) -> None:
    """With ``prepare`` called after each pass (as the server does), SKU A's history is read once
    by the first pass and then by ``prepare`` for the bucket where its baseline expires, never
    again by a pass; the renewed baseline is the one a detector without ``prepare`` estimates in
    that pass. Nothing is prepared for a bucket that does not follow the last pass, nor with a
    refresh of 1 (every pass estimates)."""
    store = _steady_candidates(store_url)
    counting = _CountingStore(store.engine)
    settings = Settings(spike_history_days=7, spike_baseline_refresh_buckets=6)
    det = SpikeDetector.from_settings(counting, settings, lambda: None)
    plain = SpikeDetector.from_settings(SignalStore(store.engine), settings, lambda: None)
    first = START + timedelta(days=8)
    life = det.baselines.lifetime("sku:A")
    in_pass, in_prepare = [], []
    for k in range(life + 2):
        bucket = first + timedelta(hours=k)
        counting.history_reads.clear()
        result = det.judge_bucket(bucket)
        assert plain.judge_bucket(bucket).judged == result.judged == 2
        if any("sku:A" in keys for keys in counting.history_reads):
            in_pass.append(k)
        counting.history_reads.clear()
        det.prepare(bucket + timedelta(hours=1))
        if any("sku:A" in keys for keys in counting.history_reads):
            in_prepare.append(k + 1)
    assert in_pass == [0] and in_prepare == [life], (in_pass, in_prepare, life)
    renewed_at = first + timedelta(hours=life)
    renewed, estimated = det.baselines.get("sku:A", renewed_at), plain.baselines.get("sku:A", renewed_at)
    assert renewed is not None and estimated is not None
    assert renewed.estimated_for == estimated.estimated_for == renewed_at and renewed.until == estimated.until
    assert (renewed.share, renewed.rho, renewed.exposure) == (estimated.share, estimated.rho, estimated.exposure)
    np.testing.assert_array_equal(renewed.rho_w, estimated.rho_w)
    after = first + timedelta(hours=life + 1)
    assert det.prepare(after + timedelta(hours=5)) == 0  # not the bucket after the last pass
    every = SpikeDetector.from_settings(SignalStore(store.engine), Settings(spike_history_days=7, spike_baseline_refresh_buckets=1), lambda: None)
    every.judge_bucket(after)
    assert every.prepare(after + timedelta(hours=1)) == 0
    store.close()


def test_a_burst_within_the_cooldown_after_a_resolved_signal_opens_none_and_a_later_one_opens(store_url: str) -> None:
    """SKU A (8 % complaints) has an incident of three hours, then a burst of two hours right
    after the signal resolved (within the 6-bucket cooldown, counted from the store's signals),
    then another a day later: two signals, not three. (A burst late in the cooldown can still
    open once the cooldown ends, from a window sum that reaches back into it.)"""
    rng = random.Random(8)
    first = START + timedelta(days=8, hours=2)
    bursts = [(first, 3), (first + timedelta(hours=5), 2), (first + timedelta(hours=30), 2)]
    batch = []
    for h in range(10 * 24):
        at = START + timedelta(hours=h)
        hot = any(b <= at < b + timedelta(hours=k) for b, k in bursts)
        for sku in ("A", "B"):
            share = 0.5 if (sku == "A" and hot) else 0.08
            batch += [analysed_item(f"{sku}-{h}-{k}", [sku], topic=None, complaint=rng.random() < share, at=at) for k in range(30)]
    store = open_store(store_url)
    store.save_batch(batch)
    signals = SignalStore(store.engine)
    SpikeDetector.from_settings(signals, Settings(spike_history_days=7), lambda: None).replay(START, START + timedelta(days=10))
    got = sorted((s.opened_bucket, s.resolved_bucket) for s in signals.list(limit=50) if s.subject == "sku:A")
    assert len(got) == 2, got
    (opened1, resolved1), (opened2, _) = got
    assert first <= opened1 < first + timedelta(hours=3)
    # burst 2 lies inside the cooldown (and its window sums end before the cooldown does)
    assert resolved1 is not None and resolved1 < first + timedelta(hours=5) and first + timedelta(hours=6) <= resolved1 + timedelta(hours=6)
    assert first + timedelta(hours=30) <= opened2 < first + timedelta(hours=32)


def test_evidence_puts_the_least_satisfied_customers_first(store_url: str) -> None:
    """A reviewer opens the first ids of a signal's evidence: the clearest cases of the incident,
    not the alphabetically first. Complaints outside the window or of another SKU are not evidence."""
    store = open_store(store_url)
    at = SPIKE + timedelta(minutes=5)
    sats = {"e-1": -0.2, "e-2": -0.9, "e-3": -0.5, "e-4": -0.95, "e-5": 0.1}
    store.save_batch([analysed_item(cid, ["A"], complaint=True, at=at, mean=m) for cid, m in sats.items()])
    store.save_batch([
        analysed_item("x-other-sku", ["B"], complaint=True, at=at, mean=-1.0),
        analysed_item("x-before", ["A"], complaint=True, at=at - timedelta(hours=2), mean=-1.0),
        analysed_item("x-no-complaint", ["A"], complaint=False, at=at, mean=-1.0),
    ])
    signals = SignalStore(store.engine)
    assert signals.evidence("A", None, SPIKE, SPIKE + timedelta(hours=1)) == ["e-4", "e-2", "e-3", "e-1", "e-5"]
    assert signals.evidence("A", None, SPIKE, SPIKE + timedelta(hours=1), limit=2) == ["e-4", "e-2"]
