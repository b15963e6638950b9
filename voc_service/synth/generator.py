"""The event loop: arrivals hour by hour, spikes on top, follow-ups after promises.

Ordering by `started_at` comes from a heap: each hour's arrivals (and spike extras) are pushed when
the loop reaches that hour, follow-ups are pushed when their promise is made (always later than
the conversation that made it), and everything before the hour's end is popped in time order.
Speed: see the module docstring of `voc_service.synth`.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_right
from collections.abc import Iterator
from datetime import timedelta

from voc_service.synth.catalog import build_catalog
from voc_service.synth.dialogue import Context, DialogueBuilder, FollowUp
from voc_service.synth.model import Generated, GeneratorConfig
from voc_service.synth.phrases import INTENTS
from voc_service.synth.pii import order_id
from voc_service.synth.traffic import TrafficModel, poisson, traffic_weight

N_AGENTS = 160
P_BROKEN = 0.3  # share of promises that are broken and reported in a later conversation
P_KEPT_FOLLOWUP = 0.08  # share of promises after which the customer comes back anyway (kept)

_REGULAR, _SPIKE, _FOLLOWUP = 0, 1, 2
_MICROSECOND = timedelta(microseconds=1)


def generate(config: GeneratorConfig) -> Iterator[Generated]:
    """Yield conversations ordered by `started_at`; identical output for an identical config.

    The catalog is `build_catalog(config.n_skus, config.seed)`.
    """
    if config.days <= 0 or config.conversations_per_day < 0:
        raise ValueError("days must be > 0 and conversations_per_day >= 0")
    run = _Run(config)  # validates spikes eagerly, before the first item is requested
    return run.events()


class _Run:
    """State of one `generate` call. Times are float seconds since `config.start`."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.catalog = build_catalog(config.n_skus, config.seed)
        self.model = model = TrafficModel(self.catalog, config)
        self.rng = rng = random.Random(f"generate:{config.seed}")
        self.r = rng.random
        self.builder = DialogueBuilder(rng, config.violation_rate, config.pii_rate, model.complaint_share)
        self.start = config.start
        self.end_s = config.days * 86400.0
        self.new_from_s = None if config.new_intent_from_day is None else config.new_intent_from_day * 86400.0
        self.sale_days = set(config.sale_days)
        self.spikes = [
            (f"spike-{k}", s, (s.start - self.start).total_seconds(), (s.end - self.start).total_seconds())
            for k, s in enumerate(config.spikes)
        ]
        for spec in config.spikes:
            if spec.sku_id is not None and spec.sku_id not in model.sku_index:
                raise ValueError(f"spike SKU {spec.sku_id!r} is not in the catalog of seed {config.seed}")
            if spec.intent is not None and spec.intent not in INTENTS:
                raise ValueError(f"unknown spike intent {spec.intent!r}")
        self.spike_cache: dict[tuple[int, int], tuple[float, list, list]] = {}
        self.agents = [f"agent_{k:03d}" for k in range(1, N_AGENTS + 1)]
        self.heap: list[tuple[float, int, int, object]] = []
        self.seq = 0  # heap tie-breaker: equal times pop in push order
        self.day_counter: dict[int, int] = {}

    def regime(self, t: float) -> int:
        """1 once the emerging intent exists."""
        return 1 if self.new_from_s is not None and t >= self.new_from_s else 0

    def push(self, t: float, kind: int, payload: object) -> None:
        heapq.heappush(self.heap, (t, self.seq, kind, payload))
        self.seq += 1

    def events(self) -> Iterator[Generated]:
        heap = self.heap
        for h in range(int(-(-self.end_s // 3600))):
            h0, h1 = h * 3600.0, min((h + 1) * 3600.0, self.end_s)
            self.schedule_hour(h0, h1)
            while heap and heap[0][0] < h1:
                t, _, kind, payload = heapq.heappop(heap)
                yield self.conversation(t, kind, payload)
        # follow-ups due after the window are dropped with the heap

    def schedule_hour(self, h0: float, h1: float) -> None:
        """Ordinary arrivals (hour/day pattern, doubled on sale days) plus spike extras."""
        r, dur = self.r, h1 - h0
        sale = 2.0 if int(h0 // 86400) in self.sale_days else 1.0
        rate = self.config.conversations_per_day / 24.0 * traffic_weight(self.start + timedelta(seconds=h0)) * sale
        for _ in range(poisson(self.rng, rate * dur / 3600.0)):
            self.push(h0 + r() * dur, _REGULAR, None)
        for k, (_, spec, s0, s1) in enumerate(self.spikes):
            lo, hi = max(h0, s0), min(h1, s1)
            if hi <= lo or spec.complaint_multiplier <= 1.0:
                continue
            key = (k, self.regime((lo + hi) / 2))
            if key not in self.spike_cache:
                self.spike_cache[key] = self.model.spike_pairs(spec, key[1])
            # matching complaints normally arrive at rate * share; add (multiplier - 1) times that
            extra = rate * (hi - lo) / 3600.0 * self.spike_cache[key][0] * (spec.complaint_multiplier - 1.0)
            for _ in range(poisson(self.rng, extra)):
                self.push(lo + r() * (hi - lo), _SPIKE, key)

    def conversation(self, t: float, kind: int, payload) -> Generated:
        r, rng = self.r, self.rng
        followup = spike_id = None
        if kind == _REGULAR:
            i, intent, complaint = self.model.sample(r(), r(), r(), self.regime(t))
        elif kind == _SPIKE:
            _, pairs, cum = self.spike_cache[payload]
            i, intent = pairs[min(bisect_right(cum, r() * cum[-1]), len(cum) - 1)]
            complaint = True
            spike_id = self.spikes[payload[0]][0]
        else:
            i, intent, customer_id, oid, followup = payload
            complaint = followup.broken
        if followup is None:
            customer_id = f"u_{rng.getrandbits(24):06x}"
            oid = "" if intent == "presale_question" else order_id(rng)
        day = int(t // 86400)
        n = self.day_counter[day] = self.day_counter.get(day, 0) + 1
        model = self.model
        ctx = Context(  # positional for speed: id, start, sku, noun, price, intent, complaint,
            # customer, order, agent, shop, spike, follow-up
            f"c-{day:03d}-{n:06d}",
            self.start + _MICROSECOND * int(t * 1e6),
            self.catalog[i],
            model.nouns[i],
            model.prices[i],
            intent,
            complaint,
            customer_id,
            oid,
            self.agents[int(r() * N_AGENTS)],
            model.shops[i],
            spike_id,
            followup,
        )
        item = self.builder.build(ctx)
        if item.labels.promises and followup is None:
            self.maybe_follow_up(ctx, item, i)
        return item

    def maybe_follow_up(self, ctx: Context, item: Generated, i: int) -> None:
        """Some customers come back after the deadline: mostly because it was missed (broken)."""
        x = self.r()
        if x >= P_BROKEN + P_KEPT_FOLLOWUP:
            return
        promise = item.labels.promises[0]
        last = item.conversation.turns[-1].sent_at
        at = (max(promise.due, last) - self.start).total_seconds() + 7200 + self.r() * 38 * 3600
        if at >= self.end_s:
            return
        intent = ctx.intent
        if promise.kind == "refund" and intent not in ("refund_progress", "price_protection", "return_exchange"):
            intent = "refund_progress"
        fu = FollowUp(ctx.conversation_id, promise.kind, promise.text, x < P_BROKEN)
        self.push(at, _FOLLOWUP, (i, intent, ctx.customer_id, ctx.order_id or order_id(self.rng), fu))
