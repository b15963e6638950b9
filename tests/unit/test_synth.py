"""Tests of the synthetic conversation generator: determinism, shape, and exactness of labels.

The label checks re-derive each QA rule from the text with the lexicons in `synth.phrases` and
require agreement in both directions, so a clean conversation is provably clean of every code.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from voc_service.domain.conversation import Role
from voc_service.synth import (
    GeneratorConfig,
    SpikeSpec,
    build_catalog,
    generate,
    labels_to_dict,
    random_spikes,
)
from voc_service.synth import phrases as P
from voc_service.synth.model import BEIJING, VIOLATION_CODES
from voc_service.synth.pii import id_card_valid, luhn_valid
from voc_service.synth.textops import due_from_rule
from voc_service.synth.traffic import TrafficModel

PHONE_RE = re.compile(r"(?<!\d)(?:\+86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
EXTREME_ANY = P.EXTREME_WORDS + ("最",)


@pytest.fixture(scope="module")
def day() -> list:
    """One ordinary day at the default rate (~5,000 conversations)."""
    return list(generate(GeneratorConfig(seed=11, days=1)))


@pytest.fixture(scope="module")
def scenario():
    """Two days: day 1 is a sale day, the emerging intent starts at day 1, one SKU spike, one intent spike."""
    cfg = GeneratorConfig(seed=5, days=2, conversations_per_day=3000, sale_days=[1], new_intent_from_day=1.0)
    catalog = build_catalog(cfg.n_skus, cfg.seed)
    top = catalog[TrafficModel(catalog, cfg).by_popularity[0]]
    spike_start = cfg.start + timedelta(hours=9)  # 09:00-17:00 Beijing on day 0
    cfg.spikes = [
        SpikeSpec(sku_id=top.sku_id, intent=None, start=spike_start, hours=8, complaint_multiplier=6.0),
        SpikeSpec(sku_id=None, intent="invoice", start=spike_start, hours=8, complaint_multiplier=5.0),
    ]
    return cfg, list(generate(cfg))


def _signature(items) -> list[str]:
    return [repr(g.conversation) + repr(g.labels) for g in items]


def test_same_seed_same_output_other_seed_differs():
    morning = GeneratorConfig().start + timedelta(hours=10)
    a = _signature(generate(GeneratorConfig(seed=42, days=0.1, start=morning, pii_rate=0.5)))
    b = _signature(generate(GeneratorConfig(seed=42, days=0.1, start=morning, pii_rate=0.5)))
    assert a == b and len(a) > 300
    c = _signature(generate(GeneratorConfig(seed=43, days=0.1, start=morning, pii_rate=0.5)))
    assert c != a


def test_catalog_shape():
    catalog = build_catalog(300, seed=1)
    assert len(catalog) == 300 and len({s.sku_id for s in catalog}) == 300
    assert all(re.fullmatch(r"10\d{8,10}", s.sku_id) for s in catalog)
    assert len({s.category for s in catalog}) >= 18
    brands = {s.brand for s in catalog}
    assert {"Apple", "华为", "小米", "海尔"} <= brands
    assert any(re.search(r"[A-Z]{2,}-?\d", s.name) for s in catalog)  # model numbers
    assert build_catalog(300, seed=1) == catalog


def test_conversation_shape_and_order(day):
    assert 4500 < len(day) < 6000
    starts = [g.conversation.started_at for g in day]
    assert starts == sorted(starts)
    ids = [g.conversation.conversation_id for g in day]
    assert len(set(ids)) == len(ids)
    for g in day:
        c = g.conversation
        assert 4 <= len(c.turns) <= 20
        assert len(g.labels.turn_labels) == len(c.turns)
        times = [t.sent_at for t in c.turns]
        assert c.started_at.utcoffset() == timedelta(0)
        assert c.started_at <= times[0] and times == sorted(times)
        assert c.channel in ("app", "web", "mini_program", "phone_asr")
        assert re.fullmatch(r"u_[0-9a-f]{6}", c.customer_id) and re.fullmatch(r"agent_\d{3}", c.agent_id)
        assert all(t.agent_id == c.agent_id for t in c.turns if t.role is Role.AGENT)
        assert set(c.attributes) == {"shop", "platform_version", "category"}
        if c.order_id:
            assert len(c.order_id) in (12, 19) and c.order_id.isdigit()
        assert g.labels.trajectory in ("improved", "worsened", "flat")
        assert -1.0 <= g.labels.satisfaction <= 1.0


def test_traffic_follows_beijing_hours(day):
    hours = Counter(g.conversation.started_at.astimezone(BEIJING).hour for g in day)
    assert hours[3] * 5 < hours[10] and hours[4] * 5 < hours[21]
    assert hours[21] > hours[16]


def test_pii_spans_are_exact_and_valid(day):
    kinds = Counter()
    with_pii = 0
    for g in day:
        c = g.conversation
        customer_pii = False
        for sp in g.labels.pii:
            assert c.turns[sp.turn_index].text[sp.start : sp.end] == sp.value
            kinds[sp.kind] += 1
            customer_pii |= c.turns[sp.turn_index].role is Role.CUSTOMER
            if sp.kind == "ID_CARD":
                assert id_card_valid(sp.value)
            elif sp.kind == "BANK_CARD":
                digits = sp.value.replace(" ", "")
                assert 16 <= len(digits) <= 19 and luhn_valid(sp.value)
            elif sp.kind == "PHONE":
                assert PHONE_RE.fullmatch(sp.value)
            elif sp.kind == "EMAIL":
                assert re.fullmatch(r"[\w.]+@[\w.]+\.\w+", sp.value)
        with_pii += customer_pii
        assert not any(sp.value in v for sp in g.labels.pii for v in c.attributes.values())
    assert set(kinds) == {"PHONE", "LANDLINE", "ID_CARD", "BANK_CARD", "EMAIL", "ADDRESS"}
    assert abs(with_pii / len(day) - 0.3) < 0.04


def test_hard_negatives_present_and_not_labelled(day):
    texts = "\n".join(t.text for g in day for t in g.conversation.turns)
    assert re.search(r"订单[号编]*[：:是]?\d{12}(?!\d)", texts) and re.search(r"订单[号编]*[：:是]?\d{19}", texts)
    assert re.search(r"(JDV\d{12}|SF\d{13})", texts)
    assert re.search(r"[¥￥]\d+|\d,\d{3}元|\d+\.\d元", texts)
    assert "24小时内" in texts and "7天" in texts or "七天" in texts
    for g in day:
        oid = g.conversation.order_id
        assert not PHONE_RE.fullmatch(oid or "0")
        assert all(oid != sp.value for sp in g.labels.pii)


def _rules(g) -> set[str]:
    """Re-derive every violation code from the text alone."""
    c, tl = g.conversation, g.labels.turn_labels
    agent = [i for i, t in enumerate(c.turns) if t.role is Role.AGENT]
    cust = [i for i, t in enumerate(c.turns) if t.role is Role.CUSTOMER]
    at = [c.turns[i].text for i in agent]

    def has(words, text):
        return any(w in text for w in words)

    codes = set()
    if not has(P.GREETING_WORDS, at[0]):
        codes.add("missing_greeting")
    if not has(P.CLOSING_WORDS, at[-1]):
        codes.add("missing_closing")
    if any(has(P.FORBIDDEN_WORDS, t) for t in at):
        codes.add("forbidden_language")
    if any(has(P.ABSOLUTE_WORDS, t) for t in at):
        codes.add("absolute_promise")
    if any(has(EXTREME_ANY, t) for t in at):
        codes.add("extreme_words")
    first_agent = c.turns[agent[0]].sent_at
    transfers = [i for i in range(agent[0]) if c.turns[i].role is Role.SYSTEM]
    anchor = c.turns[transfers[-1]].sent_at if transfers else c.turns[cust[0]].sent_at
    if (first_agent - c.turns[cust[0]].sent_at).total_seconds() > 60 and (first_agent - anchor).total_seconds() > 60:
        codes.add("slow_first_response")
    if any(
        c.turns[i - 1].role is Role.CUSTOMER and (c.turns[i].sent_at - c.turns[i - 1].sent_at).total_seconds() > 180
        for i in agent[1:]
    ):
        codes.add("slow_reply")
    for i in cust:
        if "human_request" in tl[i].emotions and not any(
            c.turns[j].role in (Role.SYSTEM, Role.AGENT) for j in range(i + 1, min(len(c.turns), i + 3))
        ):
            codes.add("unanswered_transfer")
    if any("escalation" in tl[i].emotions for i in cust):
        codes.add("escalation_threat")
    if tl[cust[-1]].sentiment == "NEGATIVE":
        codes.add("negative_ending")
    if any(sp.turn_index in agent for sp in g.labels.pii) or any(PHONE_RE.search(t) for t in at):
        codes.add("agent_pii_leak")
    return codes


def test_violation_labels_match_text_rules(day):
    seen = Counter()
    for g in day:
        labelled = g.labels.violation_codes
        derived = _rules(g)
        derived_comparable = derived | (labelled & {"repeated_question"})  # semantic: not re-derivable
        assert labelled == derived_comparable, (g.conversation.conversation_id, labelled, derived)
        seen.update(labelled)
        for v in g.labels.violations:
            assert v.code in VIOLATION_CODES
            assert v.turn_index is not None and 0 <= v.turn_index < len(g.conversation.turns)
    assert set(seen) == set(VIOLATION_CODES)
    share = sum(bool(g.labels.violations) for g in day) / len(day)
    assert abs(share - 0.15) < 0.03


def test_clean_conversations_have_no_violation_words(day):
    clean = [g for g in day if not g.labels.violations]
    assert len(clean) > 0.8 * len(day)
    bad_words = P.FORBIDDEN_WORDS + P.ABSOLUTE_WORDS + EXTREME_ANY
    for g in clean:
        turns = g.conversation.turns
        agent = [t.text for t in turns if t.role is Role.AGENT]
        assert not any(w in t for t in agent for w in bad_words)
        assert any(w in agent[0] for w in P.GREETING_WORDS)
        assert any(w in agent[-1] for w in P.CLOSING_WORDS)
        assert not any(PHONE_RE.search(t) for t in agent)
        customer = [t.text for t in turns if t.role is Role.CUSTOMER]
        assert not any(
            w in t
            for t in customer
            for w in P.EMOTION_MARKERS["escalation"]
            if not any(w in sp.value for sp in g.labels.pii)
        )
        assert (
            g.labels.turn_labels[[i for i, t in enumerate(turns) if t.role is Role.CUSTOMER][-1]].sentiment
            != "NEGATIVE"
        )


def test_repeated_question_is_three_asks(day):
    cases = [g for g in day if "repeated_question" in g.labels.violation_codes]
    assert cases
    for g in cases:
        v = next(v for v in g.labels.violations if v.code == "repeated_question")
        assert g.conversation.turns[v.turn_index].role is Role.CUSTOMER
        core = set(P.INTENTS[g.labels.intent].core_q)
        asks = [
            t
            for t in g.conversation.turns[: v.turn_index + 1]
            if t.role is Role.CUSTOMER and any(_norm(q) in _norm(t.text) for q in core)
        ]
        assert len(asks) >= 3


def _norm(text: str) -> str:
    return re.sub(r"[\s，。！？?!～]", "", text).replace("神马", "什么").replace("肿么", "怎么").replace("嘛", "吗")


def test_sentiment_emotion_and_trajectory_labels(day):
    non_complaint = Counter()
    for g in day:
        c, L = g.conversation, g.labels
        cust = [i for i, t in enumerate(c.turns) if t.role is Role.CUSTOMER]
        for i, (t, tl) in enumerate(zip(c.turns, L.turn_labels)):
            assert tl.sentiment in ("NEGATIVE", "NEUTRAL", "POSITIVE")
            if t.role is not Role.CUSTOMER:
                assert tl.emotions == []
                continue
            if not L.complaint:
                non_complaint[tl.sentiment] += 1
            if c.channel != "phone_asr":  # emotions are exactly the marker words (outside PII values)
                text = t.text
                for sp in L.pii:
                    if sp.turn_index == i:
                        text = text.replace(sp.value, "#")
                expected = {emo for emo, markers in P.EMOTION_MARKERS.items() if any(m in text for m in markers)}
                assert set(tl.emotions) == expected, (t.text, tl.emotions)
        first, last = (L.turn_labels[cust[0]].sentiment, L.turn_labels[cust[-1]].sentiment)
        score = {"NEGATIVE": -1, "NEUTRAL": 0, "POSITIVE": 1}
        d = score[last] - score[first]
        assert L.trajectory == ("improved" if d > 0 else "worsened" if d < 0 else "flat")
        if last == "POSITIVE":
            assert L.satisfaction > 0.3
        elif last == "NEGATIVE":
            assert L.satisfaction < -0.4
    assert non_complaint["NEUTRAL"] > non_complaint["POSITIVE"] + non_complaint["NEGATIVE"]
    trajectories = Counter(g.labels.trajectory for g in day)
    assert all(trajectories[t] > 100 for t in ("improved", "worsened", "flat"))


def test_promises_have_deadlines(day):
    promises = [(g, p) for g in day for p in g.labels.promises]
    assert len(promises) > 300
    assert {p.kind for _, p in promises} == {"callback", "visit", "refund", "handle"}
    for g, p in promises:
        turn = g.conversation.turns[p.turn_index]
        assert turn.role is Role.AGENT and p.text in turn.text
        assert p.due > turn.sent_at


def test_business_day_deadlines_skip_weekends():
    friday_10am = datetime(2026, 11, 6, 10, 0, tzinfo=BEIJING)
    due = due_from_rule("bd3", friday_10am).astimezone(BEIJING)
    assert (due.date().isoformat(), due.hour) == ("2026-11-11", 10)
    assert due_from_rule("h24", friday_10am) == friday_10am + timedelta(hours=24)
    assert due_from_rule("tomorrow_noon", friday_10am).astimezone(BEIJING).hour == 12


def test_broken_promises_point_back(scenario):
    _, items = scenario
    by_id = {g.conversation.conversation_id: g for g in items}
    followups = [g for g in items if g.labels.broken_promise_of]
    assert len(followups) > 20
    for g in followups:
        earlier = by_id[g.labels.broken_promise_of]
        assert earlier.conversation.customer_id == g.conversation.customer_id
        assert earlier.conversation.started_at < g.conversation.started_at
        assert earlier.labels.promises and earlier.labels.promises[0].due < g.conversation.started_at
        assert g.conversation.order_id == earlier.conversation.order_id or not earlier.conversation.order_id
        assert g.labels.complaint


def test_sale_day_doubles_traffic_same_complaint_share(scenario):
    cfg, items = scenario
    per_day, complaints = Counter(), Counter()
    for g in items:
        if g.labels.spike_id or g.labels.broken_promise_of:
            continue
        d = int((g.conversation.started_at - cfg.start).total_seconds() // 86400)
        per_day[d] += 1
        complaints[d] += g.labels.complaint
    assert 1.8 < per_day[1] / per_day[0] < 2.5
    share0 = complaints[0] / per_day[0]
    share1 = complaints[1] / per_day[1]
    assert abs(share0 - share1) < 0.04


def test_new_intent_only_after_its_day(scenario):
    cfg, items = scenario
    boundary = cfg.start + timedelta(days=cfg.new_intent_from_day)
    new = [g for g in items if g.labels.intent == cfg.new_intent]
    assert len(new) > 100
    assert all(g.conversation.started_at >= boundary for g in new)


def test_battery_swelling_variant_only_for_battery_products():
    cfg = GeneratorConfig(
        seed=2, days=1, conversations_per_day=2000, new_intent="battery_swelling", new_intent_from_day=0.25
    )
    new = [g for g in generate(cfg) if g.labels.intent == "battery_swelling"]
    assert new and {g.labels.category for g in new} <= {"手机", "笔记本电脑", "平板", "耳机", "扫地机器人"}


def test_spikes_raise_complaints_in_window(scenario):
    cfg, items = scenario
    sku_spike, intent_spike = cfg.spikes
    hours_total = cfg.days * 24

    def rate(spec, inside: bool) -> float:
        def match(g):
            return (spec.sku_id is None or g.conversation.sku_ids[0] == spec.sku_id) and (
                spec.intent is None or g.labels.intent == spec.intent
            )

        n = sum(
            1
            for g in items
            if match(g) and g.labels.complaint and (spec.start <= g.conversation.started_at < spec.end) == inside
        )
        return n / (spec.hours if inside else hours_total - spec.hours)

    for k, spec in enumerate(cfg.spikes):
        assert rate(spec, True) > 3 * rate(spec, False), spec
        tagged = [g for g in items if g.labels.spike_id == f"spike-{k}"]
        assert len(tagged) > 10
        assert all(spec.start <= g.conversation.started_at < spec.end and g.labels.complaint for g in tagged)
    assert all(g.conversation.sku_ids[0] == sku_spike.sku_id for g in items if g.labels.spike_id == "spike-0")
    assert all(g.labels.intent == intent_spike.intent for g in items if g.labels.spike_id == "spike-1")


def test_random_spikes_are_valid():
    cfg = GeneratorConfig(seed=4, days=3)
    catalog = build_catalog(cfg.n_skus, cfg.seed)
    spikes = random_spikes(catalog, cfg, n=6, seed=1)
    assert len(spikes) == 6 and spikes == random_spikes(catalog, cfg, n=6, seed=1)
    ids = {s.sku_id for s in catalog}
    for s in spikes:
        assert s.sku_id is not None or s.intent is not None
        assert s.sku_id is None or s.sku_id in ids
        assert cfg.start <= s.start and s.end <= cfg.start + timedelta(days=cfg.days)
        assert s.complaint_multiplier >= 3


def test_vocabulary_variety(day):
    firsts: dict[str, set[str]] = defaultdict(set)
    counts = Counter()
    for g in day[:2000]:
        text = next(t.text for t in g.conversation.turns if t.role is Role.CUSTOMER)
        firsts[g.labels.intent].add(text)
        counts[g.labels.intent] += 1
    qualifying = [i for i in P.BASE_INTENTS if counts[i] >= 40]
    assert len(qualifying) >= 8
    for intent in qualifying:
        assert len(firsts[intent]) >= 30, intent
    # variety is not just different order ids: strip digits and still see many openers
    cores = {re.sub(r"\d+", "#", t) for texts in firsts.values() for t in texts}
    assert len(cores) > 600


def test_labels_are_json_serialisable(day):
    g = next(g for g in day if g.labels.promises and g.labels.pii)
    d = labels_to_dict(g.labels)
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert isinstance(d["promises"][0]["due"], str)


def test_rates_can_be_switched_off():
    items = list(generate(GeneratorConfig(seed=9, days=0.25, violation_rate=0.0, pii_rate=0.0)))
    assert items and not any(g.labels.violations or g.labels.pii for g in items)


def test_bad_spikes_are_rejected_eagerly():
    start = GeneratorConfig().start
    with pytest.raises(ValueError, match="not in the catalog"):
        generate(GeneratorConfig(spikes=[SpikeSpec("100000000000", None, start, 2, 3.0)]))
    with pytest.raises(ValueError, match="unknown spike intent"):
        generate(GeneratorConfig(spikes=[SpikeSpec(None, "no_such_intent", start, 2, 3.0)]))
