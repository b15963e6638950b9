"""Condition operators, looked up by name in the ``qa_operators`` registry (spaCy-style: a new
operator is a registered class, not an edit to the engine).

Each operator class has a pydantic ``Params`` model (validated at pack load, so a typo is an error
that names the field), is built once per pack, and answers one question per conversation: which
hits does it find among the turns in scope? A condition is true when that list is non-empty.
``scoped`` operators honour the condition's role / range / anchor; the others (timing, transfer)
define their own roles and reject a scope at load time.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Literal

import catalogue
from pydantic import BaseModel, ConfigDict, Field, model_validator

from voc_service.domain import EmotionKind, PiiKind, Role, SentimentLabel
from voc_service.qa.keywords import KeywordIndex
from voc_service.qa.view import ConversationView, Hit

operators = catalogue.create("voc", "qa_operators")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompileContext:
    """What operators share while a pack compiles: the pack's keyword automaton and lexicons."""

    def __init__(self, lexicons: dict[str, list[str]]) -> None:
        self.keywords = KeywordIndex()
        self.lexicons = lexicons
        self._leaves = 0

    def new_leaf(self) -> int:
        self._leaves += 1
        return self._leaves

    def expand(self, item: str | list[str]) -> list[str]:
        """A keyword item as its synonym group: "@name" is a pack lexicon, a list is synonyms."""
        words = [item] if isinstance(item, str) else list(item)
        out: list[str] = []
        for w in words:
            if w.startswith("@"):
                if w[1:] not in self.lexicons:
                    raise ValueError(f"unknown lexicon {w!r}; the pack defines {sorted(self.lexicons)}")
                out.extend(self.lexicons[w[1:]])
            else:
                out.append(w)
        return [w for w in out if w]


class Operator:
    scoped = True
    requires: tuple[str, ...] = ()  # pipeline stages whose output the operator reads
    trigger: int | None = None  # leaf key: no keyword hit there means no hit at all

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        raise NotImplementedError


# --- keywords ------------------------------------------------------------------------------------

Item = str | list[str]


