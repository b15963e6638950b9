"""Lexicon rules: polarity words with negation, degree adverbs and contrast.

A linear model over n-grams learns which words are positive, but it cannot learn from 17,000
reviews that 不太满意 flips 满意 or that the clause after 但是 is the one that counts. These
rules add exactly that, as four features the model weighs (so the learner decides how much to
trust them), and they carry sentiment words the training corpus never saw into other domains.

The rule words are project data (`data/sentiment_rules.json`); the polarity scores are merged
into each model file, so a model and the lexicon it was trained with never drift apart.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable, NamedTuple

_PUNCT = frozenset("，。！？；,.!?;~～…\n 、")

# token kinds in the lookup table (the first list a token is in wins, in this order)
(
    _K_PUNCT,
    _K_CONCESSIVE,
    _K_CONTRAST,
    _K_NEGATOR,
    _K_RHETORICAL,
    _K_DEGREE,
    _K_DEG_OR_POS,
    _K_LUKEWARM,
    _K_POLITE,
    _K_WORD,
    _K_PROJECT_WORD,
) = range(11)

_HAND_WEIGHT = 2.0  # project-written words count double against package-lexicon scores
_SCORE_CAP = 3.0
_LUKEWARM_SCORE = 0.4  # 还行吧: mildly positive words said without enthusiasm
# a package word counts as a clear sentiment word only when several lexicons agree: BosonNLP alone
# scores 旗舰店 +1.7 and 知道 +2 (capped), one curated list gives 1
_STRONG = 2.5


@dataclass(frozen=True, slots=True)
class RuleWords:
    """The project-written word lists (see data/sentiment_rules.json)."""

    positive: tuple[str, ...]
    negative: tuple[str, ...]
    negators: tuple[str, ...]
    degree: dict[str, float]
    degree_or_positive: tuple[str, ...]
    contrast: tuple[str, ...]
    concessive: tuple[str, ...]
    lukewarm: tuple[str, ...]
    question_pattern: str
    rhetorical_negators: tuple[str, ...] = ()
    politeness: tuple[str, ...] = ()
    stopwords_for_package_lexicons: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: dict) -> RuleWords:
        return cls(
            positive=tuple(doc["positive"]),
            negative=tuple(doc["negative"]),
            negators=tuple(doc["negators"]),
            degree={k: float(v) for k, v in doc["degree"].items()},
            degree_or_positive=tuple(doc.get("degree_or_positive", ())),
            contrast=tuple(doc["contrast"]),
            concessive=tuple(doc["concessive"]),
            lukewarm=tuple(doc.get("lukewarm", ())),
            question_pattern=doc["question_pattern"],
            rhetorical_negators=tuple(doc.get("rhetorical_negators", ())),
            politeness=tuple(doc.get("politeness", ())),
            stopwords_for_package_lexicons=tuple(doc.get("stopwords_for_package_lexicons", ())),
        )

    def to_json(self) -> dict:
        return {
            "positive": list(self.positive),
            "negative": list(self.negative),
            "negators": list(self.negators),
            "degree": dict(self.degree),
            "degree_or_positive": list(self.degree_or_positive),
            "contrast": list(self.contrast),
            "concessive": list(self.concessive),
            "lukewarm": list(self.lukewarm),
            "question_pattern": self.question_pattern,
            "rhetorical_negators": list(self.rhetorical_negators),
            "politeness": list(self.politeness),
        }


def load_rule_words(path: str | None = None) -> RuleWords:
    if path:
        with open(path, encoding="utf-8") as f:
            return RuleWords.from_json(json.load(f))
    text = resources.files("voc_service.sentiment.data").joinpath("sentiment_rules.json").read_text("utf-8")
    return RuleWords.from_json(json.loads(text))


def merge_scores(rules: RuleWords, package_scores: Iterable[tuple[str, float]] = ()) -> dict[str, float]:
    """word -> polarity in [-3, 3]: package lexicon scores (minus stopwords) summed, project words
    set to +-2."""
    stop = set(rules.stopwords_for_package_lexicons)
    scores: dict[str, float] = {}
    for word, value in package_scores:
        if word and word not in stop and len(word) <= 6:
            scores[word] = scores.get(word, 0.0) + value
    for word in rules.positive:  # project words override package scores (贵 is "noble" in HowNet)
        scores[word] = _HAND_WEIGHT
    for word in rules.negative:
        scores[word] = -_HAND_WEIGHT
    return {w: max(-_SCORE_CAP, min(_SCORE_CAP, v)) for w, v in scores.items() if v}


class RuleResult(NamedTuple):
    total: float  # polarity of the whole text (concessive clauses and text before 但是 count half)
    after_contrast: float | None  # polarity after the last contrast word, None without one
    positive: int  # sentiment words that came out positive / negative after the rules
    negative: int
    turned: bool  # a negator or a contrast word changed what a project-lexicon word contributes
    strong: int  # clear sentiment words: project words, or package words several lexicons agree on

    def features(self) -> tuple[float, float, float, float]:
        """The four model inputs: polarity of the text, polarity after the last contrast word,
        #positive and #negative hits, log-squashed."""
        return (
            _signed_log(self.total),
            _signed_log(self.after_contrast or 0.0),
            math.log1p(self.positive),
            math.log1p(self.negative),
        )

    @property
    def verdict(self) -> float:
        """What the rules say the speaker means: the part after 但是 when there is one."""
        return self.total if self.after_contrast is None else self.after_contrast


