"""InsightsService and the topic model registry through real servers on one SQLite store:
a model registered and activated with the CLI is served (and switched by the registry poll),
topic counts equal a recount of what was stored, re-sends never double them, lineage events
come in activation order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from conftest import LIMIT_ENV

from voc_service.api.convert import conversation_to_pb, set_timestamp
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc
from voc_service.api.pb import insights_service_pb2 as ipb
from voc_service.api.pb import insights_service_pb2_grpc
from voc_service.launcher import ServerProcess
from voc_service.synth import GeneratorConfig, generate
from voc_service.topics.commands import conversation_documents
from voc_service.topics.fit import FitConfig, fit_topics
from voc_service.topics.model import TopicModel

CFG = GeneratorConfig(seed=31, days=1, conversations_per_day=240, n_skus=12)


def _fit(tmp: Path, name: str, seed: int, clusters: int, previous: TopicModel | None = None) -> tuple[Path, str]:
    """A model fitted on the day before CFG's conversations, with CFG's catalogue (its SKUs are
    the fit's classes for topics_per_class)."""
    skus: list[str] = []
    day_before = GeneratorConfig(  # same seed: same catalogue; fit 41 on the day before, 42 two days before
        seed=CFG.seed, start=CFG.start - timedelta(days=seed - 40), days=1, conversations_per_day=500, n_skus=CFG.n_skus
    )
    docs, texts, _ = conversation_documents((g.conversation for g in generate(day_before)), skus=skus)
    model, _ = fit_topics(
        docs, texts,
        FitConfig(reduction="none", clustering="kmeans", clustering_params={"n_clusters": clusters}, seed=seed),
        previous=previous,
        classes=skus,
    )
    directory = tmp / name
    return directory, model.save(directory)


def voc(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOC_STORE": db}
    return subprocess.run([sys.executable, "-m", "voc_service", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, module_store_url: str) -> Iterator[tuple[ServerProcess, str, Path, str]]:
    tmp = tmp_path_factory.mktemp("insights")
    db = module_store_url
    first, version = _fit(tmp, "m1", 41, 6)
    done = voc(db, "topics", "register", "--model-dir", str(first), "--activate")
    assert done.returncode == 0, done.stderr
    env = {**LIMIT_ENV, "VOC_WORKERS": "2", "VOC_TOPIC_POLL_SECONDS": "0.5"}
    with ServerProcess(db, env=env) as proc:
        yield proc, db, first, version


@pytest.fixture(scope="module")
def ingested(setup) -> tuple[list, list, ipb.Window]:
    """CFG's conversations analysed (to know what the server says) and ingested once."""
    server = setup[0]
    convs = [conversation_to_pb(g.conversation) for g in generate(CFG)]
    with grpc.insecure_channel(server.target) as chan:
        stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
        results = [stub.Analyze(pb.AnalyzeRequest(conversation=c)).analysis for c in convs]
        acks = list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs)))
    assert all(a.outcome == pb.STORED for a in acks)
    window = ipb.Window(resolution_seconds=86400)
    set_timestamp(window.since, CFG.start - timedelta(days=1))
    set_timestamp(window.until, CFG.start + timedelta(days=2))
    return convs, results, window


