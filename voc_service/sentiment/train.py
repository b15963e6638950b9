"""Training, calibration and evaluation of the sentiment model (scikit-learn and scipy, lazily).

Recipe (chosen by measurement, bench/explore/sentiment_explore.md):
1. count features: hashed char 1-4-grams + word unigrams (min_df 2), each row scaled by 1/sqrt(n);
2. Naive-Bayes log-count-ratio weighting (Wang & Manning 2012), folded into the stored weights;
3. four lexicon-rule features (negation, degree, contrast) appended, scaled x3;
4. L2 logistic regression (liblinear, deterministic);
5. Platt calibration on a held-out share chosen by a hash of the text (never a random draw, so
   re-training on the same file gives the same model);
6. optionally self-training on unlabelled in-domain text: pseudo-label the most confident share,
   retrain. This is how a deployment adapts to a domain nobody labelled.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from voc_service.domain import SentimentLabel
from voc_service.sentiment.domains import DOMAIN_JOIN, DomainRouter, cross_fitted, fit_router
from voc_service.sentiment.factorised import FactorisedConfig, fit_factorised
from voc_service.sentiment.features import CharHasher
from voc_service.sentiment.lexicon import RuleLexicon
from voc_service.sentiment.model import DEFAULT_NEUTRAL_MARGIN, SentimentModel
from voc_service.text.segment import PAIR_JOIN, token_pairs

NEG, POS, NEU = 0, 1, 2
_LABELS = {
    **dict.fromkeys(("0", "-1", "neg", "negative", "负", "负面", "差评", "bad"), NEG),
    **dict.fromkeys(("1", "+1", "pos", "positive", "正", "正面", "好评", "good"), POS),
    **dict.fromkeys(("neu", "neutral", "中", "中性", "none"), NEU),
}
LABEL_NAMES = ("negative", "positive", "neutral")


def parse_label(value: str) -> int | None:
    """0 / 1 / 2 for negative / positive / neutral, None if the value is not a label."""
    return _LABELS.get(value.strip().lower())


@dataclass(slots=True)
class Corpus:
    """Texts as the pipeline sees them (normalised) with their tokens and labels; optionally each
    row's domain (an index into ``domain_names``), which a trained model then learns to route."""

    texts: list[str]
    tokens: list[list[str]]
    labels: list[int]
    domains: list[int] | None = None
    domain_names: tuple[str, ...] = ()

    def subset(self, keep: Sequence[bool]) -> Corpus:
        return Corpus(
            [t for t, k in zip(self.texts, keep) if k],
            [t for t, k in zip(self.tokens, keep) if k],
            [y for y, k in zip(self.labels, keep) if k],
            None if self.domains is None else [d for d, k in zip(self.domains, keep) if k],
            self.domain_names,
        )

    def __len__(self) -> int:
        return len(self.texts)


