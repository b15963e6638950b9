"""fastText-style model: EmbeddingBag over hashed char 1-4-grams + word ids, scaled 1/sqrt(n) or mean,
[optional hidden layer], + lexicon features + optional wide (linear) part. torch CPU, 1 thread.
Early stopping on an inner 10 % of the fold's train rows (md5("inner"+text)); the validation fold is only scored.
Saves val logits and inner-holdout logits."""
import argparse, json, time
from common import *
import torch, torch.nn as nn
from feats import Featurizer, inner_holdout
torch.set_num_threads(1)
ap = argparse.ArgumentParser()
ap.add_argument("--fold", type=int, default=0); ap.add_argument("--bits", type=int, default=20)
ap.add_argument("--dim", type=int, default=64); ap.add_argument("--hidden", type=int, default=0)
ap.add_argument("--act", default="relu"); ap.add_argument("--epochs", type=int, default=8)
ap.add_argument("--lr", type=float, default=1e-3); ap.add_argument("--elr", type=float, default=None)
ap.add_argument("--batch", type=int, default=64); ap.add_argument("--drop", type=float, default=0.0)
ap.add_argument("--wide", type=int, default=0); ap.add_argument("--bigrams", type=int, default=0)
ap.add_argument("--mode", default="sqrt"); ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--tag", default=""); ap.add_argument("--full", type=int, default=0)
ap.add_argument("--wd", type=float, default=0.0); ap.add_argument("--nb", type=int, default=0); ap.add_argument("--maxn", type=int, default=4); ap.add_argument("--idrop", type=float, default=0.0); ap.add_argument("--normall", type=int, default=0)
a = ap.parse_args()
torch.manual_seed(a.seed); np.random.seed(a.seed)
tr, va = split(a.fold)
lex = lexicon()
hold = np.array([inner_holdout(t) for t in tr.texts])
fz = Featurizer(bits=a.bits, max_n=a.maxn, bigrams=bool(a.bigrams)).fit([t for t, h in zip(tr.tokens, hold) if not h] if not a.full else tr.tokens)
t0 = time.time()
def prep(c):
    ids, offs = fz.transform(c.texts, c.tokens)
    L = np.array([lex.features(t) for t in c.tokens], dtype=np.float32)
    # --normall: normaliser counts every char n-gram + every token (+ every adjacent token pair with --bigrams),
    # known to the vocabulary or not, so the model folds into SentimentModel's raw = sum / sqrt(count) form
    nb_, _ = fz.hasher.buckets_many(c.texts), None
    hc = np.bincount(nb_[1], minlength=len(c.texts))
    NC.append(hc + np.array([len(t) + (max(0, len(t) - 1) if a.bigrams else 0) for t in c.tokens]))
    return ids, offs, L, np.asarray(c.labels, dtype=np.float32)
NC = []
Xtr = prep(tr); Xva = prep(va)
NCtr, NCva = NC
NB = None
if a.nb:
    ids, offs, _, yy = Xtr
    rowlab = np.repeat(yy, np.diff(offs))
    fitmask = np.repeat(~hold if not a.full else np.ones(len(hold), bool), np.diff(offs))
    # binary presence per (row, id): dedupe pairs
    rid = np.repeat(np.arange(len(offs) - 1), np.diff(offs))
    key = np.unique(rid[fitmask].astype(np.int64) * fz.size + ids[fitmask])
    r_, f_ = key // fz.size, key % fz.size
    p = 1.0 + np.bincount(f_[yy[r_] == 1], minlength=fz.size); q = 1.0 + np.bincount(f_[yy[r_] == 0], minlength=fz.size)
    NB = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
print("features", fz.size, "prep s", round(time.time() - t0, 1), flush=True)

class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.EmbeddingBag(fz.size, a.dim, mode="sum", sparse=True)
        nn.init.uniform_(s.emb.weight, -1.0 / a.dim, 1.0 / a.dim)
        if a.wide:
            s.wide = nn.EmbeddingBag(fz.size, 1, mode="sum", sparse=True); nn.init.zeros_(s.wide.weight)
        s.drop = nn.Dropout(a.drop)
        if a.hidden:
            s.h = nn.Linear(a.dim, a.hidden); s.out = nn.Linear(a.hidden, 1)
        else:
            s.out = nn.Linear(a.dim, 1)
        s.lex = nn.Linear(4, 1, bias=False); nn.init.zeros_(s.lex.weight)
    def forward(s, ids, offs, psw, L):
        e = s.drop(s.emb(ids, offs, per_sample_weights=psw))
        if a.hidden:
            e = s.drop(torch.relu(s.h(e)) if a.act == "relu" else torch.tanh(s.h(e)))
        z = s.out(e).squeeze(1) + s.lex(L).squeeze(1)
        if a.wide:
            z = z + s.wide(ids, offs, per_sample_weights=psw).squeeze(1)
        return z

