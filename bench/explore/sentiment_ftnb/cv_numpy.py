"""The product's learners (voc_service/sentiment/train.py, numpy only) on the explore CV folds:
fit on the fold's train rows minus the inner 10 %, epochs chosen on the inner 10 %, scored on the
validation fold with raw > 0 (as nn_ft.py). Needs prep.py's corpus.json.
  cv_numpy.py --fold 0 --learner factorised [--seeds 1] [--epochs 4] [--dim 64] [--limit N]"""
import argparse, json, time
from common import *  # noqa: F403
from feats import inner_holdout
from voc_service.sentiment.factorised import FactorisedConfig
from voc_service.sentiment.train import TrainConfig, _fit_once

ap = argparse.ArgumentParser()
ap.add_argument("--fold", type=int, default=0); ap.add_argument("--learner", default="factorised")
ap.add_argument("--seeds", type=int, default=1); ap.add_argument("--epochs", type=int, default=4)
ap.add_argument("--dim", type=int, default=64); ap.add_argument("--drop", type=float, default=0.3)
ap.add_argument("--elr", type=float, default=3e-4); ap.add_argument("--batch", type=int, default=64)
ap.add_argument("--limit", type=int, default=0, help="train on N random fit rows only (learning curve)")
a = ap.parse_args()
tr, va = split(a.fold)
hold = [inner_holdout(t) for t in tr.texts]
fit, inner = tr.subset([not h for h in hold]), tr.subset(hold)
if a.limit:
    keep = set(np.random.default_rng(0).permutation(len(fit))[: a.limit].tolist())  # the file is sorted by category
    fit = fit.subset([i in keep for i in range(len(fit))])
cfg = TrainConfig(learner=a.learner, factorised=FactorisedConfig(dim=a.dim, epochs=a.epochs, seeds=a.seeds,
                                                                 dropout=a.drop, embed_lr=a.elr, batch=a.batch))
t0 = time.time()
m = _fit_once("cv", fit, lexicon(), cfg, monitor=inner)
secs = time.time() - t0
items = list(zip(va.tokens, va.texts))
raw = m.raw_scores(items)
# what `voc sentiment eval` counts: the sign of decide()'s score (Platt from the inner 10 %, then the
# label rule's overrides), and the same with the overrides off (RULE_MIN out of reach)
import voc_service.sentiment.model as sm
from voc_service.sentiment.train import fit_platt
m.platt = fit_platt(m.raw_scores(list(zip(inner.tokens, inner.texts))), inner.labels)
dec = [d.score for d in m.decide_many(items)]
sm.RULE_MIN, keep_min = 1e9, sm.RULE_MIN
dec_off = [d.score for d in m.decide_many(items)]
sm.RULE_MIN = keep_min
from voc_service.sentiment.train import choose_rule_overrides
chosen = choose_rule_overrides(m, inner)  # what `voc sentiment train` decides on its hold-out
res = {"fold": a.fold, "learner": a.learner, "args": vars(a), "val": round(acc(raw, va.labels), 4),
       "val_decide": round(acc(dec, va.labels), 4), "val_decide_no_overrides": round(acc(dec_off, va.labels), 4), "overrides_chosen": chosen,
       "meta": m.meta, "train_s": round(secs), "pairs": len(m.pair_weights), "fit_rows": len(fit)}
print(json.dumps(res)); open(CACHE / "cv_numpy.jsonl", "a").write(json.dumps(res) + "\n")