def in_holdout(text: str, share: float, salt: str = "voc-sentiment-holdout") -> bool:
    h = hashlib.blake2b((salt + text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "little") % 10_000 < share * 10_000


# From this many labelled polar rows the factorised learner wins (learning curve inside the 80 % of
# online_shopping_10_cats, docs/benchmarks.md); below it the embedding sees too few steps to learn.
AUTO_FACTORISED_ROWS = 5_000


@dataclass(slots=True)
class TrainConfig:
    learner: str = "auto"  # a key of LEARNERS, or "auto": factorised from AUTO_FACTORISED_ROWS rows on
    C: float = 10.0  # logistic
    hash_bits: int = 20
    max_n: int = 4
    min_df: int = 2
    lexicon_scale: float = 3.0
    calibration_share: float = 0.1
    self_train_share: float = 0.8
    self_train_rounds: int = 2
    factorised: FactorisedConfig = field(default_factory=FactorisedConfig)
    rule_overrides: bool | None = None  # None: chosen on the calibration rows (choose_rule_overrides)

    def __post_init__(self) -> None:
        if self.learner not in (*LEARNERS, "auto"):
            raise ValueError(f"learner must be auto or one of {sorted(LEARNERS)}, not {self.learner!r}")

    def resolved(self, rows: int) -> TrainConfig:
        """`auto` made concrete for a training set of `rows` polar rows."""
        if self.learner != "auto":
            return self
        return replace(self, learner="factorised" if rows >= AUTO_FACTORISED_ROWS else "logistic")


@dataclass(slots=True)
class TrainReport:
    train_rows: int
    calibration_rows: int
    neutral_rows: int
    unlabelled_rows: int
    calibration_accuracy: float
    neutral_margin: float
    seconds: float


def train(
    name: str,
    corpus: Corpus,
    lexicon: RuleLexicon,
    config: TrainConfig | None = None,
    unlabelled: Corpus | None = None,
    meta: dict[str, Any] | None = None,
    calibration: Corpus | None = None,
) -> tuple[SentimentModel, TrainReport]:
    """Fit on the labelled rows, calibrate on a hashed hold-out, refit on everything. With a
    separate `calibration` set (labelled in-domain rows) the model is fitted once on all rows and
    calibrated on that set."""
    cfg = config or TrainConfig()
    t0 = time.perf_counter()
    polar = corpus.subset([y != NEU for y in corpus.labels])
    neutral = corpus.subset([y == NEU for y in corpus.labels])
    if len(set(polar.labels)) < 2:
        raise ValueError("training data needs both negative and positive rows")
    cfg = cfg.resolved(len(polar))
    if calibration is not None:
        fit_part, cal_part = polar, calibration.subset([y != NEU for y in calibration.labels])
        if len(set(cal_part.labels)) < 2:
            raise ValueError("calibration data needs both negative and positive rows")
    else:
        hold = [in_holdout(t, cfg.calibration_share) for t in polar.texts]
        fit_part, cal_part = polar.subset([not h for h in hold]), polar.subset(hold)
    if len(cal_part) < 20 or len(set(cal_part.labels)) < 2:
        fit_part = cal_part = polar  # too little data to hold out: calibrate in-sample
    model = fit(name, fit_part, lexicon, cfg, unlabelled, monitor=cal_part if cal_part is not fit_part else None)
    learned = dict(model.meta)  # the learner's record (e.g. the epochs the hold-out chose)
    platt = fit_platt(model.raw_scores(list(zip(cal_part.tokens, cal_part.texts))), cal_part.labels)
    model.platt = platt
    overrides = cfg.rule_overrides
    if overrides is None:
        overrides = choose_rule_overrides(model, cal_part) if cal_part is not polar else True
    model.rule_overrides = overrides  # the neutral margin below is chosen under the rule in force
    cal_acc = polarity_accuracy(model, cal_part)
    cal_neutral = neutral.subset([in_holdout(t, cfg.calibration_share) for t in neutral.texts])
    margin = choose_margin(model, cal_part, cal_neutral) if len(cal_neutral) >= 10 else DEFAULT_NEUTRAL_MARGIN
    if fit_part is not polar:
        if LEARNERS[cfg.learner].stops_early:  # the refit on every row trains as long as the hold-out chose
            cfg = replace(cfg, factorised=replace(cfg.factorised, epochs=learned["epochs"]))
        model = fit(name, polar, lexicon, cfg, unlabelled)
        model.platt = platt
    model.neutral_margin = margin
    model.rule_overrides = overrides
    model.meta = {
        **(meta or {}),
        "train_rows": len(polar),
        "unlabelled_rows": len(unlabelled or ()),
        "calibration_accuracy": round(cal_acc, 4),
        "learned": learned,
        "config": _config_json(cfg),
    }
    if model.router is not None:
        model.meta["domains"] = list(model.router.names)
    report = TrainReport(
        len(polar),
        len(cal_part) if cal_part is not polar else 0,
        len(neutral),
        len(unlabelled or ()),
        cal_acc,
        margin,
        time.perf_counter() - t0,
    )
    return model, report


def _config_json(cfg: TrainConfig) -> dict[str, Any]:
    doc = {k: getattr(cfg, k) for k in cfg.__slots__ if k != "factorised"}
    if cfg.learner == "factorised":  # its own settings, recorded only when used
        doc["factorised"] = {k: getattr(cfg.factorised, k) for k in cfg.factorised.__slots__}
    return doc


def fit(
    name: str,
    corpus: Corpus,
    lexicon: RuleLexicon,
    cfg: TrainConfig,
    unlabelled: Corpus | None = None,
    monitor: Corpus | None = None,
) -> SentimentModel:
    routing = _routing(corpus)
    model = _fit_once(name, corpus, lexicon, cfg, monitor=monitor, routing=routing)
    vocabulary = _vocabulary(corpus, cfg.min_df, _uses_pairs(cfg), routing.assigned if routing else None)
    if unlabelled and len(unlabelled) and cfg.self_train_rounds > 0:
        for _ in range(cfg.self_train_rounds):
            raw = np.array(model.raw_scores(list(zip(unlabelled.tokens, unlabelled.texts))))
            top = np.argsort(-np.abs(raw))[: int(len(raw) * cfg.self_train_share)]
            pseudo = Corpus(
                corpus.texts + [unlabelled.texts[i] for i in top],
                corpus.tokens + [unlabelled.tokens[i] for i in top],
                corpus.labels + [int(raw[i] > 0) for i in top],
            )
            # unlabelled rows take the domain the router gives them (they have none of their own)
            pseudo_routing = None
            if routing is not None:
                routed = routing.router.route_many([unlabelled.tokens[i] for i in top])
                pseudo_routing = _Routing(routing.router, routing.assigned + routed)
            # words come from the labelled text only: unlabelled text adds weight to known words and
            # hashed n-grams, so no string of it ends up in the model file
            model = _fit_once(name, pseudo, lexicon, cfg, vocabulary, monitor, pseudo_routing)
    return model


@dataclass(slots=True)
class _Routing:
    """A corpus's domains as the learner sees them: the router the model will carry, and each
    row's cross-fitted domain (domains.py says why not the given one)."""

    router: DomainRouter
    assigned: list[int]


def _routing(corpus: Corpus) -> _Routing | None:
    if corpus.domains is None:
        return None
    names = corpus.domain_names
    return _Routing(fit_router(corpus.tokens, corpus.domains, names), cross_fitted(corpus.tokens, corpus.texts, corpus.domains, names))


def _uses_pairs(cfg: TrainConfig) -> bool:
    return LEARNERS[cfg.learner].word_pairs


def _grams(toks: list[str], pairs: bool, domain: int | None) -> list[str]:
    """A text's vocabulary features: its tokens, with `pairs` its adjacent token pairs, and with a
    `domain` a copy of each marked with it (the per-domain correction)."""
    feats = list(toks)
    if pairs:
        feats += token_pairs(toks)
    if domain is not None:
        prefix = f"{domain}{DOMAIN_JOIN}"
        feats += [prefix + f for f in feats]
    return feats


def _vocabulary(corpus: Corpus, min_df: int, pairs: bool = False, domains: Sequence[int] | None = None) -> list[str]:
    """Features (words, pairs, domain-marked copies) in >= min_df texts."""
    df: Counter[str] = Counter()
    for i, toks in enumerate(corpus.tokens):
        df.update(set(_grams(toks, pairs, None if domains is None else domains[i])))
    return sorted(w for w, c in df.items() if c >= min_df)


def _design(
    corpus: Corpus, hasher: CharHasher, vocab: dict[str, int], pairs: bool, domains: Sequence[int] | None = None
) -> Any:
    """Count matrix (hashed char n-grams, then vocabulary columns), each row scaled by
    1/sqrt(n), n counting every n-gram and feature whether known or not: the scorer's
    normaliser, so the trained weights mean the same thing at inference."""
    import scipy.sparse as sp

    size = hasher.size
    rows, cols, scale = [], [], []
    for i, (text, toks) in enumerate(zip(corpus.texts, corpus.tokens)):
        buckets = hasher.buckets(text).astype(np.int64)
        feats = _grams(toks, pairs, None if domains is None else domains[i])
        known = np.fromiter((size + vocab[t] for t in feats if t in vocab), dtype=np.int64)
        c = np.concatenate([buckets, known])
        cols.append(c)
        rows.append(np.full(len(c), i, dtype=np.int64))
        scale.append(1.0 / math.sqrt(max(1, len(buckets) + len(feats))))
    r, c = np.concatenate(rows), np.concatenate(cols)
    X = sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(corpus), size + len(vocab)))
    X.sum_duplicates()
    return X, np.asarray(scale)


