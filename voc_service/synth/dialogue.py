"""Assembles one conversation (turns + exact labels) from a context chosen by the traffic layer.

A conversation is first planned as a list of *beats* (customer opener, agent greeting, bot FAQ,
system transfer, agent solution, ...), then rendered beat by beat with timestamps. Labels are
recorded while rendering, never re-derived from the text by heuristics, except emotions, which
are by definition the marker words of `phrases.EMOTION_MARKERS` present in the final text.

Exact definitions behind the violation labels (a conversation without a code is clean of it):

* missing_greeting    the first AGENT turn contains none of `GREETING_WORDS`.
* missing_closing     the last AGENT turn contains none of `CLOSING_WORDS`.
* forbidden_language  an AGENT turn contains one of `FORBIDDEN_WORDS`.
* absolute_promise    an AGENT turn contains one of `ABSOLUTE_WORDS`.
* extreme_words       an AGENT turn contains an advertising-law extreme word (`EXTREME_WORDS`;
                      clean agents never even write the character 最).
* slow_first_response the first AGENT turn comes > 60 s after the first CUSTOMER turn (and after
                      the SYSTEM transfer, if any); clean conversations answer within 60 s of both.
* slow_reply          an AGENT turn other than the first, directly after a CUSTOMER turn, comes
                      > 180 s after it (clean gaps are <= 150 s).
* unanswered_transfer a CUSTOMER turn asks for a human and neither of the next two turns is a
                      SYSTEM transfer or an AGENT turn (turn index = that request).
* repeated_question   the customer asks the same question three times (index = third ask).
* escalation_threat   a CUSTOMER turn carries the `escalation` emotion (index = first such turn).
* negative_ending     the last CUSTOMER turn is NEGATIVE.
* agent_pii_leak      an AGENT turn contains a phone number or a street address (also in `pii`).
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from voc_service.domain.conversation import Conversation, Role, Turn
from voc_service.synth import phrases as P
from voc_service.synth.catalog import CATEGORY_BY_NAME
from voc_service.synth.model import (
    BEIJING,
    UTC,
    Generated,
    Labels,
    PiiSpan,
    Promise,
    Sku,
    TurnLabel,
    Violation,
)
from voc_service.synth.pii import PII_FACTORIES, date_text, price_text, ticket_number, tracking_number

NEG, NEU, POS = "NEGATIVE", "NEUTRAL", "POSITIVE"
# Enum class-attribute access costs ~0.2 us in 3.11; these run per turn, so bind them once.
_CUSTOMER, _AGENT, _BOT, _SYSTEM = Role.CUSTOMER, Role.AGENT, Role.BOT, Role.SYSTEM
_SCORE = {NEG: -1, NEU: 0, POS: 1}
_FROM_SCORE = {-1: NEG, 0: NEU, 1: POS}

CHANNEL_SHARES = (("app", 0.50), ("mini_program", 0.22), ("web", 0.16), ("phone_asr", 0.12))  # used inline in build()

# relative weights of violation codes once a conversation is chosen to carry violations
_WANT_MID_CUM = (0.25, 0.55, 0.77, 0.90, 0.97)  # P(n_mid <= k) for k = 0..4; else 5
_CODE_WEIGHTS = (
    ("missing_greeting", 8), ("missing_closing", 8), ("forbidden_language", 8), ("absolute_promise", 7),
    ("extreme_words", 5), ("slow_first_response", 9), ("slow_reply", 9), ("unanswered_transfer", 6),
    ("repeated_question", 6), ("escalation_threat", 9), ("negative_ending", 18), ("agent_pii_leak", 5),
)

_PII_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "invoice": (("EMAIL", 5), ("ID_CARD", 2.5), ("PHONE", 2), ("LANDLINE", 1), ("ADDRESS", 1.5)),
    "refund_progress": (("BANK_CARD", 5), ("PHONE", 3), ("EMAIL", 0.5)),
    "price_protection": (("BANK_CARD", 4), ("PHONE", 3)),
    "presale_question": (("PHONE", 4), ("ADDRESS", 2), ("EMAIL", 1), ("ID_CARD", 0.5)),
}
_PII_DEFAULT = (("ADDRESS", 4.5), ("PHONE", 5), ("LANDLINE", 1.5), ("ID_CARD", 0.5), ("BANK_CARD", 0.5),
                ("EMAIL", 0.5))

# characters a phone-call transcript does not have
_ASR_TABLE = str.maketrans({c: " " for c in "，。！？!?～~、：:；;【】“”"} | {c: None for c in "😡🤬😭🙏👍😊"})


@dataclass(slots=True)
class FollowUp:
    """This conversation is a customer coming back about `kind` promised in `of_conversation`."""

    of_conversation: str
    kind: str
    phrase: str
    broken: bool


@dataclass(slots=True)
class Context:
    """What the traffic layer decided; everything else is decided here."""

    conversation_id: str
    started_at: datetime
    sku: Sku
    noun: str
    price: float
    intent: str
    complaint: bool
    customer_id: str
    order_id: str
    agent_id: str
    shop: str
    spike_id: str | None = None
    followup: FollowUp | None = None


class _Slots(dict):
    """Template values, made on first use so unused slots cost no random draws."""

    __slots__ = ("_make",)

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value


def _weighted(r: float, table) -> str:
    total = 0.0
    for _, w in table:
        total += w
    x = r * total
    for name, w in table:
        x -= w
        if x < 0:
            return name
    return table[-1][0]


_MARKER_EMOTION = {m: emo for emo, markers in P.EMOTION_MARKERS.items() for m in markers}
# longest first so "不太满意" wins over shorter overlapping markers; one C-level scan per turn
_MARKER_RE = re.compile("|".join(re.escape(m) for m in sorted(_MARKER_EMOTION, key=len, reverse=True)))
_EMOTION_ORDER = {emo: i for i, emo in enumerate(P.EMOTION_MARKERS)}


def _emotions(text: str) -> list[str]:
    """Emotions are exactly the marker words present (each emotion once, in canonical order)."""
    found = {_MARKER_EMOTION[m] for m in _MARKER_RE.findall(text)}
    if len(found) < 2:
        return list(found)
    return sorted(found, key=_EMOTION_ORDER.__getitem__)


def _add_business_days(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def due_from_rule(rule: str, at: datetime) -> datetime:
    """Resolve a promise deadline relative to the turn time, in Beijing time (工作日 skip weekends)."""
    if rule[0] == "h":
        return at + timedelta(hours=int(rule[1:]))
    local = at.astimezone(BEIJING)
    if rule.startswith("bd"):
        d = _add_business_days(local.date(), int(rule[2:]))
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


class DialogueBuilder:
    """Stateful only between `build` calls' internals; one instance per `generate` run."""

    def __init__(self, rng: random.Random, violation_rate: float, pii_rate: float, complaint_share: float) -> None:
        self.rng = rng
        self.r = rng.random
        self.pii_rate = pii_rate
        c = min(max(complaint_share, 0.05), 0.5)
        # violations cluster in complaints (x1.8) while the overall share stays `violation_rate`
        self.p_violation_complaint = min(0.95, violation_rate * 1.8)
        self.p_violation_other = max(0.0, violation_rate * (1 - 1.8 * c) / (1 - c))

    # -- small helpers --------------------------------------------------------------------------

    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def pick_unused(self, seq, used: set):
        for _ in range(4):
            s = seq[int(self.r() * len(seq))]
            if s not in used:
                used.add(s)
                return s
        for s in seq:
            if s not in used:
                used.add(s)
                return s
        return s

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.r()

    # -- slots ------------------------------------------------------------------------------------

    def _slot(self, key: str) -> str:
        return self._slot_makers[key](self)

    _slot_makers = {
        "days": lambda b: str(2 + int(b.r() * 8)),
        "city": lambda b: b.pick(P.CITIES),
        "tracking": lambda b: tracking_number(b.rng),
        "ticket": lambda b: ticket_number(b.rng),
        "price": lambda b: price_text(b.rng, b.ctx.price),
        "price2": lambda b: price_text(b.rng, b.ctx.price - b.diff),
        "diff": lambda b: str(b.diff),
        "pdate": lambda b: date_text(b.rng, b._local_date() - timedelta(days=1 + int(b.r() * 10))),
        "date": lambda b: date_text(b.rng, b._local_date() + timedelta(days=1 + int(b.r() * 4))),
        "fault": lambda b: b.pick(CATEGORY_BY_NAME[b.ctx.sku.category].faults),
        "qty": lambda b: str(1 + int(b.r() * 3)),
        "color": lambda b: b.pick(P.COLORS[:4]),
        "color2": lambda b: b.pick(P.COLORS[4:]),
        "nick": lambda b: b.nick,
        "queue": lambda b: str(1 + int(b.r() * 30)),
        "agent_no": lambda b: b.ctx.agent_id.rsplit("_", 1)[-1],
    }

    def _local_date(self) -> date:
        return (self.ctx.started_at + timedelta(hours=8)).date()

    def fmt(self, template: str) -> str:
        return template.format_map(self.slots) if "{" in template else template

    # -- rendering primitives -------------------------------------------------------------------

    def _style(self, text: str, customer: bool) -> str:
        if self.asr:
            return " ".join(text.translate(_ASR_TABLE).split())
        if customer and self.r() < 0.2:
            src, dst = self.pick(P.TYPO_RULES)
            if src in text:
                text = text.replace(src, dst, 1)
        return text

    def _emit(self, role: Role, text: str, gap: float, sentiment: str = NEU,
              emotions: list[str] | None = None) -> int:
        self.t = t = self.t + gap
        turns = self.turns
        turns.append(Turn(role, text, self.base + timedelta(seconds=t), self.agent_id if role is _AGENT else ""))
        self.tlabels.append(TurnLabel(sentiment, [] if emotions is None else emotions))
        self.prev_role = role
        return len(turns) - 1

    def customer(self, main: str, sentiment: str, gap: float | None = None, pii_kinds=(), pii_values=None) -> int:
        text = self._style(main, True)
        emotions = _emotions(text)
        index = len(self.turns)
        for kind in pii_kinds:
            lead, tail = self.pick(P.PII_LEADS[kind])
            value = (pii_values or {}).get(kind) or PII_FACTORIES[kind](self.rng)
            self.customer_pii.setdefault(kind, value)
            sep = " " if self.asr else self.pick(("，", "，", " ", "。"))
            text += sep + self._style(lead, True)
            self.pii.append(PiiSpan(index, kind, len(text), len(text) + len(value), value))
            text += value + (self._style(tail, True) if tail else "")
        if gap is None:
            r = self.r
            gap = 1 + 4 * r() if self.asr else min(120.0, 3 + len(text) * (0.3 + 0.5 * r()) + 25 * r())
        self.customer_idx.append(index)
        self.prev_had_pii = bool(pii_kinds)
        return self._emit(_CUSTOMER, text, gap, sentiment, emotions)

    def agent(self, text: str, gap: float, sentiment: str = NEU) -> int:
        if self.asr:
            text = " ".join(text.translate(_ASR_TABLE).split())
        return self._emit(_AGENT, text, gap, sentiment)

    def agent_gap(self) -> float:
        """Reply delay for a clean agent turn (customer->agent <= 150 s, agent->agent short)."""
        r = self.r
        if self.prev_role is _AGENT:
            return 2 + 18 * r() if self.asr else 5 + 75 * r()
        if self.asr:
            return 1 + 5 * r()
        return 3 + 42 * r() if r() < 0.85 else 45 + 105 * r()

    # -- planning -------------------------------------------------------------------------------

    def _choose_codes(self, complaint: bool, asr: bool) -> set[str]:
        p = self.p_violation_complaint if complaint else self.p_violation_other
        if self.r() >= p:
            return set()
        x = self.r()
        n = 1 if x < 0.65 else 2 if x < 0.92 else 3
        table = [cw for cw in _CODE_WEIGHTS if not (asr and cw[0] == "unanswered_transfer")]
        codes: set[str] = set()
        while len(codes) < n:
            code = _weighted(self.r(), table)
            codes.add(code)
            table = [cw for cw in table if cw[0] != code]
        # consequences: bad service tends to leave the customer unhappy
        if codes & {"forbidden_language", "repeated_question", "escalation_threat"} and self.r() < 0.6:
            codes.add("negative_ending")
        elif codes & {"slow_first_response", "slow_reply", "unanswered_transfer"} and self.r() < 0.3:
            codes.add("negative_ending")
        return codes

    def _pii_kinds(self, intent: str) -> list[str]:
        table = _PII_WEIGHTS.get(intent, _PII_DEFAULT)
        r = self.r()
        n = 1 if r < 0.7 else 2 if r < 0.95 else 3
        kinds: list[str] = []
        while len(kinds) < n and table:
            k = _weighted(self.r(), table)
            kinds.append(k)
            table = tuple(kw for kw in table if kw[0] != k)
        return kinds

    # -- the conversation -----------------------------------------------------------------------

    def build(self, ctx: Context) -> Generated:
        r = self.r
        self.ctx = ctx
        self.base = ctx.started_at
        self.diff = max(5, int(ctx.price * self.uniform(0.05, 0.2)))
        self.slots = _Slots(self._slot)
        self.slots["order"] = ctx.order_id
        self.slots["product"] = ctx.noun
        self.slots["name"] = ctx.sku.name
        self.slots["brand"] = ctx.sku.brand
        self.slots["sku"] = ctx.sku.sku_id
        self.slots["shop"] = ctx.shop
        self.nick = self.pick(P.AGENT_NICKS)
        self.turns: list[Turn] = []
        self.tlabels: list[TurnLabel] = []
        self.pii: list[PiiSpan] = []
        self.customer_pii: dict[str, str] = {}
        self.t = 0.0
        self.prev_role: Role | None = None
        self.prev_had_pii = False
        self.customer_idx: list[int] = []
        self.agent_id = ctx.agent_id
        self.promise_rules: list[tuple[Promise, str]] = []
        violations: list[Violation] = []
        promises: list[Promise] = []

        x = r()
        channel = "app" if x < 0.5 else "mini_program" if x < 0.72 else "web" if x < 0.88 else "phone_asr"
        self.asr = asr = channel == "phone_asr"
        ip = P.INTENTS[ctx.intent]
        fu = ctx.followup
        codes = self._choose_codes(ctx.complaint, asr)
        bot = not asr and ("unanswered_transfer" in codes or r() < 0.45)

        # sentiment plan ---------------------------------------------------------------------
        if fu is not None:
            s0 = NEG if fu.broken else NEU
        elif ctx.complaint:
            s0 = NEG if r() < 0.75 else NEU
        else:
            s0 = NEU
        neg_end = "negative_ending" in codes
        troubled = codes & {"repeated_question", "escalation_threat", "forbidden_language"}
        if neg_end:
            s_end = NEG
        elif troubled:
            s_end = NEU
        else:
            s_end = POS if r() < (0.55 if s0 == NEG else 0.5) else NEU
        esc = "escalation_threat" in codes
        esc_at_end = esc and neg_end and r() < 0.5
        repeated = "repeated_question" in codes
        forbidden = "forbidden_language" in codes
        presale = ctx.intent == "presale_question"

        # opener -----------------------------------------------------------------------------
        if fu is not None:
            self.slots["promise"] = fu.phrase
            opener = self.pick((P.BROKEN_OPENERS if fu.broken else P.KEPT_OPENERS)[fu.kind])
        elif ctx.complaint:
            opener = self.pick(ip.complain if s0 == NEG else ip.report)
        else:
            opener = self.pick(ip.ask)
        order_given = presale or "{order}" in opener
        opener = self.fmt(opener)
        if s0 == NEG:
            if r() < 0.35:
                opener = self.pick(P.PREFIX_NEG) + opener
            if r() < 0.45:
                opener += self.pick(P.SUFFIX_NEG)
        else:
            if r() < 0.4:
                opener = self.pick(P.PREFIX_NEU) + opener
            if r() < 0.35:
                opener += self.pick(P.SUFFIX_NEU)

        # structure budget (4..20 turns) ------------------------------------------------------
        welcome = bot and r() < 0.5
        zai_ma = not bot and s0 == NEU and r() < 0.12
        detail = not order_given
        check = r() < 0.5
        leak = "agent_pii_leak" in codes
        missing_closing = "missing_closing" in codes
        slow_reply = "slow_reply" in codes
        x = r()
        ending = "A" if (missing_closing or slow_reply or x < 0.5) else "B" if x < 0.8 else "C"
        bye = ending == "B" and r() < 0.6
        n_bot = (1 if welcome else 0) + (3 if bot else 0) + (3 if "unanswered_transfer" in codes else 0)
        need_mid = max(3 if repeated else 0, (1 if esc and not esc_at_end else 0) + (1 if forbidden else 0))
        want_mid = bisect_right(_WANT_MID_CUM, r())
        if presale and ending == "C" and want_mid == 0 and need_mid == 0:
            ending = "A"

        def fixed() -> int:
            return (n_bot + zai_ma + 1 + 1 + detail + (0 if presale else 1 + check) + leak
                    + {"A": 2, "B": 2 + bye, "C": 1}[ending])

        n_mid = max(need_mid, want_mid)
        while fixed() + 2 * n_mid > 20:
            if n_mid > need_mid:
                n_mid -= 1
            elif welcome:
                welcome, n_bot = False, n_bot - 1
            elif check:
                check = False
            elif zai_ma:
                zai_ma = False
            elif bye:
                bye = False
            else:
                break

        # mid sentiments: interpolate first -> last customer mood, then apply scenario overrides
        a, b = _SCORE[s0], _SCORE[s_end]
        mid_sent = []
        for i in range(n_mid):
            v = a + (b - a) * (i + 1) / (n_mid + 1)
            lo = int(v // 1)
            mid_sent.append(_FROM_SCORE[lo + (1 if r() < v - lo else 0)])
        mid_kind = ["normal"] * n_mid
        if repeated:
            start = int(r() * (n_mid - 2))
            for j in range(3):
                mid_kind[start + j] = "repeat"
                if j:
                    mid_sent[start + j] = NEG
        if esc and not esc_at_end:
            free = [i for i in range(n_mid) if mid_kind[i] == "normal"] or [n_mid - 1]
            i = self.pick(free)
            mid_kind[i], mid_sent[i] = "escalate", NEG
        # forbidden language goes into the solve turn (-1) or the agent reply of middle pair i;
        # -2 (no such turn) means an extra agent turn right before the ending
        forbidden_at = None
        if forbidden:
            positions = ([] if presale else [-1]) + list(range(n_mid))
            forbidden_at = self.pick(positions) if positions else -2
            nxt = forbidden_at + 1
            if 0 <= nxt < n_mid and mid_kind[nxt] == "normal" and r() < 0.7:
                mid_kind[nxt], mid_sent[nxt] = "react", NEG  # the customer reacts to the rudeness

        # PII plan: which customer beat carries which kinds
        pii_kinds = self._pii_kinds(ctx.intent) if r() < self.pii_rate else []
        pii_at_detail = pii_kinds if detail else []
        pii_at_mid: list[str] = []
        pii_at_open: list[str] = []
        if pii_kinds and not detail:
            if n_mid and mid_sent[0] != POS:
                pii_at_mid = pii_kinds
            else:
                pii_at_open = pii_kinds

        promise_p = min(0.9, ip.promise_rate * (1.4 if ctx.complaint else 0.7))
        promise_due = r() < (ip.promise_rate if presale else promise_p)
        promise_slot = -1 if r() < 0.6 or n_mid == 0 else int(r() * n_mid)  # -1 = in the solve turn
        absolute_slot = extreme_slot = None
        if "absolute_promise" in codes:
            absolute_slot = -1 if (n_mid == 0 or r() < 0.5) else int(r() * n_mid)
        if "extreme_words" in codes:
            extreme_slot = -1 if (n_mid == 0 or r() < 0.5) else int(r() * n_mid)

        # render: opening ------------------------------------------------------------------------
        if welcome:
            self._emit(_BOT, self.pick(P.BOT_WELCOME), self.uniform(0.3, 2))
        if zai_ma:
            self.customer(self.pick(P.ZAI_MA), NEU, gap=self.uniform(1, 10))
            t_first_customer = self.t
            self.customer(opener, s0, gap=self.uniform(2, 12), pii_kinds=pii_at_open)
        else:
            self.customer(opener, s0, gap=self.uniform(1, 15), pii_kinds=pii_at_open)
            t_first_customer = self.t
        if bot:
            self._emit(_BOT, self.pick(ip.bot) + ("" if r() < 0.5 else "，如需人工服务请回复“转人工”"),
                       self.uniform(0.5, 2))
            hr_sent = NEU if s0 == NEU else NEG
            hr = self.customer(self.pick(P.HR_NEU if hr_sent == NEU else P.HR_NEG), hr_sent, gap=self.uniform(3, 10))
            if "unanswered_transfer" in codes:
                violations.append(Violation("unanswered_transfer", hr))
                self._emit(_BOT, self.pick(P.BOT_CONFUSED), self.uniform(0.5, 1.5))
                self.customer(self.pick(P.HR_NEG), NEG, gap=self.uniform(2, 6))
                self._emit(_BOT, self.pick(P.BOT_MENU), self.uniform(0.5, 1.5))
            self._emit(_SYSTEM, self.fmt(self.pick(P.SYSTEM_TRANSFER)), self.uniform(0.5, 1.5))

        # first agent turn
        used_agent: set[str] = set()
        if presale:
            content = self.fmt(self.pick_unused(ip.solve, used_agent))
        elif order_given:
            content = self.pick(P.AGENT_CHECK)
            check = False
        else:
            content = self.pick(P.AGENT_ASK_ORDER)
        if "missing_greeting" in codes:
            if not presale and not order_given and r() < 0.6:
                content = self.pick(P.AGENT_CURT_FIRST)
            first_text = content
        else:
            greeting = self.fmt(self.pick(P.AGENT_GREETING_ASR if asr else P.AGENT_GREETING))
            sep = "" if greeting[-1] in "～？" else "，"
            first_text = greeting + sep + content
        if "extreme_words" in codes and presale and extreme_slot == -1:
            first_text += "，" + self.pick(P.AGENT_EXTREME)
            extreme_slot = "done"
        if "slow_first_response" in codes:
            gap = self.uniform(90, 600)
        else:
            budget = 58 - (self.t - t_first_customer)
            gap = self.uniform(2, min(40.0, budget))
        first_agent = self.agent(first_text, gap)
        if "missing_greeting" in codes:
            violations.append(Violation("missing_greeting", first_agent))
        if "slow_first_response" in codes:
            violations.append(Violation("slow_first_response", first_agent))
        if extreme_slot == "done":
            violations.append(Violation("extreme_words", first_agent))

        # detail + solve ---------------------------------------------------------------------
        if detail:
            line = self.fmt(self.pick(P.DETAIL_NEG if s0 == NEG else P.DETAIL_NEU))
            self.customer(line, s0, pii_kinds=pii_at_detail)
        slow_candidates: list[int] = []

        def agent_after_customer(text: str, sentiment: str = NEU) -> int:
            idx = self.agent(text, self.agent_gap(), sentiment)
            if self.turns[idx - 1].role is _CUSTOMER:
                slow_candidates.append(idx)
            return idx

        def decorate(text: str, slot) -> tuple[str, list[str]]:
            """Append promise / absolute / extreme sentences planned for this agent turn."""
            added = []
            if promise_due and promise_slot == slot and not promises:
                kind = self.pick(ip.promise_kinds)
                phrase, rule = self.pick(P.PROMISE_PHRASES[kind])
                frame = self.pick(P.PROMISE_FRAMES[kind])
                text += "。" + frame.replace("{p}", phrase)
                added.append(("promise", kind, phrase, rule))
            if absolute_slot == slot:
                text += "，" + self.pick(P.AGENT_ABSOLUTE)
                added.append(("absolute_promise",))
            if extreme_slot == slot:
                text += "，" + self.pick(P.AGENT_EXTREME)
                added.append(("extreme_words",))
            return text, added

        def record(idx: int, added) -> None:
            for item in added:
                if item[0] == "promise":
                    _, kind, phrase, rule = item
                    promise = Promise(idx, kind, due_from_rule(rule, self.turns[idx].sent_at), phrase)
                    promises.append(promise)
                    self.promise_rules.append((promise, rule))
                else:
                    violations.append(Violation(item[0], idx))

        if not presale:
            if check:
                agent_after_customer(self.pick(P.AGENT_CHECK))
            if forbidden and forbidden_at == -1:
                idx = agent_after_customer(self.pick(P.AGENT_FORBIDDEN), NEG)
                violations.append(Violation("forbidden_language", idx))
            else:
                solve = self.fmt(self.pick_unused(ip.solve, used_agent))
                if s0 == NEG and r() < 0.7:
                    solve = self.pick(P.AGENT_EMPATHY) + "。" + solve
                solve, added = decorate(solve, -1)
                record(agent_after_customer(solve), added)
        if leak:
            segs = self.pick(P.AGENT_LEAK)
            text, spans = "", []
            for seg in segs:
                if seg in ("PHONE", "ADDRESS"):
                    value = self.customer_pii.get(seg) or PII_FACTORIES[seg](self.rng)
                    spans.append((seg, len(text), value))
                    text += value
                else:
                    text += seg
            if not asr:
                idx = agent_after_customer(text)
            else:  # keep offsets exact: transcripts of this line keep their punctuation-free form
                idx = self._emit(_AGENT, text.replace("，", " "), self.agent_gap())
                if self.turns[idx - 1].role is _CUSTOMER:
                    slow_candidates.append(idx)
            for kind, start, value in spans:
                self.pii.append(PiiSpan(idx, kind, start, start + len(value), value))
            violations.append(Violation("agent_pii_leak", idx))

        # middle exchanges -------------------------------------------------------------------
        used_cust: set[str] = set()
        core = list(ip.core_q)
        if repeated:
            self.rng.shuffle(core)
        repeat_no = 0
        for i in range(n_mid):
            s, kind = mid_sent[i], mid_kind[i]
            if kind == "repeat":
                line = core[repeat_no % len(core)]
                repeat_no += 1
            elif kind == "escalate":
                line = self.pick_unused(P.END_ESC, used_cust)
            elif kind == "react":
                line = self.pick(P.REACT_FORBIDDEN)
            elif s == NEG:
                line = self.pick_unused(ip.follow_neg if r() < 0.6 else P.GENERIC_NEG, used_cust)
            elif s == POS:
                line = self.pick_unused(P.GENERIC_POS, used_cust)
            else:
                line = self.pick_unused(ip.follow_neu if r() < 0.65 else P.GENERIC_NEU, used_cust)
            line = self.fmt(line)
            if kind == "normal" and r() < 0.15:
                line += self.pick(P.SUFFIX_NEG if s == NEG else P.SUFFIX_POS if s == POS else P.SUFFIX_NEU)
            cidx = self.customer(line, s, pii_kinds=pii_at_mid if i == 0 else ())
            if kind == "repeat" and repeat_no == 3:
                violations.append(Violation("repeated_question", cidx))
            # agent reply
            if forbidden and forbidden_at == i:
                idx = agent_after_customer(self.pick(P.AGENT_FORBIDDEN), NEG)
                violations.append(Violation("forbidden_language", idx))
                continue
            if kind == "repeat":
                reply = self.pick_unused(P.AGENT_VAGUE, used_agent)
            elif kind == "escalate":
                reply = self.pick(P.AGENT_ESC_CALM)
            elif self.prev_had_pii:
                reply = self.pick(P.AGENT_AFTER_PII)
            elif s == NEG:
                reply = self.pick_unused(P.AGENT_EMPATHY, used_agent)
                if r() < 0.4:
                    reply += "，" + self.fmt(self.pick_unused(ip.info, used_agent))
            elif s == POS:
                reply = self.pick(P.AGENT_THANKS_REPLY)
            else:
                pool = ip.info if r() < 0.6 else ip.solve
                reply = self.fmt(self.pick_unused(pool, used_agent))
                if r() < 0.25:
                    reply = self.pick(P.AGENT_ACK) + "，" + reply
            reply, added = decorate(reply, i)
            record(agent_after_customer(reply), added)
        if forbidden and forbidden_at == -2:  # presale without middle: the closing-side reply
            idx = agent_after_customer(self.pick(P.AGENT_FORBIDDEN), NEG)
            violations.append(Violation("forbidden_language", idx))

        # ending -----------------------------------------------------------------------------
        if esc_at_end:
            end_line = self.pick_unused(P.END_ESC, used_cust)
        elif esc and s_end == NEU and r() < 0.5:
            end_line = self.pick(P.ESC_CALM_END)
        else:
            end_line = self.pick_unused({NEG: P.END_NEG, NEU: P.END_NEU, POS: P.END_POS}[s_end], used_cust)
            if r() < 0.25:
                end_line += self.pick(P.SUFFIX_NEG if s_end == NEG else P.SUFFIX_POS if s_end == POS else ("", "～"))
        if ending == "A":
            self.customer(end_line, s_end)
            if missing_closing:
                idx = agent_after_customer(self.pick(P.AGENT_CURT_LAST))
                violations.append(Violation("missing_closing", idx))
            else:
                agent_after_customer(self.pick(P.AGENT_CLOSING_SORRY if s_end == NEG and r() < 0.7 else P.AGENT_CLOSING))
        elif ending == "B":
            agent_after_customer(self.pick(P.AGENT_CLOSING_QUESTION))
            self.customer(end_line, s_end)
            if bye:
                agent_after_customer(self.pick(P.AGENT_CLOSING_BYE))
        else:  # "C": the closing question rides on the last agent turn (never the first one)
            last_agent = max(i for i, t in enumerate(self.turns) if t.role is _AGENT)
            if last_agent == first_agent:
                self.customer(end_line, s_end)
                agent_after_customer(self.pick(P.AGENT_CLOSING))
            else:
                turn = self.turns[last_agent]
                turn.text += " " + self._style(self.pick(P.AGENT_CLOSING_QUESTION), False)
                self.customer(end_line, s_end)

        if slow_reply:
            idx = self.pick(slow_candidates)
            self._delay(idx, self.uniform(200, 900))
            violations.append(Violation("slow_reply", idx))

        # derived labels ---------------------------------------------------------------------
        customer_idx = self.customer_idx
        first_s = self.tlabels[customer_idx[0]].sentiment
        last_s = self.tlabels[customer_idx[-1]].sentiment
        for i in customer_idx:
            if "escalation" in self.tlabels[i].emotions:
                violations.append(Violation("escalation_threat", i))
                break
        if last_s == NEG:
            violations.append(Violation("negative_ending", customer_idx[-1]))
        d = _SCORE[last_s] - _SCORE[first_s]
        trajectory = "improved" if d > 0 else "worsened" if d < 0 else "flat"
        if last_s == POS:
            sat = 0.5 + 0.5 * r() - (0.15 if ctx.complaint else 0.0)
        elif last_s == NEU:
            sat = -0.15 + 0.45 * r() - (0.1 if violations else 0.0)
        else:
            sat = -0.45 - 0.5 * r()
            if esc:
                sat = min(sat, -0.75 - 0.25 * r())
        if repeated:
            sat -= 0.1
        sat = round(max(-1.0, min(1.0, sat)), 3)
        violations.sort(key=lambda v: (v.turn_index if v.turn_index is not None else -1, v.code))

        conv = Conversation(
            conversation_id=ctx.conversation_id,
            turns=self.turns,
            channel=channel,
            sku_ids=[ctx.sku.sku_id],
            order_id=ctx.order_id,
            customer_id=ctx.customer_id,
            agent_id=ctx.agent_id,
            started_at=ctx.started_at,
            attributes={"shop": ctx.shop, "platform_version": self._platform(channel)},
        )
        labels = Labels(
            intent=ctx.intent,
            category=ctx.sku.category,
            complaint=ctx.complaint,
            trajectory=trajectory,
            satisfaction=sat,
            turn_labels=self.tlabels,
            violations=violations,
            pii=self.pii,
            spike_id=ctx.spike_id,
            promises=promises,
            broken_promise_of=fu.of_conversation if fu is not None and fu.broken else None,
        )
        return Generated(conv, labels)

    def _delay(self, index: int, seconds: float) -> None:
        """Shift turn `index` and everything after it; promise deadlines move with their turn."""
        delta = timedelta(seconds=seconds)
        for t in self.turns[index:]:
            t.sent_at += delta
        for promise, rule in self.promise_rules:
            if promise.turn_index >= index:
                promise.due = due_from_rule(rule, self.turns[promise.turn_index].sent_at)

    def _platform(self, channel: str) -> str:
        r = self.r
        if channel == "app":
            os_ = self.pick(("iOS", "Android", "HarmonyOS"))
            return f"{os_} app 13.{int(r() * 6)}.{int(r() * 10)}"
        if channel == "mini_program":
            return f"wechat-mp 3.{int(r() * 9)}.{int(r() * 20)}"
        if channel == "web":
            return "web 2026.11"
        return "ivr-asr 2.3"
