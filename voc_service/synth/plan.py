"""Planning half of the dialogue builder: every decision about a conversation that is taken
before any text is rendered (channel, injected violations, mood arc, opener, structure, where PII,
promises and rule-breaking sentences go).

Kept apart from rendering so the two can be read (and changed) independently; `DialogueBuilder`
inherits `Planner` and provides the RNG, the template slots and the configured rates.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voc_service.synth import phrases as P

if TYPE_CHECKING:
    from voc_service.synth.dialogue import Context

NEG, NEU, POS = "NEGATIVE", "NEUTRAL", "POSITIVE"
SCORE = {NEG: -1, NEU: 0, POS: 1}
_FROM_SCORE = {-1: NEG, 0: NEU, 1: POS}

# intents where a customer may open with praise for the shop (not after-sales trouble)
_PRAISE_OK = frozenset(
    {"presale_question", "invoice", "installation", "logistics_delay", "price_protection", "coupon_unusable"}
)
_WANT_MID_CUM = (0.25, 0.55, 0.77, 0.90, 0.97)  # P(extra exchanges <= k), k = 0..4; else 5
# relative weights of codes once a conversation is chosen to carry violations
_CODE_WEIGHTS = (
    ("missing_greeting", 8),
    ("missing_closing", 8),
    ("forbidden_language", 8),
    ("absolute_promise", 7),
    ("extreme_words", 5),
    ("slow_first_response", 9),
    ("slow_reply", 9),
    ("unanswered_transfer", 6),
    ("repeated_question", 6),
    ("escalation_threat", 9),
    ("negative_ending", 18),
    ("agent_pii_leak", 5),
)
_PII_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "invoice": (("EMAIL", 5), ("ID_CARD", 2.5), ("PHONE", 2), ("LANDLINE", 1), ("ADDRESS", 1.5)),
    "refund_progress": (("BANK_CARD", 5), ("PHONE", 3), ("EMAIL", 0.5)),
    "price_protection": (("BANK_CARD", 4), ("PHONE", 3)),
    "presale_question": (("PHONE", 4), ("ADDRESS", 2), ("EMAIL", 1), ("ID_CARD", 0.5)),
}
_PII_DEFAULT = (("ADDRESS", 4.5), ("PHONE", 5), ("LANDLINE", 1.5), ("ID_CARD", 0.5), ("BANK_CARD", 0.5), ("EMAIL", 0.5))


@dataclass(slots=True)
class Plan:
    """Every decision about one conversation that is taken before any text is rendered."""

    channel: str
    asr: bool
    codes: set[str]  # violation codes to inject (customer-side ones are re-derived at the end)
    bot: bool  # starts with a bot phase and a SYSTEM transfer
    s0: str  # mood of the opener
    s_end: str  # mood of the last customer turn
    opener: str
    order_given: bool  # the opener already carries the order id (or no order is needed)
    welcome: bool = False
    zai_ma: bool = False  # a bare "在吗" before the opener
    detail: bool = False  # a customer turn giving the order id
    check: bool = False  # an agent "稍等我查一下" turn before the solution
    ending: str = "A"  # A: customer end + agent closing; B: agent asks, customer ends; C: closing rides along
    bye: bool = False
    mid_sent: list[str] = field(default_factory=list)  # moods of the extra customer turns
    mid_kind: list[str] = field(default_factory=list)  # normal | repeat | escalate | react
    esc_at_end: bool = False
    forbidden_at: int | None = None  # -1 solve turn, i = reply in exchange i, -2 extra turn
    pii_open: list[str] = field(default_factory=list)
    pii_detail: list[str] = field(default_factory=list)
    pii_mid: list[str] = field(default_factory=list)
    promise_due: bool = False
    promise_slot: int = -1  # -1 = the solve turn, i = reply in exchange i
    absolute_slot: int | str | None = None
    extreme_slot: int | str | None = None  # "done" once placed in the first agent turn
    decorated: frozenset = frozenset()

    @property
    def n_mid(self) -> int:
        return len(self.mid_sent)


class Planner:
    """Base of `DialogueBuilder` holding the planning steps; the builder sets these attributes."""

    r: Callable[[], float]  # the run's `random.Random().random`
    slots: dict[str, str]  # template values of the current conversation
    pii_rate: float
    p_violation_complaint: float
    p_violation_other: float

    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def fmt(self, template: str) -> str:
        return template.format_map(self.slots) if "{" in template else template

    def _choose_codes(self, complaint: bool, asr: bool) -> set[str]:
        p = self.p_violation_complaint if complaint else self.p_violation_other
        if self.r() >= p:
            return set()
        x = self.r()
        n = 1 if x < 0.65 else 2 if x < 0.92 else 3
        # a customer threatening 12315 is by definition complaining, so only complaints escalate
        table = [
            cw
            for cw in _CODE_WEIGHTS
            if not (asr and cw[0] == "unanswered_transfer") and not (not complaint and cw[0] == "escalation_threat")
        ]
        codes: set[str] = set()
        while len(codes) < n:
            code = _weighted(self.r(), table)
            codes.add(code)
            table = [cw for cw in table if cw[0] != code]
        # bad service tends to leave the customer unhappy
        if (codes & {"forbidden_language", "repeated_question", "escalation_threat"} and self.r() < 0.6) or (
            codes & {"slow_first_response", "slow_reply", "unanswered_transfer"} and self.r() < 0.3
        ):
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

    def _plan(self, ctx: Context, ip: P.IntentPhrases) -> Plan:
        r = self.r
        x = r()
        channel = "app" if x < 0.5 else "mini_program" if x < 0.72 else "web" if x < 0.88 else "phone_asr"
        asr = channel == "phone_asr"
        codes = self._choose_codes(ctx.complaint, asr)
        bot = not asr and ("unanswered_transfer" in codes or r() < 0.45)
        fu = ctx.followup

        # mood arc: opener -> last customer turn; a negative ending is itself a violation
        if fu is not None:
            s0 = NEG if fu.broken else NEU
        elif ctx.complaint:
            s0 = NEG if r() < 0.75 else NEU
        else:
            s0 = POS if ctx.intent in _PRAISE_OK and r() < 0.12 else NEU
        if "negative_ending" in codes:
            s_end = NEG
        elif codes & {"repeated_question", "escalation_threat", "forbidden_language"}:
            s_end = NEU
        else:
            s_end = POS if r() < (0.55 if s0 == NEG else 0.45 if s0 == POS else 0.5) else NEU
        esc = "escalation_threat" in codes
        esc_at_end = esc and s_end == NEG and r() < 0.5
        presale = ctx.intent == "presale_question"

        # opener text (slots are formatted now so the order id is known to be in it or not)
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
        elif s0 == POS:
            opener = self.pick(P.PREFIX_POS) + opener
            if r() < 0.3:
                opener += self.pick(P.SUFFIX_POS)
        else:
            if r() < 0.4:
                opener = self.pick(P.PREFIX_NEU) + opener
            if r() < 0.35:
                opener += self.pick(P.SUFFIX_NEU)
        plan = Plan(channel, asr, codes, bot, s0, s_end, opener, order_given, esc_at_end=esc_at_end)
        self._plan_structure(plan, ctx, presale)
        self._plan_middle(plan, presale)
        self._plan_extras(plan, ctx, ip, presale)
        return plan

    def _plan_structure(self, plan: Plan, ctx: Context, presale: bool) -> None:
        """Optional beats and the number of extra exchanges, keeping 4..20 turns."""
        r, codes = self.r, plan.codes
        plan.welcome = welcome = plan.bot and r() < 0.5
        plan.zai_ma = not plan.bot and plan.s0 == NEU and r() < 0.12
        plan.detail = not plan.order_given
        plan.check = r() < 0.5
        x = r()
        plan.ending = (
            "A" if ("missing_closing" in codes or "slow_reply" in codes or x < 0.5) else "B" if x < 0.8 else "C"
        )
        plan.bye = plan.ending == "B" and r() < 0.6
        esc = "escalation_threat" in codes
        n_bot = (1 if welcome else 0) + (3 if plan.bot else 0) + (3 if "unanswered_transfer" in codes else 0)
        need = max(
            3 if "repeated_question" in codes else 0,
            (1 if esc and not plan.esc_at_end else 0) + (1 if "forbidden_language" in codes else 0),
        )
        want = bisect_right(_WANT_MID_CUM, r())
        if presale and plan.ending == "C" and want == 0 and need == 0:
            plan.ending = "A"  # "C" needs an agent turn other than the first to ride on

        def fixed() -> int:
            return (
                n_bot
                + plan.zai_ma
                + 2
                + plan.detail
                + (0 if presale else 1 + plan.check)
                + ("agent_pii_leak" in codes)
                + {"A": 2, "B": 2 + plan.bye, "C": 1}[plan.ending]
            )

        n_mid = max(need, want)
        while fixed() + 2 * n_mid > 20:
            if n_mid > need:
                n_mid -= 1
            elif plan.welcome:
                plan.welcome, n_bot = False, n_bot - 1
            elif plan.check:
                plan.check = False
            elif plan.zai_ma:
                plan.zai_ma = False
            elif plan.bye:
                plan.bye = False
            else:
                break
        plan.mid_sent = [NEU] * n_mid

    def _plan_middle(self, plan: Plan, presale: bool) -> None:
        """Moods of the extra customer turns (interpolated first -> last) and scenario overrides."""
        r, codes, n_mid = self.r, plan.codes, plan.n_mid
        a, b = SCORE[plan.s0], SCORE[plan.s_end]
        mid_sent = plan.mid_sent
        for i in range(n_mid):
            v = a + (b - a) * (i + 1) / (n_mid + 1)
            lo = int(v // 1)
            mid_sent[i] = _FROM_SCORE[lo + (1 if r() < v - lo else 0)]
        mid_kind = plan.mid_kind = ["normal"] * n_mid
        if "repeated_question" in codes and n_mid >= 3:
            start = int(r() * (n_mid - 2))
            for j in range(3):
                mid_kind[start + j] = "repeat"
                if j:
                    mid_sent[start + j] = NEG
        if "escalation_threat" in codes and not plan.esc_at_end and n_mid:
            free = [i for i in range(n_mid) if mid_kind[i] == "normal"] or [n_mid - 1]
            i = self.pick(free)
            mid_kind[i], mid_sent[i] = "escalate", NEG
        if "forbidden_language" in codes:
            positions = ([] if presale else [-1]) + list(range(n_mid))
            plan.forbidden_at = self.pick(positions) if positions else -2
            nxt = plan.forbidden_at + 1
            if 0 <= nxt < n_mid and mid_kind[nxt] == "normal" and r() < 0.7:
                mid_kind[nxt], mid_sent[nxt] = "react", NEG  # the customer reacts to the rudeness

    def _plan_extras(self, plan: Plan, ctx: Context, ip: P.IntentPhrases, presale: bool) -> None:
        """Where PII, the promise and the absolute / extreme sentences go."""
        r, n_mid = self.r, plan.n_mid
        kinds = self._pii_kinds(ctx.intent) if r() < self.pii_rate else []
        if plan.detail:
            plan.pii_detail = kinds
        elif kinds and n_mid and plan.mid_sent[0] != POS:
            plan.pii_mid = kinds
        else:
            plan.pii_open = kinds
        promise_p = min(0.9, ip.promise_rate * (1.4 if ctx.complaint else 0.7))
        plan.promise_due = r() < (ip.promise_rate if presale else promise_p)
        plan.promise_slot = -1 if r() < 0.6 or n_mid == 0 else int(r() * n_mid)
        if "absolute_promise" in plan.codes:
            plan.absolute_slot = -1 if (n_mid == 0 or r() < 0.5) else int(r() * n_mid)
        if "extreme_words" in plan.codes:
            plan.extreme_slot = -1 if (n_mid == 0 or r() < 0.5) else int(r() * n_mid)
        plan.decorated = frozenset(
            {plan.promise_slot if plan.promise_due else None, plan.absolute_slot, plan.extreme_slot}
        )


def _weighted(r: float, table) -> str:
    """Name drawn from (name, weight) pairs with the uniform number `r`."""
    total = 0.0
    for _, w in table:
        total += w
    x = r * total
    for name, w in table:
        x -= w
        if x < 0:
            return name
    return table[-1][0]
