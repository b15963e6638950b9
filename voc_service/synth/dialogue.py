"""Assembles one conversation (turns + exact labels) from a context chosen by the traffic layer.

`DialogueBuilder.build` first makes a `Plan` (mood arc, injected violations, where PII and
promises go, how many turns) and then renders it beat by beat with timestamps. Labels are recorded
while rendering, never guessed from the text afterwards, except emotions, which by definition are
the marker words of `phrases.EMOTION_MARKERS` present in a customer turn's text (outside PII).

Exact definitions behind the violation labels (a conversation without a code is clean of it):

* missing_greeting    the first AGENT turn contains none of `GREETING_WORDS`.
* missing_closing     the last AGENT turn contains none of `CLOSING_WORDS`.
* forbidden_language  an AGENT turn contains one of `FORBIDDEN_WORDS`.
* absolute_promise    an AGENT turn contains one of `ABSOLUTE_WORDS`.
* extreme_words       an AGENT turn contains an advertising-law extreme word (`EXTREME_WORDS`;
                      clean agents never even write the character 最).
* slow_first_response the first AGENT turn comes > 60 s after the first CUSTOMER turn and after
                      the SYSTEM transfer, if any (clean conversations: within 60 s of both).
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from voc_service.domain.conversation import Conversation, Role, Turn
from voc_service.synth import phrases as P
from voc_service.synth.catalog import BATTERY, CATEGORIES, CATEGORY_BY_NAME, INSTALL, REPAIR
from voc_service.synth.model import Generated, Labels, PiiSpan, Promise, Sku, TurnLabel, Violation
from voc_service.synth.pii import PII_FACTORIES, date_text, price_text, ticket_number, tracking_number
from voc_service.synth.plan import NEG, NEU, POS, SCORE, Plan, Planner
from voc_service.synth.textops import Slots, asr_style, due_from_rule, emotions

# Enum class-attribute access costs ~0.2 us in 3.11 and these run per turn, so bind them once.
_CUSTOMER, _AGENT, _BOT, _SYSTEM = Role.CUSTOMER, Role.AGENT, Role.BOT, Role.SYSTEM
_MICROSECOND = timedelta(microseconds=1)

# app 50%, mini_program 22%, web 16%, phone_asr 12% (see `_plan`)
CHANNEL_SHARES = (("app", 0.50), ("mini_program", 0.22), ("web", 0.16), ("phone_asr", 0.12))
# categories where repairs, technicians, warranties and "以换代修" make sense
_DEVICE = {c.name: bool(c.flags & {INSTALL, REPAIR, BATTERY}) for c in CATEGORIES}
_PLATFORMS = {
    "app": tuple(
        f"{os_} app 13.{minor}.{patch}"
        for os_ in ("iOS", "Android", "HarmonyOS")
        for minor in range(6)
        for patch in (0, 1, 3, 5)
    ),
    "mini_program": tuple(f"wechat-mp 3.{minor}.{patch}" for minor in range(9) for patch in (2, 8, 12)),
    "web": ("web 2026.11", "web 2026.10"),
    "phone_asr": ("ivr-asr 2.3",),
}


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


class DialogueBuilder(Planner):
    """Builds conversations one at a time; one instance (and one RNG) per `generate` run."""

    def __init__(self, rng: random.Random, violation_rate: float, pii_rate: float, complaint_share: float) -> None:
        self.rng = rng
        self.r = rng.random
        self.pii_rate = pii_rate
        c = min(max(complaint_share, 0.01), 0.99)
        # violations cluster in complaints (x1.8) while the overall share stays `violation_rate`
        self.p_violation_complaint = min(1.0, violation_rate * 1.8)
        self.p_violation_other = min(1.0, max(0.0, (violation_rate - c * self.p_violation_complaint) / (1 - c)))
        self.slots = Slots(self._slot)

    # -- small helpers --------------------------------------------------------------------------

    def pick_unused(self, seq, used: set):
        """A random element not used yet in this conversation (so no line is said twice)."""
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

    def _slot(self, key: str) -> str:
        return _SLOT_MAKERS[key](self)

    def _local_date(self) -> date:
        return (self.ctx.started_at + timedelta(hours=8)).date()

    # -- turn primitives ------------------------------------------------------------------------

    def _emit(
        self, role: Role, text: str, gap: float, sentiment: str = NEU, emotion_list: list[str] | None = None
    ) -> int:
        self.t = t = self.t + gap
        turns = self.turns
        # timedelta * int is ~2x cheaper than timedelta(seconds=float); microsecond resolution
        turns.append(Turn(role, text, self.base + _MICROSECOND * int(t * 1e6), self.agent_id if role is _AGENT else ""))
        self.tlabels.append(TurnLabel(sentiment, [] if emotion_list is None else emotion_list))
        self.prev_role = role
        return len(turns) - 1

    def customer(self, main: str, sentiment: str, gap: float | None = None, pii_kinds=()) -> int:
        """A customer turn: typos (chat) or transcript style (phone), then PII appended as spans."""
        r = self.r
        text = self._casual(main)
        emotion_list = emotions(text)
        index = len(self.turns)
        for kind in pii_kinds:
            lead, tail = self.pick(P.PII_LEADS[self.ctx.intent][kind])
            value = PII_FACTORIES[kind](self.rng)
            self.customer_pii.setdefault(kind, value)
            sep = " " if self.asr else self.pick(("，", "，", " ", "。"))
            text += sep + self._casual(lead)
            self.pii.append(PiiSpan(index, kind, len(text), len(text) + len(value), value))
            text += value + (self._casual(tail) if tail else "")
        if gap is None:  # typing time grows with length; phone turns follow each other quickly
            gap = 1 + 4 * r() if self.asr else min(120.0, 3 + len(text) * (0.3 + 0.5 * r()) + 25 * r())
        self.customer_idx.append(index)
        self.prev_had_pii = bool(pii_kinds)
        return self._emit(_CUSTOMER, text, gap, sentiment, emotion_list)

    def _casual(self, text: str) -> str:
        """Customer wording: transcript style on the phone, an occasional typo in chat."""
        if self.asr:
            return asr_style(text)
        if self.r() < 0.2:
            src, dst = self.pick(P.TYPO_RULES)
            return text.replace(src, dst, 1)
        return text

    def agent(self, text: str, gap: float, sentiment: str = NEU) -> int:
        return self._emit(_AGENT, asr_style(text) if self.asr else text, gap, sentiment)

    def agent_gap(self) -> float:
        """Reply delay of a clean agent turn (customer->agent <= 150 s, agent->agent short)."""
        r = self.r
        if self.prev_role is _AGENT:
            return 2 + 18 * r() if self.asr else 5 + 75 * r()
        if self.asr:
            return 1 + 5 * r()
        return 3 + 42 * r() if r() < 0.85 else 45 + 105 * r()

    def reply(self, text: str, sentiment: str = NEU) -> int:
        """An agent turn at a normal pace; remembered as a slow_reply candidate if it answers a customer."""
        after_customer = self.prev_role is _CUSTOMER
        idx = self.agent(text, self.agent_gap(), sentiment)
        if after_customer:
            self.slow_candidates.append(idx)
        return idx

    def reply_decorated(self, text: str, slot: int) -> int:
        """`reply` plus the promise / absolute / extreme sentence planned for this slot, labelled."""
        plan, added = self.plan, []
        if plan.promise_due and plan.promise_slot == slot and not self.promises:
            kind = self.pick(self.ip.promise_kinds)
            phrase, rule = self.pick(P.PROMISE_PHRASES[kind])
            frame = self.pick(P.PROMISE_FRAMES[kind])
            text += "。" + frame.replace("{p}", phrase)
            added.append((kind, phrase, rule))
        codes = []
        if plan.absolute_slot == slot:
            text += "，" + self.pick(P.AGENT_ABSOLUTE)
            codes.append("absolute_promise")
        if plan.extreme_slot == slot:
            text += "，" + self.pick(P.AGENT_EXTREME)
            codes.append("extreme_words")
        idx = self.reply(text)
        for kind, phrase, rule in added:
            promise = Promise(idx, kind, due_from_rule(rule, self.turns[idx].sent_at), phrase)
            self.promises.append(promise)
            self.promise_rules.append((promise, rule))
        self.violations.extend(Violation(code, idx) for code in codes)
        return idx

    # -- rendering ------------------------------------------------------------------------------

    def build(self, ctx: Context) -> Generated:
        self.ctx = ctx
        self.ip = ip = P.intent_phrases(ctx.intent, _DEVICE[ctx.sku.category])
        self.base = ctx.started_at
        self.diff = max(5, int(ctx.price * self.uniform(0.05, 0.2)))
        self.slots.clear()
        self.slots.update(
            order=ctx.order_id,
            product=ctx.noun,
            name=ctx.sku.name,
            brand=ctx.sku.brand,
            sku=ctx.sku.sku_id,
            shop=ctx.shop,
        )
        self.nick = self.pick(P.AGENT_NICKS)
        self.agent_id = ctx.agent_id
        self.turns: list[Turn] = []
        self.tlabels: list[TurnLabel] = []
        self.pii: list[PiiSpan] = []
        self.customer_pii: dict[str, str] = {}
        self.customer_idx: list[int] = []
        self.violations: list[Violation] = []
        self.promises: list[Promise] = []
        self.promise_rules: list[tuple[Promise, str]] = []
        self.slow_candidates: list[int] = []
        self.used_agent: set[str] = set()
        self.used_cust: set[str] = set()
        self.t = 0.0
        self.prev_role: Role | None = None
        self.prev_had_pii = False

        self.plan = plan = self._plan(ctx, ip)
        self.asr = plan.asr
        first_agent = self._render_opening(plan)
        self._render_solution(plan, ctx)
        self._render_middle(plan)
        self._render_ending(plan, first_agent)
        if "slow_reply" in plan.codes:
            idx = self.pick(self.slow_candidates)
            self._delay(idx, self.uniform(200, 900))
            self.violations.append(Violation("slow_reply", idx))
        return self._finish(ctx, plan)

    def _render_opening(self, plan: Plan) -> int:
        """Bot phase (if any), the customer's opener and the first agent turn; returns its index."""
        r, codes, ip = self.r, plan.codes, self.ip
        if plan.welcome:
            self._emit(_BOT, self.pick(P.BOT_WELCOME), self.uniform(0.3, 2))
        if plan.zai_ma:
            self.customer(self.pick(P.ZAI_MA), NEU, gap=self.uniform(1, 10))
            t_first_customer = self.t
            self.customer(plan.opener, plan.s0, gap=self.uniform(2, 12), pii_kinds=plan.pii_open)
        else:
            self.customer(plan.opener, plan.s0, gap=self.uniform(1, 15), pii_kinds=plan.pii_open)
            t_first_customer = self.t
        if plan.bot:
            self._emit(
                _BOT, self.pick(ip.bot) + ("" if r() < 0.5 else "，如需人工服务请回复“转人工”"), self.uniform(0.5, 2)
            )
            hr_sent = NEU if plan.s0 == NEU else NEG
            hr = self.customer(self.pick(P.HR_NEU if hr_sent == NEU else P.HR_NEG), hr_sent, gap=self.uniform(3, 10))
            if "unanswered_transfer" in codes:  # the bot keeps answering instead of transferring
                self.violations.append(Violation("unanswered_transfer", hr))
                self._emit(_BOT, self.pick(P.BOT_CONFUSED), self.uniform(0.5, 1.5))
                self.customer(self.pick(P.HR_NEG), NEG, gap=self.uniform(2, 6))
                self._emit(_BOT, self.pick(P.BOT_MENU), self.uniform(0.5, 1.5))
            self._emit(_SYSTEM, self.fmt(self.pick(P.SYSTEM_TRANSFER)), self.uniform(0.5, 1.5))

        presale = self.ctx.intent == "presale_question"
        if presale:
            content = self.fmt(self.pick_unused(ip.solve, self.used_agent))
        elif plan.order_given:
            content = self.pick(P.AGENT_CHECK)
            plan.check = False
        else:
            content = self.pick(P.AGENT_ASK_ORDER)
        if "missing_greeting" in codes:
            if not presale and not plan.order_given and r() < 0.6:
                content = self.pick(P.AGENT_CURT_FIRST)
            text = content
        else:
            greeting = self.fmt(self.pick(P.AGENT_GREETING_ASR if plan.asr else P.AGENT_GREETING))
            text = greeting + ("" if greeting[-1] in "～？" else "，") + content
        extreme_here = "extreme_words" in codes and presale and plan.extreme_slot == -1
        if extreme_here:
            text += "，" + self.pick(P.AGENT_EXTREME)
            plan.extreme_slot = "done"
        if "slow_first_response" in codes:
            gap = self.uniform(90, 600)
        else:  # clean: within 60 s of the first customer turn (and hence of the transfer)
            gap = self.uniform(2, min(40.0, 58 - (self.t - t_first_customer)))
        idx = self.agent(text, gap)
        for code, hit in (
            ("missing_greeting", "missing_greeting" in codes),
            ("slow_first_response", "slow_first_response" in codes),
            ("extreme_words", extreme_here),
        ):
            if hit:
                self.violations.append(Violation(code, idx))
        return idx

    def _render_solution(self, plan: Plan, ctx: Context) -> None:
        """Order details, the agent's check and solution, and an injected PII read-back."""
        r, ip = self.r, self.ip
        if plan.detail:
            line = self.fmt(self.pick(P.DETAIL_NEG if plan.s0 == NEG else P.DETAIL_NEU))
            self.customer(line, plan.s0, pii_kinds=plan.pii_detail)
        if ctx.intent != "presale_question":
            if plan.check:
                self.reply(self.pick(P.AGENT_CHECK))
            if plan.forbidden_at == -1:
                self.violations.append(Violation("forbidden_language", self.reply(self.pick(P.AGENT_FORBIDDEN), NEG)))
            else:
                solve = self.fmt(self.pick_unused(ip.solve, self.used_agent))
                if plan.s0 == NEG and r() < 0.7:
                    solve = self.pick_unused(P.AGENT_EMPATHY, self.used_agent) + "。" + solve
                if -1 in plan.decorated:
                    self.reply_decorated(solve, -1)
                else:
                    self.reply(solve)
        if "agent_pii_leak" in plan.codes:
            self._render_leak(ctx)

    def _render_leak(self, ctx: Context) -> None:
        service = ctx.intent in ("installation", "after_sales_repair") and self.r() < 0.5
        text, spans = "", []
        for seg in self.pick(P.AGENT_LEAK_SERVICE if service else P.AGENT_LEAK):
            if seg in ("PHONE", "ADDRESS"):  # read back what the customer gave, or a fresh value
                value = self.customer_pii.get(seg) or PII_FACTORIES[seg](self.rng)
                spans.append((seg, len(text), value))
                text += value
            else:
                text += seg
        if self.asr:  # length-preserving, so the spans stay exact
            text = text.replace("，", " ")
            after_customer = self.prev_role is _CUSTOMER
            idx = self._emit(_AGENT, text, self.agent_gap())
            if after_customer:
                self.slow_candidates.append(idx)
        else:
            idx = self.reply(text)
        for kind, start, value in spans:
            self.pii.append(PiiSpan(idx, kind, start, start + len(value), value))
        self.violations.append(Violation("agent_pii_leak", idx))

    def _render_middle(self, plan: Plan) -> None:
        """Extra customer/agent exchanges: follow-up questions with matching answers, complaints
        met with empathy, and the planned repeated question / escalation / reaction to rudeness."""
        r, ip = self.r, self.ip
        presale = self.ctx.intent == "presale_question"
        used_cust, used_agent = self.used_cust, self.used_agent
        core = list(ip.core_q)
        if "repeated_question" in plan.codes:
            self.rng.shuffle(core)
        repeat_no = 0
        for i in range(plan.n_mid):
            s, kind = plan.mid_sent[i], plan.mid_kind[i]
            answer = ""
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
                line = self.pick_unused(ip.follow_neu if r() < (0.9 if presale else 0.65) else P.GENERIC_NEU, used_cust)
                line, _, answer = line.partition("||")
            line = self.fmt(line)
            if kind == "normal" and r() < 0.15:
                line += self.pick(P.SUFFIX_NEG if s == NEG else P.SUFFIX_POS if s == POS else P.SUFFIX_NEU)
            cidx = self.customer(line, s, pii_kinds=plan.pii_mid if i == 0 else ())
            if kind == "repeat" and repeat_no == 3:
                self.violations.append(Violation("repeated_question", cidx))

            if plan.forbidden_at == i:
                self.violations.append(Violation("forbidden_language", self.reply(self.pick(P.AGENT_FORBIDDEN), NEG)))
                continue
            if kind == "repeat":
                text = self.pick_unused(P.AGENT_VAGUE, used_agent)
            elif kind == "escalate":
                text = self.pick(P.AGENT_ESC_CALM)
            elif self.prev_had_pii:
                text = self.pick(P.AGENT_AFTER_PII)
            elif s == NEG:
                text = self.pick_unused(P.AGENT_EMPATHY, used_agent)
                if r() < 0.4:
                    text += "，" + self.fmt(self.pick_unused(ip.info, used_agent))
            elif s == POS:
                text = self.pick(P.AGENT_POS_REPLY)
            else:
                text = self.fmt(answer or self.pick_unused(ip.info, used_agent))
                if r() < 0.2:
                    text = self.pick(P.AGENT_ACK) + "，" + text
            if i in plan.decorated:
                self.reply_decorated(text, i)
            else:
                self.reply(text)
        if plan.forbidden_at == -2:  # nowhere else to put it: an extra agent turn
            self.violations.append(Violation("forbidden_language", self.reply(self.pick(P.AGENT_FORBIDDEN), NEG)))

    def _render_ending(self, plan: Plan, first_agent: int) -> None:
        r, s_end = self.r, plan.s_end
        esc = "escalation_threat" in plan.codes
        if plan.esc_at_end:
            end_line = self.pick_unused(P.END_ESC, self.used_cust)
        elif esc and s_end == NEU and r() < 0.5:
            end_line = self.pick(P.ESC_CALM_END)
        else:
            end_line = self.pick_unused({NEG: P.END_NEG, NEU: P.END_NEU, POS: P.END_POS}[s_end], self.used_cust)
            if r() < 0.25:
                end_line += self.pick(P.SUFFIX_NEG if s_end == NEG else P.SUFFIX_POS if s_end == POS else ("", "～"))
        if plan.ending == "A":
            self.customer(end_line, s_end)
            if "missing_closing" in plan.codes:
                self.violations.append(Violation("missing_closing", self.reply(self.pick(P.AGENT_CURT_LAST))))
            else:
                self.reply(self.pick(P.AGENT_CLOSING_SORRY if s_end == NEG and r() < 0.7 else P.AGENT_CLOSING))
        elif plan.ending == "B":
            self.reply(self.pick(P.AGENT_CLOSING_QUESTION))
            if s_end != NEG and not esc and r() < 0.5:
                end_line = self.pick(P.END_B_POS if s_end == POS else P.END_B_NEU)
            self.customer(end_line, s_end)
            if plan.bye:
                self.reply(self.pick(P.AGENT_CLOSING_BYE))
        else:  # "C": the closing question rides on the last agent turn (never the first one)
            last_agent = max(i for i, t in enumerate(self.turns) if t.role is _AGENT)
            if last_agent == first_agent:
                self.customer(end_line, s_end)
                self.reply(self.pick(P.AGENT_CLOSING))
            else:
                closing = self.pick(P.AGENT_CLOSING_QUESTION)
                self.turns[last_agent].text += " " + (asr_style(closing) if self.asr else closing)
                self.customer(end_line, s_end)

    def _delay(self, index: int, seconds: float) -> None:
        """Shift turn `index` and everything after it; promise deadlines move with their turn."""
        delta = timedelta(seconds=seconds)
        for t in self.turns[index:]:
            t.sent_at += delta
        for promise, rule in self.promise_rules:
            if promise.turn_index >= index:
                promise.due = due_from_rule(rule, self.turns[promise.turn_index].sent_at)

    def _finish(self, ctx: Context, plan: Plan) -> Generated:
        """Customer-side codes, trajectory and satisfaction follow from the rendered turns."""
        r, tl, violations = self.r, self.tlabels, self.violations
        customer_idx = self.customer_idx
        first_s, last_s = tl[customer_idx[0]].sentiment, tl[customer_idx[-1]].sentiment
        for i in customer_idx:
            if "escalation" in tl[i].emotions:
                violations.append(Violation("escalation_threat", i))
                break
        if last_s == NEG:
            violations.append(Violation("negative_ending", customer_idx[-1]))
        d = SCORE[last_s] - SCORE[first_s]
        trajectory = "improved" if d > 0 else "worsened" if d < 0 else "flat"
        if last_s == POS:
            sat = 0.5 + 0.5 * r() - (0.15 if ctx.complaint else 0.0)
        elif last_s == NEU:
            sat = -0.15 + 0.45 * r() - (0.1 if violations else 0.0)
        else:
            sat = -0.45 - 0.5 * r()
            if "escalation_threat" in plan.codes:
                sat = min(sat, -0.75 - 0.25 * r())
        if "repeated_question" in plan.codes:
            sat -= 0.1
        sat = round(max(-1.0, min(1.0, sat)), 3)
        if len(violations) > 1:
            violations.sort(key=lambda v: (v.turn_index if v.turn_index is not None else -1, v.code))
        fu = ctx.followup
        conv = Conversation(
            conversation_id=ctx.conversation_id,
            turns=self.turns,
            channel=plan.channel,
            sku_ids=[ctx.sku.sku_id],
            order_id=ctx.order_id,
            customer_id=ctx.customer_id,
            agent_id=ctx.agent_id,
            started_at=ctx.started_at,
            attributes={
                "shop": ctx.shop,
                "platform_version": self.pick(_PLATFORMS[plan.channel]),
                "category": ctx.sku.category,  # the catalog's category: SKU indices shrink toward it
            },
        )
        labels = Labels(
            intent=ctx.intent,
            category=ctx.sku.category,
            complaint=ctx.complaint,
            trajectory=trajectory,
            satisfaction=sat,
            turn_labels=tl,
            violations=violations,
            pii=self.pii,
            spike_id=ctx.spike_id,
            promises=self.promises,
            broken_promise_of=fu.of_conversation if fu is not None and fu.broken else None,
        )
        return Generated(conv, labels)


# how each template slot is made, given the builder (see `DialogueBuilder.fmt`)
_SLOT_MAKERS: dict[str, Callable[[DialogueBuilder], str]] = {
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
