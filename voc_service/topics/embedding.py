"""Embedding backends for topics, looked up by name in the ``topic_embeddings`` registry.

A backend turns documents into L2-normalised vectors. ``fit`` learns from the batch (TF-IDF
vocabulary, LSA components); ``state`` returns what must be saved as plain JSON + numpy arrays (no
pickle), ``from_state`` rebuilds it. The online path needs only numpy: the server never imports
scikit-learn's estimators or BERTopic to assign a topic.

- ``tfidf-lsa`` (offline, from what the install brings): TF-IDF over the customer's jieba
  words plus character bigrams inside them (robust to segmentation differences: 退款 / 退款了),
  sublinear tf, then a truncated SVD (latent semantic analysis).
- ``ppmi-sif`` (the default): word vectors learned from the batch itself — windowed co-occurrence
  counts, positive PMI with context smoothing, truncated SVD — and a document is the SIF-weighted
  average of its words' vectors (frequent words weigh less) with the corpus' first principal
  component removed. Adjacent word pairs are units with vectors of their own (``word_pairs``).
  Measured on online_shopping_10_cats (KMeans(10), evaluation rows): NMI 0.568 against
  0.478–0.513 for TF-IDF/LSA variants, before pairs (docs/benchmarks.md).
- ``sentence-transformers``: a local model directory given by config, for users who have a Chinese
  model (nothing is downloaded; the package is an optional extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import catalogue
import numpy as np

from voc_service.text.segment import token_pairs

topic_embeddings = catalogue.create("voc", "topic_embeddings")


class EmbeddingBackend(Protocol):
    name: str

    def fit(self, docs: Sequence[list[str]], texts: Sequence[str]) -> None: ...

    def embed(self, docs: Sequence[list[str]], texts: Sequence[str]) -> np.ndarray: ...

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]: ...


def _normalise(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (m / norms).astype(np.float32)


def features(words: Sequence[str], char_bigrams: bool) -> list[str]:
    """Words, plus the character bigrams inside each word of 3+ characters (marked with '#')."""
    out = list(words)
    if char_bigrams:
        for w in words:
            if len(w) >= 3:
                out.extend("#" + w[k : k + 2] for k in range(len(w) - 1))
    return out


@topic_embeddings.register("tfidf-lsa")
class TfidfLsa:
    name = "tfidf-lsa"

    def __init__(
        self,
        dims: int = 200,
        min_df: int = 3,
        max_df: float = 0.5,
        char_bigrams: bool = True,
        seed: int = 42,
    ) -> None:
        self.dims, self.min_df, self.max_df, self.char_bigrams, self.seed = dims, min_df, max_df, char_bigrams, seed
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, np.float32)
        self.components = np.zeros((0, 0), np.float32)  # dims x vocabulary

    def fit(self, docs: Sequence[list[str]], texts: Sequence[str]) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(
            analyzer=lambda d: features(d, self.char_bigrams),
            min_df=self.min_df,
            max_df=self.max_df,
            sublinear_tf=True,
            dtype=np.float32,
        )
        x = vec.fit_transform(docs)
        dims = max(1, min(self.dims, x.shape[1] - 1, x.shape[0] - 1))
        svd = TruncatedSVD(n_components=dims, random_state=self.seed, algorithm="randomized", n_iter=5)
        svd.fit(x)
        self.vocabulary = {w: int(i) for w, i in vec.vocabulary_.items()}
        self.idf = vec.idf_.astype(np.float32)
        self.components = svd.components_.astype(np.float32)

    def embed(self, docs: Sequence[list[str]], texts: Sequence[str]) -> np.ndarray:
        """Sparse TF-IDF rows (sublinear tf, L2) projected on the components, L2-normalised."""
        from scipy.sparse import csr_matrix

        vocab, rows, cols, vals = self.vocabulary, [], [], []
        for r, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for f in features(doc, self.char_bigrams):
                j = vocab.get(f)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts, np.int64, len(counts))
            w = (1.0 + np.log(np.fromiter(counts.values(), np.float32, len(counts)))) * self.idf[idx]
            w /= np.linalg.norm(w)
            rows.extend([r] * len(idx))
            cols.extend(idx.tolist())
            vals.extend(w.tolist())
        x = csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float32)
        return _normalise(np.asarray(x @ self.components.T))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        config = {
            "dims": self.dims, "min_df": self.min_df, "max_df": self.max_df,
            "char_bigrams": self.char_bigrams, "seed": self.seed, "vocabulary": words,
        }
        return config, {"idf": self.idf, "components": self.components}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> TfidfLsa:
        self = cls(config["dims"], config["min_df"], config["max_df"], config["char_bigrams"], config["seed"])
        self.vocabulary = {w: i for i, w in enumerate(config["vocabulary"])}
        self.idf, self.components = arrays["idf"], arrays["components"]
        if self.components.shape[1] != len(self.vocabulary) or self.idf.shape[0] != len(self.vocabulary):
            raise ValueError("topic model arrays do not match its vocabulary")
        return self


@topic_embeddings.register("ppmi-sif")
class PpmiSif:
    name = "ppmi-sif"

    def __init__(
        self,
        dims: int = 100,
        window: int = 5,
        min_count: int = 3,
        a: float = 1e-3,
        context_smoothing: float = 0.75,
        eigen_power: float = 0.5,
        remove_pc: bool = True,
        seed: int = 42,
        word_pairs: bool = True,
    ) -> None:
        self.dims, self.window, self.min_count, self.a = dims, window, min_count, a
        self.context_smoothing, self.eigen_power, self.remove_pc, self.seed = context_smoothing, eigen_power, remove_pc, seed
        self.word_pairs = word_pairs
        self.vocabulary: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), np.float32)  # SIF-weighted, unit word vectors (vocabulary x dims)
        self.pc = np.zeros((0, 0), np.float32)  # 1 x dims, or 0 x dims when not removed

    def fit(self, docs: Sequence[list[str]], texts: Sequence[str]) -> None:
        from scipy.sparse import coo_matrix, csr_matrix
        from sklearn.decomposition import TruncatedSVD

        docs = [self._units(doc) for doc in docs]
        counts: dict[str, int] = {}
        for doc in docs:
            for w in doc:
                counts[w] = counts.get(w, 0) + 1
        vocab = {w: i for i, w in enumerate(w for w, c in counts.items() if c >= self.min_count)}
        size = len(vocab)
        if size < 2:
            raise ValueError("too few words occur often enough to learn word vectors")
        freq = np.zeros(size, np.float64)
        rows: list[int] = []
        cols: list[int] = []
        for doc in docs:
            ids = [vocab[w] for w in doc if w in vocab]
            for i in ids:
                freq[i] += 1
            for k in range(1, self.window + 1):  # pairs k apart, both directions added below
                rows.extend(ids[:-k])
                cols.extend(ids[k:])
        r, c = np.asarray(rows, np.int32), np.asarray(cols, np.int32)
        m = coo_matrix((np.ones(len(r), np.float32), (r, c)), shape=(size, size)).tocsr()
        m = (m + m.T).tocoo()
        m.sum_duplicates()
        total = float(m.data.sum())
        row_sums = np.bincount(m.row, weights=m.data, minlength=size)
        ctx = np.bincount(m.col, weights=m.data, minlength=size) ** self.context_smoothing
        ctx /= ctx.sum()
        pmi = np.log(m.data / total) - np.log(row_sums[m.row] / total) - np.log(ctx[m.col])
        keep = pmi > 0
        ppmi = csr_matrix((pmi[keep].astype(np.float32), (m.row[keep], m.col[keep])), shape=(size, size))
        dims = max(1, min(self.dims, size - 1))
        svd = TruncatedSVD(n_components=dims, random_state=self.seed, algorithm="randomized", n_iter=5)
        us = svd.fit_transform(ppmi)  # U * S
        s = svd.singular_values_
        s[s == 0] = 1.0
        words = _normalise(us / s * s**self.eigen_power)
        p = freq / freq.sum()
        self.vocabulary = vocab
        self.vectors = (words * (self.a / (self.a + p))[:, None].astype(np.float32)).astype(np.float32)
        self.pc = np.zeros((0, dims), np.float32)
        if self.remove_pc:
            averaged = self._average(docs)
            self.pc = TruncatedSVD(1, random_state=self.seed).fit(averaged).components_.astype(np.float32)

    def _units(self, doc: list[str]) -> list[str]:
        """What a document is made of: its words, then (``word_pairs``) its adjacent word pairs.
        Why pairs: service conversations say what they are about in two-word phrases whose
        words are shared by several subjects (赠品 没收到 vs 送不送 赠品, 退款 成功 vs 申请 退款).
        A pair gets its own vector from the pairs and words around it. On generated
        conversations this moved the NMI of the served topics against the intents from
        0.65–0.73 to 0.81–0.82, and of an oracle that serves by the true intents' centroids
        from 0.78 to 0.87 (docs/benchmarks.md)."""
        if not self.word_pairs:
            return doc
        return doc + token_pairs(doc)

    def _average(self, docs: Sequence[list[str]]) -> np.ndarray:
        """SIF average of each document's units (``docs`` already expanded by ``_units``)."""
        from scipy.sparse import csr_matrix

        vocab, rows, cols, vals = self.vocabulary, [], [], []
        for r, doc in enumerate(docs):
            ids = [j for j in (vocab.get(w) for w in doc) if j is not None]
            if ids:
                rows.extend([r] * len(ids))
                cols.extend(ids)
                vals.extend([1.0 / len(ids)] * len(ids))
        x = csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float32)
        return np.asarray(x @ self.vectors)

    def embed(self, docs: Sequence[list[str]], texts: Sequence[str]) -> np.ndarray:
        e = self._average([self._units(doc) for doc in docs])
        if len(self.pc):
            e = e - (e @ self.pc.T) @ self.pc
        return _normalise(e)

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        config = {
            "dims": self.dims, "window": self.window, "min_count": self.min_count, "a": self.a,
            "context_smoothing": self.context_smoothing, "eigen_power": self.eigen_power,
            "remove_pc": self.remove_pc, "seed": self.seed, "word_pairs": self.word_pairs, "vocabulary": words,
        }
        return config, {"vectors": self.vectors, "pc": self.pc}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> PpmiSif:
        self = cls(
            config["dims"], config["window"], config["min_count"], config["a"], config["context_smoothing"],
            config["eigen_power"], config["remove_pc"], config["seed"],
            word_pairs=bool(config.get("word_pairs", False)),  # models saved before pairs had none
        )
        self.vocabulary = {w: i for i, w in enumerate(config["vocabulary"])}
        self.vectors, self.pc = arrays["vectors"], arrays["pc"]
        if self.vectors.shape[0] != len(self.vocabulary):
            raise ValueError("topic model arrays do not match its vocabulary")
        return self


