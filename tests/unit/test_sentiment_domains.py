"""Sentiment models trained with domains: per-domain word weights and the router that picks them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from voc_service.sentiment.domains import DomainError, DomainRouter, domain_indices, fit_router
from voc_service.sentiment.factorised import FactorisedConfig
from voc_service.sentiment.model import default_model_dir, load_model
from voc_service.sentiment.train import Corpus, TrainConfig, polarity_accuracy, train
from voc_service.text.segment import build_segmenter

# The same adjective is praise in one domain and a complaint in the other (a small charger, a
# small room). Fillers keep the item and the adjective further apart than any char 4-gram, so
# without domains no feature of the model sees both.
GADGETS = ["充电器", "耳机", "手机", "音箱", "键盘"]
ROOMS = ["房间", "客房", "卫生间", "阳台", "大床房"]
FILLERS = ["我觉得真的是", "说实话用起来", "总的来说感觉", "这次住下来看"]
SMALL, LARGE = "非常小巧", "特别宽敞"


def _corpus(n: int, seed: int, with_domains: bool) -> Corpus:
    seg = build_segmenter("rjieba")
    rng = random.Random(seed)
    texts, labels, domains = [], [], []
    for _ in range(n):
        room = rng.random() < 0.5
        small = rng.random() < 0.5
        texts.append(rng.choice(ROOMS if room else GADGETS) + rng.choice(FILLERS) + (SMALL if small else LARGE))
        labels.append(int(small != room))  # small gadgets and large rooms are good
        domains.append(int(room))
    c = Corpus(texts, [seg.segment(t)[0] for t in texts], labels)
    if with_domains:
        c.domains, c.domain_names = domains, ("gadget", "room")
    return c


CFG = TrainConfig(learner="factorised", factorised=FactorisedConfig(dim=16, epochs=4, embed_lr=0.01))


@pytest.fixture(scope="module")
def lexicon():
    return load_model(default_model_dir()).lexicon


def test_domains_learn_what_one_weight_per_word_cannot(lexicon) -> None:
    test = _corpus(300, 2, with_domains=False)
    plain, _ = train("plain", _corpus(1200, 1, with_domains=False), lexicon, CFG)
    routed, _ = train("routed", _corpus(1200, 1, with_domains=True), lexicon, CFG)
    assert polarity_accuracy(plain, test) < 0.75  # 小巧 is good or bad depending on what is small
    assert polarity_accuracy(routed, test) > 0.95  # and the test rows carry no domain: routed
    assert routed.router is not None and routed.router.names == ("gadget", "room")
    assert routed.meta["domains"] == ["gadget", "room"] and routed.meta["learned"]["routing_accuracy"] > 0.95
    assert routed.router.route_many(test.tokens) == [int(any(r in t for r in ROOMS)) for t in test.texts]


def test_a_domain_model_round_trips_in_its_own_format(lexicon, tmp_path: Path) -> None:
    model, _ = train("routed", _corpus(600, 3, with_domains=True), lexicon, CFG)
    version = model.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text("utf-8"))
    assert doc["format"] == "voc-sentiment-linear/3"
    again = load_model(tmp_path / "m")
    assert again.version == version and again.router is not None and again.router.names == ("gadget", "room")
    for loaded, trained in zip(again.domain_weights, model.domain_weights, strict=True):
        assert loaded.keys() == trained.keys() and loaded == pytest.approx(trained, rel=1e-6)  # float32 on disk
    test = _corpus(100, 4, with_domains=False)
    items = list(zip(test.tokens, test.texts))
    np.testing.assert_allclose(again.raw_scores(items), model.raw_scores(items), atol=2e-3)  # fp16 hash table


def test_router_batches_route_as_single_texts_do_and_unknown_words_go_to_the_first_domain() -> None:
    tokens = [["房间", "小"], ["耳机"], ["没见过"], [], ["客房"], ["充电器", "客房", "客房"]]
    router = fit_router(tokens * 10, [1, 0, 0, 0, 1, 1] * 10, ("other", "room"))
    batch = router.route_many(tokens)
    assert batch == [router.route(t) for t in tokens]
    assert batch[:5] == [1, 0, 0, 0, 1]
    empty = DomainRouter(("a", "b"), {}, np.zeros((0, 2), np.float32))
    assert empty.route_many([["x"], []]) == [0, 0]


@pytest.mark.parametrize(
    "names,message",
    [
        (["a"] * 30, "at least 2 distinct"),
        (["a"] * 30 + ["b"] * 5, "fewer than 20 rows cannot be learned: b"),
        ([str(i) for i in range(65) for _ in range(20)], "at most 64"),
    ],
)
def test_domains_that_cannot_be_learned_are_refused(names: list[str], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        domain_indices(names)


def test_domain_indices_are_sorted_names() -> None:
    names, idx = domain_indices(["酒店"] * 20 + ["手机"] * 20)
    assert names == ("手机", "酒店") and idx[:1] == [1] and idx[-1:] == [0]
