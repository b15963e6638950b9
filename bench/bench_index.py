"""SKU experience index on real reviews (issue 6): online_shopping_10_cats, each review a one-turn
conversation, each category a SKU.

1. Ranking: the index of the 10 categories against their true negative share (the data set's
   labels, never seen by the service): Spearman >= 0.9 wanted (higher index = fewer negatives).
   Eight of the ten categories have a negative share of 50 % +- 1.5 points, so their true order
   is sampling noise: the bench also reports how well the true order of one half of the sample
   predicts the other half's (the ceiling of any index), and
1b. the same with the reviews resampled so that each category has a distinct negative share
   (5 % to 50 %, 400 reviews each, assignment fixed by a seed): whether the index ranks
   categories by how negative their customers really are;
1c. one seeded assignment is one draw: --draws more random assignments, each stored in a fresh
   store and ranked by the service's SkuExperience (reviews analysed once, re-stored per draw);
   median, mean and share of draws >= 0.9.
2. Shrinkage: the same reviews split into SKUs of 2, 5, 20 and 200 reviews (each inside one
   category, category given as attributes["category"]); where do the 2-review SKUs land in the
   ranking with shrinkage (VOC_INDEX_PRIOR_CONVERSATIONS=20) and without (0)?

Reviews: a fixed sample (md5("voc-index-v1" + text) order, --per-category per category), run
through the default pipeline and stored exactly as ingest stores them.

    .venv/bin/python bench/bench_index.py --per-category 1500
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import record, shared_file
from scipy.stats import spearmanr

from voc_service.config import Settings
from voc_service.domain import Conversation, Role, Turn
from voc_service.insights.experience import SkuExperience
from voc_service.insights.index import IndexConfig
from voc_service.launcher import sqlite_url
from voc_service.pipeline import Pipeline
from voc_service.store import open_store
from voc_service.store.insights import InsightsStore
from voc_service.text.normalize import normalize

T0 = datetime(2026, 11, 1, 4, tzinfo=UTC)
SIZES = (2, 5, 20, 200)


def sample(per_category: int) -> list[tuple[str, str, int]]:
    rows = []
    with shared_file("reviews/online_shopping_10_cats.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            text = normalize(r["review"] or "")
            if text:
                rows.append((text, r["cat"], int(r["label"])))
    rows.sort(key=lambda r: hashlib.md5(("voc-index-v1" + r[0]).encode()).hexdigest())
    taken: dict[str, int] = defaultdict(int)
    out = []
    for text, cat, label in rows:
        if taken[cat] < per_category:
            taken[cat] += 1
            out.append((text, cat, label))
    return out


def store_reviews(rows: list, skus: list[str], tmp: Path, name: str) -> InsightsStore:
    store = open_store(sqlite_url(tmp / f"{name}.db"), sqlite_synchronous="OFF")
    pipeline = Pipeline.from_settings(Settings(), store)
    convs = [
        Conversation(f"r{i}", [Turn(Role.CUSTOMER, text, T0 + timedelta(seconds=i))], sku_ids=[sku],
                     started_at=T0 + timedelta(seconds=i), attributes={"category": cat})
        for i, ((text, cat, _), sku) in enumerate(zip(rows, skus, strict=True))
    ]
    for k in range(0, len(convs), 256):
        pipeline.process(convs[k : k + 256], persist=True)
    return InsightsStore(store.engine)


def draws(pools: dict, cats: list[str], n_draws: int, tmp: Path, since: datetime, until: datetime) -> dict:
    """1c: many random assignments of the shares 5 %..50 % to the categories (400 reviews each,
    drawn at random from the category's pools), each stored in a fresh store exactly as ingest
    stores it and ranked by the service's SkuExperience."""
    import random

    per_label = {k: v[:1200] for k, v in pools.items()}  # a draw takes <= 200 negatives, <= 380 positives
    pipeline = Pipeline.from_settings(Settings())
    analysed: dict[tuple[str, int], list] = {}
    for key, rows in per_label.items():
        convs = [Conversation(f"{key[0]}-{key[1]}-{i}", [Turn(Role.CUSTOMER, text, T0)], sku_ids=[key[0]], started_at=T0,
                              attributes={"category": key[0]}) for i, (text, _c, _l) in enumerate(rows)]
        analysed[key] = [(c, r.analysis) for c, r in zip(convs, pipeline.process(convs, persist=False), strict=True)]
    rng = random.Random(0)
    rhos, before = [], []
    old = IndexConfig(weight_complaints=0.5, weight_sentiment=0.3, weight_negative=0.0, weight_quality=0.2)
    for d in range(n_draws):
        shares = [0.05 * (i + 1) for i in range(10)]
        rng.shuffle(shares)
        items, truth = [], {}
        for cat, share in zip(cats, shares, strict=True):
            n_neg = min(round(400 * share), len(analysed[(cat, 0)]))
            items += rng.sample(analysed[(cat, 0)], n_neg) + rng.sample(analysed[(cat, 1)], 400 - n_neg)
            truth[cat] = n_neg / 400
        store = open_store(sqlite_url(tmp / f"draw{d}.db"), sqlite_synchronous="OFF")
        for k in range(0, len(items), 512):
            store.save_batch([(_stored(c, a), a) for c, a in items[k : k + 512]])
        for cfg, got in ((IndexConfig(), rhos), (old, before)):
            views = SkuExperience(InsightsStore(store.engine), cfg).ranked(since, until, None, 1, best_first=True)
            got.append(spearmanr([v.index for v in views], [-truth[v.sku_id] for v in views]).statistic)
        store.close()
    out = {}
    for name, got in (("index", rhos), ("before_0007_weights_0.5_0.3_0_0.2", before)):
        out[name] = {"draws": n_draws, "median": statistics.median(got), "mean": statistics.fmean(got),
                     "share_at_least_0_9": sum(r >= 0.9 for r in got) / n_draws, "spearman": got}
        print(f"{n_draws} random share assignments through the store, {name}: Spearman median "
              f"{out[name]['median']:.3f}, mean {out[name]['mean']:.3f}, >= 0.9 in {out[name]['share_at_least_0_9']:.0%} of draws")
    return out


def _stored(conv: Conversation, analysis) -> Conversation:  # noqa: ANN001
    """The conversation as ingest stores it: its redacted text."""
    return Conversation(conv.conversation_id, [Turn(Role.CUSTOMER, analysis.turns[0].text, T0)], sku_ids=conv.sku_ids,
                        started_at=T0, attributes=conv.attributes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-category", type=int, default=1500)
    ap.add_argument("--draws", type=int, default=40, help="random share assignments for 1c (0: skip)")
    args = ap.parse_args()
    rows = sample(args.per_category)
    since, until = T0 - timedelta(days=1), T0 + timedelta(days=3)
    result: dict = {"reviews": len(rows)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        insights = store_reviews(rows, [cat for _, cat, _ in rows], tmp, "categories")
        store_s = time.perf_counter() - t0
        neg: dict[str, list[int]] = defaultdict(list)
        for _, cat, label in rows:
            neg[cat].append(1 - label)
        views = SkuExperience(insights, IndexConfig()).ranked(since, until, None, 1, best_first=True)
        truth = {c: statistics.mean(v) for c, v in neg.items()}
        rho = spearmanr([v.index for v in views], [-truth[v.sku_id] for v in views]).statistic
        print(f"{len(rows)} reviews analysed and stored in {store_s:.0f}s; categories as SKUs, best first:")
        print(f"  {'category':<6} {'index':>6} {'interval':>13} {'complaints':>10} {'true negative share':>20}")
        for v in views:
            print(f"  {v.sku_id:<6} {v.index:6.1f} [{v.low:5.1f}, {v.high:5.1f}] {v.raw_complaint_share:10.1%} {truth[v.sku_id]:20.1%}")
        print(f"Spearman(index, -true negative share) = {rho:.3f} (target >= 0.9)")
        halves = [defaultdict(list), defaultdict(list)]
        for text, cat, label in rows:
            halves[int(hashlib.md5(("voc-index-half" + text).encode()).hexdigest(), 16) % 2][cat].append(1 - label)
        cats = sorted(truth)
        ceiling = spearmanr([statistics.mean(halves[0][c]) for c in cats], [statistics.mean(halves[1][c]) for c in cats]).statistic
        print(f"  ceiling: the true order of one half of these reviews against the other half's: Spearman {ceiling:.3f}")
        result["categories_ceiling"] = ceiling
        result["categories"] = {
            "spearman": rho,
            "ranking": [{"sku": v.sku_id, "index": v.index, "low": v.low, "high": v.high,
                         "complaint_share": v.raw_complaint_share, "true_negative_share": truth[v.sku_id]} for v in views],
        }
        # 1b: distinct negative shares per category, resampled from the real reviews
        pools: dict[tuple[str, int], list] = defaultdict(list)
        for r in sample(100000):
            pools[(r[1], r[2])].append(r)
        import random

        shares = [0.05 * (i + 1) for i in range(10)]
        random.Random(3).shuffle(shares)
        resampled = []
        for cat, share in zip(sorted(truth), shares, strict=True):
            # 400 reviews each (热水器 has only 575 in all): as close to the share as the pools allow
            n_neg = min(round(400 * share), len(pools[(cat, 0)]))
            resampled += pools[(cat, 0)][:n_neg] + pools[(cat, 1)][: 400 - n_neg]
        insights_b = store_reviews(resampled, [cat for _, cat, _ in resampled], tmp, "resampled")
        got_neg: dict[str, list[int]] = defaultdict(list)
        for _, cat, label in resampled:
            got_neg[cat].append(1 - label)
        target = {c: statistics.mean(v) for c, v in got_neg.items()}
        views_b = SkuExperience(insights_b, IndexConfig()).ranked(since, until, None, 1, best_first=True)
        rho_b = spearmanr([v.index for v in views_b], [-target[v.sku_id] for v in views_b]).statistic
        print("resampled to distinct negative shares (400 reviews each): " + ", ".join(
            f"{v.sku_id} {v.index:.1f} ({target[v.sku_id]:.0%})" for v in views_b))
        print(f"Spearman(index, -negative share) = {rho_b:.3f} (target >= 0.9)")
        result["resampled"] = {"spearman": rho_b, "ranking": [{"sku": v.sku_id, "index": v.index, "negative_share": target[v.sku_id]} for v in views_b]}
        if args.draws:
            result["draws"] = draws(pools, sorted(truth), args.draws, tmp, since, until)
        # shrinkage: SKUs of 2 / 5 / 20 / 200 reviews inside each category
        skus, counters = [], defaultdict(int)
        for _, cat, _ in rows:
            k = counters[cat]
            counters[cat] += 1
            # per category: 10 SKUs of 2, 6 of 5, 4 of 20, then SKUs of 200
            bounds = [(10, 2), (6, 5), (4, 20)]
            pos, name = k, None
            for n_skus, size in bounds:
                if pos < n_skus * size:
                    name = f"{cat}-{size}-{pos // size}"
                    break
                pos -= n_skus * size
            skus.append(name or f"{cat}-200-{pos // 200}")
        sized = store_reviews(rows, skus, tmp, "sized")
        out = {}
        for label, prior, bounds in (("shrunk, ranked by interval bounds", 20.0, True),
                                     ("shrunk, ranked by the index itself", 20.0, False),
                                     ("raw (no shrinkage), by the index", 0.0, False)):
            reader = SkuExperience(sized, IndexConfig(prior_conversations=prior))
            views_s = reader.ranked(since, until, None, 1, False)
            if bounds:
                worst, best = views_s, reader.ranked(since, until, None, 1, True)
            else:
                worst = sorted(views_s, key=lambda v: (v.index, v.sku_id))
                best = worst[::-1]
            n = len(views_s)
            decile = max(1, n // 10)
            tiny = {v.sku_id for v in views_s if v.sku_id.split("-")[1] == "2"}
            extremes = len(tiny & ({v.sku_id for v in worst[:decile]} | {v.sku_id for v in best[:decile]}))
            per_size = {}
            for size in SIZES:
                group = [v for v in views_s if v.sku_id.split("-")[1] == str(size)]
                per_size[size] = spearmanr([v.index for v in group], [-truth[v.category] for v in group]).statistic
            out[label] = {
                "skus": n, "tiny_skus": len(tiny), "tiny_in_top_or_bottom_decile": extremes,
                "worst_10_sizes": [v.conversations for v in worst[:10]], "best_10_sizes": [v.conversations for v in best[:10]],
                "spearman_vs_category_truth_by_size": per_size,
            }
            print(f"{label}: {n} SKUs; {extremes} of {len(tiny)} two-review SKUs in the best or worst decile; "
                  f"sizes of the 10 worst {[v.conversations for v in worst[:10]]}, 10 best {[v.conversations for v in best[:10]]}")
        result["shrinkage"] = out
    print(f"wrote {record('index', result)}")


if __name__ == "__main__":
    main()