@dataclass(slots=True)
class RuleLexicon:
    """Polarity scores + rule words, compiled into one token -> (kind, value) table."""

    rules: RuleWords
    scores: dict[str, float]
    _table: dict[str, tuple[int, float]] = field(init=False, repr=False)
    _question: re.Pattern[str] = field(init=False, repr=False)
    _strong: frozenset[str] = field(init=False, repr=False)
    _lukewarm: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        table: dict[str, tuple[int, float]] = {}
        for w in _PUNCT:
            table.setdefault(w, (_K_PUNCT, 0.0))
        for w in self.rules.concessive:
            table.setdefault(w, (_K_CONCESSIVE, 0.0))
        for w in self.rules.contrast:
            table.setdefault(w, (_K_CONTRAST, 0.0))
        for w in self.rules.negators:
            table.setdefault(w, (_K_NEGATOR, 0.0))
        for w in self.rules.rhetorical_negators:
            table.setdefault(w, (_K_RHETORICAL, 0.0))
        for w, v in self.rules.degree.items():
            table.setdefault(w, (_K_DEGREE, v))
        for w in self.rules.degree_or_positive:
            table.setdefault(w, (_K_DEG_OR_POS, 2.0))
        for w in self.rules.lukewarm:
            table.setdefault(w, (_K_LUKEWARM, _LUKEWARM_SCORE))
        project = set(self.rules.positive) | set(self.rules.negative)
        polite = set(self.rules.politeness)
        for w, v in self.scores.items():
            table.setdefault(w, (_K_POLITE if w in polite else _K_PROJECT_WORD if w in project else _K_WORD, v))
        # the segmenter keeps 太贵, 好慢, 很差 as one token: score them as degree + word
        single = [(w, v, _K_PROJECT_WORD if w in project else _K_WORD) for w, v in self.scores.items() if len(w) == 1]
        for d, dv in [*((d, dv) for d, dv in self.rules.degree.items() if len(d) == 1 and dv > 1.0), ("好", 2.0)]:
            for w, v, k in single:
                current = table.get(d + w)
                # a compound of a project word beats a package score for the compound (太贵 -0.4)
                if current is None or (k == _K_PROJECT_WORD and current[0] == _K_WORD):
                    table[d + w] = (k, v * dv)
        # ... and 太好了, 满意了 too: a trailing 了 changes nothing
        for w, (k, v) in list(table.items()):
            if k == _K_PROJECT_WORD:
                table.setdefault(w + "了", (k, v))
        self._table = table
        self._question = re.compile(self.rules.question_pattern)
        # project-written words only: package lexicons also score 什么 or 时候
        words = set(self.rules.positive) | set(self.rules.negative)
        singles = [w for w in words if len(w) == 1]
        # 不快 / 没好 / 太棒 are one token to the segmenter: a negated or intensified project word is
        # still a clear one, and so is it with 了 (太好了)
        words |= {n + w for n in ("不", "没") for w in singles}
        words |= {d + w for d, dv in self.rules.degree.items() if len(d) == 1 and dv > 1.0 for w in singles}
        words |= {w + "了" for w in list(words)}
        polite = set(self.rules.politeness) | {w + "了" for w in self.rules.politeness}
        self._strong = frozenset(words - polite)  # 谢谢(了) after a request is manners
        self._lukewarm = frozenset(self.rules.lukewarm)

    def analyse(self, tokens: list[str]) -> RuleResult:
        """Clause-by-clause polarity. Only tokens in the table reach the Python loop."""
        total = clause = after_contrast = 0.0
        negated = after = concessive = pending_hao = turned = False
        degree = 1.0
        npos = nneg = strong = 0
        rhetorical = "吗" in tokens  # 这不是坑人吗: 不是 in a yes-no question affirms
        for kind, value in filter(None, map(self._table.get, tokens)):
            if pending_hao and kind < _K_WORD:
                clause += _HAND_WEIGHT * (-0.8 if negated else 1.0)  # 好 on its own: positive
                npos, nneg = (npos, nneg + 1) if negated else (npos + 1, nneg)
                strong += 1
                turned = turned or negated or after
                negated, degree = False, 1.0
            pending_hao = False
            if kind >= _K_LUKEWARM:  # a sentiment word
                v = value * degree
                if negated:
                    v *= -0.8  # 不满意 is negative, but 不差 is only mildly positive
                clause += v
                if v > 0:
                    npos += 1
                elif v < 0:
                    nneg += 1
                if kind == _K_PROJECT_WORD or v >= _STRONG or v <= -_STRONG:
                    strong += 1  # not 谢谢 after a request (manners) nor one noisy package score
                if kind == _K_PROJECT_WORD:  # rules trust only the curated words (not 理 in 没人理)
                    turned = turned or negated or after
                negated, degree = False, 1.0
            elif kind == _K_PUNCT:
                total += clause * (0.5 if concessive and not after else 1.0)
                if after:
                    after_contrast += clause
                clause = 0.0
                negated, degree = False, 1.0
            elif kind == _K_CONCESSIVE:
                concessive = True
            elif kind == _K_CONTRAST:
                total = (total + clause) * 0.5  # what came before 但是 counts half
                clause = after_contrast = 0.0
                after = True
                negated, degree = False, 1.0
            elif kind == _K_NEGATOR or (kind == _K_RHETORICAL and not rhetorical):
                negated = not negated  # 没有不好: two negators cancel
                if degree < 1.0:
                    degree = 1.5  # 一点都不快: "a little" before a negator means "not at all"
            elif kind == _K_RHETORICAL:
                pass
            elif kind == _K_DEG_OR_POS:
                pending_hao, degree = True, value  # 好慢 (degree) or 质量好 (positive)
            else:
                degree = value
        if pending_hao:
            clause += _HAND_WEIGHT * (-0.8 if negated else 1.0)
            npos, nneg = (npos, nneg + 1) if negated else (npos + 1, nneg)
            strong += 1
            turned = turned or negated or after
        total += clause
        if after:
            after_contrast += clause
        return RuleResult(total, after_contrast if after else None, npos, nneg, turned, strong)

    def features(self, tokens: list[str]) -> tuple[float, float, float, float]:
        return self.analyse(tokens).features()

    def is_question(self, text: str) -> bool:
        return self._question.search(text) is not None

    def has_strong_word(self, tokens: list[str]) -> bool:
        """A project-written sentiment word: a question holding one is not neutral (怎么这么慢)."""
        return not self._strong.isdisjoint(tokens)

    def has_lukewarm_word(self, tokens: list[str]) -> bool:
        return not self._lukewarm.isdisjoint(tokens)


def _signed_log(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x)
