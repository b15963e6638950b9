"""The served topic model: an embedding backend, one centroid per topic, keywords and lineage.

Assignment is a nearest-centroid lookup (one matrix product per batch), so it runs at thousands of
conversations a second on one core without BERTopic, UMAP or numba in the serving process.

Files: ``model.json`` (config, topics, lineage) + ``model.npz`` (arrays, loaded with
allow_pickle=False): a model directory from anywhere can be loaded without running its code.
The version is ``<name>@<sha256 of both files, 12 hex>``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from voc_service.topics.embedding import EmbeddingBackend, topic_embeddings

OUTLIER = -1
FORMAT = 1


@dataclass(slots=True)
class Topic:
    id: int
    label: str
    keywords: list[tuple[str, float]]
    size: int
    examples: list[str] = field(default_factory=list)  # redacted customer text of representative conversations
    # BERTopic topics_per_class at fit time: [{"class": SKU, "count": n, "keywords": [...]}], biggest first
    classes: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class Lineage:
    """What happened to a topic at a refit: kept (same id), split, merged, new or retired."""

    kind: str
    topic_id: int
    previous_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Assignment:
    topic_id: int  # OUTLIER (-1) when no topic is close enough
    probability: float


class TopicModel:
    def __init__(
        self,
        name: str,
        backend: EmbeddingBackend,
        topics: list[Topic],
        centroids: np.ndarray,
        threshold: float,
        temperature: float = 0.05,
        lineage: list[Lineage] | None = None,
        previous_version: str = "",
        version: str = "",
    ) -> None:
        if centroids.shape[0] != len(topics):
            raise ValueError("one centroid per topic")
        self.name, self.backend, self.topics = name, backend, topics
        self.centroids = centroids.astype(np.float32)
        self.ids = np.array([t.id for t in topics], dtype=np.int64)
        self.threshold, self.temperature = threshold, temperature
        self.lineage = lineage or []
        self.previous_version = previous_version
        self.version = version
        self.by_id = {t.id: t for t in topics}

    def assign_vectors(self, vectors: np.ndarray) -> list[Assignment]:
        """Cosine to every centroid; the best topic with probability softmax(cos / temperature),
        or OUTLIER when even the best cosine is under the model's threshold (docs/topics.md)."""
        if not len(self.topics) or not len(vectors):
            return [Assignment(OUTLIER, 0.0) for _ in range(len(vectors))]
        sims = vectors @ self.centroids.T
        best = sims.argmax(axis=1)
        top = sims[np.arange(len(sims)), best]
        z = np.exp((sims - top[:, None]) / self.temperature)
        prob = 1.0 / z.sum(axis=1)
        empty = ~np.any(vectors, axis=1)
        return [
            Assignment(OUTLIER, 0.0) if e or t < self.threshold else Assignment(int(self.ids[b]), float(p))
            for b, t, p, e in zip(best, top, prob, empty, strict=True)
        ]

    def nearest(self, vectors: np.ndarray) -> np.ndarray:
        """The nearest topic id of each embedded document, threshold ignored (refit lineage needs
        where every document would go); OUTLIER only for documents with no known word."""
        if not len(self.topics):
            return np.full(len(vectors), OUTLIER)
        ids = self.ids[(vectors @ self.centroids.T).argmax(axis=1)]
        ids[~np.any(vectors, axis=1)] = OUTLIER
        return ids

    def assign(self, docs: Sequence[list[str]], texts: Sequence[str]) -> list[Assignment]:
        return self.assign_vectors(self.backend.embed(docs, texts))

    # --- files --------------------------------------------------------------------------------------

    def to_files(self) -> ModelFiles:
        config, arrays = self.backend.state()
        meta = {
            "format": FORMAT,
            "name": self.name,
            "embedding": {"backend": self.backend.name, "config": config},
            "threshold": self.threshold,
            "temperature": self.temperature,
            "previous_version": self.previous_version,
            "topics": [asdict(t) for t in self.topics],
            "lineage": [asdict(x) for x in self.lineage],
        }
        files = ModelFiles(
            json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
            _npz({"centroids": self.centroids, **{f"embedding.{k}": v for k, v in arrays.items()}}),
        )
        self.version = files.version(self.name)
        return files

    def save(self, directory: Path) -> str:
        self.to_files().write(directory)
        return self.version

    @classmethod
    def load(cls, directory: Path) -> TopicModel:
        directory = Path(directory)
        try:
            files = ModelFiles((directory / "model.json").read_bytes(), (directory / "model.npz").read_bytes())
        except OSError as exc:
            raise ValueError(f"{directory} is not a topic model directory: {exc}") from None
        return cls.from_files(files, str(directory))

    @classmethod
    def from_files(cls, files: ModelFiles, origin: str = "topic model") -> TopicModel:
        """Build from the two files' bytes (a directory or the store's registry); raises
        ValueError for anything that is not a complete model of this format."""
        try:
            meta = json.loads(files.meta.decode("utf-8"))
            with np.load(io.BytesIO(files.arrays), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{origin} is not a topic model: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            got = meta.get("format") if isinstance(meta, dict) else None
            raise ValueError(f"{origin}: topic model format {got!r}, expected {FORMAT}")
        try:
            return cls._from_parts(origin, meta, arrays, files.version(meta["name"]))
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"{origin}: incomplete topic model ({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_parts(cls, origin: str, meta: dict, arrays: dict[str, np.ndarray], version: str) -> TopicModel:
        emb = meta["embedding"]
        if emb["backend"] not in topic_embeddings.get_all():
            raise ValueError(f"{origin}: unknown embedding backend {emb['backend']!r}")
        backend = topic_embeddings.get(emb["backend"]).from_state(
            emb["config"], {k[len("embedding.") :]: v for k, v in arrays.items() if k.startswith("embedding.")}
        )
        topics = [
            Topic(
                t["id"], t["label"], [(w, float(s)) for w, s in t["keywords"]], t["size"], t.get("examples", []),
                t.get("classes", []),
            )
            for t in meta["topics"]
        ]
        lineage = [Lineage(x["kind"], x["topic_id"], x.get("previous_ids", [])) for x in meta.get("lineage", [])]
        return cls(
            meta["name"], backend, topics, arrays["centroids"], meta["threshold"], meta.get("temperature", 0.05),
            lineage, meta.get("previous_version", ""), version,
        )


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """A model's two files as bytes: what a directory holds and what the registry stores."""

    meta: bytes  # model.json
    arrays: bytes  # model.npz

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "model.npz").write_bytes(self.arrays)
        (directory / "model.json").write_bytes(self.meta)

    def version(self, name: str) -> str:
        """``<name>@<sha256 of both files, 12 hex>``: the same bytes give the same version anywhere."""
        digest = hashlib.sha256(self.meta)
        digest.update(self.arrays)
        return f"{name}@{digest.hexdigest()[:12]}"


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz that np.load reads (allow_pickle=False), byte-for-byte the same for the same arrays:
    np.savez stamps the current time into the zip, which would give one fit many versions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(arrays[key]), allow_pickle=False)
    return buf.getvalue()
