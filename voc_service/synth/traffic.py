"""When conversations arrive and what they are about: hour/day patterns, SKU popularity, intent mix,
complaint rates, and the spikes injected on top.

All rates are precomputed per SKU once per run so sampling a conversation is a couple of bisects.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from datetime import datetime, timedelta
from itertools import accumulate

from voc_service.synth.catalog import BATTERY, CATEGORY_BY_NAME, FRESH, INSTALL, REPAIR, product_noun
from voc_service.synth.model import BEIJING, GeneratorConfig, Sku, SpikeSpec
from voc_service.synth.phrases import BASE_INTENTS, NEW_INTENTS

# Beijing-time hour of day: quiet at night, peaks late morning and 20-22h.
_HOUR = (
    0.30,
    0.16,
    0.09,
    0.06,
    0.05,
    0.07,
    0.15,
    0.35,
    0.65,
    0.95,
    1.30,
    1.25,
    0.95,
    0.95,
    1.05,
    1.05,
    1.00,
    0.90,
    0.85,
    1.05,
    1.30,
    1.40,
    1.15,
    0.70,
)
HOUR_WEIGHT = tuple(w * 24 / sum(_HOUR) for w in _HOUR)
# Monday..Sunday: Monday carries the weekend's problems.
_DOW = (1.08, 1.02, 1.00, 0.98, 0.95, 0.96, 1.01)
DOW_WEIGHT = tuple(w * 7 / sum(_DOW) for w in _DOW)

INTENT_WEIGHT = {
    "logistics_delay": 0.18,
    "return_exchange": 0.12,
    "quality_fault": 0.10,
    "installation": 0.10,
    "invoice": 0.07,
    "price_protection": 0.07,
    "presale_question": 0.14,
    "refund_progress": 0.10,
    "wrong_or_missing_item": 0.06,
    "after_sales_repair": 0.08,
    "coupon_unusable": 0.10,
    "battery_swelling": 0.12,
}
COMPLAINT_RATE = {
    "logistics_delay": 0.32,
    "return_exchange": 0.22,
    "quality_fault": 0.60,
    "installation": 0.26,
    "invoice": 0.10,
    "price_protection": 0.24,
    "presale_question": 0.03,
    "refund_progress": 0.34,
    "wrong_or_missing_item": 0.62,
    "after_sales_repair": 0.42,
    "coupon_unusable": 0.40,
    "battery_swelling": 0.75,
}


def intent_allowed(intent: str, flags: frozenset[str]) -> bool:
    if intent == "installation":
        return INSTALL in flags
    if intent == "after_sales_repair":
        return REPAIR in flags
    if intent == "battery_swelling":
        return BATTERY in flags
    return True


def traffic_weight(at: datetime) -> float:
    """Relative arrival rate at `at` (mean 1 over a week)."""
    local = at.astimezone(BEIJING)
    return HOUR_WEIGHT[local.hour] * DOW_WEIGHT[local.weekday()]


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class _IntentTable:
    """Intent distribution and complaint probabilities of one SKU under one regime."""

    __slots__ = ("complaint", "cum", "intents")

    def __init__(self, intents: list[str], weights: list[float], complaint: list[float]) -> None:
        self.intents = tuple(intents)
        total = sum(weights)
        self.cum = tuple(c / total for c in accumulate(weights))
        self.complaint = tuple(complaint)

    def prob(self, j: int) -> float:
        return self.cum[j] - (self.cum[j - 1] if j else 0.0)


class TrafficModel:
    """Per-run precomputation. Regime 0 = emerging intent off, 1 = on."""

    def __init__(self, catalog: list[Sku], config: GeneratorConfig) -> None:
        if config.new_intent not in NEW_INTENTS:
            raise ValueError(f"new_intent must be one of {NEW_INTENTS}")
        rng = random.Random(f"traffic:{config.seed}")
        self.catalog = catalog
        n = len(catalog)
        order = list(range(n))
        rng.shuffle(order)
        pop = [0.0] * n
        for rank, i in enumerate(order):
            pop[i] = 1.0 / (rank + 3) ** 0.9  # Zipf-like: a few best sellers, a long tail
        total = sum(pop)
        self.sku_p = [p / total for p in pop]
        self.sku_cum = list(accumulate(self.sku_p))
        self.by_popularity = sorted(range(n), key=lambda i: -pop[i])
        self.nouns = [product_noun(s) for s in catalog]
        self.prices: list[float] = []
        self.shops: list[str] = []
        tables: list[list[_IntentTable]] = [[], []]
        for sku in catalog:
            cat = CATEGORY_BY_NAME[sku.category]
            lo, hi = cat.price
            raw = lo * (hi / lo) ** rng.random()
            price = max(9.0, round(raw, -1) - 1) if raw > 100 else round(raw, 1)
            if rng.random() < 0.2:
                price = round(price - 0.5, 2)
            self.prices.append(price)
            self.shops.append(
                "京东自营"
                if rng.random() < 0.6
                else f"{sku.brand}{rng.choice(('官方旗舰店', '京东自营旗舰店', '专卖店'))}"
            )
            factor = math.exp(rng.gauss(0.0, 0.35))  # some SKUs simply break more often
            for regime in (0, 1):
                names = [i for i in BASE_INTENTS if intent_allowed(i, cat.flags)]
                if regime and intent_allowed(config.new_intent, cat.flags):
                    names.append(config.new_intent)
                weights = [
                    INTENT_WEIGHT[i] * (0.3 if FRESH in cat.flags and i == "return_exchange" else 1.0) for i in names
                ]
                complaint = [min(0.97, max(0.01, COMPLAINT_RATE[i] * factor)) for i in names]
                tables[regime].append(_IntentTable(names, weights, complaint))
        self.tables = tables
        self.complaint_share = sum(
            p * sum(t.prob(j) * t.complaint[j] for j in range(len(t.intents))) for p, t in zip(self.sku_p, tables[0])
        )
        self.sku_index = {s.sku_id: i for i, s in enumerate(catalog)}

    def sample(self, r: float, r2: float, r3: float, regime: int) -> tuple[int, str, bool]:
        """SKU index, intent and complaint flag of an ordinary conversation."""
        i = min(bisect_right(self.sku_cum, r * self.sku_cum[-1]), len(self.sku_cum) - 1)
        table = self.tables[regime][i]
        j = min(bisect_right(table.cum, r2), len(table.cum) - 1)
        return i, table.intents[j], r3 < table.complaint[j]

    def spike_pairs(self, spike: SpikeSpec, regime: int) -> tuple[float, list[tuple[int, str]], list[float]]:
        """(share of all conversations that are matching complaints, pairs, cumulative weights)."""
        skus = [self.sku_index[spike.sku_id]] if spike.sku_id is not None else range(len(self.catalog))
        pairs: list[tuple[int, str]] = []
        weights: list[float] = []
        for i in skus:
            t = self.tables[regime][i]
            for j, intent in enumerate(t.intents):
                if spike.intent is None or spike.intent == intent:
                    pairs.append((i, intent))
                    weights.append(self.sku_p[i] * t.prob(j) * t.complaint[j])
        share = sum(weights)
        return share, pairs, list(accumulate(weights))


def random_spikes(catalog: list[Sku], config: GeneratorConfig, n: int, seed: int) -> list[SpikeSpec]:
    """`n` plausible spikes inside the config window, on popular SKUs so they are detectable.

    Each spike targets a SKU, an intent, or a SKU+intent pair, lasts 3-12 hours and multiplies the
    complaint rate by 3-8.
    """
    rng = random.Random(f"spikes:{seed}")
    model = TrafficModel(catalog, config)
    total_hours = max(1, int(config.days * 24))
    top = model.by_popularity[: max(1, min(20, len(catalog)))]
    spikes: list[SpikeSpec] = []
    for _ in range(n):
        hours = rng.randint(3, max(3, min(12, total_hours // 2)))
        start_h = rng.randint(0, max(0, total_hours - hours))
        i = rng.choice(top)
        table = model.tables[0][i]
        intent = rng.choice([x for x in table.intents if x != "presale_question"])
        kind = rng.choice(("sku", "intent", "both"))
        spikes.append(
            SpikeSpec(
                sku_id=catalog[i].sku_id if kind != "intent" else None,
                intent=intent if kind != "sku" else None,
                start=config.start + timedelta(hours=start_h),
                hours=hours,
                complaint_multiplier=round(rng.uniform(3.0, 8.0), 1),
            )
        )
    return spikes
