"""Prometheus metrics and structured logging.

Metric names carry the ``voc_`` prefix and base units (seconds). Labels are bounded enums (method,
status code, stage, outcome, PII kind): never free text, ids or personal data.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

RPC_HANDLED = Counter("voc_rpc_handled", "RPCs completed, by method and gRPC status code", ["method", "code"])
RPC_SECONDS = Histogram(
    "voc_rpc_duration_seconds", "RPC handling time, by method and gRPC status code", ["method", "code"],
    buckets=_LATENCY_BUCKETS,
)
INGESTED = Counter("voc_ingest_conversations", "Conversations received for storage, by outcome", ["outcome"])
STAGE_SECONDS = Histogram(
    "voc_stage_duration_seconds",
    "Time spent in one pipeline stage for one conversation (store: per batch)",
    ["stage"],
    buckets=(0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0),
)
REDACTIONS = Counter("voc_redactions", "Personal-data spans redacted, by kind", ["kind"])
READY = Gauge("voc_ready", "1 while the server accepts requests")
SPIKE_PASS_SECONDS = Histogram("voc_spike_pass_seconds", "Time to judge one bucket for complaint spikes", buckets=_LATENCY_BUCKETS)
SPIKE_BUCKETS = Counter("voc_spike_buckets_judged", "Buckets judged for complaint spikes by this process")
TRANSCRIPTS_PURGED = Counter(
    "voc_transcripts_purged", "Conversations whose turn texts this process blanked (retention, VOC_RETENTION_DAYS)"
)
# Rule ids are validated identifiers from the configured packs (a bounded set), never free text.
FINDINGS = Counter("voc_qa_findings", "QA findings in analysed conversations, by rule and severity", ["rule", "severity"])
FLAGGED = Counter("voc_qa_flagged_conversations", "Analysed conversations that QA flagged for review")


class RulePrecisionCollector:
    """voc_qa_rule_precision{rule} and voc_qa_rule_reviews{rule,verdict}, read from the store at
    scrape time: reviews arrive through any replica, so a counter in one process would be wrong."""

    def __init__(self, counts) -> None:  # noqa: ANN001 - a zero-argument callable -> {rule: RuleCounts}
        self._counts = counts

    def collect(self):  # noqa: ANN201 - prometheus_client collector protocol
        from prometheus_client.core import GaugeMetricFamily

        precision = GaugeMetricFamily(
            "voc_qa_rule_precision", "Confirmed / reviewed findings of a QA rule (reviewer feedback)", labels=["rule"]
        )
        reviews = GaugeMetricFamily("voc_qa_rule_reviews", "Reviewed findings of a QA rule, by verdict", labels=["rule", "verdict"])
        try:
            counts = self._counts()
        except Exception:  # noqa: BLE001 - a store hiccup must not break the scrape of every other metric
            logging.getLogger(__name__).warning("rule precision unavailable for this scrape")
            return
        for rule, c in sorted(counts.items()):
            if c.reviewed:
                precision.add_metric([rule], c.confirmed / c.reviewed)
                reviews.add_metric([rule, "confirmed"], c.confirmed)
                reviews.add_metric([rule, "false_positive"], c.reviewed - c.confirmed)
        yield precision
        yield reviews


class InsightsCollector:
    """voc_signals_open{kind,severity} and voc_sku_experience_index{sku} for a BOUNDED set of SKUs
    (the worst N of the last 7 days plus a configured watch list; never one series per SKU of the
    catalogue), read from the store at scrape time (every replica reports the same), cached for
    ``ttl`` seconds so frequent scrapes do not rank the catalogue each time."""

    def __init__(self, open_counts, worst_skus, ttl: float = 60.0) -> None:  # noqa: ANN001 - callables
        self._open_counts = open_counts  # () -> [(kind, severity, count)]
        self._worst_skus = worst_skus  # () -> [(sku_id, index)]
        self._ttl = ttl
        self._cached: tuple[float, list] | None = None

    def collect(self):  # noqa: ANN201 - prometheus_client collector protocol
        import time

        from prometheus_client.core import GaugeMetricFamily

        signals = GaugeMetricFamily("voc_signals_open", "Open complaint-spike signals, by kind and severity", labels=["kind", "severity"])
        index = GaugeMetricFamily(
            "voc_sku_experience_index", "SKU experience index 0-100 (worst N and watched SKUs only)", labels=["sku"]
        )
        try:
            counts = {(k, s): n for k, s, n in self._open_counts()}
            for kind in ("sku", "topic", "sku_topic", "new_topic"):  # every series exists, 0 when none
                for sev in ("minor", "major", "critical"):
                    signals.add_metric([kind, sev], counts.get((kind, sev), 0))
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > self._ttl:
                self._cached = (now, self._worst_skus())
            for sku, value in self._cached[1]:
                index.add_metric([sku], value)
        except Exception:  # noqa: BLE001 - a store hiccup must not break the scrape of every other metric
            logging.getLogger(__name__).warning("insight metrics unavailable for this scrape")
            return
        yield signals
        yield index


def observe_stage(stage: str, seconds: float) -> None:
    STAGE_SECONDS.labels(stage).observe(seconds)


def start_metrics_server(host: str, port: int) -> int:
    """Serve /metrics on its own port; returns the bound port (0 picks a free one)."""
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server.server_port


def where(exc: BaseException) -> str:
    """file:line in function of a traceback, innermost first: enough to find a bug, and no values
    or source text, which could quote conversation data. Use instead of exc_info in logs."""
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Extra fields come from ``extra=``; callers never pass text."""

    _SKIP = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in self._SKIP})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise
