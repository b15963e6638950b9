"""Export a trained nn_ft.py model (no hidden layer: collapsed to one weight per feature; hidden layer:
NB folded into the embedding rows) to npz, score validation with numpy only, check it matches torch,
and measure speed (batches of 10, one core) on short texts (<= 20 chars) and on all validation reviews.
  export_ft.py NAME FOLD [--bigrams 1] [--bits 20] [--hidden 0] [--nb 1]"""
import argparse, io, math, time
from itertools import repeat
from common import *
import torch
from feats import Featurizer, inner_holdout
torch.set_num_threads(1)
ap = argparse.ArgumentParser(); ap.add_argument("name"); ap.add_argument("fold", type=int)
ap.add_argument("--bigrams", type=int, default=1); ap.add_argument("--bits", type=int, default=20)
ap.add_argument("--nb", type=int, default=1); ap.add_argument("--hidden", type=int, default=0); ap.add_argument("--normall", type=int, default=0)
a = ap.parse_args()
tr, va = split(a.fold); lex = lexicon()
hold = np.array([inner_holdout(t) for t in tr.texts])
fz = Featurizer(bits=a.bits, bigrams=bool(a.bigrams)).fit([t for t, h in zip(tr.tokens, hold) if not h])
st = torch.load(CACHE / f"{a.name}_f{a.fold}.pt")
E = st["emb.weight"].numpy().astype(np.float64)
if a.nb:  # recompute NB ratio exactly as nn_ft.py
    ids, offs = fz.transform(tr.texts, tr.tokens); yy = np.asarray(tr.labels)
    rid = np.repeat(np.arange(len(offs) - 1), np.diff(offs)); m = np.repeat(~hold, np.diff(offs))
    key = np.unique(rid[m].astype(np.int64) * fz.size + ids[m]); r_, f_ = key // fz.size, key % fz.size
    p = 1.0 + np.bincount(f_[yy[r_] == 1], minlength=fz.size); q = 1.0 + np.bincount(f_[yy[r_] == 0], minlength=fz.size)
    NB = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32).astype(np.float64)
else:
    NB = np.ones(fz.size)
lexw = st["lex.weight"].numpy().ravel().astype(np.float64)
size = fz.hasher.size
if not a.hidden:
    w = NB * (E @ st["out.weight"].numpy().ravel()); bias = float(st["out.bias"].numpy()[0])
    hw = w[:size].astype(np.float32)
    inv = sorted(fz.vocab, key=fz.vocab.__getitem__)
    uni = {k: float(w[size + i]) for i, k in enumerate(inv) if "\x01" not in k}
    bi = {k: float(w[size + i]) for i, k in enumerate(inv) if "\x01" in k}
    buf = io.BytesIO()
    np.savez_compressed(buf, hash_weights=hw.astype(np.float16), word_features=np.array(sorted(uni), dtype=str),
                        word_weights=np.array([uni[k] for k in sorted(uni)], dtype=np.float32),
                        bigram_features=np.array(sorted(bi), dtype=str), bigram_weights=np.array([bi[k] for k in sorted(bi)], dtype=np.float32))
    print("artefact npz bytes", len(buf.getvalue()), "unigrams", len(uni), "bigrams", len(bi))
    z = np.load(io.BytesIO(buf.getvalue()), allow_pickle=False)
    hw = z["hash_weights"].astype(np.float32)
    WW = dict(zip(z["word_features"].tolist(), z["word_weights"].tolist()))
    WW.update(zip(z["bigram_features"].tolist(), z["bigram_weights"].tolist()))
    hasher = fz.hasher; bg = bool(a.bigrams)
    join = "\x01".join
    def score_all(items):
        """--normall (the form that folds into SentimentModel): raw = (sum hash w + sum word w + sum bigram w)
        / sqrt(#char n-grams + #tokens + #token pairs) + bias + lexicon; unknown features weigh 0."""
        n = len(items)
        b, owner = hasher.buckets_many([t for _, t in items])
        hs = np.bincount(owner, weights=hw.take(b), minlength=n).tolist(); hc = np.bincount(owner, minlength=n).tolist()
        get = WW.get; out = []; w0, w1, w2, w3 = lexw.tolist(); z = repeat(0.0)
        for (toks, _), s_, c_ in zip(items, hs, hc):
            k = len(toks)
            s_ += sum(map(get, toks, repeat(0.0))) + sum(map(get, map(join, zip(toks, toks[1:])), repeat(0.0)))
            f0, f1, f2, f3 = lex.analyse(toks).features()
            out.append(s_ / math.sqrt(max(1, c_ + k + max(0, k - 1))) + bias + w0 * f0 + w1 * f1 + w2 * f2 + w3 * f3)
        return out
    def score(items):
        """items: (tokens, text). sum of weights / sqrt(#char n-grams + #known word features) + bias + lexicon."""
        n = len(items)
        b, owner = hasher.buckets_many([t for _, t in items])
        hs = np.bincount(owner, weights=hw.take(b), minlength=n).tolist(); hc = np.bincount(owner, minlength=n).tolist()
        out = []; get = WW.get
        for (toks, _), s_, c_ in zip(items, hs, hc):
            feats = toks + [x + "\x01" + y for x, y in zip(toks, toks[1:])] if bg else toks
            vals = [v for v in map(get, feats) if v is not None]
            f = lex.features(toks)
            out.append((s_ + sum(vals)) / math.sqrt(max(1, c_ + len(vals))) + bias + lexw[0] * f[0] + lexw[1] * f[1] + lexw[2] * f[2] + lexw[3] * f[3])
        return out
else:
    Ef = (NB[:, None] * E).astype(np.float32)
    W1 = st["h.weight"].numpy().T.copy(); b1 = st["h.bias"].numpy(); u = st["out.weight"].numpy().ravel(); bias = float(st["out.bias"].numpy()[0])
    buf = io.BytesIO(); np.savez_compressed(buf, emb=Ef.astype(np.float16), W1=W1, b1=b1, u=u); print("artefact npz bytes", len(buf.getvalue()))
    Ef = Ef.astype(np.float16).astype(np.float32)
    def score(items):
        ids, offs = fz.transform([t for _, t in items], [k for k, _ in items])
        n = np.diff(offs)
        S = np.add.reduceat(Ef.take(ids, axis=0), offs[:-1], axis=0) / np.sqrt(np.maximum(n, 1))[:, None]
        H = np.maximum(S @ W1 + b1, 0)
        L = np.array([lex.features(k) for k, _ in items])
        return (H @ u + bias + L @ lexw).tolist()
if a.normall and not a.hidden:
    score = score_all
items = list(zip(va.tokens, va.texts))
sv = np.array(score(items)); ref = np.load(CACHE / f"{a.name}_f{a.fold}_val.npy")
print("numpy val acc", round(acc(sv, va.labels), 4), "torch val acc", round(acc(ref, va.labels), 4), "max |diff|", float(np.abs(sv - ref).max()), "sign flips", int(((sv > 0) != (ref > 0)).sum()))
def rate(its, seconds=3.0):
    bs = [its[i:i + 10] for i in range(0, len(its), 10)]; best = 0
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 3:
            for b in bs: score(b)
            n += len(its)
        best = max(best, n / (time.perf_counter() - t0))
    return best
short = [it for it in items if len(it[1]) <= 20][:3000]
print("short texts", len(short), "mean chars", round(np.mean([len(t) for _, t in short]), 1), "texts/s", round(rate(short)))
print("reviews", min(5000, len(items)), "texts/s", round(rate(items[:5000])))
