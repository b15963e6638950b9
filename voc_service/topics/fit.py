"""Batch fit: BERTopic over the customer side of conversations, turned into a served TopicModel.

One BERTopic pipeline of swappable parts, each looked up by name (config, not if-chains):
embedding (``topic_embeddings``), reduction (``topic_reductions``), clustering
(``topic_clusterings``) and the c-TF-IDF representation over jieba words with the project's
stopwords. BERTopic is imported only here: the server never needs it.

Topic ids stay stable across refits: the new clusters are matched one-to-one to the previous
model's topics by the documents they share (the previous model assigns the same documents), so a
topic keeps its id when it keeps its conversations; the lineage says kept / split / merged / new /
retired, and a "new" topic is what the insights issue reports as an emerging subject.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import catalogue
import numpy as np

from voc_service.topics.embedding import topic_embeddings
from voc_service.topics.model import OUTLIER, Lineage, Topic, TopicModel

log = logging.getLogger(__name__)

topic_reductions = catalogue.create("voc", "topic_reductions")
topic_clusterings = catalogue.create("voc", "topic_clusterings")

# Jaccard of shared documents from which a matched cluster keeps the old id. Low, because the
# matching is one-to-one: a weak match can only win when nothing else claims that old topic.
KEEP_OVERLAP = 0.1


@topic_reductions.register("umap")
def _umap(seed: int, n_neighbors: int = 15, n_components: int = 5, min_dist: float = 0.0, metric: str = "cosine"):  # noqa: ANN202
    from umap import UMAP

    return UMAP(
        n_neighbors=n_neighbors, n_components=n_components, min_dist=min_dist, metric=metric, random_state=seed,
        low_memory=True,
    )


@topic_reductions.register("none")
def _no_reduction(seed: int):  # noqa: ANN202
    from bertopic.dimensionality import BaseDimensionalityReduction

    return BaseDimensionalityReduction()


@topic_clusterings.register("hdbscan")
def _hdbscan(  # noqa: ANN202
    seed: int, n_docs: int, min_cluster_share: float = 0.03, min_cluster_size: int | None = None,
    min_samples: int = 10, method: str = "leaf",
):
    """``leaf`` clusters: on these embeddings ``eom`` often collapsed to 4 clusters, one of them
    giant. The minimum cluster size scales with the batch (3 % of it unless given; 2.5 % before
    word pairs: with pairs, 3 % kept every seed pair of two generated data sets at >= 92 % refit
    stability against 86–90 % at 2.5 %, docs/benchmarks.md). A subject needs 3 % of the batch
    (of the fit sample: 900 of 30,000 conversations) to become a topic of its own."""
    from hdbscan import HDBSCAN

    size = min_cluster_size or max(10, round(min_cluster_share * n_docs))
    return HDBSCAN(
        min_cluster_size=size, min_samples=min(min_samples, size), metric="euclidean",
        cluster_selection_method=method, prediction_data=False,
    )


@topic_clusterings.register("kmeans")
def _kmeans(seed: int, n_docs: int, n_clusters: int = 20):  # noqa: ANN202
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=n_clusters, random_state=seed, n_init=4)


@dataclass(slots=True)
class FitConfig:
    name: str = "topics"
    embedding: str = "ppmi-sif"
    embedding_params: dict[str, Any] = field(default_factory=dict)
    reduction: str = "umap"
    reduction_params: dict[str, Any] = field(default_factory=dict)
    clustering: str = "hdbscan"
    clustering_params: dict[str, Any] = field(default_factory=dict)
    nr_topics: int | None = None  # reduce to this many topics (BERTopic.reduce_topics)
    reduce_outliers: bool = True  # give outliers to the most similar topic when close enough
    outlier_similarity: float = 0.3  # at fit: cosine to a topic's c-TF-IDF embedding needed to join it
    # Served threshold: the cosine to the nearest centroid under which a new conversation is an
    # outlier, set at this quantile of the fitted members' own cosines (2 %: a conversation less
    # like its topic than 98 % of the topic's own members is called an outlier).
    served_quantile: float = 0.02
    # Rounds of nearest-centroid reassignment of the clustered documents in embedding space (0 = off)
    # and the cosine above which two clusters' centroids merge them (None = never; not with
    # nr_topics, which fixes the number of topics). With word pairs in the embedding, near-twin
    # clusters of one subject sit at cosine 0.58–0.83 (a review category split in two) and the
    # closest distinct subjects at <= 0.50 (computers and phones), so twins merge at 0.55. Measured
    # with 4 seeds on two generated data sets and 3 seeds on the reviews (docs/benchmarks.md,
    # "Word pairs"); before pairs, merging at 0.4 helped one data set and hurt the other. The
    # reassignment stays off: one round made a refit find a second, spurious "new" topic (service
    # praise, 高_效率_点_服务) beside the new intent.
    refine_rounds: int = 0
    merge_similarity: float | None = 0.55
    # Refit only: a cluster whose documents the previous model puts mostly (>= half) in one old
    # topic folds into the cluster that holds more of that topic's documents, when their centroids
    # are at least this alike (cosine; None: never). A seed splits a subject by chance; a subject
    # the previous model did not know (its documents were outliers to it) stays apart.
    fold_similarity: float | None = None
    # Reduction and clustering are fitted on at most this many documents (a random sample; None:
    # all); the others get the served assignment. UMAP and HDBSCAN grow faster than linearly: on
    # 100,000 conversations they were most of a 309 s fit.
    fit_sample: int | None = 30000
    max_classes: int = 50  # topics_per_class: classes (SKUs) described, the biggest
    classes_per_topic: int = 10  # topics_per_class: classes kept per topic (most documents first)
    top_n_words: int = 10
    min_df: int = 1  # c-TF-IDF is fitted on one document per topic: a higher value drops topic-specific words
    seed: int = 42
    examples: int = 3


def fit_topics(
    docs: Sequence[list[str]],
    texts: Sequence[str],
    config: FitConfig,
    previous: TopicModel | None = None,
    classes: Sequence[str] | None = None,
) -> tuple[TopicModel, list[int]]:
    """Fit on ``docs`` (customer words per conversation) and return the served model and each
    document's topic id (OUTLIER for documents no topic took). ``classes`` (one per document, e.g.
    its SKU) adds BERTopic's topics_per_class: per topic, its biggest classes with the words that
    describe the topic within each.

    The embedding learns from every document; reduction and clustering (the superlinear part:
    UMAP's neighbour graph, HDBSCAN) run on at most ``config.fit_sample`` of them, drawn at
    random, and the rest get their topic the way the served model gives it (nearest centroid,
    threshold applied), so a big batch costs little more than the sample."""
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < 10:
        raise ValueError(f"too few documents with customer words to fit topics ({len(keep)})")
    kdocs, ktexts = [docs[i] for i in keep], [texts[i] for i in keep]
    backend = topic_embeddings.get(config.embedding)(**config.embedding_params)
    backend.fit(kdocs, ktexts)
    emb = backend.embed(kdocs, ktexts)
    sample = _sample(len(kdocs), config.fit_sample, config.seed)
    sdocs, stexts, semb = [kdocs[i] for i in sample], [ktexts[i] for i in sample], emb[sample]
    bt, labels = _cluster(sdocs, semb, config)
    old = _previous_view(previous, sdocs, stexts)
    if old is not None and config.fold_similarity is not None:
        folded = _fold_splits(labels, semb, old.verdict, config.fold_similarity)
        if folded != labels:
            labels = folded
            _describe(bt, sdocs, labels, config)
    clusters = sorted(set(labels) - {OUTLIER})
    members = {c: np.flatnonzero(np.asarray(labels) == c) for c in clusters}
    centroids = {c: _unit(semb[m].mean(axis=0)) for c, m in members.items()}
    ids = _stable_ids(clusters, members, previous, old)
    topics, rows = [], []
    for c in clusters:
        words = [(w, float(s)) for w, s in (bt.get_topic(c) or []) if w][: config.top_n_words]
        closest = members[c][np.argsort(-(semb[members[c]] @ centroids[c]))[: config.examples]]
        topics.append(
            Topic(ids.new[c], "_".join(w for w, _ in words[:4]), words, len(members[c]), [stexts[i] for i in closest])
        )
        rows.append(centroids[c])
    if classes is not None:
        per_class = _topics_per_class(bt, sdocs, [classes[keep[i]] for i in sample], config)
        for t, c in zip(topics, clusters, strict=True):
            t.classes = per_class.get(c, [])
    topics_order = np.argsort([t.id for t in topics])
    topics = [topics[i] for i in topics_order]
    centroid_matrix = np.vstack([rows[i] for i in topics_order]) if rows else np.zeros((0, emb.shape[1]), np.float32)
    member_cos = np.concatenate([semb[m] @ centroids[c] for c, m in members.items()]) if members else np.zeros(1)
    threshold = float(np.quantile(member_cos, config.served_quantile))
    model = TopicModel(
        config.name, backend, topics, centroid_matrix, threshold,
        lineage=ids.lineage, previous_version=previous.version if previous is not None else "",
    )
    kept_labels = _all_labels(model, emb, sample, [ids.new[x] if x != OUTLIER else OUTLIER for x in labels])
    sizes = Counter(kept_labels)
    for t in model.topics:
        t.size = sizes.get(t.id, 0)
    out = [OUTLIER] * len(docs)
    for pos, i in enumerate(keep):
        out[i] = kept_labels[pos]
    return model, out


def _topics_per_class(bt: Any, docs: Sequence[list[str]], classes: list[str], config: FitConfig) -> dict[int, list[dict]]:
    """BERTopic.topics_per_class over the ``config.max_classes`` biggest classes (one c-TF-IDF per
    class: BERTopic advises under 100), the rest pooled and left out: cluster label -> the classes
    with most of its documents, each with its count and the topic's words within that class."""
    top = {c for c, _ in Counter(x for x in classes if x).most_common(config.max_classes)}
    other = "\x00other"
    labelled = [c if c in top else other for c in classes]
    table = bt.topics_per_class([" ".join(d) for d in docs], classes=labelled)
    out: dict[int, list[dict]] = {}
    for row in table.sort_values("Frequency", ascending=False).itertuples():
        if row.Class == other or row.Topic == OUTLIER:
            continue
        items = out.setdefault(int(row.Topic), [])
        if len(items) < config.classes_per_topic:
            words = [w.strip() for w in str(row.Words).split(",") if w.strip()]
            items.append({"class": str(row.Class), "count": int(row.Frequency), "keywords": words[:6]})
    return out


def _sample(n: int, size: int | None, seed: int) -> np.ndarray:
    """Positions of the documents the reduction and clustering are fitted on: all of them, or a
    random ``size`` of them (sorted, so the fit sees them in batch order)."""
    if size is None or n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def _all_labels(model: TopicModel, emb: np.ndarray, sample: np.ndarray, sample_ids: list[int]) -> list[int]:
    """Topic ids of every document: the clustering's for the sample, the served assignment's
    (nearest centroid, threshold applied) for the rest."""
    out = [OUTLIER] * len(emb)
    for pos, topic_id in zip(sample.tolist(), sample_ids, strict=True):
        out[pos] = topic_id
    rest = np.setdiff1d(np.arange(len(emb)), sample)
    for pos, a in zip(rest.tolist(), model.assign_vectors(emb[rest]), strict=True):
        out[pos] = a.topic_id
    return out


def _cluster(docs: Sequence[list[str]], emb: np.ndarray, config: FitConfig) -> tuple[Any, list[int]]:
    """BERTopic (reduction, clustering, c-TF-IDF) on precomputed embeddings; the fitted BERTopic
    (for the topics' words) and each document's cluster label."""
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer

    joined = [" ".join(d) for d in docs]
    vectorizer = _vectorizer(config)
    bt = BERTopic(
        embedding_model=None,
        umap_model=topic_reductions.get(config.reduction)(config.seed, **config.reduction_params),
        hdbscan_model=topic_clusterings.get(config.clustering)(config.seed, len(docs), **config.clustering_params),
        vectorizer_model=vectorizer,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=config.top_n_words,
        calculate_probabilities=False,
        # not "english" (the default): BERTopic then strips every non-ASCII character before
        # c-TF-IDF, which leaves Chinese topics described by product codes only
        language="multilingual",
    )
    labels = list(bt.fit_transform(joined, embeddings=emb)[0])
    if config.nr_topics is not None:  # BERTopic counts the outlier topic in nr_topics
        bt.reduce_topics(joined, nr_topics=config.nr_topics + (1 if OUTLIER in labels else 0), use_ctfidf=False)
        labels = list(bt.topics_)
    changed = False
    if config.reduce_outliers and OUTLIER in labels:
        labels = list(
            bt.reduce_outliers(
                joined, labels, strategy="embeddings", embeddings=emb, threshold=config.outlier_similarity
            )
        )
        changed = True
    # with nr_topics the user chose how many topics there are: merging near-twins would undo it
    merge = config.merge_similarity if config.nr_topics is None else None
    if config.refine_rounds or merge is not None:
        labels = _refine(labels, emb, config.refine_rounds, merge)
        changed = True
    if changed:
        _describe(bt, docs, labels, config)
    return bt, labels


def _vectorizer(config: FitConfig) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, min_df=config.min_df)