def _fit_once(
    name: str,
    corpus: Corpus,
    lexicon: RuleLexicon,
    cfg: TrainConfig,
    vocabulary: list[str] | None = None,
    monitor: Corpus | None = None,
    routing: _Routing | None = None,
) -> SentimentModel:
    """Features, NB ratio and lexicon features are shared; the learner (LEARNERS[cfg.learner])
    returns one weight per feature column, the bias and the lexicon weights."""
    import scipy.sparse as sp

    pairs = _uses_pairs(cfg)
    if routing is None:
        routing = _routing(corpus)
    assigned = routing.assigned if routing else None
    hasher = CharHasher(bits=cfg.hash_bits, max_n=cfg.max_n)
    size = hasher.size
    if vocabulary is None:
        vocabulary = _vocabulary(corpus, cfg.min_df, pairs, assigned)
    vocab = {w: i for i, w in enumerate(vocabulary)}
    X, scale = _design(corpus, hasher, vocab, pairs, assigned)
    y = np.asarray(corpus.labels)
    ratio = _nb_ratio(X, y)
    Xs = sp.diags(scale) @ X
    L = np.array([lexicon.features(toks) for toks in corpus.tokens], dtype=np.float64).reshape(len(corpus), -1)
    mon = None
    if monitor is not None and len(monitor) and LEARNERS[cfg.learner].stops_early:
        routed = routing.router.route_many(monitor.tokens) if routing else None
        Xm, sm = _design(monitor, hasher, vocab, pairs, routed)
        Lm = np.array([lexicon.features(t) for t in monitor.tokens], dtype=np.float64).reshape(len(monitor), -1)
        mon = (sp.diags(sm) @ Xm, Lm, np.asarray(monitor.labels))
    w, bias, lw, meta = LEARNERS[cfg.learner].learn(Xs, ratio, L, y, cfg, mon)
    words: dict[str, float] = {}
    pair_w: dict[str, float] = {}
    per_domain: list[dict[str, float]] = [{} for _ in (routing.router.names if routing else ())]
    for f, i in vocab.items():
        weight = float(w[size + i])
        if weight == 0.0:
            continue
        if DOMAIN_JOIN in f:
            d, gram = f.split(DOMAIN_JOIN, 1)
            per_domain[int(d)][gram] = weight
        elif PAIR_JOIN in f:
            pair_w[f] = weight
        else:
            words[f] = weight
    if routing:
        meta["domains"] = list(routing.router.names)
        if corpus.domains is not None:  # how often a row's cross-fitted domain is its given one
            meta["routing_accuracy"] = round(float(np.mean(np.asarray(assigned) == np.asarray(corpus.domains))), 4)
    return SentimentModel(
        name=name,
        hasher=hasher,
        hash_weights=w[:size].astype(np.float32),
        word_weights=words,
        bias=bias,
        lexicon=lexicon,
        lexicon_weights=tuple(float(x) for x in lw),  # type: ignore[arg-type]
        pair_weights=pair_w,
        pairs=pairs,
        router=routing.router if routing else None,
        domain_weights=per_domain,
        meta={"learner": cfg.learner, **meta},
    )


