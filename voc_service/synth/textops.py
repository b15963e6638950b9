"""Small text-level helpers shared by the dialogue builder: emotion markers, phone-transcript
style, lazily filled template slots, and promise deadlines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from voc_service.synth import phrases as P
from voc_service.synth.model import BEIJING, UTC

# --- emotions ----------------------------------------------------------------------------------

_MARKER_EMOTION = {m: emo for emo, markers in P.EMOTION_MARKERS.items() for m in markers}
# longest first so "不太满意" wins over overlapping shorter markers; one C-level scan per turn
_MARKER_RE = re.compile("|".join(re.escape(m) for m in sorted(_MARKER_EMOTION, key=len, reverse=True)))
_EMOTION_ORDER = {emo: i for i, emo in enumerate(P.EMOTION_MARKERS)}
_EMOTION_CACHE: dict[str, tuple[str, ...]] = {}


def emotions(text: str) -> list[str]:
    """Emotions are exactly the marker words present (each emotion once, in canonical order).

    Short customer lines recur verbatim, so their results are memoised (bounded); the result is a
    pure function of the text, so the cache cannot affect determinism.
    """
    hit = _EMOTION_CACHE.get(text)
    if hit is None:
        markers = _MARKER_RE.findall(text)
        if not markers:
            hit = ()
        elif len(markers) == 1:
            hit = (_MARKER_EMOTION[markers[0]],)
        else:
            hit = tuple(sorted({_MARKER_EMOTION[m] for m in markers}, key=_EMOTION_ORDER.__getitem__))
        if len(text) < 24 and len(_EMOTION_CACHE) < 50_000:  # short lines recur; long ones carry ids
            _EMOTION_CACHE[text] = hit
    return list(hit)


# --- phone-call transcripts -----------------------------------------------------------------------

# what an ASR transcript does not have: punctuation becomes a pause (space), emoji disappear
_ASR_TABLE = str.maketrans({c: " " for c in "，。！？!?～~、：:；;【】“”"} | {c: None for c in "😡🤬😭🙏👍😊"})


def asr_style(text: str) -> str:
    return " ".join(text.translate(_ASR_TABLE).split())


# --- template slots -------------------------------------------------------------------------------


class Slots(dict):
    """Template values made on first use, so unused slots cost no random draws; one instance is
    cleared and refilled per conversation so a slot has one value throughout a conversation."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[str], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value


# --- promise deadlines ----------------------------------------------------------------------------


def add_business_days(d: date, n: int) -> date:
    """`d` plus n working days (Mon-Fri; public holidays are not modelled)."""
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def due_from_rule(rule: str, at: datetime) -> datetime:
    """Resolve a promise deadline from the time of the turn that made it.

    Rules: "hN" = N hours later; "bdN" = N working days later, same Beijing clock time;
    "tomorrow_noon" / "tomorrow_end" / "day2_noon" = Beijing calendar days.
    """
    if rule[0] == "h":
        return at + timedelta(hours=int(rule[1:]))
    local = at.astimezone(BEIJING)
    if rule.startswith("bd"):
        d = add_business_days(local.date(), int(rule[2:]))
        return local.replace(year=d.year, month=d.month, day=d.day).astimezone(UTC)
    if rule == "tomorrow_noon":
        d, hh, mm = local.date() + timedelta(days=1), 12, 0
    elif rule == "tomorrow_end":
        d, hh, mm = local.date() + timedelta(days=1), 23, 59
    elif rule == "day2_noon":
        d, hh, mm = local.date() + timedelta(days=2), 12, 0
    else:
        raise ValueError(f"unknown promise rule {rule!r}")
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=BEIJING).astimezone(UTC)
