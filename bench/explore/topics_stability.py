"""Issue 5, seed stability: every ordered pair of four seeds (first model with seed a, refit of the
same conversations with seed b and the first model as previous), share of evaluation
conversations on the same topic id; NMI of each first model against the intents. Variants are
FitConfig overrides given as JSON; FIT_SEED / EVAL_SEED choose the generated data (5 / 6: the bench's).
  FIT_SEED=8 EVAL_SEED=9 .venv/bin/python bench/explore/topics_stability.py \\
      '{"base": {}, "r2m04": {"refine_rounds": 2, "merge_similarity": 0.4}}'"""
import json
import os
import sys
import time
from pathlib import Path

from sklearn.metrics import normalized_mutual_info_score as nmi

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "bench"))
from bench_topics import conversations  # noqa: E402
from voc_service.topics.fit import FitConfig, fit_topics  # noqa: E402

FS, ES = int(os.environ.get("FIT_SEED", 5)), int(os.environ.get("EVAL_SEED", 6))
docs, texts, intents = conversations(FS, 8000)
ev_docs, ev_texts, ev_intents = conversations(ES, 4000)
SEEDS = [1, 2, 3, 4]
for name, kw in json.loads(sys.argv[1]).items():
    t0, first, first_nmi, stab = time.time(), {}, {}, {}
    for a in SEEDS:
        first[a], _ = fit_topics(docs, texts, FitConfig(seed=a, **kw))
        first_nmi[a] = round(nmi(ev_intents, [x.topic_id for x in first[a].assign(ev_docs, ev_texts)]), 3)
    for a in SEEDS:
        ids_a = [x.topic_id for x in first[a].assign(ev_docs, ev_texts)]
        for b in SEEDS:
            if b != a:
                again, _ = fit_topics(docs, texts, FitConfig(seed=b, **kw), previous=first[a])
                ids_b = [x.topic_id for x in again.assign(ev_docs, ev_texts)]
                stab[f"{a}>{b}"] = round(sum(x == y for x, y in zip(ids_a, ids_b)) / len(ids_a), 3)
    print(json.dumps({"variant": name, "data": [FS, ES], "nmi_first": first_nmi, "stability": stab,
                      "min": min(stab.values()), "seconds": round(time.time() - t0)}), flush=True)
