"""Topic documents, fitting (BERTopic with swappable parts), the served model's files and
assignment, stable ids across refits, and the `topic` stage."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from voc_service.config import Settings
from voc_service.domain import Role, TurnAnalysis
from voc_service.pipeline import Pipeline
from voc_service.synth import GeneratorConfig, generate
from voc_service.topics.commands import conversation_documents
from voc_service.topics.documents import DocumentBuilder
from voc_service.topics.fit import FitConfig, fit_topics
from voc_service.topics.model import OUTLIER, TopicModel

FAST = {"reduction": "none", "clustering": "kmeans", "reduce_outliers": False}


@pytest.fixture(scope="module")
def corpus() -> tuple[list[list[str]], list[str], list[str]]:
    """900 generated conversations as topic documents, with their intents."""
    items = list(generate(GeneratorConfig(seed=3, days=1, conversations_per_day=900)))
    docs, texts, rejected = conversation_documents(g.conversation for g in items)
    assert rejected == 0
    return docs, texts, [g.labels.intent for g in items]


def test_documents_keep_the_customers_chinese_content_words() -> None:
    turns = [
        TurnAnalysis(0, Role.CUSTOMER, "", tokens=["亲", "，", "nova", "12", "屏幕", "碎", "了", "<PHONE>", "退款"]),
        TurnAnalysis(1, Role.AGENT, "", tokens=["您好", "很", "高兴", "为您服务"]),
    ]
    assert DocumentBuilder().of_turns(turns) == ["屏幕", "碎", "退款"]


def test_fit_finds_topics_with_chinese_keywords(corpus) -> None:
    docs, texts, intents = corpus
    model, labels = fit_topics(docs, texts, FitConfig(clustering_params={"n_clusters": 10}, **FAST))
    assert len(model.topics) == 10 and len(labels) == len(docs)
    for topic in model.topics:
        assert topic.keywords and all(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w, _ in topic.keywords)
        assert topic.label == "_".join(w for w, _ in topic.keywords[:4]) and topic.examples
    # the topics say something about what customers want (far better than chance, ~0)
    assert normalized_mutual_info_score(intents, labels) > 0.25


def test_nr_topics_reduces_to_that_many_topics(corpus) -> None:
    """`--nr-topics K` gives K topics (BERTopic's reduction), also when near-twin merging is on
    (a merge at cosine 0 would otherwise leave fewer: 5 before this was fixed)."""
    docs, texts, _ = corpus
    for extra in ({}, {"refine_rounds": 2, "merge_similarity": 0.0}):
        model, labels = fit_topics(docs, texts, FitConfig(clustering_params={"n_clusters": 14}, nr_topics=8, **FAST, **extra))
        assert len(model.topics) == 8 and set(labels) <= {t.id for t in model.topics} | {OUTLIER}, extra
    merged, _ = fit_topics(docs, texts, FitConfig(clustering_params={"n_clusters": 14}, refine_rounds=2, merge_similarity=0.0, **FAST))
    assert len(merged.topics) < 8  # the merge itself does work without nr_topics


def test_saved_model_loads_without_pickle_and_assigns_the_same(corpus, tmp_path: Path) -> None:
    docs, texts, _ = corpus
    model, _ = fit_topics(docs, texts, FitConfig(clustering_params={"n_clusters": 8}, **FAST))
    version = model.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.version == version and version.startswith("topics@")
    a = [(x.topic_id, round(x.probability, 5)) for x in model.assign(docs[:200], texts[:200])]
    b = [(x.topic_id, round(x.probability, 5)) for x in loaded.assign(docs[:200], texts[:200])]
    assert a == b
    with np.load(tmp_path / "m" / "model.npz", allow_pickle=False) as npz:  # plain arrays only
        assert "centroids" in npz.files
    (tmp_path / "m" / "model.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="format"):
        TopicModel.load(tmp_path / "m")
    with pytest.raises(ValueError, match="not a topic model directory"):
        TopicModel.load(tmp_path / "missing")


def test_outliers_and_empty_documents(corpus) -> None:
    docs, texts, _ = corpus
    model, _ = fit_topics(docs, texts, FitConfig(clustering_params={"n_clusters": 6}, **FAST))
    got = model.assign([[], ["完全", "无关", "火星"], docs[0]], ["", "完全无关火星", texts[0]])
    assert got[0].topic_id == OUTLIER and got[0].probability == 0.0
    assert got[1].topic_id == OUTLIER  # no known word: nothing to go on
    assert got[2].topic_id != OUTLIER and 0 < got[2].probability <= 1


def test_refit_keeps_topic_ids(corpus) -> None:
    docs, texts, _ = corpus
    first, labels1 = fit_topics(docs, texts, FitConfig(seed=1, clustering_params={"n_clusters": 10}, **FAST))
    second, labels2 = fit_topics(
        docs, texts, FitConfig(seed=2, clustering_params={"n_clusters": 10}, **FAST), previous=first
    )
    same = sum(1 for a, b in zip(labels1, labels2, strict=True) if a == b) / len(labels1)
    # the ids are the best one-to-one renaming there is: no other mapping of the new clusters to
    # the old ids keeps more conversations on their id (how stable the clustering itself is across
    # seeds is the bench's business: bench/bench_topics.py)
    from scipy.optimize import linear_sum_assignment

    a_ids, b_ids = sorted(set(labels1)), sorted(set(labels2))
    table = np.array([[sum(1 for x, y in zip(labels1, labels2) if x == a and y == b) for b in b_ids] for a in a_ids])
    rows, cols = linear_sum_assignment(-table)
    best = table[rows, cols].sum() / len(labels1)
    assert same >= best - 0.02, (same, best)
    kinds = [x.kind for x in second.lineage]
    assert kinds.count("kept") + kinds.count("merged") >= 5 and all(k in {"kept", "merged", "split", "new", "retired"} for k in kinds)


def test_topic_stage_assigns_from_the_configured_model(corpus, tmp_path: Path) -> None:
    docs, texts, _ = corpus
    model, _ = fit_topics(docs, texts, FitConfig(clustering_params={"n_clusters": 8}, **FAST))
    version = model.save(tmp_path / "m")
    pipeline = Pipeline.from_settings(Settings(topic_model=tmp_path / "m"))
    conv = next(generate(GeneratorConfig(seed=9, days=1, conversations_per_day=20))).conversation
    analysis = pipeline.analyze(conv)
    assert analysis.topic is not None and analysis.topic.model_version == version
    assert analysis.versions["topic"] == version
    assert analysis.topic.outlier or analysis.topic.label in {t.label for t in model.topics}
    no_model = Pipeline.from_settings(Settings())
    assert no_model.analyze(conv).topic is None and no_model.versions["topic"] == "none"


def test_cli_fit_writes_a_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from google.protobuf import json_format

    from voc_service.api.convert import conversation_to_pb
    from voc_service.cli import main

    src = tmp_path / "c.jsonl"
    items = generate(GeneratorConfig(seed=4, days=1, conversations_per_day=400))
    src.write_text(
        "".join(json.dumps(json_format.MessageToDict(conversation_to_pb(g.conversation)), ensure_ascii=False) + "\n"
                for g in items),
        encoding="utf-8",
    )
    assert main(["topics", "fit", "--jsonl", str(src), "--model-dir", str(tmp_path / "m")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["topics"] >= 2 and out["version"] == TopicModel.load(tmp_path / "m").version
    assert main(["topics", "fit", "--jsonl", str(src), "--model-dir", str(tmp_path / "x"), "--nr-topics", "0"]) == 2


def test_fit_sample_assigns_the_rest_like_the_served_model(corpus) -> None:
    docs, texts, _ = corpus
    model, labels = fit_topics(docs, texts, FitConfig(fit_sample=300, clustering_params={"n_clusters": 6}, **FAST))
    assert len(labels) == len(docs) and sum(t.size for t in model.topics) == sum(1 for x in labels if x != OUTLIER)
    served = [a.topic_id for a in model.assign(docs, texts)]
    assert sum(1 for a, b in zip(labels, served, strict=True) if a == b) / len(docs) > 0.9


def test_topics_per_class_describes_each_topic_within_its_biggest_skus() -> None:
    items = list(generate(GeneratorConfig(seed=4, days=1, conversations_per_day=700, n_skus=20)))
    skus: list[str] = []
    docs, texts, _ = conversation_documents((g.conversation for g in items), skus=skus)
    assert len(skus) == len(docs) and all(skus)
    config = FitConfig(clustering_params={"n_clusters": 5}, max_classes=8, classes_per_topic=3, **FAST)
    model, labels = fit_topics(docs, texts, config, classes=skus)
    biggest = {s for s, _ in Counter(skus).most_common(8)}
    assert any(t.classes for t in model.topics)
    for t in model.topics:
        assert len(t.classes) <= 3 and {c["class"] for c in t.classes} <= biggest
        counts = [c["count"] for c in t.classes]
        assert counts == sorted(counts, reverse=True)
        for c in t.classes:  # the count is the topic's documents of that SKU
            assert c["count"] == sum(1 for s, lab in zip(skus, labels, strict=True) if s == c["class"] and lab == t.id)
            assert c["keywords"] and all(k.strip() for k in c["keywords"])
    again = TopicModel.from_files(model.to_files())
    assert [t.classes for t in again.topics] == [t.classes for t in model.topics]


def test_a_refit_can_fold_chance_splits_back_into_their_topic(corpus) -> None:
    docs, texts, _ = corpus
    first, labels1 = fit_topics(docs, texts, FitConfig(seed=1, clustering_params={"n_clusters": 8}, **FAST))
    over = {"clustering_params": {"n_clusters": 12}, **FAST}  # the refit cuts the same subjects finer
    plain, labels2 = fit_topics(docs, texts, FitConfig(seed=2, **over), previous=first)
    folded, labels3 = fit_topics(docs, texts, FitConfig(seed=2, fold_similarity=0.0, **over), previous=first)
    same = [sum(a == b for a, b in zip(labels1, got)) / len(labels1) for got in (labels2, labels3)]
    splits = [sum(x.kind == "split" for x in m.lineage) for m in (plain, folded)]
    assert splits[0] >= 2 and splits[1] < splits[0], splits
    assert len(folded.topics) < len(plain.topics) and same[1] > same[0] + 0.05, same
    # with a similarity no split reaches, the option changes nothing
    strict, labels4 = fit_topics(docs, texts, FitConfig(seed=2, fold_similarity=1.01, **over), previous=first)
    assert labels4 == labels2 and len(strict.topics) == len(plain.topics)


def test_ppmi_sif_word_pairs_tell_apart_subjects_that_share_their_words() -> None:
    """Two subjects with the same words in another order (赠品 没收到 / 没收到 … 送 赠品 吗): a bag of
    words cannot tell them apart, adjacent pairs can. Models saved before pairs load without them."""
    from voc_service.topics.embedding import PpmiSif

    rng = np.random.default_rng(4)
    filler = ["请问", "订单", "帮忙", "看看", "一下", "今天", "那个", "东西", "我的", "麻烦"]

    def doc(subject: int) -> list[str]:
        core = ["赠品", "没收到"] if subject == 0 else ["没收到", "赠品"]
        words = list(rng.choice(filler, 3)) + core + list(rng.choice(filler, 3))
        return [str(w) for w in words]

    subjects = [i % 2 for i in range(400)]
    docs = [doc(s) for s in subjects]
    texts = ["".join(d) for d in docs]
    y = np.array(subjects)

    def separation(backend: PpmiSif) -> float:
        backend.fit(docs, texts)
        e = backend.embed(docs, texts)
        c = np.vstack([e[y == k].mean(0) for k in (0, 1)])
        return float(((e @ c.T).argmax(1) == y).mean())

    assert separation(PpmiSif(dims=10, min_count=2, word_pairs=False)) < 0.7
    with_pairs = PpmiSif(dims=10, min_count=2)
    assert separation(with_pairs) > 0.95
    config, arrays = with_pairs.state()
    assert config["word_pairs"] is True and any("\x01" in w for w in config["vocabulary"])
    np.testing.assert_allclose(PpmiSif.from_state(config, arrays).embed(docs[:20], texts[:20]), with_pairs.embed(docs[:20], texts[:20]))
    old = {k: v for k, v in config.items() if k != "word_pairs"}  # a file written before pairs
    assert PpmiSif.from_state(old, arrays).word_pairs is False
