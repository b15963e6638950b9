"""Why spaCy is used the way it is (docs/architecture.md quotes this script's output).

Side by side on the same generated turns:
  segmentation: jieba.lcut (HMM on, its default), jieba HMM off, rjieba, our Segmenter (rjieba +
  placeholder / emoji rules), spaCy blank("zh") with its jieba segmenter;
  entities: spaCy Matcher with IN/REGEX predicates (the obvious way to write the patterns),
  the same patterns on lexeme NORM classes (what we ship), one Doc per turn vs one per conversation.

    .venv/bin/python bench/bench_spacy_choice.py --conversations 3000
"""

from __future__ import annotations

import argparse
import time

import spacy
from common import record
from spacy.matcher import Matcher
from spacy.tokens import Doc

from voc_service.synth import GeneratorConfig, generate
from voc_service.text.entities import EntityFinder
from voc_service.text.normalize import normalize
from voc_service.text.redact import Redactor
from voc_service.text.segment import build_segmenter

# The obvious way to write the entity patterns: IN-lists and REGEX predicates.
NAIVE = [
    (
        "MONEY",
        [
            {"LIKE_NUM": True},
            {"ORTH": ".", "OP": "?"},
            {"IS_DIGIT": True, "OP": "?"},
            {"ORTH": {"IN": ["元", "块", "块钱"]}},
        ],
    ),
    ("MONEY", [{"ORTH": {"IN": ["¥", "$"]}}, {"IS_DIGIT": True}]),
    (
        "DURATION",
        [
            {"LIKE_NUM": True},
            {"ORTH": {"IN": ["个"]}, "OP": "?"},
            {"ORTH": {"IN": ["小时", "天", "分钟", "工作日", "工作日内", "天内", "小时内"]}},
            {"ORTH": {"IN": ["内", "之内", "以内"]}, "OP": "?"},
        ],
    ),
    ("DATE", [{"LIKE_NUM": True}, {"ORTH": "月"}, {"LIKE_NUM": True}, {"ORTH": {"IN": ["日", "号"]}}]),
    ("DATE", [{"ORTH": {"IN": ["今天", "明天", "后天", "昨天"]}}]),
    (
        "TIME",
        [{"ORTH": {"IN": ["上午", "下午", "晚上"]}, "OP": "?"}, {"LIKE_NUM": True}, {"ORTH": {"IN": ["点", "点钟"]}}],
    ),
    (
        "ORDER_ID",
        [
            {"ORTH": {"IN": ["订单号", "订单", "单号"]}},
            {"ORTH": {"IN": [":", "是"]}, "OP": "?"},
            {"TEXT": {"REGEX": r"^\d{8,20}$"}},
        ],
    ),
    ("TRACKING_NO", [{"TEXT": {"REGEX": r"^(SF|JDV|JD|YT)\d{9,16}$"}}]),
]


def rate(n: int, fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=3000)
    args = ap.parse_args()
    convs = [g.conversation for g in generate(GeneratorConfig(seed=13, conversations_per_day=args.conversations))]
    red = Redactor()
    texts_by_conv = [[red.redact(normalize(t.text)).text for t in c.turns] for c in convs]
    texts = [t for ts in texts_by_conv for t in ts]
    chars = sum(map(len, texts))
    n_conv = len(convs)
    print(f"{n_conv} conversations, {len(texts)} turns, {chars} chars\n")

    import jieba
    import rjieba

    jieba.initialize()
    seg = build_segmenter("rjieba")
    nlp_jieba = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    res = {}
    print("segmentation, chars/s:")
    for name, fn in [
        ("jieba.lcut (HMM on)", lambda: [jieba.lcut(t) for t in texts]),
        ("jieba.lcut HMM off", lambda: [jieba.lcut(t, HMM=False) for t in texts]),
        ("rjieba.cut HMM off", lambda: [rjieba.cut(t, False) for t in texts]),
        ("voc Segmenter (rjieba)", lambda: [seg.segment(t) for t in texts]),
        ("spaCy blank zh + jieba", lambda: [nlp_jieba.make_doc(t) for t in texts]),
    ]:
        res[name] = rate(chars, fn)
        print(f"  {name:<28} {res[name]:>12,.0f}")

    segmented = [[(t, *seg.segment(t)) for t in ts] for ts in texts_by_conv]
    finder = EntityFinder()
    nlp = spacy.blank("zh")
    naive = Matcher(nlp.vocab)
    for label, pattern in NAIVE:
        naive.add(label, [pattern])

    def naive_per_conv() -> None:
        for turns in segmented:
            words = [w for _, toks, _ in turns for w in [*toks, "\n"]]
            naive(Doc(nlp.vocab, words=words))

    def naive_per_turn() -> None:
        for turns in segmented:
            for _, toks, _ in turns:
                if toks:
                    naive(Doc(nlp.vocab, words=toks))

    print("\nentities, conversations/s:")
    for name, fn in [
        ("Matcher, IN/REGEX, Doc per turn", naive_per_turn),
        ("Matcher, IN/REGEX, Doc per conv", naive_per_conv),
        ("shipped: NORM classes + filters", lambda: [finder.find(turns) for turns in segmented]),
    ]:
        res[name] = rate(n_conv, fn)
        print(f"  {name:<34} {res[name]:>10,.0f}")
    record("spacy_choice", {"conversations": n_conv, "chars": chars, "rates": res})


if __name__ == "__main__":
    main()