def _describe(bt: Any, docs: Sequence[list[str]], labels: list[int], config: FitConfig) -> None:
    """c-TF-IDF words of the clusters as ``labels`` now has them."""
    bt.update_topics([" ".join(d) for d in docs], topics=labels, vectorizer_model=_vectorizer(config),
                     top_n_words=config.top_n_words)


def _fold_splits(labels: list[int], emb: np.ndarray, verdict: np.ndarray, min_cos: float) -> list[int]:
    """FitConfig.fold_similarity: clusters that split one old topic fold back into its main one
    (``verdict``: the previous model's topic of each document)."""
    lab = np.asarray(labels)
    ids, cent = _centroids(lab, emb)
    row = {c: k for k, c in enumerate(ids.tolist())}
    parent: dict[int, int] = {}
    main: dict[int, tuple[int, int]] = {}  # old topic -> (cluster holding most of its documents, how many)
    for c in row:
        members = lab == c
        old, n = Counter(verdict[members].tolist()).most_common(1)[0]
        if old != OUTLIER and n >= 0.5 * members.sum():
            parent[c] = old
            if old not in main or n > main[old][1]:
                main[old] = (c, n)
    out = lab.copy()
    for c, old in parent.items():
        home = main[old][0]
        cos = float(cent[row[c]] @ cent[row[home]])
        if home != c and cos >= min_cos:
            log.info("refit: cluster %d folds into %d (old topic %d, centroid cosine %.2f)", c, home, old, cos)
            out[lab == c] = home
    return out.tolist()


