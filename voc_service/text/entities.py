"""Typed mentions (order ids, SKU ids, tracking numbers, amounts, durations, dates, times) found
with spaCy's Matcher over the segmented tokens of a whole conversation.

Why spaCy: the patterns are over *words* ("3个工作日内" is NUM + 个 + 工作日 + 内, whichever of
digits or Chinese numerals jieba produced, and LIKE_NUM already knows 一二三 / 两 / 十五), and the
same Language (its Vocab and lexeme attributes) is where later token-level components attach.
Why not spaCy's tokenizer: its jieba segmenter is the slow Python jieba; we build the Doc from our
own tokens. Why one Doc per conversation: building a Doc costs about as much as matching, and one
Doc with a separator token between turns is several times cheaper than one Doc per turn.

Speed and memory (docs/architecture.md has the numbers):
- The Matcher calls back into Python for every token for each ``IN``/``REGEX``/``LENGTH``
  predicate (measured ~8 ms per 10-turn conversation), and it starts every pattern at every
  token, so expanding IN-lists into many plain patterns is no cure either. Instead, the words of
  each IN-list are given a class as their *lexeme* NORM (data/entity_lexicon.json), once, at load;
  patterns match ``{"NORM": "<UNIT>"}``, a C-level comparison.
- Turns with no token that could start or complete a pattern (no digit, no numeral, no lexicon
  word: most service chat) are left out of the Doc altogether; a set lookup per token is far
  cheaper than building and matching tokens.
- Digit-bearing tokens (order ids, phone-free numbers, tracking numbers) are replaced in the Doc
  by their shape class (``<DLONGID>``, ``<D2>`` ...). That gives the patterns their shapes without
  regex predicates, and it keeps spaCy's Vocab from growing by one lexeme per order id seen, which
  would leak memory in a long-running server. Entity offsets come from our own token offsets, so
  the substitution never shows in results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from importlib import resources
from itertools import accumulate
from pathlib import Path

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from voc_service.domain.analysis import Entity

_ID_LABELS = frozenset({"ORDER_ID", "SKU_ID", "TRACKING_NO"})
_SEPARATOR = "<TURN>"  # a word no pattern matches, so mentions never span two turns

# Shape classes for tokens containing a digit; first match wins. Numeric classes are LIKE_NUM.
_SHAPES: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("<DTRACKING>", re.compile(r"(?:SF|JDV|JDX|JD|YT|ZTO|ZT|JT|YD|STO|EMS|DPK)\d{9,16}"), False),
    ("<DSKU>", re.compile(r"(?i:sku)\d{6,14}"), False),
    ("<DMONEY>", re.compile(r"\d+(?:\.\d+)?(?:元|块|块钱)"), False),
    ("<DYEAR>", re.compile(r"(?:19|20)\d\d"), True),
    ("<D2>", re.compile(r"\d{1,2}"), True),
    ("<DLONGID>", re.compile(r"[A-Za-z]{0,3}\d{8,20}"), True),
    ("<DNUM>", re.compile(r"\d+"), True),
)
_OTHER_DIGITS = "<DOTHER>"
_DIGIT = re.compile(r"\d")
_DIGITS_ZH = "一二三四五六七八九"


def _numeral_words() -> set[str]:
    """Chinese numeral tokens a pattern can start with: 一 .. 九十九, 两, 半, 百, 千, 万, 几."""
    words = set(_DIGITS_ZH) | {"十", "两", "半", "百", "千", "万", "几", "零", "〇"}
    words |= {"十" + d for d in _DIGITS_ZH}
    words |= {t + "十" + d for t in _DIGITS_ZH for d in ["", *_DIGITS_ZH]}
    return words  # digits mixed with letters in no known shape (model numbers ...)


def shape_class(word: str) -> str:
    for norm, rx, _ in _SHAPES:
        if rx.fullmatch(word):
            return norm
    return _OTHER_DIGITS


def _data(name: str) -> str:
    return resources.files("voc_service.text.data").joinpath(name).read_text(encoding="utf-8")


def load_patterns(paths: Sequence[Path] = ()) -> list[dict]:
    texts = [_data("entity_patterns.jsonl"), *(Path(p).read_text(encoding="utf-8") for p in paths)]
    return [json.loads(line) for text in texts for line in text.splitlines() if line.strip()]


def load_lexicon() -> dict[str, list[str]]:
    return {k: v for k, v in json.loads(_data("entity_lexicon.json")).items() if not k.startswith("_")}


class EntityFinder:
    def __init__(self, patterns: list[dict] | None = None, lexicon: dict[str, list[str]] | None = None) -> None:
        self.nlp = spacy.blank("zh")  # the zh language data: LIKE_NUM knows 一二三 / 两 / 十五
        vocab = self.nlp.vocab
        self._triggers: set[str] = _numeral_words()
        for cls, words in (lexicon if lexicon is not None else load_lexicon()).items():
            self._triggers.update(words)
            for word in words:
                vocab[word].norm_ = cls
        for norm, _, numeric in _SHAPES:
            vocab[norm].norm_ = norm
            vocab[norm].like_num = numeric
        vocab[_OTHER_DIGITS].norm_ = _OTHER_DIGITS
        for bad in ("IN", "NOT_IN", "REGEX", "FUZZY"):
            if any(
                isinstance(v, dict)
                for p in patterns or []
                for spec in p["pattern"]
                for v in spec.values()
                if isinstance(v, dict) and bad in v
            ):
                raise ValueError(f"entity patterns must not use {bad}: give the words a lexicon class instead")
        self.matcher = Matcher(vocab, validate=True)
        by_label: dict[str, list[list[dict]]] = {}
        for p in patterns if patterns is not None else load_patterns():
            by_label.setdefault(p["label"], []).append(p["pattern"])
        for label, pats in by_label.items():
            self.matcher.add(label, pats)
        self.labels = sorted(by_label)
        self._shape_cache: dict[str, str] = {}

    def _may_match(self, text: str, tokens: list[str]) -> bool:
        return _DIGIT.search(text) is not None or not self._triggers.isdisjoint(tokens)

    def _doc_word(self, word: str) -> str:
        if word.isalpha() or _DIGIT.search(word) is None:
            return word
        cls = self._shape_cache.get(word)
        if cls is None:
            cls = shape_class(word)
            if len(self._shape_cache) < 100_000:
                self._shape_cache[word] = cls
        return cls

    def find(
        self,
        turns: Sequence[tuple[str, list[str], list[bool]]],
        declared: dict[str, str] | None = None,
    ) -> list[list[Entity]]:
        """Entities per turn, with code-point offsets into each turn's text.

        ``turns`` holds (text, tokens, spaces) per turn, the tokens being a segmentation of the
        text; ``declared`` maps id strings the caller sent as metadata (order_id, sku_ids) to
        their label.
        """
        words: list[str] = []  # the turns' tokens
        doc_words: list[str] = []  # the same with digit-bearing tokens replaced by shape classes
        turn_of: list[int] = []  # turn index of each Doc word (-1 for separators)
        char_start: list[int] = []  # offset of each Doc word in its turn's text
        for i, (text, toks, sps) in enumerate(turns):
            if not self._may_match(text, toks) and not (declared and not declared.keys().isdisjoint(toks)):
                continue
            if words:
                words.append(_SEPARATOR)
                doc_words.append(_SEPARATOR)
                turn_of.append(-1)
                char_start.append(0)
            words.extend(toks)
            doc_words.extend(map(self._doc_word, toks) if _DIGIT.search(text) else toks)
            turn_of.extend([i] * len(toks))
            lengths = [len(t) + s for t, s in zip(toks, sps, strict=True)]
            char_start.extend(accumulate(lengths, initial=0))
            char_start.pop()  # accumulate(initial=0) yields one offset too many
        result: list[list[Entity]] = [[] for _ in turns]
        if not words:
            return result
        originals = words
        doc = Doc(self.nlp.vocab, words=doc_words)
        strings = self.nlp.vocab.strings
        spans = []
        labels: dict[tuple[int, int], str] = {}
        for match_id, start, end in self.matcher(doc):
            label = strings[match_id]
            if label in _ID_LABELS:
                start = end - 1  # "订单号 289456123478": the keyword is context, the id is the entity
            spans.append(doc[start:end])
            labels[(start, end)] = label
        if declared:
            for j, w in enumerate(originals):
                label = declared.get(w)
                if label is not None:
                    spans.append(doc[j : j + 1])
                    labels[(j, j + 1)] = label
        for span in filter_spans(spans):
            turn = turn_of[span.start]
            start = char_start[span.start]
            last = span.end - 1
            end = char_start[last] + len(originals[last])
            result[turn].append(Entity(labels[(span.start, span.end)], start, end, turns[turn][0][start:end]))
        return result
