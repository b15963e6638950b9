"""The spike detector: causal, traffic-aware, one incident = one signal."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from voc_service.domain import InvalidInput
from voc_service.insights.commands import read_series, run_backtest, season_of, write_rows
from voc_service.insights.spikes import RateHistory, SignalState, SpikeConfig, backtest, judge_rate, step

HOURS = np.arange(24 * 30) % 24


def onsets(result) -> list[int]:
    alert = [r.alert for r in result.rows]
    return [t for t in range(len(alert)) if alert[t] and (t == 0 or not alert[t - 1])]


def test_a_spike_in_counts_opens_one_signal_that_resolves() -> None:
    rng = np.random.default_rng(3)
    x = rng.poisson(6 + 4 * np.sin(HOURS / 24 * 2 * np.pi)).astype(float)
    x[500:505] += 20  # a five-hour incident
    result = backtest(x, SpikeConfig())
    assert result.mode == "count" and onsets(result) == [500]
    assert not result.rows[515].alert  # resolved after the incident


def test_a_sale_day_is_no_spike_but_a_share_rise_is() -> None:
    rng = np.random.default_rng(4)
    n = rng.poisson(1000 + 500 * np.sin(HOURS / 24 * 2 * np.pi)).astype(float)
    n[24 * 20 : 24 * 21] *= 2  # sale day: twice the conversations, same complaint share
    c = rng.binomial(n.astype(int), 0.05).astype(float)
    c[24 * 25 + 10 : 24 * 25 + 13] = rng.binomial(n[24 * 25 + 10 : 24 * 25 + 13].astype(int), 0.08)
    result = backtest(c, SpikeConfig(), totals=n)
    assert result.mode == "rate" and onsets(result) == [24 * 25 + 10]
    # without the traffic, the sale day itself looks like a spike: why rate mode exists
    assert any(24 * 20 <= t < 24 * 21 for t in onsets(backtest(c, SpikeConfig())))


def test_decisions_are_causal() -> None:
    rng = np.random.default_rng(5)
    x = rng.poisson(5, size=24 * 20).astype(float)
    x[300] = 40
    full = backtest(x, SpikeConfig())
    cut = backtest(x[:301], SpikeConfig())  # the future removed: the same verdicts up to 300
    assert [r.alert for r in cut.rows] == [r.alert for r in full.rows[:301]]
    assert [round(r.score, 9) for r in cut.rows] == [round(r.score, 9) for r in full.rows[:301]]


def test_hysteresis_and_cooldown_make_one_signal_of_a_flapping_incident() -> None:
    cfg = SpikeConfig(open_score=5, close_score=2, close_after=2, cooldown=3)
    state = SignalState()
    scores = [6, 1, 6, 1, 6, 1, 1, 9, 9, 9, 9, 1]  # flaps, resolves, then cooldown hides 3 buckets
    events = [step(state, s, 20, 5, "count", cfg) for s in scores]
    assert [i for i, e in enumerate(events) if e == "open"] == [0, 10]  # the flapping is one signal
    assert events.index("resolve") == 6 and events[7:10] == ["", "", ""]  # then 3 buckets of cooldown


def test_small_counts_never_open_even_when_improbable() -> None:
    state = SignalState()
    assert step(state, 50.0, 3, 0.1, "count", SpikeConfig(min_count=5)) == ""
    assert step(state, 50.0, 6, 0.1, "count", SpikeConfig(min_count=5)) == "open"


def test_rate_judgement_shrinks_a_short_history_toward_the_prior() -> None:
    h = RateHistory.of(np.array([[1.0, 0.0]]), np.array([[2.0, 2.0]]))  # 1 complaint in 4: 25 %
    got = judge_rate(h, np.array([2.0]), np.array([10.0]), SpikeConfig(prior_weight=200), prior_share=0.05)
    assert got.expected[0] == pytest.approx(10 * (1 + 200 * 0.05) / (4 + 200))


def test_a_slow_spike_on_a_small_subject_shows_in_its_window_sum() -> None:
    """~3 complaints an hour at 30 %; for four hours 70 %: no single hour is improbable enough,
    three hours together are. The window opens inside the incident, and nowhere else in 30 days."""
    rng = np.random.default_rng(0)
    n = rng.poisson(10 + 5 * np.sin(HOURS / 24 * 2 * np.pi)).astype(float)
    c = rng.binomial(n.astype(int), 0.3).astype(float)
    start = 24 * 25 + 12
    c[start : start + 4] = rng.binomial(n[start : start + 4].astype(int), 0.7)
    assert onsets(backtest(c, SpikeConfig(open_score=4), totals=n)) == []
    found = onsets(backtest(c, SpikeConfig(open_score=4, windows=(1, 3)), totals=n))
    assert len(found) == 1 and start <= found[0] < start + 4


def test_window_sums_and_their_expectation() -> None:
    h = RateHistory.of(np.full((1, 100), 2.0), np.full((1, 100), 10.0))  # 20 % share, steady
    h.c[0, -2:] = 6.0  # the last two buckets already high
    got = judge_rate(h, np.array([6.0]), np.array([10.0]), SpikeConfig(windows=(1, 3)))
    score, observed, expected, window = got.opening(np.array([6.0]))
    assert window[0] == 3 and observed[0] == 18.0 and expected[0] == pytest.approx(6.0)
    assert score[0] > got.score[0]  # three high buckets are less likely than one
    alone = judge_rate(h, np.array([6.0]), np.array([10.0]), SpikeConfig())
    # with windows the newest buckets stay out of the share: a rise does not raise its own baseline
    assert got.expected[0] == pytest.approx(2.0) and alone.window is None and alone.expected[0] > 2.05


def test_cli_series_round_trip_and_errors() -> None:
    text = "timestamp,value,total\n" + "".join(f"2026-11-0{1 + i // 24} {i % 24:02d}:00:00,{i % 3},{10}\n" for i in range(48))
    series = read_series(io.StringIO(text), "value", "total", "timestamp")
    assert season_of(series.seconds) == 24 and series.totals == [10.0] * 48
    result, cfg = run_backtest(series, {}, None)
    assert result.mode == "rate" and cfg.season == 24
    out = io.StringIO()
    write_rows(out, series, result)
    lines = out.getvalue().splitlines()
    assert lines[0] == "timestamp,value,expected,score,alert" and len(lines) == 49
    with pytest.raises(InvalidInput, match="column total"):
        read_series(io.StringIO("timestamp,value\n1,2\n"), "value", "total", "timestamp")
    with pytest.raises(InvalidInput, match="line 3"):
        read_series(io.StringIO("timestamp,value\n1,2\n2,abc\n"), "value", None, "timestamp")
    assert read_series(io.StringIO("timestamp,value\n5,2\n2,3\n"), "value", None, "timestamp").backwards == 1
    with pytest.raises(InvalidInput, match="line 2: total"):
        read_series(io.StringIO("timestamp,value,total\n1,5,3\n"), "value", "total", "timestamp")


def test_the_backtest_judges_with_the_services_windows() -> None:
    from voc_service.config import Settings
    from voc_service.insights.commands import DEFAULT_WINDOWS

    assert list(DEFAULT_WINDOWS) == Settings().spike_windows
    with pytest.raises(ValueError, match="SPIKE_WINDOWS"):
        Settings(spike_windows=[0, 3])


def test_beta_binomial_tail_is_exact_also_where_scipy_sf_cancels() -> None:
    """The direct tail sum against a term-by-term sum of scipy's log-pmf: equal to 1e-9 in log
    space, in ordinary tails and in deep ones, where ``betabinom.sf`` (1 - CDF) loses every digit
    (919 complaints out of 919 conversations at a 56 % share: score 87, where scipy's sf gives
    under 20). The spike pass depends on these scores; they are its evidence."""
    from scipy import stats

    from voc_service.insights.spikes import _beta_binomial_score, _betabinom_tail

    rng = np.random.default_rng(5)
    n = rng.integers(1, 1000, 400).astype(float)
    x = np.minimum(np.round(rng.uniform(-0.1, 1.05, 400) * n), n)
    p, rho = rng.uniform(0.02, 0.8, 400), rng.uniform(1e-3, 0.3, 400)
    a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
    got = _betabinom_tail(x, n, a, b)
    for i in range(400):
        ks = np.arange(max(x[i], 0), n[i] + 1)
        want = float(np.logaddexp.reduce(stats.betabinom.logpmf(ks, n[i], a[i], b[i]))) if x[i] > 0 else 0.0
        assert got[i] == pytest.approx(want, abs=1e-9), (n[i], x[i], p[i], rho[i])
    deep = _beta_binomial_score(np.array([919.0]), np.array([919.0]), np.array([0.557]), np.array([0.0038]))
    sc = (1 - 0.0038) / 0.0038
    want = -float(stats.betabinom.logpmf(919, 919, 0.557 * sc, 0.443 * sc)) / np.log(10)
    assert deep[0] == pytest.approx(want, abs=1e-6) and deep[0] > 80
    assert -stats.betabinom.logsf(918, 919, 0.557 * sc, 0.443 * sc) / np.log(10) < 20  # what scipy says
    # subjects too big for the direct sum keep scipy's path, with the same answer where both hold
    big = _beta_binomial_score(np.array([700.0]), np.array([2000.0]), np.array([0.3]), np.array([0.01]))
    direct = -_betabinom_tail(np.array([700.0]), np.array([2000.0]), np.array([0.3 * 99]), np.array([0.7 * 99])) / np.log(10)
    assert big[0] == pytest.approx(direct[0], abs=1e-6) and big[0] > 0.5


def test_own_hour_factors_follow_a_subject_that_peaks_at_night_and_spare_thin_ones() -> None:
    from voc_service.insights.spikes import own_hour_factors

    L, per_day = 24 * 14, 24
    phase = np.arange(L) % per_day
    n = np.full((2, L), 1000.0)
    c = np.zeros((2, L))
    c[0] = np.where(phase < 4, 90.0, 30.0)  # busy topic: three times its rate from 00:00 to 04:00
    c[1, ::50] = 1.0  # thin: a complaint every two days
    base = np.ones(L)
    f, now = own_hour_factors(c, n, base, 1.0, phase, 2)
    assert f[0, 2] / f[0, 12] == pytest.approx(3.0, rel=0.1) and now[0] == pytest.approx(f[0, 2])
    assert np.all(np.abs(f[1] - 1.0) < 0.05)  # seven complaints in two weeks: everyone's profile


def _topic_signals(
    tmp_path, days: int, night: Callable[[int], float], history_days: float, rng: np.random.Generator  # noqa: ANN001
) -> tuple[list[datetime], datetime]:
    """Replay a topic of late follow-ups (7) among everyone's steady traffic (100 conversations an
    hour, 5 % complaints about topic 2) for ``days`` days from 00:00 Beijing: by night (00:00-05:00
    Beijing) ``night(day)`` complaints an hour, by day Poisson(4), five times that for two hours
    from 15:00 Beijing on the last day (the jump). Returns topic 7's opening buckets and the jump."""
    from conftest import analysed_item

    from voc_service.config import Settings
    from voc_service.insights.detection import SpikeDetector
    from voc_service.store import open_store
    from voc_service.store.signals import SignalStore

    start = datetime(2026, 11, 1, 16, tzinfo=UTC)  # 00:00 Beijing
    jump = start + timedelta(days=days - 1, hours=15)
    batch = []
    for h in range(days * 24):
        at = start + timedelta(hours=h)
        for k in range(100):
            batch.append(analysed_item(f"o-{h}-{k}", [f"S{k % 10}"], topic=2, complaint=k < 5, at=at))
        count = night(h // 24) if h % 24 < 5 else rng.poisson(4 * (5 if jump <= at < jump + timedelta(hours=2) else 1))
        for k in range(int(count)):
            batch.append(analysed_item(f"t-{h}-{k}", [f"S{k % 10}"], topic=7, complaint=True, at=at))
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    store.save_batch(batch)
    signals = SignalStore(store.engine)
    detector = SpikeDetector.from_settings(signals, Settings(spike_history_days=history_days), lambda: None)
    detector.replay(start, start + timedelta(days=days))
    return [s.opened_bucket for s in signals.list(limit=50) if s.subject == "topic:7"], jump


def test_a_topic_that_always_peaks_at_night_is_no_spike_but_its_afternoon_jump_is(tmp_path) -> None:  # noqa: ANN001
    """Against everyone's traffic, a topic of late follow-ups has three times its daytime rate
    every night: its own time-of-day profile expects that (everyone's profile, flat here, would
    open a signal every night); five times its rate for two afternoon hours is a spike."""
    rng = np.random.default_rng(8)
    opened, jump = _topic_signals(tmp_path, 10, lambda _day: float(rng.poisson(12)), history_days=7, rng=rng)
    assert opened and all(jump <= b < jump + timedelta(hours=2) for b in opened), opened


def test_a_topic_whose_nights_vary_is_judged_with_the_nights_noise_and_its_afternoon_jump_still_opens(tmp_path) -> None:  # noqa: ANN001
    """A topic of follow-ups on broken promises: its rate by night swings from one night to the
    next (0.6 to 1.7 times its usual 12 an hour: how many promises fell due), by day it is a steady
    4. One over-dispersion pooled over all hours is dominated by the steady, busy day and calls
    a busy night a spike; measured at the judged time of day (``phase_noise``) the nights are
    known to be noisy, and five times the daytime rate for two afternoon hours still opens."""
    from voc_service.insights.spikes import phase_noise, rate_baseline

    rng = np.random.default_rng(3)
    nights = np.tile([1.7, 0.6, 1.0, 1.4, 0.8], 3)  # rate by night relative to usual
    opened, jump = _topic_signals(tmp_path, 13, lambda day: float(rng.poisson(12 * nights[day])), history_days=10, rng=rng)
    assert opened and all(jump <= b < jump + timedelta(hours=2) for b in opened), opened

    # the measure itself: on the nights' columns it sees their swing, pooled over the day it does not
    L = 24 * 10
    phase = np.arange(L) % 24
    n = np.full((1, L), 1000.0)
    c = np.where(phase < 5, 12.0 * np.repeat(nights[:10], 24), 4.0)[None, :]
    h = RateHistory(c, n, np.where(phase < 5, 3.0, 1.0), np.zeros((1, L), dtype=bool))
    cfg = SpikeConfig(windows=(1, 2))
    base = rate_baseline(h, cfg)
    night = phase_noise(h, base, cfg, np.array([0]), phase, 0)  # 23:00-01:00
    day = phase_noise(h, base, cfg, np.array([0]), phase, 12)  # 11:00-13:00
    assert base.rho[0] == 0.0 and night.rho[0] > 5e-4 and day.rho[0] == 0.0  # (5e-4: twice binomial variance)
    assert night.rho_w[2] is not None and night.rho_w[2][0] > 5e-4
    assert (night.buckets[0], day.buckets[0]) == (29, 30)  # the newest bucket is the window's, not history
