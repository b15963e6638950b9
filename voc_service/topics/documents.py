"""The document a topic model sees for one conversation: the customer's words only.

Agent and bot turns are boilerplate (您好, 很高兴为您服务, 请您耐心等待) that would form topics of
their own; the customer says what the conversation is about. Only words with a Chinese character
are kept: placeholders, numbers, punctuation and Latin product codes (nova, 512G, 50ml, thx) name
WHICH product, not WHAT about it, and made every topic's keywords a list of model numbers. The
stopword list (service words such as 亲, 您好, 请问) goes too, so such words can neither lead a
topic's keywords nor pull two conversations together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from voc_service.domain import Role, TurnAnalysis

_CJK = re.compile(r"[\u3400-\u9fff]")


def load_stopwords(extra: Sequence[Path] = ()) -> frozenset[str]:
    texts = [resources.files("voc_service.topics.data").joinpath("stopwords.txt").read_text(encoding="utf-8")]
    texts += [Path(p).read_text(encoding="utf-8") for p in extra]
    words = set()
    for text in texts:
        words.update(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return frozenset(words)


class DocumentBuilder:
    def __init__(self, stopwords: frozenset[str] | None = None) -> None:
        self.stopwords = stopwords if stopwords is not None else load_stopwords()

    def words(self, tokens: Iterable[str]) -> list[str]:
        stop = self.stopwords
        return [t for t in tokens if t not in stop and _CJK.search(t)]

    def of_turns(self, turns: Sequence[TurnAnalysis]) -> list[str]:
        """The customer's words of one analysed conversation (needs the segment stage)."""
        out: list[str] = []
        for turn in turns:
            if turn.role is Role.CUSTOMER:
                out.extend(self.words(turn.tokens))
        return out
