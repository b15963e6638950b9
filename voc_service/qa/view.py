"""One conversation as the rule engine sees it: the analysed turns plus what several operators
share (turns by role, timestamps, token boundaries, keyword hits), each computed once and only when
a rule asks for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from voc_service.domain import Role, TurnAnalysis

# A hit: (turn index, start, end) in the turn's stored text, code points, end exclusive.
Hit = tuple[int, int, int]


class ConversationView:
    __slots__ = ("turns", "times", "texts", "roles", "_by_role", "_bounds", "keyword_hits", "_cache", "_sets")

    def __init__(self, turns: Sequence[TurnAnalysis], times: Sequence[datetime | None]) -> None:
        self.turns = turns
        self.times = list(times)
        self.texts = [t.text for t in turns]
        self.roles = [t.role for t in turns]
        self._by_role: dict[frozenset[Role] | None, list[int]] = {}
        self._bounds: dict[int, frozenset[int]] = {}
        # leaf key -> [(turn, start, end, word id)], filled by the engine in one automaton pass
        self.keyword_hits: dict[int, list[tuple[int, int, int, int]]] = {}
        self._cache: dict[object, object] = {}  # per-operator memo (n-gram vectors ...)
        self._sets: dict[int, tuple[list[int], frozenset[int]]] = {}

    def turns_of(self, roles: frozenset[Role] | None) -> list[int]:
        """Indexes of the turns written by any of ``roles`` (None = every turn), in order. Turns
        without text (an image or sticker the channel could not pass on) are left out: there is
        nothing in them to inspect, so "the last agent turn" is the last one that says something."""
        got = self._by_role.get(roles)
        if got is None:
            texts = self.texts
            got = [i for i, r in enumerate(self.roles) if texts[i] and (roles is None or r in roles)]
            self._by_role[roles] = got
        return got

    def as_set(self, scope: list[int]) -> frozenset[int]:
        """``scope`` as a set; cached for the role lists of turns_of, which are reused by every
        condition with the same role (the object is kept with its set, so its id stays valid)."""
        got = self._sets.get(id(scope))
        if got is not None and got[0] is scope:
            return got[1]
        made = frozenset(scope)
        self._sets[id(scope)] = (scope, made)
        return made

    def token_bounds(self, i: int) -> frozenset[int]:
        """Offsets where a token starts or ends in turn i (tokens + spaces rebuild the text)."""
        got = self._bounds.get(i)
        if got is None:
            turn = self.turns[i]
            pos, bounds = 0, {0}
            for tok, space in zip(turn.tokens, turn.spaces, strict=False):
                pos += len(tok)
                bounds.add(pos)
                if space:
                    pos += 1
                    bounds.add(pos)
            got = frozenset(bounds)
            self._bounds[i] = got
        return got

    def whole(self, i: int) -> Hit:
        return (i, 0, len(self.texts[i]))

    def memo(self, key: object, make) -> object:  # noqa: ANN001 - any zero-argument factory
        got = self._cache.get(key)
        if got is None:
            got = make()
            self._cache[key] = got
        return got
