"""Exploration (issue 6, recall line): could ANY detector find the injected spikes of the
generated bench at its false-alarm budget? An oracle that knows each subject's true baseline
exactly (no estimation error, no over-dispersion), judges SKUs on their complaint share (the
injected complaints add conversations too) and topics / pairs against fixed exposure, and tests each event's whole span and its
peak hour, with the complaints binomial around that baseline (share 0.352, the data's). Its
threshold is the detector's open score (5) or the one the budget allows an oracle (about 5.7:
1 false signal per 1,000 SKU-days over roughly 2e7 subject x bucket x window tests). Expected
recall = mean detection probability over the events of the last `bench_spikes_generated.py` run.

    .venv/bin/python bench/explore/spike_oracle.py [bench/out/spikes_generated.json]

Baselines are the events' `base_per_hour` (mean complaints a bucket over the week before),
scaled by the generator's hour-of-day traffic weights over the span (bucket index hours; the
alignment to Beijing time is approximate).
"""
import json
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from voc_service.synth.traffic import HOUR_WEIGHT

SHARE = 0.352


def p_detect(lam: float, k: int, score: float) -> float:
    """P(baseline + k >= the count whose null tail is 10^-score), baseline ~ Bin(lam / SHARE, SHARE)."""
    n = max(1, round(lam / SHARE))
    critical = stats.binom.isf(10**-score, n, SHARE) + 1
    return float(stats.binom.sf(critical - 1 - k, n, SHARE))


def p_detect_share(lam: float, k: int, score: float) -> float:
    """The same when the k injected complaints also add k conversations to the subject's own
    traffic (a SKU judged on its complaint SHARE, as the sale-day rule requires)."""
    n = max(1, round(lam / SHARE))
    critical = stats.binom.isf(10**-score, n + k, SHARE) + 1
    return float(stats.binom.sf(critical - 1 - k, n, SHARE))


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "out" / "spikes_generated.json")
    events = json.loads(path.read_text())["data"]["report"]["events"]
    weight = np.array(HOUR_WEIGHT) / np.mean(HOUR_WEIGHT)
    for score in (5.0, 5.7):
        for tier in ("head", "tail"):
            chosen = [e for e in events if e["tier"] == tier]
            probs, by_kind = [], {}
            for e in chosen:
                hours = [(e["start"] + i) % 24 for i in range(e["hours"])]
                span = sum(e["base_per_hour"] * weight[h] for h in hours)
                peak = max(e["base_per_hour"] * weight[h] for h in hours)
                test = p_detect_share if e["kind"] == "sku" else p_detect  # topics and pairs: exposure fixed
                p = max(test(span, e["injected"], score), test(peak, e["injected_peak"], score))
                probs.append(p)
                by_kind.setdefault(e["kind"], []).append(p)
            kinds = ", ".join(f"{k} {sum(v):.1f}/{len(v)}" for k, v in by_kind.items())
            print(f"threshold {score}: {tier} events, oracle expected recall {np.mean(probs):.3f} ({kinds})")


if __name__ == "__main__":
    main()
