"""Exploration (issue 6, index line): how robust is the resampled Spearman, and would other index
weights or a negative-share component rank categories better? Not a bench of the service: it
analyses up to 1,200 negative and 1,200 positive reviews per category once (default pipeline),
then draws 300 random assignments of the shares 5 %..50 % to the ten categories (200 reviews per
category per half, 400 on all) and ranks categories by the index formula from the per-review
complaint flag, customer mean sentiment and QA flag.

    .venv/bin/python bench/explore/index_weights.py [--cache /tmp/idx_reviews2.json]

The weights 0.2 / 0.2 / 0.4 / 0.2 of the index (complaints, sentiment, unhappy share, QA) were
chosen on half 0 and confirmed on half 1 from this output (docs/benchmarks.md).
"""
import argparse
import csv
import hashlib
import json
import random
import statistics
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import shared_file  # noqa: E402


def analyse(cache: Path) -> list:
    if cache.exists():
        return json.loads(cache.read_text())
    from voc_service.config import Settings
    from voc_service.domain import Conversation, Role, Turn
    from voc_service.pipeline import Pipeline
    from voc_service.text.normalize import normalize

    t0 = datetime(2026, 11, 1, 4, tzinfo=UTC)
    rows = []
    with shared_file("reviews/online_shopping_10_cats.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            t = normalize(r["review"] or "")
            if t:
                rows.append((t, r["cat"], int(r["label"])))
    rows.sort(key=lambda r: hashlib.md5(("voc-index-x" + r[0]).encode()).hexdigest())
    taken: dict = defaultdict(int)
    keep = []
    for t, c, label in rows:
        if taken[(c, label)] < 1200:
            taken[(c, label)] += 1
            keep.append((t, c, label))
    p = Pipeline.from_settings(Settings())
    out = []
    for k in range(0, len(keep), 256):
        chunk = keep[k : k + 256]
        convs = [Conversation(f"r{k + i}", [Turn(Role.CUSTOMER, t, t0)], sku_ids=[c], started_at=t0) for i, (t, c, _l) in enumerate(chunk)]
        for (t, c, label), res in zip(chunk, p.process(convs, persist=False), strict=True):
            a = res.analysis
            half = int(hashlib.md5(("voc-index-half" + t).encode()).hexdigest(), 16) % 2
            neg = sum(1 for t in a.turns if t.sentiment is not None and t.sentiment.label.value == "negative")
            out.append([c, label, int(a.sentiment.complaint), a.sentiment.customer_mean, int(a.quality.flagged), half, neg])
    cache.write_text(json.dumps(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path("/tmp/idx_reviews2.json"))
    args = ap.parse_args()
    R = analyse(args.cache)
    cats = sorted({r[0] for r in R})

    def pools(half):
        P: dict = {}
        for c, label, comp, mean, fl, h, neg in R:
            if half is None or h == half:
                P.setdefault((c, label), []).append((comp, mean, fl, neg))
        return P

    def run(P, f, trials=300, n=200, seed=0):
        rng = random.Random(seed)
        rhos = []
        for _ in range(trials):
            shares = [0.05 * (i + 1) for i in range(10)]
            rng.shuffle(shares)
            idx, truth = [], []
            for c, s in zip(cats, shares, strict=True):
                nn = min(round(n * s), len(P[(c, 0)]))
                rows = rng.sample(P[(c, 0)], nn) + rng.sample(P[(c, 1)], n - nn)
                idx.append(f(rows))
                truth.append(-nn / n)
            rhos.append(spearmanr(idx, truth).statistic)
        return statistics.median(rhos), float(np.mean(rhos)), float(np.mean(np.array(rhos) >= 0.9))

    def weights(wc, ws, wq):
        return lambda rows: (wc * (1 - np.mean([r[0] for r in rows])) + ws * (1 + np.mean([r[1] for r in rows])) / 2
                             + wq * (1 - np.mean([r[2] for r in rows])))

    variants = {f"index weights {w}": weights(*w) for w in [(0.5, 0.3, 0.2), (1, 0, 0), (0, 1, 0), (0.3, 0.5, 0.2), (0.5, 0.5, 0)]}
    variants["share of customer score < -0.3"] = lambda rows: -np.mean([r[1] < -0.3 for r in rows])
    variants["share of customer score < 0"] = lambda rows: -np.mean([r[1] < 0 for r in rows])
    def with_negative(wc, ws, wn, wq, thr=-0.3):
        return lambda rows: (wc * (1 - np.mean([r[0] for r in rows])) + ws * (1 + np.mean([r[1] for r in rows])) / 2
                             + wn * (1 - np.mean([r[1] <= thr for r in rows])) + wq * (1 - np.mean([r[2] for r in rows])))

    variants["share of NEGATIVE-labelled turns"] = lambda rows: -np.mean([r[3] for r in rows])
    for w in [(0.3, 0.2, 0.3, 0.2), (0.25, 0.25, 0.3, 0.2), (0.2, 0.2, 0.4, 0.2), (0.3, 0.1, 0.4, 0.2), (0.35, 0.15, 0.35, 0.15), (0.4, 0.2, 0.3, 0.1), (0.2, 0.1, 0.5, 0.2), (0.3, 0.0, 0.5, 0.2), (0.2, 0.0, 0.6, 0.2), (0.25, 0.15, 0.45, 0.15)]:
        variants[f"with negative share {w}"] = with_negative(*w)
    for half, n in ((0, 200), (1, 200), (None, 400)):
        P = pools(half)
        print(f"half {half}:")
        for name, f in variants.items():
            print(f"  {name:<36} median %.3f mean %.3f share of draws >= 0.9: %.2f" % run(P, f, n=n))


if __name__ == "__main__":
    main()
