"""Issue 5, generated NMI 0.8: how far can a model served by nearest centroid go with this
embedding? The intents' own centroids (an oracle that knows every fit document's intent) assign
the evaluation conversations; a supervised logistic regression on the same embedding shows what
the embedding itself separates; and per seed, the fitted clusters' NMI on the fit documents, the
served (nearest-centroid) NMI on the evaluation ones, and a classifier trained on the cluster labels.
  .venv/bin/python bench/explore/topics_oracle.py"""
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import normalized_mutual_info_score as nmi

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "bench"))
from bench_topics import conversations  # noqa: E402
from voc_service.topics.fit import FitConfig, fit_topics  # noqa: E402
from voc_service.topics.model import OUTLIER  # noqa: E402

docs, texts, intents = conversations(5, 8000)
ev_docs, ev_texts, ev_intents = conversations(6, 4000)
labs = sorted(set(intents))
y = np.array([labs.index(i) for i in intents])
yv = np.array([labs.index(i) for i in ev_intents])
for seed in (1, 2, 3):
    m, lab = fit_topics(docs, texts, FitConfig(seed=seed))
    E, Ev = m.backend.embed(docs, texts), m.backend.embed(ev_docs, ev_texts)
    if seed == 1:  # the embedding is fitted without seeds' clustering: one oracle is enough
        C = np.vstack([E[y == k].mean(0) for k in range(len(labs))])
        C /= np.linalg.norm(C, axis=1, keepdims=True)
        print(f"oracle: nearest intent centroid NMI {nmi(yv, (Ev @ C.T).argmax(1)):.3f}; "
              f"supervised LR NMI {nmi(yv, LogisticRegression(max_iter=2000).fit(E, y).predict(Ev)):.3f}")
    lab = np.array(lab)
    keep = lab != OUTLIER
    served = [a.topic_id for a in m.assign(ev_docs, ev_texts)]
    clf = LogisticRegression(max_iter=2000).fit(E[keep], lab[keep])
    print(f"seed {seed}: clusters on the fit documents NMI {nmi(y[keep], lab[keep]):.3f}; served (nearest "
          f"centroid) {nmi(yv, served):.3f}; LR trained on the cluster labels {nmi(yv, clf.predict(Ev)):.3f}")
