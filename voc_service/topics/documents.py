"""The document a topic model sees for one conversation: the customer's words only.

Agent and bot turns are boilerplate (您好, 很高兴为您服务, 请您耐心等待) that would form topics of
their own; the customer says what the conversation is about. Only words with a Chinese character
are kept: placeholders, numbers, punctuation and Latin product codes (nova, 512G, 50ml, thx) name
WHICH product, not WHAT about it, and made every topic's keywords a list of model numbers. The
stopword list (service words such as 亲, 您好, 请问) goes too, so such words can neither lead a
topic's keywords nor pull two conversations together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from voc_service.domain import Role, TurnAnalysis

_CJK = re.compile(r"[\u3400-\u9fff]")


def load_stopwords(extra: Sequence[Path] = ()) -> frozenset[str]:
    """The stopword file, plus every word the sentiment and emotion lexicons know: topics say
    WHAT customers talk about; how they feel about it (太差, 失望, 无语, 谢谢, 转人工) is the sentiment
    stages' job, and left in, it formed topics of its own ("质量_太差_无_语", "机器人_别_回_失望")."""
    texts = [resources.files("voc_service.topics.data").joinpath("stopwords.txt").read_text(encoding="utf-8")]
    texts += [Path(p).read_text(encoding="utf-8") for p in extra]
    words = set()
    for text in texts:
        words.update(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return frozenset(words | _feeling_words())


def _feeling_words() -> set[str]:
    data = resources.files("voc_service.sentiment.data")
    rules = json.loads(data.joinpath("sentiment_rules.json").read_text(encoding="utf-8"))
    emotions = json.loads(data.joinpath("emotion_lexicon.json").read_text(encoding="utf-8"))
    cues = json.loads(data.joinpath("conversation_cues.json").read_text(encoding="utf-8"))
    out: set[str] = set()
    for key in ("positive", "negative", "politeness", "lukewarm", "negators", "degree"):
        out.update(rules.get(key, []))
    for key, words in emotions.items():
        if not key.startswith("_"):
            out.update(words)
    for key in ("resolution_strong", "resolution_weak", "unresolved", "agent_polite", "agent_rude"):
        out.update(w for w in cues.get(key, []) if isinstance(w, str))
    return out


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

    def document(self, turns: Sequence[TurnAnalysis]) -> tuple[list[str], str]:
        """(the customer's words, the customer's redacted text): what every embedding backend
        takes (word-based ones read the words, sentence models the text)."""
        return self.of_turns(turns), " ".join(t.text for t in turns if t.role is Role.CUSTOMER)
