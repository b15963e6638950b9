"""Every keyword of a pack in ONE Aho-Corasick automaton.

A conversation is scanned once, whatever the number of rules: its turns are joined with a NUL
separator (no keyword contains one) and searched in a single call; each found word is routed to
the conditions that listed it. So adding keyword rules costs a dictionary lookup per hit, not a
scan per rule per turn.

Why ahocorasick-rs and not pyahocorasick (which the emotion lexicon uses): pyahocorasick's trie
finds a node's child by a linear scan, and a Chinese keyword list gives the root thousands of
children, so its scan time grows with the pack (7 -> 52 us per conversation from 118 to 3,845
keywords, bench/bench_qa.py). The Rust automaton stays at ~10 us whatever the size.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import ahocorasick_rs

_SEP = "\x00"


class KeywordIndex:
    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._leaves_of: list[list[int]] = []  # word id -> leaf keys that listed it
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        self._routes: list[tuple[int, ...]] = []

    def add(self, word: str, leaf: int) -> int:
        """Register ``word`` for condition ``leaf``; returns the word's id."""
        if self._automaton is not None:
            raise RuntimeError("the keyword index is already compiled")
        if _SEP in word:
            raise ValueError("a keyword cannot contain a NUL character")
        wid = self._ids.get(word)
        if wid is None:
            wid = self._ids[word] = len(self._ids)
            self._leaves_of.append([])
        if leaf not in self._leaves_of[wid]:
            self._leaves_of[wid].append(leaf)
        return wid

    def compile(self) -> None:
        self._routes = [tuple(leaves) for leaves in self._leaves_of]
        if self._ids:
            self._automaton = ahocorasick_rs.AhoCorasick(list(self._ids))

    def __len__(self) -> int:
        return len(self._ids)

    def scan(self, texts: Sequence[str]) -> dict[int, list[tuple[int, int, int, int]]]:
        """leaf key -> [(turn, start, end, word id)] for every keyword occurrence in ``texts``
        (overlapping occurrences included: 第一 inside 第一时间 is reported too)."""
        out: dict[int, list[tuple[int, int, int, int]]] = {}
        if self._automaton is None or not texts:
            return out
        starts, pos = [], 0
        for text in texts:
            starts.append(pos)
            pos += len(text) + 1
        routes = self._routes
        for wid, start, end in self._automaton.find_matches_as_indexes(_SEP.join(texts), overlapping=True):
            turn = bisect_right(starts, start) - 1
            base = starts[turn]
            hit = (turn, start - base, end - base, wid)
            for leaf in routes[wid]:
                got = out.get(leaf)
                if got is None:
                    out[leaf] = [hit]
                else:
                    got.append(hit)
        return out
