"""Chinese word segmentation with jieba's dictionary and semantics, behind a swappable backend.

The reference backend is jieba itself (HMM off: new-word guessing makes tokens unstable across
versions and is slow; our dictionary names the domain words instead). ``rjieba`` binds jieba-rs,
which uses the same dictionary format and the same DAG + max-probability route, at roughly 10x the
speed; tests/unit/test_segment.py proves it token-identical to the reference on generated
conversations with our dictionary loaded. Backends register in ``segmenters`` by name, so another
one (or a test double of a different speed) plugs in from config, not from an if-chain.

On top of the backend, :class:`Segmenter` keeps things whole that jieba would split: redaction
placeholders (``<PHONE>``), ids the caller declared that contain punctuation (order ids such as
``JD-2024-0001``), and emoji sequences (👍🏻, ❤️, 👨‍👩‍👧, flags), and turns whitespace into spaCy-style
``spaces`` flags.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

import catalogue

segmenters = catalogue.create("voc", "segmenters")

DEFAULT_DICT = "ecommerce.dict"
PAIR_JOIN = "\x01"  # key of an adjacent token pair: a + PAIR_JOIN + b (never inside a normalised token)


def token_pairs(tokens: Sequence[str]) -> list[str]:
    """Adjacent token pairs as single keys: the word-pair features of the sentiment model and the
    word-pair units of the topic embedding (不 好 -> "不\x01好")."""
    return [a + PAIR_JOIN + b for a, b in zip(tokens, tokens[1:])]


class Backend(Protocol):
    """Cuts text into words, whitespace included as tokens (jieba's contract)."""

    name: str

    def cut(self, text: str) -> list[str]: ...


def read_dictionary(paths: Sequence[Path] = ()) -> list[tuple[str, int, str | None]]:
    """Entries of the packaged e-commerce dictionary followed by any user dictionaries.

    Lines are jieba's ``word [freq] [tag]``. A missing frequency gets 3000, enough for a domain
    word to beat its pieces; explicit frequencies keep both backends on the same numbers.
    """
    texts = [resources.files("voc_service.text.data").joinpath(DEFAULT_DICT).read_text(encoding="utf-8")]
    texts += [Path(p).read_text(encoding="utf-8") for p in paths]
    entries = []
    for text in texts:
        for line in text.splitlines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 3000
            tag = parts[2] if len(parts) > 2 else None
            entries.append((parts[0], freq, tag))
    return entries


def dictionary_version(entries: Iterable[tuple[str, int, str | None]]) -> str:
    digest = hashlib.sha256("\n".join(f"{w} {f} {t}" for w, f, t in entries).encode()).hexdigest()
    return digest[:12]


@segmenters.register("jieba")
class JiebaBackend:
    """The reference: a private jieba.Tokenizer (the global one is shared process state)."""

    name = "jieba"

    def __init__(self, entries: Iterable[tuple[str, int, str | None]]) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        for word, freq, tag in entries:
            self._tok.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        return self._tok.lcut(text, HMM=False)


@segmenters.register("rjieba")
class RJiebaBackend:
    name = "rjieba"

    def __init__(self, entries: Iterable[tuple[str, int, str | None]]) -> None:
        import rjieba

        self._jb = rjieba.Jieba()
        for word, freq, tag in entries:
            self._jb.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        return self._jb.cut(text, False)


_PLACEHOLDER = re.compile(r"<(?:PHONE|LANDLINE|ID_CARD|BANK_CARD|EMAIL|ADDRESS)>")
# Characters that attach to the previous token inside an emoji sequence.
_EMOJI_ATTACH = re.compile(r"[\u200d\ufe0f\u20e3\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]")
_REGIONAL = re.compile(r"[\U0001F1E6-\U0001F1FF]")
_EMOJI_PART = re.compile(r"[\u200d\ufe0f\u20e3\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F\U0001F1E6-\U0001F1FF]")


class Segmenter:
    """Backend + the rules that keep placeholders, declared ids and emoji sequences whole."""

    def __init__(self, backend: Backend, version: str) -> None:
        self.backend = backend
        self.version = f"{backend.name}:{version}"

    def segment(self, text: str, keep_whole: Sequence[str] = ()) -> tuple[list[str], list[bool]]:
        """Tokens of ``text`` (a normalised string: single spaces, no leading/trailing space) and
        spaCy-style space flags, such that ``"".join(t + " " * s)`` rebuilds ``text``.

        ``keep_whole``: strings to keep as one token wherever they occur. Pass only ids with
        punctuation (see :func:`needs_protection`); alphanumeric runs are never split anyway."""
        if "<" not in text and not keep_whole:
            raw = self.backend.cut(text)  # the common case: nothing to protect
        else:
            raw = []
            for piece, protected in self._protected_pieces(text, keep_whole):
                if protected:
                    raw.append(piece)
                else:
                    raw.extend(self.backend.cut(piece))
        if _EMOJI_PART.search(text):
            raw = _merge_emoji(raw)
        if " " not in text:
            return raw, [False] * len(raw)
        tokens: list[str] = []
        spaces: list[bool] = []
        for tok in raw:
            if tok == " ":
                if spaces:
                    spaces[-1] = True
                continue
            tokens.append(tok)
            spaces.append(False)
        return tokens, spaces

    @staticmethod
    def _protected_pieces(text: str, keep_whole: Sequence[str]) -> list[tuple[str, bool]]:
        spans = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)] if "<" in text else []
        for item in keep_whole:
            if item:
                start = text.find(item)
                while start >= 0:
                    spans.append((start, start + len(item)))
                    start = text.find(item, start + len(item))
        if not spans:
            return [(text, False)]
        spans.sort()
        pieces: list[tuple[str, bool]] = []
        pos = 0
        for start, end in spans:
            if start < pos:
                continue
            if start > pos:
                pieces.append((text[pos:start], False))
            pieces.append((text[start:end], True))
            pos = end
        if pos < len(text):
            pieces.append((text[pos:], False))
        return pieces


def needs_protection(ids: Sequence[str]) -> tuple[str, ...]:
    """The ids jieba could split: those with characters other than letters and digits."""
    return tuple(i for i in ids if i and not i.isalnum())


def _merge_emoji(tokens: list[str]) -> list[str]:
    """Glue skin tones, variation selectors, keycaps, ZWJ sequences and flag pairs to their base."""
    out: list[str] = []
    joined = False  # previous token ended with a zero-width joiner
    for tok in tokens:
        if out and (joined or _EMOJI_ATTACH.fullmatch(tok) or _is_flag_half(out[-1], tok)):
            out[-1] += tok
        else:
            out.append(tok)
        joined = out[-1].endswith("\u200d")
    return out


def _is_flag_half(prev: str, tok: str) -> bool:
    return len(tok) == 1 and _REGIONAL.match(tok) is not None and len(prev) == 1 and _REGIONAL.match(prev) is not None


def build_segmenter(backend: str = "rjieba", user_dicts: Sequence[Path] = ()) -> Segmenter:
    entries = read_dictionary(user_dicts)
    factory = segmenters.get(backend)
    return Segmenter(factory(entries), dictionary_version(entries))
