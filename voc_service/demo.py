"""`voc demo`: a realistic day of customer-service conversations through the real service.

Generates the conversations, starts `voc serve` as a separate process on a temporary SQLite
store, streams everything through Ingest over gRPC on loopback, and prints what the service
found, read back from the store and from the metrics endpoint. Later capabilities (sentiment,
QA, topics, SKU indices, spikes) add their sections here.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

from voc_service.api.convert import conversation_to_pb
from voc_service.api.pb import analysis_pb2, conversation_pb2
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc as pb_grpc
from voc_service.api.pb import quality_service_pb2 as qpb
from voc_service.api.pb import quality_service_pb2_grpc as qpb_grpc
from voc_service.client import channel, ingest
from voc_service.launcher import ServerProcess, sqlite_url
from voc_service.store import open_store
from voc_service.synth import Generated, GeneratorConfig, SpikeSpec, generate

ROLE_ZH = {"CUSTOMER": "客户", "AGENT": "客服", "BOT": "机器人", "SYSTEM": "系统"}


def _h(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def run_demo(n: int = 3000, seed: int = 7) -> int:
    _h("1. Generate three days of conversations (day 2 a sale day, a complaint spike on day 3)")
    t0 = time.perf_counter()
    cfg, spike = _scenario(n, seed)
    items = list(generate(cfg))
    turns = sum(len(i.conversation.turns) for i in items)
    planted = Counter(p.kind for i in items for p in i.labels.pii)
    print(
        f"{len(items)} conversations, {turns} turns, {len(set(s for i in items for s in i.conversation.sku_ids))} SKUs "
        f"in {time.perf_counter() - t0:.1f}s; personal data planted: {dict(planted)}"
    )

    with tempfile.TemporaryDirectory(prefix="voc-demo-") as tmp:
        url = sqlite_url(Path(tmp) / "voc.db")
        _h("2. Fit topics on the previous day (BERTopic, batch) and activate the model")
        _fit_topics(url, n, seed)
        _h("3. Start the service (voc serve, separate process, temporary SQLite store)")
        t0 = time.perf_counter()
        server = ServerProcess(url).start()
        print(f"ready on {server.target} (metrics on :{server.metrics_port}) after {time.perf_counter() - t0:.1f}s")
        try:
            with channel(server.target) as chan:
                _h("4. Stream them in over gRPC (Ingest: one ack per conversation)")
                summary, _ = ingest(chan, (conversation_to_pb(i.conversation) for i in items))
                print(
                    f"{summary.sent} sent in {summary.seconds:.2f}s = {summary.rate:.0f} conversations/s; acks: {dict(summary.outcomes)}"
                )

                print("re-sending 100 of them and 2 malformed ones:")
                again = [conversation_to_pb(i.conversation) for i in items[:100]]
                bad_role = conversation_to_pb(items[100].conversation)
                bad_role.turns[1].role = 0
                no_id = conversation_to_pb(items[101].conversation)
                no_id.conversation_id = ""
                summary2, acks = ingest(chan, [*again, bad_role, no_id])
                print(f"  acks: {dict(summary2.outcomes)} (re-sent ids update, never duplicate)")
                for ack in acks[-2:]:
                    print(f"  rejected #{ack.sequence}: {ack.error.code} at {ack.error.field}: {ack.error.message}")

                _h("5. What the service found (read back from the store)")
                _report_store(url, planted)

                _h("6. Quality inspection (QualityService: every conversation inspected)")
                _report_quality(chan, items)

                _h("7. Topics (InsightsService: what customers talk about, which SKUs it hits)")
                _report_topics(chan, items)

                _h("8. SKU experience and complaint spikes (InsightsService)")
                _report_skus_and_spikes(chan, url, cfg, spike)

                _h("9. Analysed examples (Analyze, include_tokens)")
                stub = pb_grpc.AnalysisServiceStub(chan)
                examples = _examples(items)
                for item in examples:
                    reply = stub.Analyze(
                        pb.AnalyzeRequest(conversation=conversation_to_pb(item.conversation), include_tokens=True)
                    )
                    _print_analysis(item, reply.analysis)

            _h("10. Service metrics (scraped from /metrics)")
            _report_metrics(server.metrics_port)
        finally:
            try:
                code = server.terminate()
            except subprocess.TimeoutExpired:  # say what the server was doing, then end it
                print("voc serve did not stop within 30 s of SIGTERM; its last log lines:", file=sys.stderr)
                print("\n".join(server.log_lines[-15:]), file=sys.stderr)
                print("its threads (SIGUSR1):", file=sys.stderr)
                print("\n".join(server.dump_threads()), file=sys.stderr)
                server.kill()
                return 1
            _h("11. Graceful shutdown (SIGTERM)")
            print(f"exit code {code}; last log line: {server.log_lines[-1] if server.log_lines else ''}")
    return 0


def _examples(items: list[Generated]) -> list[Generated]:
    """Three different conversations: one with planted personal data and no complaint, one
    complaint without it, one with neither (the first of each kind), so each shows something
    the others do not."""
    kinds = [
        lambda i: bool(i.labels.pii) and not i.labels.complaint,
        lambda i: i.labels.complaint and not i.labels.pii,
        lambda i: not i.labels.pii and not i.labels.complaint,
    ]
    return [item for want in kinds for item in [next((i for i in items if want(i)), None)] if item is not None]


def _scenario(n: int, seed: int) -> tuple[GeneratorConfig, SpikeSpec]:
    """Three days of n conversations a day over 300 SKUs; day 2 a sale day (twice the traffic,
    the same complaint share); from 10:00 on day 3, four hours of 8x the complaints on the most
    popular SKU."""
    from voc_service.synth import build_catalog
    from voc_service.synth.traffic import TrafficModel

    cfg = GeneratorConfig(seed=seed, days=3.0, conversations_per_day=n, n_skus=300, sale_days=[1])
    catalog = build_catalog(cfg.n_skus, cfg.seed)
    top = catalog[TrafficModel(catalog, cfg).by_popularity[0]]
    spike = SpikeSpec(sku_id=top.sku_id, intent=None, start=cfg.start + timedelta(days=2, hours=10), hours=4,
                      complaint_multiplier=8.0)
    cfg.spikes = [spike]
    return cfg, spike


def _report_skus_and_spikes(chan, url: str, cfg: GeneratorConfig, spike: SpikeSpec) -> None:  # noqa: ANN001
    """The spike pass replayed over the three days (the live pass judges buckets as they close;
    these are backfilled), then what product teams read: worst SKUs, the signals, one SKU."""
    from voc_service.api.convert import set_timestamp
    from voc_service.api.pb import insights_service_pb2 as ipb
    from voc_service.api.pb import insights_service_pb2_grpc as ipb_grpc
    from voc_service.config import Settings
    from voc_service.insights.detection import SpikeDetector
    from voc_service.store.signals import SignalStore

    from voc_service.store.topics import TopicRegistry
    from voc_service.topics.model import TopicModel

    store = open_store(url, migrate=False)
    registry = TopicRegistry(store.engine)
    active = registry.active_version()
    model = TopicModel.from_files(registry.files(active)) if active else None
    detector = SpikeDetector.from_settings(SignalStore(store.engine), Settings(), lambda: model)
    t0 = time.perf_counter()
    end = cfg.start + timedelta(days=cfg.days)
    passes = detector.replay(cfg.start, end)
    print(f"spike pass replayed over {len(passes)} hourly buckets in {time.perf_counter() - t0:.1f}s")
    insights = ipb_grpc.InsightsServiceStub(chan)
    window = ipb.Window(resolution_seconds=86400)
    set_timestamp(window.since, cfg.start)
    set_timestamp(window.until, end)
    worst = insights.ListSkuExperience(ipb.ListSkuExperienceRequest(window=window, min_conversations=30, page_size=5))
    print(f"worst SKUs of {worst.total} with >= 30 conversations (index 0-100, 95 % interval; ranked by its upper bound):")
    for s in worst.skus:
        print(f"  SKU {s.sku_id} ({s.category}): {s.index:.1f} [{s.index_low:.1f}, {s.index_high:.1f}], "
              f"{s.conversations} conversations, complaints {s.components.raw_complaint_share:.0%}, "
              f"unhappy customers {s.components.raw_negative_share:.0%}, sentiment {s.components.raw_sentiment:+.2f}, "
              f"flagged {s.components.flagged_share:.0%}")
    signals = insights.ListSignals(ipb.ListSignalsRequest(page_size=20)).signals
    sale = cfg.start + timedelta(days=1)
    on_sale = [x for x in signals if sale <= x.window_start.ToDatetime(tzinfo=UTC) < sale + timedelta(days=1)]
    print(f"signals: {len(signals)} (injected: SKU {spike.sku_id}, {spike.start:%m-%d %H:%M} UTC for {spike.hours} h); "
          f"on the sale day (twice the traffic): {len(on_sale)}")
    for x in signals[:6]:
        subject = " × ".join(p for p in (f"SKU {x.sku_id}" if x.sku_id else "", f"topic {x.topic_id}" if x.has_topic else "") if p)
        print(f"  #{x.signal_id} {x.kind} {subject}: {x.window_start.ToDatetime():%m-%d %H:%M} UTC, "
              f"{x.observed} complaints vs {x.expected:.1f} expected, score {x.score:.1f}, {x.severity}, "
              f"{ipb.Signal.Status.Name(x.status).lower()}; keywords {' '.join(x.keywords[:4]) or '-'}; "
              f"evidence {', '.join(x.evidence_conversation_ids[:3])}")
    if signals and signals[0].evidence_conversation_ids:  # what a reviewer opens first (stored, redacted)
        first = signals[0].evidence_conversation_ids[0]
        stored = qpb_grpc.QualityServiceStub(chan).GetConversation(qpb.GetConversationRequest(conversation_id=first))
        said = "，".join(t.text for t in stored.conversation.turns if t.role == conversation_pb2.CUSTOMER)
        satisfaction = stored.analysis.sentiment.customer_satisfaction
        print(f"  first evidence of #{signals[0].signal_id}, its least satisfied customer ({satisfaction:+.2f}), "
              f"{first}: {said[:90]}")
    one = insights.GetSkuExperience(ipb.GetSkuExperienceRequest(sku_id=spike.sku_id, window=window))
    print(f"SKU {spike.sku_id}: index {one.index:.1f} (its category's {one.prior_index:.1f}); per day: "
          + ", ".join(f"{p.index:.1f} ({p.complaints}/{p.conversations})" for p in one.trend)
          + "; complaints about: " + ", ".join(f"{t.label or t.topic_id} {t.complaints}" for t in one.top_complaint_topics[:3]))


def _fit_topics(url: str, n: int, seed: int) -> None:
    """The previous day's conversations, fitted and registered in the demo's store: the server
    starts serving the active model, as a production replica would after the nightly refit."""
    from voc_service.config import Settings
    from voc_service.store.topics import TopicRegistry
    from voc_service.topics.commands import conversation_documents
    from voc_service.topics.fit import FitConfig, fit_topics

    t0 = time.perf_counter()
    start = GeneratorConfig().start - timedelta(days=1)
    previous = generate(GeneratorConfig(seed=seed + 1000, start=start, days=1.0, conversations_per_day=n, n_skus=300))
    docs, texts, _ = conversation_documents(g.conversation for g in previous)
    model, labels = fit_topics(docs, texts, FitConfig(name="demo"))
    registry = TopicRegistry(open_store(url, Settings().sqlite_synchronous).engine)
    registry.register(model.to_files())
    registry.activate(model.version)
    outliers = sum(1 for x in labels if x < 0) / max(1, len(labels))
    print(
        f"{len(docs)} conversations -> {len(model.topics)} topics ({outliers:.0%} outliers) in "
        f"{time.perf_counter() - t0:.0f}s; registered and active: {model.version}"
    )


def _report_topics(chan, items: list[Generated]) -> None:  # noqa: ANN001 - a grpc.Channel
    from voc_service.api.convert import set_timestamp
    from voc_service.api.pb import insights_service_pb2 as ipb
    from voc_service.api.pb import insights_service_pb2_grpc as ipb_grpc

    insights = ipb_grpc.InsightsServiceStub(chan)
    times = [t.sent_at for i in items for t in i.conversation.turns if t.sent_at is not None]
    window = ipb.Window(resolution_seconds=6 * 3600)
    set_timestamp(window.since, min(times) - timedelta(hours=1))
    set_timestamp(window.until, max(times) + timedelta(hours=1))
    listed = insights.ListTopics(ipb.ListTopicsRequest(window=window, include_trend=True))
    total = sum(t.conversations for t in listed.topics) + listed.outlier_conversations
    print(f"model {listed.model_version}: {total} conversations, {listed.outlier_conversations} outliers")
    print(f"  {'id':>3} {'convs':>6} {'complaint':>9}  keywords · conversations per 6 h")
    for t in listed.topics[:10]:
        words = " ".join(k.word for k in t.keywords[:6])
        trend = " ".join(str(p.conversations) for p in t.trend)
        print(f"  {t.id:>3} {t.conversations:>6} {t.complaint_share:>8.0%}   {words} · {trend}")
    worst = max((t for t in listed.topics if t.conversations >= 30), key=lambda t: t.complaint_share, default=None)
    if worst is None:
        return
    detail = insights.GetTopic(ipb.GetTopicRequest(topic_id=worst.id, window=window, sku_limit=3, example_limit=2))
    print(f"most complained-about topic {worst.id} ({worst.label}), {worst.complaint_share:.0%} complaints; SKUs hit most:")
    for s in detail.skus:
        print(f"  SKU {s.sku_id}: {s.conversations} conversations on it, {s.complaints} complaints, "
              f"{s.share_of_sku:.0%} of that SKU's conversations")
    for e in detail.examples:
        print(f"  e.g. {e.conversation_id} (p={e.probability:.2f}): {e.customer_text[:70]}")


def _report_store(url: str, planted: Counter[str]) -> None:
    store = open_store(url, migrate=False)
    kinds: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    emotions: Counter[str] = Counter()
    sentiment: Counter[str] = Counter()
    trajectories: Counter[str] = Counter()
    complaint_reasons: Counter[str] = Counter()
    satisfaction: list[float] = []
    at_risk = complaints = agent_negative = 0
    try:
        for _conv, analysis, _rev in store.iter_stored():
            risky = False
            for turn in analysis.turns:
                kinds.update(r.kind.value for r in turn.redactions)
                labels.update(e.label for e in turn.entities)
                emotions.update({m.kind.value for m in turn.emotions})
                risky = risky or bool(turn.emotions)
                if turn.sentiment is not None and turn.role.value == "CUSTOMER":
                    sentiment[turn.sentiment.label.value] += 1
            at_risk += risky
            if analysis.sentiment is not None:
                s = analysis.sentiment
                complaints += s.complaint
                complaint_reasons.update(s.complaint_reasons)
                trajectories[s.trajectory.value] += 1
                agent_negative += bool(s.agent_negative_turns)
                if s.customer_turns:
                    satisfaction.append(s.customer_satisfaction)
        print(f"stored conversations: {store.count()}")
    finally:
        store.close()
    print("personal data redacted (kind: redacted / planted by the generator):")
    for kind in sorted(set(kinds) | set(planted)):
        print(f"  {kind:<10} {kinds[kind]:>6} / {planted[kind]}")
    print("entities found: " + ", ".join(f"{k} {v}" for k, v in labels.most_common()))
    print(
        f"conversations with an emotional-risk cue from the customer: {at_risk}; customer turns by kind: "
        + ", ".join(f"{k} {v}" for k, v in emotions.most_common())
    )
    print("customer turns by sentiment: " + ", ".join(f"{k} {v}" for k, v in sentiment.most_common()))
    print(
        f"complaints: {complaints} conversations ("
        + ", ".join(f"{k} {v}" for k, v in complaint_reasons.most_common())
        + "); trajectories: "
        + ", ".join(f"{k} {v}" for k, v in trajectories.most_common())
    )
    if satisfaction:
        satisfaction.sort()
        q = [satisfaction[int(p * (len(satisfaction) - 1))] for p in (0.1, 0.5, 0.9)]
        print(
            f"customer_satisfaction estimate: p10 {q[0]:+.2f}, median {q[1]:+.2f}, p90 {q[2]:+.2f}; "
            f"conversations with an agent negative-tone turn: {agent_negative}"
        )


def _report_quality(chan, items: list[Generated]) -> None:  # noqa: ANN001 - a grpc.Channel
    """Rule hits against the generator's injected violations, the review queue with evidence, a
    review and the precision it gives, agent scorecards and promises."""
    quality = qpb_grpc.QualityServiceStub(chan)
    rules = quality.ListRules(qpb.ListRulesRequest())
    labelled = Counter(code for i in items for code in i.labels.violation_codes)
    print(f"rule packs {rules.pack_version}: {len(rules.rules)} rules; conversations hit (injected by the generator):")
    for r in rules.rules:
        print(f"  {r.rule_id:<22} {analysis_pb2.Severity.Name(r.severity):<8} {r.findings:>5} ({labelled.get(r.rule_id, 0)})")
    page = quality.ListFlagged(qpb.ListFlaggedRequest(page_size=3))
    print("review queue, newest first (ListFlagged, first 3):")
    for c in page.conversations:
        print(f"  [{c.conversation_id}] agent {c.agent_id} score {c.score:.0f}")
        for f in c.findings[:3]:
            print(f"    {f.rule_id} (turn {f.turn_index}, chars {f.start}-{f.end}): 「{f.evidence_text[:40]}」")
    first = page.conversations[0] if page.conversations else None
    if first is not None and first.findings:
        f = first.findings[0]
        quality.SubmitReview(
            qpb.SubmitReviewRequest(
                conversation_id=first.conversation_id, rule_id=f.rule_id, verdict=qpb.Review.CONFIRMED,
                reviewer_id="demo_reviewer", note="确认",
            )
        )
        info = next(r for r in quality.ListRules(qpb.ListRulesRequest()).rules if r.rule_id == f.rule_id)
        print(f"reviewed 1 finding of {f.rule_id}: precision so far {info.precision:.2f} ({info.confirmed}/{info.reviewed})")
    cards = quality.ListScorecards(qpb.ListScorecardsRequest(min_conversations=20, page_size=3)).scorecards
    print("agent scorecards, worst first (>= 20 conversations):")
    for card in cards:
        top = ", ".join(f"{k} {v}" for k, v in sorted(card.findings_by_rule.items(), key=lambda kv: -kv[1])[:3])
        print(
            f"  {card.agent_id}: {card.conversations} conversations, mean score {card.mean_score:.1f}, "
            f"flagged {card.flagged_rate:.0%}, first response {card.mean_first_response_seconds:.0f}s; {top}"
        )
    promises = quality.ListPromises(qpb.ListPromisesRequest(page_size=500)).promises
    kinds = Counter(analysis_pb2.Promise.Kind.Name(p.kind) for p in promises)
    broken = [p for p in promises if p.status == analysis_pb2.Promise.BROKEN]
    print(f"promises tracked (first 500 by due time): {dict(kinds)}; broken: {len(broken)}")
    for p in promises[:2]:
        print(f"  {p.promise_id}: 「{p.text}」 due {p.due_at.ToDatetime():%m-%d %H:%M} UTC")


def _print_analysis(item: Generated, analysis: analysis_pb2.ConversationAnalysis) -> None:
    conv = item.conversation
    print(f"\n[{conv.conversation_id}] intent={item.labels.intent} sku={','.join(conv.sku_ids)} channel={conv.channel}")
    for turn in analysis.turns[:6]:
        role = ROLE_ZH.get(conversation_pb2.Role.Name(turn.role), "?")
        print(f"  {role}: {turn.redacted_text}")
        if turn.redactions:
            kinds = ", ".join(f"{analysis_pb2.Redaction.Kind.Name(r.kind)}@{r.start}" for r in turn.redactions)
            print(f"      redacted: {kinds}")
        if turn.entities:
            print(f"      entities: {', '.join(f'{e.label}={e.text}' for e in turn.entities)}")
        if turn.emotions:
            cues = ", ".join(f"{analysis_pb2.Emotion.Kind.Name(m.kind)}={m.text}" for m in turn.emotions)
            print(f"      emotional risk: {cues}")
        if turn.HasField("sentiment"):
            s = turn.sentiment
            print(
                f"      sentiment: {analysis_pb2.Sentiment.Label.Name(s.label)} {s.score:+.2f} "
                f"(confidence {s.confidence:.2f})"
            )
        print(f"      tokens:   {' / '.join(turn.tokens[:18])}{' ...' if len(turn.tokens) > 18 else ''}")
    if len(analysis.turns) > 6:
        print(f"  ... {len(analysis.turns) - 6} more turns")
    if analysis.HasField("sentiment"):
        s = analysis.sentiment
        print(
            f"  customer: start {s.customer_start:+.2f} end {s.customer_end:+.2f} min {s.customer_min:+.2f} "
            f"({analysis_pb2.ConversationSentiment.Trajectory.Name(s.trajectory).lower()}); "
            f"complaint={s.complaint}{' (' + ', '.join(s.complaint_reasons) + ')' if s.complaint else ''}; "
            f"satisfaction {s.customer_satisfaction:+.2f} = "
            + " ".join(f"{k} {v:+.2f}" for k, v in sorted(s.satisfaction_factors.items()))
        )
    if analysis.HasField("quality"):
        q = analysis.quality
        hits = "; ".join(f"{f.rule_id}@{f.turn_index}「{f.evidence_text[:20]}」" for f in q.findings) or "no findings"
        print(f"  QA: score {q.score:.0f}{' FLAGGED' if q.flagged else ''}: {hits}")


def _report_metrics(port: int | None) -> None:
    if not port:
        print("metrics endpoint disabled")
        return
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in body.splitlines():
        if line.startswith(
            ("voc_rpc_handled_total{", "voc_ingest_conversations_total{", "voc_qa_flagged_conversations_total ",
             "voc_qa_rule_precision{")
        ):
            print("  " + line)
        elif line.startswith("voc_stage_duration_seconds_sum{"):
            sums[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("voc_stage_duration_seconds_count{"):
            counts[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
    print("  mean time per conversation by stage (store: per batch):")
    for stage, total in sums.items():
        if counts.get(stage):
            print(f"    {stage:<22} {1e6 * total / counts[stage]:8.1f} µs")