def _learn_logistic(
    Xs: Any, ratio: np.ndarray, L: np.ndarray, y: np.ndarray, cfg: TrainConfig, monitor: Any
) -> tuple[np.ndarray, float, np.ndarray, dict[str, Any]]:
    """L2 logistic regression on NB-weighted features (NBSVM-style), lexicon features scaled up so
    the shared C penalises them less. The monitor set is not needed: liblinear converges."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    Xw = sp.hstack([Xs @ sp.diags(ratio), sp.csr_matrix(L * cfg.lexicon_scale)]).tocsr()
    clf = LogisticRegression(C=cfg.C, solver="liblinear", max_iter=1000, random_state=0)
    clf.fit(Xw, y)
    coef = clf.coef_.ravel()
    n = Xs.shape[1]
    return coef[:n] * ratio, float(clf.intercept_[0]), coef[n:] * cfg.lexicon_scale, {}


def _learn_factorised(
    Xs: Any, ratio: np.ndarray, L: np.ndarray, y: np.ndarray, cfg: TrainConfig, monitor: Any
) -> tuple[np.ndarray, float, np.ndarray, dict[str, Any]]:
    folded = fit_factorised(Xs, ratio, L, y, cfg.factorised, monitor)
    meta: dict[str, Any] = {"epochs": folded.epochs}
    if folded.monitor_accuracy is not None:
        meta["monitor_accuracy"] = round(folded.monitor_accuracy, 4)
    return folded.weights, folded.bias, folded.lexicon_weights, meta


@dataclass(frozen=True, slots=True)
class Learner:
    """A way to learn the weights: (scaled counts, NB ratio, lexicon features, labels, config,
    monitor) -> (one weight per column, bias, lexicon weights, record). ``word_pairs``: it uses
    adjacent word pairs as features; ``stops_early``: it chooses its epochs on a monitor set."""

    learn: Callable[..., tuple[np.ndarray, float, np.ndarray, dict[str, Any]]]
    word_pairs: bool
    stops_early: bool


LEARNERS = {
    "logistic": Learner(_learn_logistic, word_pairs=False, stops_early=False),
    "factorised": Learner(_learn_factorised, word_pairs=True, stops_early=True),
}


def _nb_ratio(X: Any, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    Xb = X.copy()
    Xb.data[:] = 1.0
    p = alpha + np.asarray(Xb[y == POS].sum(axis=0)).ravel()
    q = alpha + np.asarray(Xb[y == NEG].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def fit_platt(raw: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4)
    lr.fit(np.asarray(raw, dtype=np.float64).reshape(-1, 1), np.asarray(labels))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def choose_rule_overrides(model: SentimentModel, held_out: Corpus) -> bool:
    """Keep the label rule's lexicon overrides (decide_many, step 2) unless they lower the accuracy
    of the decided sign on held-out rows. They were written for models that cannot see 不是 before
    很满意; a model trained on enough of a domain's own text often can, and then every override is
    a chance to be wrong (measured: -0.14 to -0.22 points on review folds, docs/benchmarks.md)."""
    items = list(zip(held_out.tokens, held_out.texts))
    correct = {}
    for on in (True, False):
        model.rule_overrides = on
        correct[on] = sum(
            (d.score > 0) == (y == POS) for d, y in zip(model.decide_many(items), held_out.labels) if y != NEU
        )
    model.rule_overrides = True
    return correct[True] >= correct[False]


def choose_margin(model: SentimentModel, polar: Corpus, neutral: Corpus) -> float:
    """Neutral margin that maximises 3-class macro-F1 on held-out rows (needs neutral rows)."""
    both = Corpus(polar.texts + neutral.texts, polar.tokens + neutral.tokens, polar.labels + neutral.labels)
    best, best_f1 = DEFAULT_NEUTRAL_MARGIN, -1.0
    for margin in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        model.neutral_margin = margin
        f1 = evaluate(model, both, measure_speed=False).macro_f1
        if f1 > best_f1:
            best, best_f1 = margin, f1
    return best


# ------------------------------------------------------------------------------- evaluation
_PRED = {SentimentLabel.NEGATIVE: NEG, SentimentLabel.POSITIVE: POS, SentimentLabel.NEUTRAL: NEU}


@dataclass(slots=True)
class EvalReport:
    rows: int
    accuracy: float  # polarity (P > 0.5) on binary data; the 3-class label when NEUTRAL is gold
    macro_f1: float
    neutral_share: float  # share of rows labelled NEUTRAL by the decision rule
    accuracy_neutral_wrong: float  # 3-class label; on binary data every NEUTRAL counts as wrong
    confusion: list[list[int]] = field(default_factory=list)  # [gold][pred], NEG/POS/NEU
    turns_per_s: float = 0.0  # decide() given tokens, one core


def polarity_accuracy(model: SentimentModel, corpus: Corpus) -> float:
    probs = model.probabilities(list(zip(corpus.tokens, corpus.texts)))
    ok = sum((p > 0.5) == (y == POS) for p, y in zip(probs, corpus.labels))
    return ok / max(1, len(corpus))


def evaluate(model: SentimentModel, corpus: Corpus, measure_speed: bool = True) -> EvalReport:
    three_class = NEU in corpus.labels
    confusion = [[0, 0, 0] for _ in range(3)]  # gold x 3-class label
    polar = [[0, 0], [0, 0]]  # gold x (score > 0), for binary gold
    decisions = model.decide_many(list(zip(corpus.tokens, corpus.texts)))
    for d, y in zip(decisions, corpus.labels):
        confusion[y][_PRED[d.label]] += 1
        if y != NEU:
            polar[y][int(d.score > 0)] += 1
    n = max(1, len(corpus))
    label_ok = sum(confusion[i][i] for i in range(3))
    table, classes = (confusion, (NEG, POS, NEU)) if three_class else (polar, (NEG, POS))
    f1s = []
    for c in classes:
        tp = table[c][c]
        fp = sum(row[c] for row in table) - tp
        fn = sum(table[c]) - tp
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    report = EvalReport(
        rows=len(corpus),
        accuracy=(label_ok if three_class else polar[NEG][NEG] + polar[POS][POS]) / n,
        macro_f1=sum(f1s) / len(f1s),
        neutral_share=sum(row[NEU] for row in confusion) / n,
        accuracy_neutral_wrong=label_ok / n,
        confusion=confusion,
    )
    if measure_speed:
        report.turns_per_s = decide_rate(model, corpus)
    return report


def decide_rate(model: SentimentModel, corpus: Corpus, seconds: float = 1.0, batch: int = 10) -> float:
    """Turns/s of decide_many in batches of `batch` turns (the stage decides one conversation,
    about ten turns, at a time). Best of 3 timed passes: on a shared machine the least
    disturbed pass is the most honest."""
    best = 0.0
    pairs = list(zip(corpus.tokens[:5000], corpus.texts[:5000]))
    if not pairs:
        return 0.0
    batches = [pairs[i : i + batch] for i in range(0, len(pairs), batch)]
    decide = model.decide_many
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while True:
            for b in batches:
                decide(b)
            n += len(pairs)
            dt = time.perf_counter() - t0
            if dt >= seconds / 3:
                break
        best = max(best, n / dt)
    return best
