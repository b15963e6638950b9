"""Unicode and whitespace normalisation.

NFKC folds full-width ASCII (ＡＢＣ１２３，！) to half-width and the ideographic space to a space,
so regexes and the dictionary see one form of every digit and letter. Chinese punctuation that has
no half-width twin (。、「」) is left as it is. Emoji survive NFKC unchanged; zero-width joiners and
variation selectors are kept because they belong to emoji sequences (the segmenter keeps those
sequences as one token). Other zero-width and control characters are dropped, and runs of
whitespace become one space, so token offsets can be rebuilt from tokens + single spaces.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (tab/newline are whitespace, handled below) and invisible format characters that
# are not part of emoji sequences (ZWJ U+200D and VS16 U+FE0F are kept).
_DROP = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), 0x200B, 0x200C, 0x2060, 0xFEFF, 0x00AD],
    None,
)
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_DROP)
    return _SPACE.sub(" ", text).strip()