def batch(X, idx, train=False):
    ids, offs, L, y = X
    nc = (NCtr if X is Xtr else NCva)[idx]
    parts = [ids[offs[i]:offs[i + 1]] for i in idx]
    if train and a.idrop > 0:  # feature dropout: each id of a training row kept with prob 1 - idrop
        parts = [p[rng.random(len(p)) >= a.idrop] if len(p) > 1 else p for p in parts]
    lens = np.array([len(p) for p in parts])
    bo = np.concatenate([[0], np.cumsum(lens)[:-1]])
    norm_n = nc if a.normall else lens
    w = np.repeat(1.0 / (np.sqrt(np.maximum(norm_n, 1)) if a.mode == "sqrt" else np.maximum(norm_n, 1)), lens).astype(np.float32)
    cat = np.concatenate(parts)
    if NB is not None:
        w = w * NB[cat]
    return (torch.from_numpy(cat), torch.from_numpy(bo), torch.from_numpy(w),
            torch.from_numpy(L[idx]), torch.from_numpy(y[idx]))

def predict(net, X, idx):
    net.eval(); out = []
    with torch.no_grad():
        for i in range(0, len(idx), 1024):
            b = batch(X, idx[i:i + 1024]); out.append(net(*b[:4]).numpy())
    net.train(); return np.concatenate(out) if out else np.zeros(0)

net = Net()
sp_params = [net.emb.weight] + ([net.wide.weight] if a.wide else [])
dense = [p for n_, p in net.named_parameters() if not n_.startswith(("emb.", "wide."))]
opt_s = torch.optim.SparseAdam(sp_params, lr=a.elr or a.lr)
opt_d = torch.optim.AdamW(dense, lr=a.lr, weight_decay=a.wd)
lossf = nn.BCEWithLogitsLoss()
fit_idx = np.where(~hold)[0] if not a.full else np.arange(len(tr))
hold_idx = np.where(hold)[0]
va_idx = np.arange(len(va))
best, best_ep, best_state, log = -1, -1, None, []
t0 = time.time()
rng = np.random.default_rng(a.seed)
for ep in range(a.epochs):
    perm = rng.permutation(fit_idx)
    for i in range(0, len(perm), a.batch):
        b = batch(Xtr, perm[i:i + a.batch], train=True)
        loss = lossf(net(*b[:4]), b[4])
        opt_s.zero_grad(); opt_d.zero_grad(); loss.backward(); opt_s.step(); opt_d.step()
    ph = predict(net, Xtr, hold_idx); ah = acc(ph, Xtr[3][hold_idx])
    pv = predict(net, Xva, va_idx); av = acc(pv, Xva[3])
    log.append((ep, round(ah, 4), round(av, 4), round(time.time() - t0)))
    print("epoch", ep, "inner", round(ah, 4), "val", round(av, 4), "s", round(time.time() - t0), flush=True)
    if ah > best or (a.full and ep == a.epochs - 1):  # --full: no holdout left, keep the last epoch
        best, best_ep = ah, ep
        best_state = {k: v.clone() for k, v in net.state_dict().items()}
        best_pv, best_ph = pv, ph
train_s = time.time() - t0
name = a.tag or f"ft_b{a.bits}_d{a.dim}_h{a.hidden}_w{a.wide}_bg{a.bigrams}_{a.mode}_dr{a.drop}_s{a.seed}" + (f"_nb" if a.nb else "") + (f"_e{a.elr}" if a.elr != 3e-4 else "") + (f"_n{a.maxn}" if a.maxn != 4 else "") + (f"_id{a.idrop}" if a.idrop else "") + ("_na" if a.normall else "") + ("_full" if a.full else "") + (f"_ep{a.epochs}" if a.full else "")
np.save(CACHE / f"{name}_f{a.fold}_val.npy", best_pv); np.save(CACHE / f"{name}_f{a.fold}_inner.npy", best_ph)
torch.save(best_state, CACHE / f"{name}_f{a.fold}.pt")
res = {"name": name, "fold": a.fold, "best_epoch": best_ep, "inner": round(best, 4), "val_at_best": round(acc(best_pv, Xva[3]), 4), "train_s": round(train_s), "args": vars(a), "log": log}
print(json.dumps(res)); open(CACHE / "results.jsonl", "a").write(json.dumps(res) + "\n")
