"""Embedding backends for topics, looked up by name in the ``topic_embeddings`` registry.

A backend turns documents into L2-normalised vectors. ``fit`` learns from the batch (TF-IDF
vocabulary, LSA components); ``state`` returns what must be saved as plain JSON + numpy arrays (no
pickle), ``from_state`` rebuilds it. The online path needs only numpy: the server never imports
scikit-learn's estimators or BERTopic to assign a topic.

- ``tfidf-lsa`` (default, offline, from what the install brings): TF-IDF over the customer's jieba
  words plus character bigrams inside them (robust to segmentation differences: 退款 / 退款了),
  sublinear tf, then a truncated SVD (latent semantic analysis).
- ``sentence-transformers``: a local model directory given by config, for users who have a Chinese
  model (nothing is downloaded; the package is an optional extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import catalogue
import numpy as np

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
