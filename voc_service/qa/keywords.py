"""Every keyword of a pack in ONE Aho-Corasick automaton.

A conversation's turns are scanned once, whatever the number of rules; each found word is routed
to the conditions that listed it. So adding keyword rules costs a dictionary lookup per hit, not a
scan per rule per turn (the 500-rule pack in bench/bench_qa.py measures this).
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick


class KeywordIndex:
    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._leaves_of: list[list[int]] = []  # word id -> leaf keys that listed it
        self._automaton: ahocorasick.Automaton | None = None

    def add(self, word: str, leaf: int) -> int:
        """Register ``word`` for condition ``leaf``; returns the word's id."""
        if self._automaton is not None:
            raise RuntimeError("the keyword index is already compiled")
        wid = self._ids.get(word)
        if wid is None:
            wid = self._ids[word] = len(self._ids)
            self._leaves_of.append([])
        if leaf not in self._leaves_of[wid]:
            self._leaves_of[wid].append(leaf)
        return wid

    def compile(self) -> None:
        automaton = ahocorasick.Automaton()
        for word, wid in self._ids.items():
            automaton.add_word(word, (wid, len(word), tuple(self._leaves_of[wid])))
        if self._ids:
            automaton.make_automaton()
        self._automaton = automaton

    def __len__(self) -> int:
        return len(self._ids)

    def scan(self, texts: Sequence[str]) -> dict[int, list[tuple[int, int, int, int]]]:
        """leaf key -> [(turn, start, end, word id)] for every keyword occurrence in ``texts``."""
        out: dict[int, list[tuple[int, int, int, int]]] = {}
        if not self._ids:
            return out
        iterate = self._automaton.iter  # type: ignore[union-attr]
        for turn, text in enumerate(texts):
            for end, (wid, length, leaves) in iterate(text):
                hit = (turn, end + 1 - length, end + 1, wid)
                for leaf in leaves:
                    got = out.get(leaf)
                    if got is None:
                        out[leaf] = [hit]
                    else:
                        got.append(hit)
        return out
