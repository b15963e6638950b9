"""The topic stage through the real server (ingest workers included): every analysis carries the
topic of the configured model, and the stored analysis keeps it with the model's version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import signal

import grpc
import pytest
from conftest import LIMIT_ENV

from voc_service.api.convert import conversation_to_pb
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc, quality_service_pb2, quality_service_pb2_grpc
from voc_service.launcher import ServerProcess
from voc_service.synth import GeneratorConfig, generate
from voc_service.topics.commands import conversation_documents
from voc_service.topics.fit import FitConfig, fit_topics


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, set[str]]:
    """One fit for the whole module (every backend)."""
    docs, texts, _ = conversation_documents(
        g.conversation for g in generate(GeneratorConfig(seed=21, days=1, conversations_per_day=700))
    )
    model, _ = fit_topics(
        docs, texts, FitConfig(reduction="none", clustering="kmeans", clustering_params={"n_clusters": 8})
    )
    directory = tmp_path_factory.mktemp("topics") / "model"
    version = model.save(directory)
    return directory, version, {t.label for t in model.topics}


@pytest.fixture(scope="module")
def topic_model(fitted, backend: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, set[str]]:
    """A copy of the fit per backend: the tests overwrite the model directory the server reads."""
    import shutil

    directory = tmp_path_factory.mktemp(f"topics-{backend}") / "model"
    shutil.copytree(fitted[0], directory)
    return directory, fitted[1], fitted[2]


@pytest.fixture(scope="module")
def tserver(module_store_url: str, topic_model) -> Iterator[ServerProcess]:
    env = {**LIMIT_ENV, "VOC_TOPIC_MODEL": str(topic_model[0]), "VOC_WORKERS": "2"}
    with ServerProcess(module_store_url, env=env) as proc:
        yield proc


def test_analyze_and_ingest_carry_the_topic(tserver: ServerProcess, topic_model) -> None:
    _, version, labels = topic_model
    convs = [conversation_to_pb(g.conversation) for g in generate(GeneratorConfig(seed=22, days=1, conversations_per_day=60))]
    with grpc.insecure_channel(tserver.target) as chan:
        stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
        one = stub.Analyze(pb.AnalyzeRequest(conversation=convs[0])).analysis
        assert one.versions["topic"] == version and one.topic.model_version == version
        assert one.topic.outlier or (one.topic.label in labels and 0 < one.topic.probability <= 1)
        acks = list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs)))
        assert all(a.outcome == pb.STORED for a in acks)
        quality = quality_service_pb2_grpc.QualityServiceStub(chan)
        topics = []
        for c in convs:
            stored = quality.GetConversation(quality_service_pb2.GetConversationRequest(conversation_id=c.conversation_id))
            assert stored.analysis.HasField("topic") and stored.analysis.topic.model_version == version
            topics.append(stored.analysis.topic.id)
        assert len({t for t in topics if t >= 0}) >= 3  # conversations spread over several topics


def test_sighup_switches_the_topic_model_and_a_broken_one_is_refused(tserver: ServerProcess, topic_model) -> None:
    directory, old_version, _ = topic_model
    items = list(generate(GeneratorConfig(seed=23, days=1, conversations_per_day=500)))
    docs, texts, _ = conversation_documents(g.conversation for g in items)
    new_model, _ = fit_topics(
        docs, texts, FitConfig(reduction="none", clustering="kmeans", clustering_params={"n_clusters": 5})
    )
    new_version = new_model.save(directory)  # a refit written where the server's model lives
    assert new_version != old_version
    convs = [conversation_to_pb(g.conversation) for g in items[:16]]
    with grpc.insecure_channel(tserver.target) as chan:
        stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
        line = tserver.signal_and_wait(signal.SIGHUP, "topic model reloaded", "topic model reload rejected")
        assert "rejected" not in line and new_version in line
        assert stub.Analyze(pb.AnalyzeRequest(conversation=convs[0])).analysis.versions["topic"] == new_version
        acks = list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs)))  # through both workers
        assert all(a.outcome in (pb.STORED, pb.UPDATED) for a in acks)  # ids may repeat the first test's
        quality = quality_service_pb2_grpc.QualityServiceStub(chan)
        for c in convs:
            stored = quality.GetConversation(quality_service_pb2.GetConversationRequest(conversation_id=c.conversation_id))
            assert stored.analysis.topic.model_version == new_version
        # a broken directory: refused, the model in use stays, the server keeps serving
        (directory / "model.json").write_text('{"format": 1}', encoding="utf-8")
        line = tserver.signal_and_wait(signal.SIGHUP, "topic model reloaded", "topic model reload rejected")
        assert "rejected" in line
        assert stub.Analyze(pb.AnalyzeRequest(conversation=convs[1])).analysis.versions["topic"] == new_version