class KeywordParams(Params):
    any_of: list[Item] | None = None
    all_of: list[Item] | None = None
    none_of: list[Item] | None = None
    at_least: Annotated[int, Field(ge=1)] | None = None  # with any_of: at least N different items
    match: Literal["text", "token"] = "text"  # token: the word must start and end on token edges
    unless: list[str] = Field(default_factory=list)  # a hit inside one of these phrases does not count

    @model_validator(mode="after")
    def _one_list(self) -> KeywordParams:
        given = [k for k in ("any_of", "all_of", "none_of") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one non-empty list: any_of, all_of or none_of")
        if self.at_least is not None and given != ["any_of"]:
            raise ValueError("at_least goes with any_of")
        return self


@operators.register("keywords")
class Keywords(Operator):
    Params = KeywordParams

    def __init__(self, p: KeywordParams, ctx: CompileContext) -> None:
        self.key = ctx.new_leaf()
        self.mode = "any" if p.any_of else "all" if p.all_of else "none"
        items = p.any_of or p.all_of or p.none_of or []
        self.groups: dict[int, set[int]] = {}  # word id -> item indexes it satisfies
        for g, item in enumerate(items):
            words = ctx.expand(item)
            if not words:
                raise ValueError(f"keyword item {g} is empty")
            for w in words:
                self.groups.setdefault(ctx.keywords.add(w, self.key), set()).add(g)
        self.n_items = len(items)
        self.need = p.at_least or 1
        self.exclusions = {ctx.keywords.add(w, self.key) for w in p.unless} - set(self.groups)
        self.token_mode = p.match == "token"
        self.trigger = self.key if self.mode != "none" else None
        # any occurrence of any word counts: the engine's fast path can take the hits as they are
        self.is_plain = self.mode == "any" and self.need == 1 and not self.exclusions and not self.token_mode

    def _valid(self, view: ConversationView, scope: list[int]) -> list[tuple[int, int, int, int]]:
        raw = view.keyword_hits.get(self.key)
        if not raw:
            return []
        inside = view.as_set(scope)
        hits = [h for h in raw if h[0] in inside]
        if self.exclusions:
            blocks = [h for h in hits if h[3] in self.exclusions]
            hits = [h for h in hits if h[3] not in self.exclusions]
            if blocks:
                hits = [h for h in hits if not any(b[0] == h[0] and b[1] <= h[1] and h[2] <= b[2] for b in blocks)]
        if self.token_mode:
            hits = [h for h in hits if h[1] in view.token_bounds(h[0]) and h[2] in view.token_bounds(h[0])]
        return hits

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        if not scope:
            return []
        found = self._valid(view, scope)
        if self.mode == "none":
            return [] if found else [view.whole(scope[0])]
        if self.mode == "any" and self.need == 1:
            return [h[:3] for h in found]
        items = set().union(*(self.groups[h[3]] for h in found)) if found else set()
        enough = len(items) >= (self.need if self.mode == "any" else self.n_items)
        return [h[:3] for h in found] if enough else []


# --- regex ---------------------------------------------------------------------------------------


class RegexParams(Params):
    pattern: str
    exclude: str | None = None  # a turn that also matches this does not count
    # Words of which every match contains at least one (不知道, 没办法 for '(?:不知道|没办法)…'):
    # they go into the pack's keyword automaton, and the regex runs only on turns that have one,
    # so the rule costs nothing in conversations without them. Optional; a wrong list loses hits.
    needs: list[str] = Field(default_factory=list)


@operators.register("regex")
class Regex(Operator):
    Params = RegexParams

    def __init__(self, p: RegexParams, ctx: CompileContext) -> None:
        try:
            self.pattern = re.compile(p.pattern)
            self.exclude = re.compile(p.exclude) if p.exclude else None
        except re.error as exc:
            raise ValueError(f"bad regular expression: {exc}") from None
        self.key = ctx.new_leaf()
        for word in p.needs:
            if word:
                ctx.keywords.add(word, self.key)
        self.trigger = self.key if p.needs else None

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        out: list[Hit] = []
        if self.trigger is not None:
            found = view.keyword_hits.get(self.key)
            if not found:
                return out
            with_word = {h[0] for h in found}
            scope = [i for i in scope if i in with_word]
        for i in scope:
            text = view.texts[i]
            if self.exclude is not None and self.exclude.search(text):
                continue
            out.extend((i, m.start(), m.end()) for m in self.pattern.finditer(text) if m.end() > m.start())
        return out


# --- similarity to example phrasings ---------------------------------------------------------------

_NOT_CONTENT = re.compile(r"[\s\W_]+|<[A-Z_]+>")


def char_ngrams(text: str) -> frozenset[str]:
    """The set of character unigrams + bigrams of the content characters (punctuation and
    placeholders dropped): robust to rewording (稍等我帮您查一下 ~ 请稍等，正在为您查询) and to
    segmentation. A set, not counts: service turns are short, repeats inside one are rare, and
    set intersection runs in C (3x cheaper than Counter arithmetic)."""
    grams: set[str] = set()
    for part in _NOT_CONTENT.sub(" ", text).split():
        grams.update(part)
        grams.update(map(str.__add__, part, part[1:]))
    return frozenset(grams)


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of the two sets' indicator vectors: |a & b| / sqrt(|a| |b|)."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


class SimilarParams(Params):
    examples: list[str] = Field(min_length=1)
    threshold: float = Field(0.35, gt=0, le=1)


@operators.register("similar")
class Similar(Operator):
    """Cosine of character 1-2-gram counts against each example; a turn hits when its best
    score reaches the threshold. No model needed, so it works offline and costs microseconds."""

    Params = SimilarParams

    def __init__(self, p: SimilarParams, ctx: CompileContext) -> None:
        self.examples = [char_ngrams(e) for e in p.examples]
        self.threshold = p.threshold

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        out: list[Hit] = []
        for i in scope:
            grams = view.memo(("ngrams", i), lambda i=i: char_ngrams(view.texts[i]))
            if max(cosine(grams, e) for e in self.examples) >= self.threshold:
                out.append(view.whole(i))
        return out


# --- sentiment and emotion ---------------------------------------------------------------------------


class SentimentParams(Params):
    label: SentimentLabel | None = None
    below: float | None = Field(None, ge=-1, le=1)  # score strictly below
    above: float | None = Field(None, ge=-1, le=1)  # score strictly above

    @model_validator(mode="after")
    def _something(self) -> SentimentParams:
        if self.label is None and self.below is None and self.above is None:
            raise ValueError("give label, below or above")
        return self


@operators.register("sentiment")
class Sentiment(Operator):
    Params = SentimentParams
    requires = ("sentiment",)

    def __init__(self, p: SentimentParams, ctx: CompileContext) -> None:
        self.p = p

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        p, out = self.p, []
        for i in scope:
            s = view.turns[i].sentiment
            if s is None:
                continue
            if p.label is not None and s.label is not p.label:
                continue
            if (p.below is not None and not s.score < p.below) or (p.above is not None and not s.score > p.above):
                continue
            out.append(view.whole(i))
        return out


class EmotionParams(Params):
    kinds: list[EmotionKind] = Field(min_length=1)


@operators.register("emotion")
class Emotion(Operator):
    """Emotional-risk cues found by the `emotion` stage (customer turns), with the cue as evidence."""

    Params = EmotionParams
    requires = ("emotion",)

    def __init__(self, p: EmotionParams, ctx: CompileContext) -> None:
        self.kinds = frozenset(p.kinds)

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        return [(i, m.start, m.end) for i in scope for m in view.turns[i].emotions if m.kind in self.kinds]


# --- placeholders left by redaction -------------------------------------------------------------------


class PlaceholderParams(Params):
    kinds: list[PiiKind] = Field(min_length=1)


@operators.register("placeholder")
class Placeholder(Operator):
    """Personal data in a turn, seen through the placeholders the redact stage left (the agent
    read a phone number or an address out in the chat)."""

    Params = PlaceholderParams
    requires = ("redact",)

    def __init__(self, p: PlaceholderParams, ctx: CompileContext) -> None:
        self.kinds = frozenset(p.kinds)

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        return [(i, r.start, r.end) for i in scope for r in view.turns[i].redactions if r.kind in self.kinds]


# --- timing ---------------------------------------------------------------------------------------


def _gap(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds()


class OverParams(Params):
    over_seconds: float = Field(gt=0)


def first_response(roles: list[Role], times: list[datetime | None]) -> tuple[int, float] | None:
    """(index of the first AGENT turn, seconds the customer waited for it), measured from the
    first CUSTOMER turn or, if later, the last SYSTEM turn (transfer from the bot) before the agent
    answered. None when there is no such pair or a timestamp is missing."""
    first_agent = next((i for i, r in enumerate(roles) if r is Role.AGENT), None)
    if first_agent is None:
        return None
    customer = next((i for i in range(first_agent) if roles[i] is Role.CUSTOMER), None)
    if customer is None:
        return None
    since = times[customer]
    system = next((i for i in range(first_agent - 1, customer, -1) if roles[i] is Role.SYSTEM), None)
    if system is not None and times[system] is not None and (since is None or times[system] > since):
        since = times[system]
    gap = _gap(since, times[first_agent])
    return None if gap is None else (first_agent, gap)


@operators.register("first_response")
class FirstResponse(Operator):
    """The first AGENT turn comes more than ``over_seconds`` after the customer could first be
    answered by a person (see :func:`first_response`). Turns without a timestamp never hit."""

    Params = OverParams
    scoped = False

    def __init__(self, p: OverParams, ctx: CompileContext) -> None:
        self.over = p.over_seconds

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        got = view.memo("first_response", lambda: first_response(view.roles, view.times))
        return [view.whole(got[0])] if got is not None and got[1] > self.over else []


class ReplyGapParams(OverParams):
    skip_first: bool = True  # the first agent turn is first_response's business


@operators.register("reply_gap")
class ReplyGap(Operator):
    """An AGENT turn directly after a CUSTOMER turn comes more than ``over_seconds`` after it."""

    Params = ReplyGapParams
    scoped = False

    def __init__(self, p: ReplyGapParams, ctx: CompileContext) -> None:
        self.over, self.skip_first = p.over_seconds, p.skip_first

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        roles, times, out = view.roles, view.times, []
        seen_agent = False
        for i, role in enumerate(roles):
            if role is not Role.AGENT:
                continue
            first, seen_agent = not seen_agent, True
            if (first and self.skip_first) or i == 0 or roles[i - 1] is not Role.CUSTOMER:
                continue
            gap = _gap(times[i - 1], times[i])
            if gap is not None and gap > self.over:
                out.append(view.whole(i))
        return out


@operators.register("duration")
class Duration(Operator):
    """First to last turn takes more than ``over_seconds``."""

    Params = OverParams
    scoped = False

    def __init__(self, p: OverParams, ctx: CompileContext) -> None:
        self.over = p.over_seconds

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        stamped = [i for i, t in enumerate(view.times) if t is not None]
        if len(stamped) < 2:
            return []
        gap = _gap(view.times[stamped[0]], view.times[stamped[-1]])
        return [view.whole(stamped[-1])] if gap is not None and gap > self.over else []


@operators.register("silence")
class Silence(Operator):
    """Any two consecutive turns more than ``over_seconds`` apart (hit = the later turn)."""

    Params = OverParams
    scoped = False

    def __init__(self, p: OverParams, ctx: CompileContext) -> None:
        self.over = p.over_seconds

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        t, out = view.times, []
        for i in range(1, len(t)):
            gap = _gap(t[i - 1], t[i])
            if gap is not None and gap > self.over:
                out.append(view.whole(i))
        return out


# --- repetition and transfer ----------------------------------------------------------------------

_QUESTION = re.compile(r"[?？吗呢]|什么|怎么|为什么|为啥|到底|能不能|是不是|有没有|多久|几天|哪天|何时|啥时候|咋")
# Words that carry the asking, not the thing asked: dropped before comparing two questions.
_FILLERS = (
    "我就想知道", "我想知道", "我就想问", "我就问", "我想问", "请问", "到底", "所以", "那么", "就是",
    "什么时候", "啥时候", "多久", "何时", "这个", "那个", "怎么", "什么", "肿么", "咋", "给我", "我", "你们", "你", "吗", "呢", "啊", "呀", "吧", "哦", "了",
)
_A_NOT_A = re.compile(r"(\w)[不没]\1")  # 能不能退 / 给不给换 / 有没有货 -> 能退 / 给换 / 有货


def filler_pattern(ignore: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """Fillers and non-content characters in one alternation (longest first): one pass per turn."""
    words = sorted({w for w in ignore if w}, key=len, reverse=True)
    return re.compile("|".join([*map(re.escape, words), _NOT_CONTENT.pattern]))


_DEFAULT_FILLERS = filler_pattern(_FILLERS)


def question_core(text: str, fillers: re.Pattern[str] = _DEFAULT_FILLERS) -> str:
    """What a question asks, without the asking: A-not-A folded (能不能退 -> 能退), fillers and
    punctuation dropped. 到底能不能退? / 我就问能不能给我退 / 所以能退吗?? all become 能退."""
    return fillers.sub(" ", _A_NOT_A.sub(r"\1", text))


class RepeatedParams(Params):
    times: int = Field(3, ge=2)
    threshold: float = Field(0.6, gt=0, le=1)
    questions_only: bool = False  # only turns that read as questions count (the customer asks again)
    min_chars: int = Field(1, ge=1)  # content characters left after dropping fillers
    ignore: list[str] = Field(default_factory=lambda: list(_FILLERS))
    # Synonym groups of what customers ask about (退 / 退款 / 差价 / 价保 ...): two turns whose
    # cores share a group ask the same thing even when worded apart. Items as in `keywords`.
    topics: list[Item] = Field(default_factory=list)
    # ... but a shared topic alone counts only when the answer in between put the customer off
    # (正在跟进 / 请您再等等): asking about refunds three times with real answers is a conversation,
    # asking three times and being stalled each time is an unresolved question.
    put_off: list[Item] = Field(default_factory=list)


@operators.register("repeated")
class Repeated(Operator):
    """The same thing said ``times`` times by the scoped role: the character n-gram cosine of
    the turns' cores (see question_core) to an earlier turn of the same group >= threshold, so
    rewordings of one question group together. The hit is the turn that reaches the count."""

    Params = RepeatedParams

    def __init__(self, p: RepeatedParams, ctx: CompileContext) -> None:
        self.p = p
        self.fillers = filler_pattern(p.ignore)
        # Topic and put-off words ride on the pack's keyword automaton: which turn has which topic
        # comes out of the conversation's one scan instead of substring tests per turn.
        self.topic_key = ctx.new_leaf()
        self.topic_of: dict[int, set[int]] = {}  # word id -> topic indexes
        for k, item in enumerate(p.topics):
            for w in ctx.expand(item):
                self.topic_of.setdefault(ctx.keywords.add(w, self.topic_key), set()).add(k)
        self.put_off_key = ctx.new_leaf()
        for item in p.put_off:
            for w in ctx.expand(item):
                ctx.keywords.add(w, self.put_off_key)
        self.check_put_off = bool(p.put_off)

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        p, groups, out = self.p, [], []  # groups: [[(grams, topics) of each member], count, last turn]
        texts = view.texts
        if len(scope) < p.times:
            return out
        if p.questions_only:  # cheap first pass: most conversations have too few questions
            scope = [i for i in scope if _QUESTION.search(texts[i])]
            if len(scope) < p.times:
                return out
        topics_in: dict[int, set[int]] = {}
        for turn, _s, _e, wid in view.keyword_hits.get(self.topic_key, ()):
            topics_in.setdefault(turn, set()).update(self.topic_of[wid])
        put_off_turns = {h[0] for h in view.keyword_hits.get(self.put_off_key, ())}
        roles = view.roles
        for i in scope:
            core = question_core(texts[i], self.fillers)
            if len(core) - core.count(" ") < p.min_chars:
                continue
            grams = char_ngrams(core)
            topics = topics_in.get(i)
            for group in groups:
                same = any(cosine(grams, g) >= p.threshold for g, _ in group[0])
                if not same and topics and any(t and topics & t for _, t in group[0]):
                    same = not self.check_put_off or any(
                        k in put_off_turns and roles[k] is not Role.CUSTOMER for k in range(group[2] + 1, i)
                    )
                if same:
                    group[0].append((grams, topics))
                    group[1] += 1
                    group[2] = i
                    if group[1] == p.times:
                        out.append(view.whole(i))
                    break
            else:
                groups.append([[(grams, topics)], 1, i])
        return out


class TransferParams(Params):
    within: int = Field(2, ge=1)


@operators.register("transfer_unanswered")
class TransferUnanswered(Operator):
    """A CUSTOMER turn asks for a human (the `emotion` stage's human_request cue) and none of the
    next ``within`` turns is a SYSTEM turn (the transfer) or an AGENT turn."""

    Params = TransferParams
    requires = ("emotion",)
    scoped = False

    def __init__(self, p: TransferParams, ctx: CompileContext) -> None:
        self.within = p.within

    def hits(self, view: ConversationView, scope: list[int]) -> list[Hit]:
        roles, out = view.roles, []
        for i, turn in enumerate(view.turns):
            if roles[i] is not Role.CUSTOMER:
                continue
            cue = next((m for m in turn.emotions if m.kind is EmotionKind.HUMAN_REQUEST), None)
            if cue is None:
                continue
            after = roles[i + 1 : i + 1 + self.within]
            if not any(r is Role.SYSTEM or r is Role.AGENT for r in after):
                out.append((i, cue.start, cue.end))
        return out
