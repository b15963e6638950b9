"""Emotional-risk cues in customer turns: anger, anxiety / urgency, disappointment, escalation
threats (投诉, 12315, 曝光, 差评, 起诉, 律师 …) and requests for a human (转人工).

Every hit is evidence: the kind and the character span of the cue in the stored (redacted) text,
so a reviewer sees why a turn was flagged. All cue lists are data (data/emotion_lexicon.json plus
any files from config) compiled into ONE Aho-Corasick automaton, so a turn costs one pass however
many cues there are (~1 µs for a typical turn). A cue right after a negator (不生气, 没投诉) does not
count; a numeric cue (12315) must not be part of a longer number (an order id may contain 12315).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import ahocorasick

from voc_service.domain.analysis import EmotionHit, EmotionKind

_NEGATION_WINDOW = 2  # a negator may end at most one character before the cue
_CLAUSE_BREAKS = (",", ".", "!", "?", ";", ":", " ", "。", "，", "！", "？", "、", "~")


def load_lexicon(paths: Sequence[Path] = ()) -> dict[str, list[str]]:
    """The packaged lexicon with extra files merged in (lists are concatenated)."""
    texts = [resources.files("voc_service.sentiment.data").joinpath("emotion_lexicon.json").read_text(encoding="utf-8")]
    texts += [Path(p).read_text(encoding="utf-8") for p in paths]
    merged: dict[str, list[str]] = {}
    for text in texts:
        for key, words in json.loads(text).items():
            if key == "_doc":
                continue
            if key != "_negators" and key not in {k.value for k in EmotionKind}:
                raise ValueError(f"unknown emotion kind {key!r}; known: {sorted(k.value for k in EmotionKind)}")
            merged.setdefault(key, []).extend(words)
    return merged


class EmotionDetector:
    def __init__(self, lexicon: dict[str, list[str]] | None = None) -> None:
        lexicon = lexicon if lexicon is not None else load_lexicon()
        self.version = hashlib.sha256(json.dumps(lexicon, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
        self._negators = tuple(sorted(set(lexicon.get("_negators", [])), key=len, reverse=True))
        self._automaton = ahocorasick.Automaton()
        cues: dict[str, set[EmotionKind]] = {}
        for key, words in lexicon.items():
            if key == "_negators":
                continue
            for word in words:
                cues.setdefault(word, set()).add(EmotionKind(key))
        for word, kinds in cues.items():
            self._automaton.add_word(word, (len(word), tuple(sorted(kinds)), word[0].isdigit(), word[-1].isdigit()))
        self._automaton.make_automaton()

    def detect(self, text: str) -> list[EmotionHit]:
        """Hits sorted by position; per kind, overlapping cues are reported once (the longest)."""
        hits: list[EmotionHit] = []
        for end_index, (length, kinds, digit_start, digit_end) in self._automaton.iter(text):
            end = end_index + 1
            start = end - length
            if digit_start and start > 0 and (text[start - 1].isdigit() or _in_number(text, start - 1)):
                continue
            if digit_end and end < len(text) and text[end].isdigit():
                continue
            if self._negated(text, start):
                continue
            hits.extend(EmotionHit(kind, start, end) for kind in kinds)
        return _longest_per_kind(hits)

    def _negated(self, text: str, start: int) -> bool:
        """A negator ends at most one character before the cue, within the same clause, and is
        not the middle of an A-not-A question (有没有真人, 要不要投诉)."""
        lo = max(0, start - _NEGATION_WINDOW - 2)
        window = text[lo:start]
        cut = max(window.rfind(p) for p in _CLAUSE_BREAKS)
        if cut >= 0:
            window, lo = window[cut + 1 :], lo + cut + 1
        for neg in self._negators:
            pos = window.rfind(neg)
            if pos < 0 or len(window) - (pos + len(neg)) > _NEGATION_WINDOW - 1:
                continue
            at = lo + pos  # index of the negator in text
            before, after = text[at - 1 : at], text[at + 1 : at + 2]
            if before and before == after:  # 有没有 / 要不要 / 是不是: a question, not a negation
                continue
            return True
        return False


def _in_number(text: str, i: int) -> bool:
    """text[i] is a thousands separator or decimal point inside a number (11,315 / 3.12315)."""
    return text[i] in ",." and i > 0 and text[i - 1].isdigit()


def _longest_per_kind(hits: list[EmotionHit]) -> list[EmotionHit]:
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (h.kind, h.start, -(h.end - h.start)))
    kept: list[EmotionHit] = []
    for hit in hits:
        last = kept[-1] if kept else None
        if last is not None and last.kind == hit.kind and hit.start < last.end:
            continue
        kept.append(hit)
    kept.sort(key=lambda h: (h.start, h.kind))
    return kept
