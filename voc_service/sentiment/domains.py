"""Domains for a trained sentiment model: a router that tells a text's domain from its words, and
the cross-fitted domains the learner trains with.

Why: the same word means different things by product — 小 is praise for a phone charger and a
complaint about a hotel room, 甜 is good in fruit and bad in a water heater's manual. A linear model
with one weight per word averages those meanings. Given a domain per training row (`voc sentiment
train --domain-column`, e.g. the product category), the learner also sees a copy of every word and
word pair marked with the row's domain, so it learns a shared weight plus a per-domain correction
(feature augmentation, Daumé 2007). Measured inside the 80 % part of online_shopping_10_cats:
+0.3 accuracy points on two folds (docs/benchmarks.md).

At inference no domain is needed: the model routes each text itself, by the linear router stored
with it. The learner therefore trains on ROUTED domains, not the given ones: each training row's
domain comes from a router fitted on the other folds (cross-fitting), so the per-domain weights are
learned under the router's real mistakes (~10 % of reviews on that data) rather than under labels it
will never see again.

    domain(text) = argmax_k  sum over distinct known words w of R[w, k]

(R: a linear SVM without intercept on L2-normalised binary idf-weighted word vectors; the norm and
idf fold into R, which is why no intercept: the argmax is then independent of the text's length.)
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DOMAIN_JOIN = "\x02"  # key of a domain-marked feature in training: domain index + DOMAIN_JOIN + word
CROSS_FIT_FOLDS = 5
MAX_DOMAINS = 64  # more and every text's words are looked up that many more times per domain weight table


class DomainError(ValueError):
    """Domains that cannot train a router (too few, too many, a domain too small)."""


@dataclass(slots=True)
class DomainRouter:
    names: tuple[str, ...]
    index: dict[str, int]  # word -> row of weights
    weights: np.ndarray  # float32, words x domains

    def route(self, tokens: Sequence[str]) -> int:
        return self.route_many([tokens])[0]

    def route_many(self, token_lists: Sequence[Sequence[str]]) -> list[int]:
        """One numpy pass for the whole batch (a per-text sum costs more than the scoring)."""
        get = self.index.get
        rows: list[int] = []
        starts: list[int] = []
        for tokens in token_lists:
            starts.append(len(rows))
            rows.extend(i for i in {get(t) for t in tokens} if i is not None)
        if not rows:
            return [0] * len(token_lists)
        ends = starts[1:] + [len(rows)]
        sums = np.add.reduceat(self.weights[rows], np.minimum(starts, len(rows) - 1), axis=0)
        # reduceat gives an empty segment the row at its start: a text with no known word goes to 0
        best = sums.argmax(axis=1).tolist()
        return [d if e > b else 0 for d, b, e in zip(best, starts, ends)]


def fit_router(
    token_lists: Sequence[Sequence[str]], domains: Sequence[int], names: Sequence[str], min_df: int = 2
) -> DomainRouter:
    """A linear router from tokens to a domain index (into ``names``)."""
    import scipy.sparse as sp
    from sklearn.svm import LinearSVC

    df: Counter[str] = Counter()
    for toks in token_lists:
        df.update(set(toks))
    vocab = sorted(w for w, c in df.items() if c >= min_df)
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for r, toks in enumerate(token_lists):
        for c in {index[t] for t in toks if t in index}:
            rows.append(r)
            cols.append(c)
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(token_lists), len(vocab)))
    idf = np.log((1 + len(token_lists)) / (1 + np.asarray((X > 0).sum(axis=0)).ravel())) + 1.0
    Xi = X @ sp.diags(idf)
    norms = np.sqrt(np.asarray(Xi.multiply(Xi).sum(axis=1)).ravel())
    Xn = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ Xi
    y = np.asarray(domains)
    present = sorted(set(y.tolist()))
    weights = np.zeros((len(vocab), len(names)), dtype=np.float32)
    if len(present) == 1:
        weights[:, present[0]] = 1.0
    else:
        svm = LinearSVC(C=0.5, fit_intercept=False, random_state=0).fit(Xn, y)
        coef = svm.coef_ if len(present) > 2 else np.vstack([-svm.coef_[0], svm.coef_[0]])
        for k, d in enumerate(svm.classes_):
            weights[:, int(d)] = (coef[k] * idf).astype(np.float32)
    return DomainRouter(tuple(names), index, weights)


def cross_fitted(
    token_lists: Sequence[Sequence[str]], texts: Sequence[str], domains: Sequence[int], names: Sequence[str]
) -> list[int]:
    """Each row's domain as a router trained WITHOUT that row would route it (folds by a hash of
    the text, so the same file gives the same folds)."""
    fold = [int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=4).digest(), "little") % CROSS_FIT_FOLDS for t in texts]
    out = [0] * len(texts)
    for f in range(CROSS_FIT_FOLDS):
        train = [i for i, x in enumerate(fold) if x != f]
        test = [i for i, x in enumerate(fold) if x == f]
        if not test:
            continue
        router = fit_router([token_lists[i] for i in train], [domains[i] for i in train], names)
        for i, d in zip(test, router.route_many([token_lists[i] for i in test])):
            out[i] = d
    return out


def domain_indices(names: Sequence[str], min_rows: int = 20) -> tuple[tuple[str, ...], list[int]]:
    """Domain names (sorted) and each row's index; a clear error for what cannot be learned."""
    counts = Counter(names)
    if len(counts) < 2:
        raise DomainError(f"the domain column needs at least 2 distinct values, found {len(counts)}")
    if len(counts) > MAX_DOMAINS:
        raise DomainError(f"the domain column has {len(counts)} distinct values; at most {MAX_DOMAINS} are supported")
    small = sorted(n for n, c in counts.items() if c < min_rows)
    if small:
        raise DomainError(f"domains with fewer than {min_rows} rows cannot be learned: {', '.join(small[:10])}")
    order = tuple(sorted(counts))
    at = {n: i for i, n in enumerate(order)}
    return order, [at[n] for n in names]
