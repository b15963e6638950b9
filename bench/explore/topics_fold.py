"""Issue 5, seed stability: refits with FitConfig.fold_similarity (splits of an old topic fold back
into its main cluster) against none, on the bench's generated conversations; plus the bench's
new-intent refit (exactly one "new" topic wanted). Every pair: fit with seed a, refit with seed b
and previous = the first; stability = share of the evaluation conversations on the same id.
  .venv/bin/python bench/explore/topics_fold.py [--variants none 0.0 0.5 0.7]"""
import argparse, json, logging, sys, time
from collections import Counter
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "bench"))
from bench_topics import assigned_nmi, conversations  # noqa: E402
from voc_service.topics.fit import FitConfig, fit_topics  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--variants", nargs="+", default=["none", "0.0", "0.5", "0.7"])
ap.add_argument("--pairs", nargs="+", default=["1:2", "1:3", "2:3"])
a = ap.parse_args()
logging.basicConfig(level=logging.INFO, format="%(message)s")
logging.getLogger("bertopic").setLevel(logging.WARNING)
docs, texts, intents = conversations(5, 8000)
ev_docs, ev_texts, ev_intents = conversations(6, 4000)
n_docs, n_texts, n_intents = conversations(7, 8000, new_from=1.0)
half = len(n_docs) // 2
firsts = {}
for s in sorted({int(p.split(":")[0]) for p in a.pairs}):
    t0 = time.time()
    firsts[s] = fit_topics(docs, texts, FitConfig(seed=s))[0]
    print(f"fit seed {s}: {len(firsts[s].topics)} topics, {time.time() - t0:.0f}s", flush=True)
before = fit_topics(n_docs[:half], n_texts[:half], FitConfig(seed=1))[0]
for v in a.variants:
    fold = None if v == "none" else float(v)
    res = {"fold_similarity": fold, "pairs": {}}
    for p in a.pairs:
        s1, s2 = (int(x) for x in p.split(":"))
        again, _ = fit_topics(docs, texts, FitConfig(seed=s2, fold_similarity=fold), previous=firsts[s1])
        x = [z.topic_id for z in firsts[s1].assign(ev_docs, ev_texts)]
        y = [z.topic_id for z in again.assign(ev_docs, ev_texts)]
        nmi, out = assigned_nmi(again, ev_docs, ev_texts, ev_intents)
        res["pairs"][p] = {"stable": round(sum(i == j for i, j in zip(x, y)) / len(x), 4), "topics": len(again.topics),
                           "nmi": round(nmi, 3), "lineage": dict(Counter(l.kind for l in again.lineage))}
    after, labels = fit_topics(n_docs, n_texts, FitConfig(seed=1, fold_similarity=fold), previous=before)
    new_ids = [x.topic_id for x in after.lineage if x.kind == "new"]
    res["new_intent"] = [{"id": t.id, "label": t.label,
                          "intents": Counter(i for i, l in zip(n_intents, labels) if l == t.id).most_common(2)}
                         for t in after.topics if t.id in new_ids]
    print(json.dumps(res, ensure_ascii=False), flush=True)