def test_registered_model_is_served_and_counts_equal_a_recount(setup, ingested) -> None:
    server, _db, _first, version = setup
    convs, results, window = ingested
    with grpc.insecure_channel(server.target) as chan:
        stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        assert {r.topic.model_version for r in results} == {version}
        listed = insights.ListTopics(ipb.ListTopicsRequest(window=window, include_trend=True))
        assert listed.model_version == version and listed.bucket_seconds == 3600
        expected = Counter(r.topic.id for r in results)
        complaints = Counter(r.topic.id for r in results if r.sentiment.complaint)
        got = {t.id: (t.conversations, t.complaints) for t in listed.topics}
        assert {k: v for k, v in got.items() if v[0]} == {
            k: (n, complaints[k]) for k, n in expected.items() if k >= 0
        }
        assert listed.outlier_conversations == expected.get(-1, 0)
        convs_in_order = [t.conversations for t in listed.topics]
        assert convs_in_order == sorted(convs_in_order, reverse=True)
        for t in listed.topics:
            assert sum(p.conversations for p in t.trend) == t.conversations
            assert t.keywords and t.label
        # one topic in detail: the SKUs hit, counted from what was sent
        top = listed.topics[0]
        detail = insights.GetTopic(ipb.GetTopicRequest(topic_id=top.id, window=window, sku_limit=100, example_limit=50))
        per_sku = Counter(s for c, r in zip(convs, results, strict=True) if r.topic.id == top.id for s in set(c.sku_ids))
        assert {s.sku_id: s.conversations for s in detail.skus} == dict(per_sku)
        all_sku = Counter(s for c in convs for s in set(c.sku_ids))
        for s in detail.skus:
            assert s.share_of_sku == pytest.approx(s.conversations / all_sku[s.sku_id])
        assert [s.conversations for s in detail.skus] == sorted((s.conversations for s in detail.skus), reverse=True)
        ids_on_topic = {c.conversation_id for c, r in zip(convs, results, strict=True) if r.topic.id == top.id}
        assert detail.examples and {e.conversation_id for e in detail.examples} <= ids_on_topic
        probs = [e.probability for e in detail.examples]
        assert probs == sorted(probs, reverse=True)
        assert detail.fit_examples and detail.topic.conversations == top.conversations
        # topics_per_class of the fit: the topic's words within the SKUs it was fitted on
        assert any(s.fit_keywords for s in detail.skus)
        # a re-send of everything moves nothing
        acks = list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs)))
        assert all(a.outcome == pb.UPDATED for a in acks)
        again = insights.ListTopics(ipb.ListTopicsRequest(window=window))
        assert {t.id: (t.conversations, t.complaints) for t in again.topics} == {
            t.id: (t.conversations, t.complaints) for t in listed.topics
        }


def test_sku_experience_ranks_and_explains(setup, ingested) -> None:
    server = setup[0]
    convs, results, window = ingested
    per_sku: dict[str, list[int]] = {}
    for c, r in zip(convs, results, strict=True):
        for sku in set(c.sku_ids):
            cell = per_sku.setdefault(sku, [0, 0])
            cell[0] += 1
            cell[1] += r.sentiment.complaint
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        ranked = insights.ListSkuExperience(ipb.ListSkuExperienceRequest(window=window, page_size=5))
        assert ranked.total == len(per_sku) and len(ranked.skus) == 5 and ranked.next_page_token
        seen = list(ranked.skus)
        while ranked.next_page_token:
            ranked = insights.ListSkuExperience(
                ipb.ListSkuExperienceRequest(window=window, page_size=5, page_token=ranked.next_page_token)
            )
            seen.extend(ranked.skus)
        # worst first by the interval's upper bound (docs/insights.md)
        assert [s.sku_id for s in seen] == [s.sku_id for s in sorted(seen, key=lambda s: (s.index_high, s.sku_id))]
        assert {s.sku_id: [s.conversations, s.complaints] for s in seen} == per_sku
        for s in seen:
            assert s.category and s.index_low <= s.index <= s.index_high
            assert s.components.raw_complaint_share == pytest.approx(s.complaints / s.conversations)
        best = insights.ListSkuExperience(ipb.ListSkuExperienceRequest(window=window, best_first=True, page_size=500))
        assert [s.sku_id for s in best.skus] == [s.sku_id for s in sorted(seen, key=lambda s: (-s.index_low, s.sku_id))]
        category = seen[0].category
        only = insights.ListSkuExperience(ipb.ListSkuExperienceRequest(window=window, category=category, page_size=500))
        assert only.skus and {s.category for s in only.skus} == {category}
        worst = seen[0]
        one = insights.GetSkuExperience(ipb.GetSkuExperienceRequest(sku_id=worst.sku_id, window=window, topic_limit=50))
        assert one.index == pytest.approx(worst.index) and one.conversations == worst.conversations
        assert sum(p.conversations for p in one.trend) == one.conversations and len(one.trend) >= 1
        topics = Counter(
            r.topic.id for c, r in zip(convs, results, strict=True) if worst.sku_id in c.sku_ids and r.sentiment.complaint
        )
        assert {t.topic_id: t.complaints for t in one.top_complaint_topics if t.complaints} == dict(topics)
        with pytest.raises(grpc.RpcError) as err:
            insights.GetSkuExperience(ipb.GetSkuExperienceRequest(sku_id="no-such-sku", window=window))
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as err:
            insights.ListSkuExperience(ipb.ListSkuExperienceRequest(window=window, page_token="garbage"))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.value.details()