@topic_embeddings.register("sentence-transformers")
class SentenceTransformers:
    """A local sentence-transformers model directory (``path``); embeds the customer's raw text.
    Needs the optional ``sentence-transformers`` package (install the CPU torch first: see
    docs/topics.md). Nothing is downloaded: a missing directory is an error."""

    name = "sentence-transformers"

    def __init__(self, path: str, batch_size: int = 64) -> None:
        from pathlib import Path

        if not Path(path).is_dir():
            raise ValueError(f"sentence-transformers model directory {path!r} does not exist")
        self.path, self.batch_size = path, batch_size
        self._model = None

    def _load(self):  # noqa: ANN202 - a SentenceTransformer, imported only when this backend is used
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ValueError("the sentence-transformers backend needs the sentence-transformers package") from exc
            self._model = SentenceTransformer(self.path, device="cpu", local_files_only=True)
        return self._model

    def fit(self, docs: Sequence[list[str]], texts: Sequence[str]) -> None:
        self._load()

    def embed(self, docs: Sequence[list[str]], texts: Sequence[str]) -> np.ndarray:
        vectors = self._load().encode(list(texts), batch_size=self.batch_size, show_progress_bar=False)
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"path": self.path, "batch_size": self.batch_size}, {}

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> SentenceTransformers:
        return cls(config["path"], config.get("batch_size", 64))
