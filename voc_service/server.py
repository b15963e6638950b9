"""Builds and runs the gRPC server: pipeline + store + servicers + health + reflection + metrics.

Plain grpc.server with a thread pool, as in the gRPC Python examples. Start-up builds everything
(dictionary, spaCy, migrations) BEFORE the port opens, so a client never meets a half-ready
server; health turns SERVING only then, and NOT_SERVING as soon as shutdown begins.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from concurrent import futures
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from voc_service import telemetry
from voc_service.api.analysis import AnalysisServicer
from voc_service.api.errors import ErrorAndMetricsInterceptor
from voc_service.api.insights import InsightsServicer
from voc_service.api.pb import (
    analysis_service_pb2,
    analysis_service_pb2_grpc,
    insights_service_pb2,
    insights_service_pb2_grpc,
    quality_service_pb2,
    quality_service_pb2_grpc,
)
from voc_service.api.quality import QualityServicer
from voc_service.config import Settings, resolve_workers
from voc_service.pipeline import Pipeline
from voc_service.store import open_store
from voc_service.insights.detection import SpikeDetector
from voc_service.store.signals import SignalStore
from voc_service.store.topics import TopicRegistry
from voc_service.topics.model import ModelFiles, TopicModel
from voc_service.workers import WorkerPool, reload_stage

log = logging.getLogger(__name__)

SERVICE_NAMES = (
    analysis_service_pb2.DESCRIPTOR.services_by_name["AnalysisService"].full_name,
    quality_service_pb2.DESCRIPTOR.services_by_name["QualityService"].full_name,
    insights_service_pb2.DESCRIPTOR.services_by_name["InsightsService"].full_name,
)


class VocServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._reload_lock = threading.Lock()
        self.store = open_store(settings.store, settings.sqlite_synchronous, bucket_seconds=settings.bucket_seconds)
        self.pipeline = Pipeline.from_settings(settings, self.store, timer=telemetry.observe_stage)
        self.topic_registry = TopicRegistry(self.store.engine)
        self._load_registered_topic_model()
        self._warm_up()
        # Everything built so far (dictionary, spaCy tables, model weights: millions of objects)
        # lives as long as the process; frozen, the cyclic GC never scans it again, and forked
        # workers keep sharing its pages instead of copying them when the GC touches headers.
        gc.freeze()
        # Fork the ingest workers now: after the pipeline is built (shared copy-on-write), before
        # any gRPC object exists (a fork must never inherit a live server).
        n_workers = resolve_workers(settings.workers)
        self.pool = WorkerPool(self.pipeline, n_workers) if n_workers > 0 else None
        try:
            self._build_grpc(settings)
        except BaseException:
            self._release()
            raise
        self.metrics_port: int | None = None
        self._precision: telemetry.RulePrecisionCollector | None = None
        self._insights_metrics: telemetry.InsightsCollector | None = None
        self.detector = SpikeDetector.from_settings(SignalStore(self.store.engine), settings, self._topic_model)
        self._stopped = threading.Event()

    def _build_grpc(self, settings: Settings) -> None:
        from voc_service.api.auth import AuthInterceptor, TokenFile
        from voc_service.api.tls import server_credentials

        self.health = health.HealthServicer()
        limit = settings.max_message_bytes
        # Error-and-metrics outermost, so calls refused by auth are mapped and counted like any other.
        interceptors: list[grpc.ServerInterceptor] = [ErrorAndMetricsInterceptor()]
        if settings.auth_tokens_file is not None:
            interceptors.append(
                AuthInterceptor(
                    TokenFile(settings.auth_tokens_file), settings.auth_open_health, settings.auth_open_reflection
                )
            )
        self.grpc = grpc.server(
            futures.ThreadPoolExecutor(max_workers=settings.rpc_threads, thread_name_prefix="rpc"),
            interceptors=interceptors,
            # Beyond this many calls running or queued for a thread, gRPC answers RESOURCE_EXHAUSTED
            # itself: the executor's queue (and the requests it holds) cannot grow without bound.
            maximum_concurrent_rpcs=settings.rpc_limit(),
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 0),  # a second server on the same port must fail, not share
            ],
        )
        analysis_service_pb2_grpc.add_AnalysisServiceServicer_to_server(
            AnalysisServicer(self.pipeline, settings, self.pool), self.grpc
        )
        quality_service_pb2_grpc.add_QualityServiceServicer_to_server(
            QualityServicer(self.pipeline, self.store, settings, self.reload_rules), self.grpc
        )
        insights_service_pb2_grpc.add_InsightsServiceServicer_to_server(
            InsightsServicer(self.pipeline, self.store, settings), self.grpc
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc)
        reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), self.grpc)
        address = f"{settings.host}:{settings.port}"
        tls_hint = " or the TLS key does not match the certificate" if settings.tls_cert is not None else ""
        try:
            if settings.tls_cert is not None and settings.tls_key is not None:
                creds = server_credentials(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
                self.port = self.grpc.add_secure_port(address, creds)
            else:
                self.port = self.grpc.add_insecure_port(address)
        except RuntimeError as exc:  # grpc raises RuntimeError("Failed to bind ...")
            raise OSError(f"could not bind {settings.host}:{settings.port} (in use?{tls_hint})") from exc
        if self.port == 0:
            raise OSError(f"could not bind {settings.host}:{settings.port} (in use?{tls_hint})")

    def reload_rules(self) -> tuple[str, int]:
        """Re-read the configured rule packs; validate them here first, so a bad pack raises
        PackError before any process swaps (the rules in use stay). Returns (version, rules)."""
        from voc_service.qa.stages import qa_sources

        sources = qa_sources(self.settings)
        with self._reload_lock:
            version = reload_stage(self.pipeline, "qa", sources)
            if self.pool is not None:
                self.pool.reload_stage("qa", sources)
        stage = self.pipeline.component("qa")
        count = len(stage.engine.ruleset.rules) if stage is not None else 0  # type: ignore[attr-defined]
        log.info("rule packs reloaded", extra={"pack_version": version, "rules": count})
        return version, count

    def _topic_source(self) -> Path | ModelFiles | None:
        """``VOC_TOPIC_MODEL`` when set (a directory: offline use and tests), else the registry's
        active model, else nothing."""
        if self.settings.topic_model is not None:
            return self.settings.topic_model
        version = self.topic_registry.active_version()
        return None if version is None else self.topic_registry.files(version)

    def _load_registered_topic_model(self) -> None:
        """At start, before the workers fork (they inherit it): the registry's active model."""
        if self.settings.topic_model is None and self.pipeline.component("topic") is not None:
            try:
                source = self._topic_source()
                if source is not None:
                    reload_stage(self.pipeline, "topic", source)
            except ValueError:  # registered models were validated; serve without topics, say why
                log.exception("the active registered topic model does not load; serving without topics")

    def reload_topic_model(self) -> str:
        """Re-read the topic model (SIGHUP, or the registry poll saw another active version). A
        model that does not load raises ValueError and the model in use stays."""
        source = self._topic_source()
        if source is None:
            raise LookupError("no topic model configured (VOC_TOPIC_MODEL) and none active in the registry")
        with self._reload_lock:
            version = reload_stage(self.pipeline, "topic", source)
            if self.pool is not None:
                self.pool.reload_stage("topic", source)
        log.info("topic model reloaded", extra={"topic_model": version})
        return version

    def _watch_topic_registry(self) -> None:
        """Poll the registry's active version; a change (`voc topics activate` on any machine)
        reloads here. Errors are logged and the model in use stays."""
        stage = self.pipeline.component("topic")
        while not self._stopped.wait(self.settings.topic_poll_seconds):
            try:
                active = self.topic_registry.active_version()
                if active is not None and active != stage.version:  # type: ignore[union-attr]
                    self.reload_topic_model()
            except Exception:  # noqa: BLE001 - a failed poll must not end the poller
                log.exception("topic registry check failed; the model in use stays")

    def _topic_model(self) -> TopicModel | None:
        stage = self.pipeline.component("topic")
        return None if stage is None else stage.model  # type: ignore[attr-defined]

    def _watch_spikes(self) -> None:
        """Judge closed buckets for complaint spikes (one replica at a time: the store's lease).

        Every replica looks twice a period and the lease lasts half a period (renewed by each
        bucket judged): a holder killed at any moment has lost its lease half a period later, and
        another replica's next look comes at most half a period after that, so the work is
        taken over within one period of the kill. Looking is cheap: one lease UPDATE."""
        while not self._stopped.wait(self.settings.spike_check_seconds / 2):
            try:
                t0 = time.perf_counter()
                done = self.detector.run_due(
                    datetime.now(UTC), timedelta(seconds=self.settings.spike_grace_seconds), stopping=self._stopped.is_set
                )
                for result in done:
                    telemetry.SPIKE_BUCKETS.inc()
                    if result.opened or result.resolved:
                        log.info(
                            "spike pass",
                            extra={"bucket": result.bucket.isoformat(), "judged": result.judged,
                                   "estimated": result.estimated, "opened": result.opened, "resolved": result.resolved},
                        )
                if done:
                    telemetry.SPIKE_PASS_SECONDS.observe((time.perf_counter() - t0) / len(done))
                    self._prepare_baselines(done[-1].bucket + self.detector.width)
            except Exception:  # noqa: BLE001 - a failed pass is retried next time; the server goes on
                log.exception("spike pass failed; the buckets stay unjudged and are retried")

    def _prepare_baselines(self, bucket: datetime) -> None:
        """Renew the held baselines that would expire in the next pass now, off the path from
        that bucket's close to its signals (SpikeDetector.prepare)."""
        t0 = time.perf_counter()
        try:
            n = self.detector.prepare(bucket, stopping=self._stopped.is_set)
        except Exception:  # noqa: BLE001 - only a cache: the next pass estimates what is missing
            log.exception("spike baselines not prepared; the next pass estimates them")
            return
        if n:
            log.info("spike baselines prepared", extra={"bucket": bucket.isoformat(), "estimated": n,
                                                         "seconds": round(time.perf_counter() - t0, 3)})

    def _watch_retention(self) -> None:
        """Blank the transcripts of conversations older than VOC_RETENTION_DAYS, every
        VOC_RETENTION_CHECK_SECONDS, one replica at a time (the store's job lease, renewed before
        every batch; shutdown or a lost lease stops between batches). Logs counts, never text."""
        from voc_service.store.retention import JOB, purge_transcripts
        from voc_service.store.signals import SignalStore, lease_holder

        leases = SignalStore(self.store.engine)
        holder = lease_holder()
        period = self.settings.retention_check_seconds
        # Half a period, renewed before every batch: a replica that dies is replaced at the next
        # check of any other (within one period), as for the spike pass. Two replicas purging in
        # one period is harmless: the purge is idempotent, and the second finds nothing to do.
        ttl = timedelta(seconds=max(5.0, period / 2))

        def keep_going() -> bool:
            return not self._stopped.is_set() and leases.acquire(JOB, holder, datetime.now(UTC), ttl)[0]

        while not self._stopped.wait(period):
            try:
                if not keep_going():
                    continue  # another replica purges
                t0 = time.perf_counter()
                cutoff = datetime.now(UTC) - timedelta(days=self.settings.retention_days)
                purged = purge_transcripts(self.store.engine, cutoff, keep_going=keep_going)
                telemetry.TRANSCRIPTS_PURGED.inc(purged)
                log.info(
                    "retention purge",
                    extra={"purged": purged, "older_than": cutoff.isoformat(),
                           "seconds": round(time.perf_counter() - t0, 3)},
                )
            except Exception as exc:  # noqa: BLE001 - retried at the next check; the server goes on
                # no exc_info: a database error's message can carry the statement's parameters (texts)
                log.error("retention purge failed; retried at the next check",
                          extra={"error": type(exc).__name__, "where": telemetry.where(exc)})

    def _worst_skus(self) -> list[tuple[str, float]]:
        """The bounded SKU set exported as metrics: worst N (with some volume) + the watch list."""
        from voc_service.insights.experience import SkuExperience
        from voc_service.insights.index import IndexConfig
        from voc_service.store.insights import InsightsStore

        now = datetime.now(UTC)
        skus = SkuExperience(InsightsStore(self.store.engine), IndexConfig(self.settings.index_prior_conversations))
        ranked = skus.ranked(now - timedelta(days=7), now, None, 1, best_first=False)  # one ranking for both
        worst = [v for v in ranked if v.conversations >= 20][: self.settings.metrics_worst_skus]
        watch = set(self.settings.metrics_watch_skus)
        return sorted({v.sku_id: v.index for v in [*worst, *(v for v in ranked if v.sku_id in watch)]}.items())

    def _release(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.store.close()

    def _warm_up(self) -> None:
        """One throwaway analysis so first-request latency does not include lazy initialisation."""
        from voc_service.domain import Conversation, Role, Turn

        self.pipeline.analyze(
            Conversation("warm-up", [Turn(Role.CUSTOMER, "您好，订单号123456789012什么时候发货？电话13800000000")])
        )

    def start(self) -> None:
        if self.settings.metrics_port >= 0 and self._precision is None:
            from prometheus_client import REGISTRY

            from voc_service.store.quality import QualityStore

            self._precision = telemetry.RulePrecisionCollector(QualityStore(self.store.engine).rule_counts)
            REGISTRY.register(self._precision)
            self._insights_metrics = telemetry.InsightsCollector(self.detector.store.open_counts, self._worst_skus)
            REGISTRY.register(self._insights_metrics)
        if self.settings.metrics_port >= 0:
            self.metrics_port = telemetry.start_metrics_server(self.settings.host, self.settings.metrics_port)
        self.grpc.start()
        if (
            self.settings.topic_model is None
            and self.settings.topic_poll_seconds > 0
            and self.pipeline.component("topic") is not None
        ):
            threading.Thread(target=self._watch_topic_registry, name="topic-registry", daemon=True).start()
        if self.settings.spike_check_seconds > 0:
            threading.Thread(target=self._watch_spikes, name="spike-pass", daemon=True).start()
        if self.settings.retention_days > 0:
            threading.Thread(target=self._watch_retention, name="retention", daemon=True).start()
        for name in ("", *SERVICE_NAMES):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        telemetry.READY.set(1)
        log.info(
            "voc ready",
            extra={
                "host": self.settings.host,
                "port": self.port,
                "metrics_port": self.metrics_port,
                "workers": self.pool.size if self.pool else 0,
                "versions": self.pipeline.versions,
            },
        )

    def stop(self, grace: float | None = None) -> None:
        """Stop accepting, let in-flight RPCs finish within the grace period, close the store."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        telemetry.READY.set(0)
        self.health.enter_graceful_shutdown()
        grace = self.settings.grace_seconds if grace is None else grace
        log.info("voc stopping", extra={"grace_seconds": grace})
        self.grpc.stop(grace).wait()
        self._release()
        log.info("voc stopped")

    def wait(self) -> None:
        self.grpc.wait_for_termination()