def test_bad_requests_get_precise_errors(setup) -> None:
    server = setup[0]
    with grpc.insecure_channel(server.target) as chan:
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        bad = ipb.Window(resolution_seconds=1800)  # not a multiple of the 3600 s buckets
        with pytest.raises(grpc.RpcError) as err:
            insights.ListTopics(ipb.ListTopicsRequest(window=bad))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "window.resolution_seconds" in err.value.details()
        backwards = ipb.Window()
        set_timestamp(backwards.since, CFG.start)
        set_timestamp(backwards.until, CFG.start - timedelta(hours=1))
        with pytest.raises(grpc.RpcError) as err:
            insights.ListTopics(ipb.ListTopicsRequest(window=backwards))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "window.since" in err.value.details()
        with pytest.raises(grpc.RpcError) as err:
            insights.GetTopic(ipb.GetTopicRequest(topic_id=999))
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as err:
            insights.GetTopic(ipb.GetTopicRequest(topic_id=0, sku_limit=1000))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "sku_limit" in err.value.details()


def test_activating_a_refit_switches_the_server_and_records_lineage(setup, tmp_path: Path) -> None:
    server, db, first, version = setup
    second, new_version = _fit(tmp_path, "m2", 42, 7, previous=TopicModel.load(first))
    assert voc(db, "topics", "register", "--model-dir", str(second)).returncode == 0
    listing = voc(db, "topics", "list")
    assert new_version in listing.stdout and '"active": true' in listing.stdout
    bad = voc(db, "topics", "activate", "topics@000000000000")
    assert bad.returncode == 2 and "no registered topic model" in bad.stderr
    line = server.act_and_wait(
        lambda: voc(db, "topics", "activate", new_version), "topic model reloaded", "topic registry check failed"
    )
    assert new_version in line
    conv = conversation_to_pb(next(iter(generate(CFG))).conversation)
    with grpc.insecure_channel(server.target) as chan:
        got = analysis_service_pb2_grpc.AnalysisServiceStub(chan).Analyze(pb.AnalyzeRequest(conversation=conv))
        assert got.analysis.versions["topic"] == new_version  # the serving process (workers: ingest)
        insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
        events = list(insights.ListTopicEvents(ipb.ListTopicEventsRequest()).events)
        first_model = [e for e in events if e.model_version == version]
        refit = [e for e in events if e.model_version == new_version]
        assert len(first_model) == 6 and {e.kind for e in first_model} == {"new"}
        assert refit and events.index(refit[0]) > events.index(first_model[-1])
        kinds = Counter(e.kind for e in refit)
        assert kinds["kept"] + kinds["merged"] >= 3 and sum(kinds.values()) >= 7
        page = insights.ListTopicEvents(ipb.ListTopicEventsRequest(after_event_id=first_model[-1].event_id, page_size=2))
        assert [e.event_id for e in page.events] == [e.event_id for e in refit[:2]]
        assert page.last_event_id == refit[1].event_id
        assert insights.ListTopics(ipb.ListTopicsRequest()).model_version == new_version


def test_refit_job_fits_the_store_keeps_ids_and_activates(setup) -> None:
    server, db, _first, _version = setup
    before = voc(db, "topics", "list")
    active_before = next(m["version"] for m in json.loads(before.stdout) if m["active"])
    job = Path(__file__).resolve().parents[2] / "pipelines" / "refit_topics.py"
    env = {**os.environ, "VOC_STORE": db}
    holder: dict[str, subprocess.CompletedProcess[str]] = {}

    def job_run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(job), "--days", "3650", "--name", "refit", *extra], capture_output=True, text=True,
            env=env, timeout=300,
        )

    # a fit with more outliers than allowed is registered, not activated: the servers keep theirs
    refused = job_run("--max-outlier-share", "0.001")
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "not_activated"
    after = json.loads(voc(db, "topics", "list").stdout)
    assert next(m["version"] for m in after if m["active"]) == active_before
    assert json.loads(refused.stdout)["version"] in {m["version"] for m in after}

    def run() -> None:
        holder["job"] = job_run("--max-outlier-share", "1")
        assert holder["job"].returncode == 0, holder["job"].stderr + holder["job"].stdout

    line = server.act_and_wait(run, "topic model reloaded", "topic registry check failed", timeout=30)
    result = json.loads(holder["job"].stdout)
    assert result["status"] == "active" and result["previous"] == active_before
    assert result["conversations"] >= 200 and result["version"].startswith("refit@") and result["version"] in line
    assert result["lineage"].get("kept", 0) + result["lineage"].get("merged", 0) >= 1  # ids carried over
