"""Typed mentions (order ids, SKU ids, tracking numbers, amounts, durations, dates, times) found
with spaCy's Matcher over the segmented tokens.

Why spaCy here and not regexes over raw text: the patterns are over *words* ("3个工作日内" is
NUM + 个 + 工作日 + 内 whatever digits or Chinese numerals jieba produced), LIKE_NUM already knows
Chinese numerals, and the same Language object is where later token-level components (the QA
PhraseMatcher) attach. Why not spaCy's tokenizer: its jieba segmenter is the slow Python jieba;
we build the Doc from our own tokens instead. Why one Doc per conversation: building a Doc costs
more than the matching, and one Doc with a separator token between turns is ~3x cheaper than one
per turn (docs/architecture.md has the numbers).

Patterns live in data/entity_patterns.jsonl (EntityRuler's format), so adding a label is data, not
code. Matches of declared ids (the conversation's order_id and sku_ids) are added directly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from voc_service.domain.analysis import Entity

_ID_LABELS = frozenset({"ORDER_ID", "SKU_ID", "TRACKING_NO"})
_SEPARATOR = "\n"  # a token no pattern matches, so mentions never span two turns


def load_patterns(paths: Sequence[Path] = ()) -> list[dict]:
    texts = [resources.files("voc_service.text.data").joinpath("entity_patterns.jsonl").read_text(encoding="utf-8")]
    texts += [Path(p).read_text(encoding="utf-8") for p in paths]
    return [json.loads(line) for text in texts for line in text.splitlines() if line.strip()]


class EntityFinder:
    def __init__(self, patterns: list[dict] | None = None) -> None:
        self.nlp = spacy.blank("zh")  # the zh language data: LIKE_NUM knows 一二三 / 两 / 十五
        self.matcher = Matcher(self.nlp.vocab, validate=True)
        by_label: dict[str, list[list[dict]]] = {}
        for p in patterns if patterns is not None else load_patterns():
            by_label.setdefault(p["label"], []).append(p["pattern"])
        for label, pats in by_label.items():
            self.matcher.add(label, pats)
        self.labels = sorted(by_label)

    def find(
        self,
        turns: Sequence[tuple[list[str], list[bool]]],
        declared: dict[str, str] | None = None,
    ) -> list[list[Entity]]:
        """Entities per turn, with code-point offsets into each turn's text.

        ``turns`` holds (tokens, spaces) per turn; ``declared`` maps id strings the caller sent as
        metadata (order_id, sku_ids) to their label.
        """
        words: list[str] = []
        spaces: list[bool] = []
        starts: list[int] = []  # char offset of each turn in the joined Doc text
        turn_of_token: list[int] = []
        offset = 0
        for i, (toks, sps) in enumerate(turns):
            if i:
                words.append(_SEPARATOR)
                spaces.append(False)
                turn_of_token.append(-1)
                offset += 1
            starts.append(offset)
            words.extend(toks)
            spaces.extend(sps)
            turn_of_token.extend([i] * len(toks))
            offset += sum(map(len, toks)) + sum(sps)
        result: list[list[Entity]] = [[] for _ in turns]
        if not words:
            return result
        doc = Doc(self.nlp.vocab, words=words, spaces=spaces)
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
            for j, w in enumerate(words):
                label = declared.get(w)
                if label is not None:
                    spans.append(doc[j : j + 1])
                    labels[(j, j + 1)] = label
        for span in filter_spans(spans):
            turn = turn_of_token[span.start]
            base = starts[turn]
            result[turn].append(
                Entity(labels[(span.start, span.end)], span.start_char - base, span.end_char - base, span.text)
            )
        return result
