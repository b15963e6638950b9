"""Hashed character n-grams: the part of the sentiment model that needs no vocabulary.

Character 1-4-grams carry most of the signal in short Chinese reviews and chat, and they survive
segmentation mistakes. Hashing them into a fixed table (instead of keeping an n-gram vocabulary)
keeps the model a flat float array that loads with `numpy.load(allow_pickle=False)` and is
looked up with one vectorised `take`. The SAME function runs at training and at inference time,
so the two can never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Multiplicative hashing on uint32 code points (wrap-around arithmetic); stored in every model
# file, so a model keeps working even if these defaults change one day.
DEFAULT_MULTIPLIERS = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0xD3A2646D)
DEFAULT_BIGRAM_XOR = 0x165667B1  # so that bigram buckets do not line up with unigram ones


@dataclass(frozen=True, slots=True)
class CharHasher:
    bits: int = 20
    max_n: int = 4
    multipliers: tuple[int, ...] = DEFAULT_MULTIPLIERS
    bigram_xor: int = DEFAULT_BIGRAM_XOR

    def __post_init__(self) -> None:
        if not 1 <= self.max_n <= len(self.multipliers):
            raise ValueError(f"max_n must be 1..{len(self.multipliers)}")
        if not 8 <= self.bits <= 24:
            raise ValueError("bits must be 8..24")

    @property
    def size(self) -> int:
        return 1 << self.bits

    def buckets(self, text: str) -> np.ndarray:
        """Bucket ids of every char n-gram (n = 1..max_n) of text between start/end markers."""
        a = self.multipliers
        c = np.frombuffer(("\x02" + text + "\x03").encode("utf-32-le"), dtype=np.uint32)
        h = c * np.uint32(a[0])
        out = [h]
        if self.max_n >= 2:
            h = h[:-1] + c[1:] * np.uint32(a[1])
            out.append(h ^ np.uint32(self.bigram_xor))
            for n in range(3, self.max_n + 1):
                h = h[:-1] + c[n - 1 :] * np.uint32(a[n - 1])
                out.append(h)
        return np.concatenate(out) >> np.uint32(32 - self.bits)

    def buckets_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Buckets of many texts in one vectorised pass, and the index of the text each came from.

        Same buckets as `buckets` text by text (tested), but numpy's per-call overhead is paid
        once per batch: a chat turn is ~20 characters, so per-text calls would cost more than
        the arithmetic."""
        if not texts:
            return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.intp)
        a = self.multipliers
        c = np.frombuffer("".join(f"\x02{t}\x03" for t in texts).encode("utf-32-le"), dtype=np.uint32)
        lengths = np.fromiter((len(t) + 2 for t in texts), dtype=np.intp, count=len(texts))
        owner = np.repeat(np.arange(len(texts), dtype=np.intp), lengths)
        h = c * np.uint32(a[0])
        out, owners = [h], [owner]
        for n in range(2, self.max_n + 1):
            h = h[:-1] + c[n - 1 :] * np.uint32(a[n - 1])
            keep = owner[: 1 - n] == owner[n - 1 :]  # n-grams that do not cross into the next text
            out.append((h ^ np.uint32(self.bigram_xor) if n == 2 else h)[keep])
            owners.append(owner[: 1 - n][keep])
        return np.concatenate(out) >> np.uint32(32 - self.bits), np.concatenate(owners)

    def to_json(self) -> dict:
        return {
            "bits": self.bits,
            "max_n": self.max_n,
            "multipliers": list(self.multipliers),
            "bigram_xor": self.bigram_xor,
        }

    @classmethod
    def from_json(cls, doc: dict) -> CharHasher:
        return cls(
            bits=int(doc["bits"]),
            max_n=int(doc["max_n"]),
            multipliers=tuple(int(x) for x in doc["multipliers"]),
            bigram_xor=int(doc["bigram_xor"]),
        )
