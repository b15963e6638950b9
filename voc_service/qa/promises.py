"""Promise tracking: agent commitments with a deadline, and customers saying one was not kept.

Detection is a clause-level pattern: a deadline (24小时内, 3个工作日内, 明天上午 …) followed in the
same clause by what is promised (回电, 上门, 退款到账 …), and no hedge (预计, 一般, 需要 …: those are
estimates the agent reports, not commitments). The due time is resolved against the turn's
timestamp in Beijing time; 工作日 skips Saturdays and Sundays (public holidays are not modelled:
a 工作日 promise over a holiday comes due early, never late, so a broken promise is never missed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources

from voc_service.domain import PromiseKind

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_NUM = r"(?:\d+(?:\s*[-~到至]\s*\d+)?|[一二两三四五六七八九十]+)"
_RELATIVE = re.compile(rf"({_NUM})\s*(?:个)?\s*(分钟|小时|工作日|天|日)\s*(?:内|之内|以内)")
_ABSOLUTE = re.compile(r"(今天|今日|今晚|明天|明日|后天)(上午|中午|下午|晚上|傍晚|之前|前)?")
_MAYBE_DEADLINE = re.compile(r"[内今明后]")
_CLAUSE_END = re.compile(r"[，。！？；,.!?;\s]")  # ASR text marks clauses with spaces
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_DAY_OFFSET = {"今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "后天": 2}
_BY_HOUR = {"上午": (12, 0), "中午": (13, 0), "下午": (18, 0), "傍晚": (19, 0), "晚上": (23, 59)}


def _number(text: str) -> int:
    """The upper bound of '3', '1-3', '三', '十五'."""
    text = re.split(r"\s*[-~到至]\s*", text)[-1]
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(text, 0)


def add_working_days(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def resolve_due(match: re.Match[str], at: datetime) -> datetime:
    if match.re is _RELATIVE:
        n, unit = _number(match.group(1)), match.group(2)
        if unit == "分钟":
            return at + timedelta(minutes=n)
        if unit == "小时":
            return at + timedelta(hours=n)
        if unit == "工作日":
            local = at.astimezone(BEIJING)
            d = add_working_days(local.date(), n)
            return local.replace(year=d.year, month=d.month, day=d.day).astimezone(UTC)
        return at + timedelta(days=n)
    local = at.astimezone(BEIJING)
    day = match.group(1)
    d = local.date() + timedelta(days=_DAY_OFFSET[day])
    hh, mm = _BY_HOUR.get(match.group(2) or ("晚上" if day == "今晚" else ""), (23, 59))
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=BEIJING).astimezone(UTC)


@dataclass(slots=True, frozen=True)
class Commitment:
    kind: PromiseKind
    start: int
    end: int
    due_at: datetime


@dataclass(slots=True, frozen=True)
class BrokenCue:
    kind: PromiseKind | None  # None: whatever was promised
    start: int
    end: int


class PromiseFinder:
    def __init__(self, lexicon: dict | None = None) -> None:
        if lexicon is None:
            text = resources.files("voc_service.qa.data").joinpath("promises.json").read_text(encoding="utf-8")
            lexicon = json.loads(text)
        self.kinds = [(PromiseKind(k), tuple(words)) for k, words in lexicon["kinds"].items()]
        self.hedges = tuple(lexicon["hedges"])
        # one alternation per tier, longest words first: a cue naming what was promised wins
        kind_of = {w: PromiseKind(k) for k, words in lexicon["broken"].items() if k != "any" for w in words}
        self._specific = _alternation(kind_of)
        self._kind_of = kind_of
        self._general = _alternation(lexicon["broken"].get("any", []))

    def commitments(self, text: str, at: datetime) -> list[Commitment]:
        """Deadline + promised action in one clause of an agent turn, hedged clauses skipped."""
        out: list[Commitment] = []
        if not _MAYBE_DEADLINE.search(text):  # most agent turns: one cheap scan and done
            return out
        for pattern in (_RELATIVE, _ABSOLUTE):
            for m in pattern.finditer(text):
                clause_start = max((c.end() for c in _CLAUSE_END.finditer(text, 0, m.start())), default=0)
                end_match = _CLAUSE_END.search(text, m.end())
                clause_end = end_match.start() if end_match else len(text)
                clause = text[clause_start:clause_end]
                if any(h in clause for h in self.hedges):
                    continue
                tail = text[m.end() : clause_end]
                for kind, words in self.kinds:
                    ends = [tail.find(w) + len(w) for w in words if w in tail]
                    if ends:  # the span runs from the deadline to the last promised word
                        out.append(Commitment(kind, m.start(), m.end() + max(ends), resolve_due(m, at)))
                        break
        out.sort(key=lambda c: c.start)
        return [c for k, c in enumerate(out) if k == 0 or c.start >= out[k - 1].end]

    def broken_cue(self, text: str) -> BrokenCue | None:
        """What in a customer turn says a promise was not kept: a cue naming what was promised
        (还没到账 -> refund) wins over a general one (说好的), so the right promise is matched."""
        m = self._specific.search(text) if self._specific is not None else None
        if m is not None:
            return BrokenCue(self._kind_of[m.group()], m.start(), m.end())
        m = self._general.search(text) if self._general is not None else None
        return None if m is None else BrokenCue(None, m.start(), m.end())


def _alternation(words) -> re.Pattern[str] | None:  # noqa: ANN001 - any iterable of str
    words = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


def turn_times(times: list[datetime | None], started_at: datetime | None) -> list[datetime | None]:
    """Each turn's time, falling back to the latest earlier timestamp, then to started_at."""
    out, last = [], started_at
    for t in times:
        last = t or last
        out.append(last)
    return out