def _refine(labels: list[int], emb: np.ndarray, rounds: int, merge_similarity: float | None) -> list[int]:
    """Make the clustering a fixed point of the served assignment: clustered documents move to
    their nearest centroid (at most ``rounds`` times), and two clusters whose centroids are more
    alike than ``merge_similarity`` (cosine) become one, then the documents move again. Near-twin
    clusters split one subject by chance (which words a UMAP seed happened to pull apart) and
    took turns across refits; the reassignment keeps the fit's labels what the served model says."""
    lab = np.asarray(labels)
    clustered = lab != OUTLIER
    while True:
        for _ in range(rounds):
            ids, cent = _centroids(lab, emb)
            new = ids[(emb[clustered] @ cent.T).argmax(axis=1)]
            if np.array_equal(new, lab[clustered]):
                break
            lab[clustered] = new
        ids, cent = _centroids(lab, emb)
        if merge_similarity is None or len(ids) < 3:
            return lab.tolist()
        sims = cent @ cent.T
        np.fill_diagonal(sims, -1.0)
        i, j = np.unravel_index(np.argmax(sims), sims.shape)
        if sims[i, j] < merge_similarity:
            return lab.tolist()
        lab[lab == ids[max(i, j)]] = ids[min(i, j)]


def _centroids(lab: np.ndarray, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(lab[lab != OUTLIER])
    return ids, np.vstack([_unit(emb[lab == c].mean(axis=0)) for c in ids])


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return (v / n if n else v).astype(np.float32)


@dataclass(slots=True)
class _Ids:
    new: dict[int, int]  # cluster label -> served topic id
    lineage: list[Lineage]


@dataclass(slots=True)
class _PreviousView:
    """Where the previous model puts each sampled document: its nearest topic (threshold ignored)
    and its own verdict (threshold applied: OUTLIER for what it would not take)."""

    nearest: np.ndarray
    verdict: np.ndarray


def _previous_view(previous: TopicModel | None, docs: Sequence[list[str]], texts: Sequence[str]) -> _PreviousView | None:
    if previous is None or not previous.topics:
        return None
    vectors = previous.backend.embed(docs, texts)  # once, for the lineage and the folds
    return _PreviousView(previous.nearest(vectors), np.array([a.topic_id for a in previous.assign_vectors(vectors)]))


def _stable_ids(
    clusters: list[int],
    members: dict[int, np.ndarray],
    previous: TopicModel | None,
    old: _PreviousView | None,
) -> _Ids:
    """One-to-one matching of the new clusters to the previous topics by shared documents
    (Jaccard), solved as an assignment problem; unmatched clusters get fresh ids."""
    if previous is None or old is None:  # old is None also for a previous model with no topic
        return _Ids({c: k for k, c in enumerate(clusters)}, [Lineage("new", k) for k in range(len(clusters))])
    from scipy.optimize import linear_sum_assignment

    # the previous model's own verdict: a cluster of documents it would call outliers is a new
    # subject, one of documents it gave to a topic is a split of that topic
    old_of_doc, old_verdict = old.nearest, old.verdict
    old_ids = [t.id for t in previous.topics]
    old_sizes = {o: int(np.sum(old_of_doc == o)) for o in old_ids}
    jac = np.zeros((len(clusters), len(old_ids)))
    share: dict[int, Counter[int]] = {}
    for r, c in enumerate(clusters):
        got = Counter(old_of_doc[members[c]].tolist())
        share[c] = got
        for k, o in enumerate(old_ids):
            inter = got.get(o, 0)
            union = len(members[c]) + old_sizes[o] - inter
            jac[r, k] = inter / union if union else 0.0
    rows, cols = linear_sum_assignment(-jac)
    new: dict[int, int] = {}
    lineage: list[Lineage] = []
    matched_old: set[int] = set()
    for r, k in zip(rows, cols, strict=True):
        if jac[r, k] >= KEEP_OVERLAP:
            new[clusters[r]] = old_ids[k]
            matched_old.add(old_ids[k])
    next_id = max([*old_ids, *(x.topic_id for x in previous.lineage)], default=-1) + 1
    for c in clusters:
        if c in new:
            sources = [o for o, n in share[c].items() if o != OUTLIER and n >= 0.3 * max(1, old_sizes.get(o, 0))]
            kind = "merged" if len(sources) > 1 else "kept"
            lineage.append(Lineage(kind, new[c], sorted(set(sources) | {new[c]})))
            continue
        new[c] = next_id
        next_id += 1
        # most of its documents belonged to one old topic that lives on under its id: a split;
        # most were outliers to the previous model: a new subject
        top = Counter(old_verdict[members[c]].tolist()).most_common(1)
        parent = top[0][0] if top and top[0][0] != OUTLIER and top[0][1] >= 0.5 * len(members[c]) else None
        lineage.append(Lineage("split", new[c], [parent]) if parent is not None else Lineage("new", new[c]))
    lineage.extend(Lineage("retired", o) for o in old_ids if o not in matched_old)
    return _Ids(new, lineage)
