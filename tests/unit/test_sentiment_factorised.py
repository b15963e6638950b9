"""The factorised learner (fastText-style, numpy) and the word-pair models it writes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from voc_service.sentiment.factorised import FactorisedConfig, fit_factorised
from voc_service.sentiment.features import CharHasher
from voc_service.sentiment.model import SentimentModel, default_model_dir, load_model
from voc_service.sentiment.train import Corpus, TrainConfig, choose_rule_overrides, polarity_accuracy, train
from voc_service.text.segment import PAIR_JOIN, build_segmenter


def _toy(n: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Rows of 5 features out of 400; features 0-19 lean positive, 20-39 negative, the rest noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    cols = []
    for label in y:
        signal = rng.integers(0, 20, 2) + (0 if label else 20)
        cols.append(np.concatenate([signal, rng.integers(40, 400, 3)]))
    c = np.concatenate(cols)
    r = np.repeat(np.arange(n), 5)
    X = sp.csr_matrix((np.full(len(c), 1 / np.sqrt(5)), (r, c)), shape=(n, 400))
    return X, y, np.zeros((n, 4))


def test_learns_and_generalises_to_unseen_rows() -> None:
    X, y, L = _toy(2000, 1)
    Xt, yt, Lt = _toy(500, 2)
    folded = fit_factorised(X, np.ones(400), L, y, FactorisedConfig(dim=8, epochs=3, embed_lr=0.01, lr=0.01))
    assert folded.epochs == 3 and folded.monitor_accuracy is None
    assert ((folded.scores(Xt, Lt) > 0) == (yt == 1)).mean() > 0.95
    # the folded weights carry the signal: positive features weigh more than negative ones
    assert folded.weights[:20].mean() > 0 > folded.weights[20:40].mean()


def test_training_is_deterministic_and_the_monitor_chooses_the_epochs() -> None:
    X, y, L = _toy(600, 3)
    Xm, ym, Lm = _toy(300, 4)
    mon = (Xm, Lm, ym)
    cfg = FactorisedConfig(dim=8, epochs=4, embed_lr=0.01, lr=0.01, seeds=2)
    a = fit_factorised(X, np.ones(400), L, y, cfg, mon)
    b = fit_factorised(X, np.ones(400), L, y, cfg, mon)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.bias == b.bias and 1 <= a.epochs <= 4
    assert a.monitor_accuracy == ((a.scores(Xm, Lm) > 0) == (ym == 1)).mean()
    one = fit_factorised(X, np.ones(400), L, y, FactorisedConfig(dim=8, epochs=a.epochs, embed_lr=0.01, lr=0.01))
    assert not np.array_equal(one.weights, a.weights)  # two seeds averaged, not one


@pytest.mark.parametrize("field,value", [("epochs", 0), ("seeds", 0), ("dim", 0), ("dropout", 1.0)])
def test_bad_settings_are_refused(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        FactorisedConfig(**{field: value})
    with pytest.raises(ValueError, match="learner"):
        TrainConfig(learner="bert")


ITEMS = ["衣服", "手机", "耳机", "鞋子", "台灯", "背包", "水杯", "键盘", "充电器", "鼠标"]
GOOD = ["质量很好", "非常满意", "物超所值", "推荐购买", "做工精致", "发货很快", "好用"]
BAD = ["质量很差", "非常失望", "不推荐", "用了两天就坏了", "做工粗糙", "发货太慢", "不好用"]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    seg = build_segmenter("rjieba")
    rng = random.Random(5)
    texts, labels = [], []
    for _ in range(600):
        y = rng.random() < 0.5
        text = rng.choice(ITEMS) + "".join(rng.sample(GOOD if y else BAD, 2))
        texts.append(text)
        labels.append(int(y))
    return Corpus(texts, [seg.segment(t)[0] for t in texts], labels)


def test_factorised_model_uses_word_pairs_and_round_trips(corpus: Corpus, tmp_path: Path) -> None:
    lexicon = load_model(default_model_dir()).lexicon
    cfg = TrainConfig(learner="factorised", factorised=FactorisedConfig(dim=16, epochs=3, embed_lr=0.01))
    model, report = train("toy", corpus, lexicon, cfg)
    assert model.pairs and model.pair_weights and all(PAIR_JOIN in k for k in model.pair_weights)
    assert 1 <= model.meta["learned"]["epochs"] <= 3 and model.meta["config"]["learner"] == "factorised"
    assert report.calibration_accuracy > 0.95 and polarity_accuracy(model, corpus) > 0.95
    version = model.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text("utf-8"))
    assert doc["format"] == "voc-sentiment-linear/2" and doc["pairs"] is True
    again = load_model(tmp_path / "m")
    assert again.version == version and again.pairs
    items = list(zip(corpus.tokens[:50], corpus.texts[:50]))
    np.testing.assert_allclose(again.raw_scores(items), model.raw_scores(items), atol=2e-3)  # fp16 hash table


def test_pairs_count_in_the_score_and_in_the_normaliser() -> None:
    lexicon = load_model(default_model_dir()).lexicon
    hasher = CharHasher(bits=8, max_n=1)
    plain = SentimentModel("p", hasher, np.zeros(hasher.size, np.float32), {"好": 1.0}, 0.0, lexicon, (0, 0, 0, 0))
    paired = SentimentModel(
        "q", hasher, np.zeros(hasher.size, np.float32), {"好": 1.0}, 0.0, lexicon, (0, 0, 0, 0),
        pair_weights={"不" + PAIR_JOIN + "好": -3.0}, pairs=True,
    )
    tokens, text = ["不", "好"], "不好"
    n = len(hasher.buckets(text))
    assert plain.raw_score(tokens, text) == pytest.approx(1.0 / np.sqrt(n + 2))
    assert paired.raw_score(tokens, text) == pytest.approx((1.0 - 3.0) / np.sqrt(n + 2 + 1))


def test_logistic_models_are_still_written_in_the_first_format(tmp_path: Path) -> None:
    default = load_model(default_model_dir())
    default.save(tmp_path / "d")
    assert json.loads((tmp_path / "d" / "model.json").read_text("utf-8"))["format"] == "voc-sentiment-linear/1"


def test_rule_overrides_are_a_model_property_chosen_on_held_out_rows(tmp_path: Path) -> None:
    seg = build_segmenter("rjieba")
    model = load_model(default_model_dir())
    text = "不是很满意"
    tokens = seg.segment(text)[0]
    assert model.rule_overrides and model.decide(tokens, text).score < 0  # the negation rule decides
    held_out = Corpus([text] * 5, [tokens] * 5, [0] * 5)
    assert choose_rule_overrides(model, held_out) is True and model.rule_overrides  # they help here: kept
    assert choose_rule_overrides(model, Corpus([text] * 5, [tokens] * 5, [1] * 5)) is False  # they hurt
    model.rule_overrides = False
    assert model.decide(tokens, text).score > 0  # the n-grams alone read 很满意
    model.save(tmp_path / "off")
    doc = json.loads((tmp_path / "off" / "model.json").read_text("utf-8"))
    assert doc["rule_overrides"] is False and doc["format"] == "voc-sentiment-linear/2"
    assert load_model(tmp_path / "off").rule_overrides is False
