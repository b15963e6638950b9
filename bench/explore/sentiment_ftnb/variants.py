"""Feature variants of the product's factorised learner on a CV fold (inside the 80 % only):
word n-grams beyond adjacent pairs, skip pairs, char n-gram length, hash bits. Per-epoch validation
accuracy plus the inner hold-out's accuracy and log-loss, as epochs.py prints them.
  variants.py --fold 0 --order 3 [--skip 1] [--max-n 5] [--bits 21] [--epochs 5]"""
import argparse, json, math, time
from collections import Counter
from common import *  # noqa: F403
import scipy.sparse as sp
from feats import inner_holdout
from voc_service.sentiment import train as T
from voc_service.sentiment.factorised import FactorisedConfig, _train_one

ap = argparse.ArgumentParser()
ap.add_argument("--fold", type=int, default=0); ap.add_argument("--epochs", type=int, default=5)
ap.add_argument("--order", type=int, default=2, help="longest word n-gram (2 = the product's pairs)")
ap.add_argument("--skip", type=int, default=0, help="also a _ c skip pairs")
ap.add_argument("--max-n", type=int, default=4); ap.add_argument("--bits", type=int, default=20)
ap.add_argument("--dim", type=int, default=64); ap.add_argument("--drop", type=float, default=0.3)
ap.add_argument("--min-df", type=int, default=2)
ap.add_argument("--mark-last", type=int, default=0, help="copies of the last clause's tokens, marked")
ap.add_argument("--mark-contrast", type=int, default=0, help="copies of the tokens after the last 但是/不过/…, marked")
a = ap.parse_args()
J = "\x01"


PUNCT = set("，。！？,.!?；;~～…")
CONTRAST = {"但", "但是", "不过", "可是", "然而", "只是", "就是"}


def marked(toks):
    out = []
    if a.mark_last:
        t = list(toks)
        while t and t[-1] in PUNCT:
            t.pop()
        k = max([i for i, x in enumerate(t) if x in PUNCT], default=-1)
        out += ["L\x02" + x for x in t[k + 1:]]
    if a.mark_contrast:
        k = max([i for i, x in enumerate(toks) if x in CONTRAST], default=None)
        if k is not None:
            out += ["C\x02" + x for x in toks[k + 1:] if x not in PUNCT]
    return out


def grams(toks):
    out = list(toks) + marked(toks)
    for n in range(2, a.order + 1):
        out += [J.join(toks[i:i + n]) for i in range(len(toks) - n + 1)]
    if a.skip:
        out += [x + J + "_" + J + z for x, z in zip(toks, toks[2:])]
    return out


def vocabulary(c):
    df = Counter()
    for t in c.tokens:
        df.update(set(grams(t)))
    return {w: i for i, w in enumerate(sorted(w for w, k in df.items() if k >= a.min_df))}


def design(c, hasher, vocab):
    size = hasher.size
    rows, cols, scale = [], [], []
    for i, (text, toks) in enumerate(zip(c.texts, c.tokens)):
        b = hasher.buckets(text).astype(np.int64)
        g = grams(toks)
        known = np.fromiter((size + vocab[x] for x in g if x in vocab), dtype=np.int64)
        cc = np.concatenate([b, known]); cols.append(cc); rows.append(np.full(len(cc), i))
        scale.append(1.0 / math.sqrt(max(1, len(b) + len(g))))
    r, cc = np.concatenate(rows), np.concatenate(cols)
    X = sp.csr_matrix((np.ones(len(cc)), (r, cc)), shape=(len(c), size + len(vocab))); X.sum_duplicates()
    return sp.diags(np.asarray(scale)) @ X


tr, va = split(a.fold)
hold = [inner_holdout(t) for t in tr.texts]
fit, inner = tr.subset([not h for h in hold]), tr.subset(hold)
lex = lexicon(); hasher = T.CharHasher(bits=a.bits, max_n=a.max_n)
t0 = time.time()
vocab = vocabulary(fit)
Xs = design(fit, hasher, vocab); Xb = Xs.copy(); Xb.data[:] = 1
nb = T._nb_ratio(Xb, np.asarray(fit.labels))
L = np.array([lex.features(t) for t in fit.tokens])
Xv = design(va, hasher, vocab); Lv = np.array([lex.features(t) for t in va.tokens])
Xi = design(inner, hasher, vocab); Li = np.array([lex.features(t) for t in inner.tokens]); yi = np.asarray(inner.labels)
cfg = FactorisedConfig(epochs=a.epochs, dim=a.dim, dropout=a.drop)
Xw = (Xs @ sp.diags(nb)).tocsr().astype(np.float32)
per, mon = [], []
for w, b, v in _train_one(Xw, L.astype(np.float32), np.asarray(fit.labels, np.float32), cfg, 0):
    w = w * nb
    per.append(round(acc(np.asarray(Xv @ w).ravel() + b + Lv @ v, va.labels), 4))
    z = np.asarray(Xi @ w).ravel() + b + Li @ v
    ll = float(np.mean(np.logaddexp(0, -z) * (yi == 1) + np.logaddexp(0, z) * (yi == 0)))
    mon.append((round(acc(z, yi), 4), round(ll, 4)))
res = {"fold": a.fold, "args": vars(a), "features": len(vocab), "per_epoch": per, "monitor_acc_logloss": mon,
       "best_by_monitor_acc": per[max(range(len(mon)), key=lambda k: (mon[k][0], -k))],
       "best_by_monitor_ll": per[min(range(len(mon)), key=lambda k: mon[k][1])], "secs": round(time.time() - t0)}
print(json.dumps(res)); open(CACHE / "variants.jsonl", "a").write(json.dumps(res) + "\n")
