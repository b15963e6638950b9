"""The one settings object. Every knob is an env var prefixed ``VOC_``; CLI flags override env."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STORE = "sqlite:///voc.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOC_", extra="forbid")

    # server
    host: str = "127.0.0.1"
    port: int = Field(50051, ge=0, le=65535)
    metrics_port: int = Field(9464, ge=-1, le=65535, description="0 = any free port, -1 = no metrics endpoint")
    grace_seconds: float = Field(10.0, ge=0, description="time in-flight RPCs get on SIGTERM")
    rpc_threads: int = Field(16, ge=1, description="gRPC handler threads (each open Ingest stream holds one)")
    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|text)$")

    # security and limits (docs/operations.md)
    auth_tokens_file: Path | None = Field(
        None, description="bearer tokens (YAML/JSON: name, sha256, roles, expires_at, revoked); unset = no auth"
    )
    auth_open_health: bool = Field(True, description="grpc.health.v1 answers without a token (load balancers, probes)")
    auth_open_reflection: bool = Field(False, description="server reflection answers without a token")
    tls_cert: Path | None = Field(None, description="server certificate chain (PEM); with tls_key: TLS only")
    tls_key: Path | None = Field(None, description="private key of tls_cert (PEM)", validate_default=True)
    tls_client_ca: Path | None = Field(
        None, description="CA (PEM) client certificates must chain to: mutual TLS required", validate_default=True
    )
    max_concurrent_rpcs: int = Field(
        0, ge=0, description="RPCs in progress or queued for a thread; beyond: RESOURCE_EXHAUSTED (0 = 2 x rpc_threads)"
    )
    max_ingest_streams: int = Field(
        0, ge=0, description="open Ingest streams; one more: RESOURCE_EXHAUSTED (0 = half of rpc_threads, at least 1)"
    )
    max_watch_streams: int = Field(
        0, ge=0, description="open WatchSignals streams; one more: RESOURCE_EXHAUSTED (0 = a quarter of rpc_threads, at least 1)"
    )
    ingest_rate_per_token: float = Field(
        0.0, ge=0, description="conversations/s one token (or, without auth, one client host) may send; 0 = unlimited"
    )
    ingest_burst: int = Field(0, ge=0, description="conversations a token may send at once (0 = one second's worth)")
    client_token: SecretStr | None = Field(None, description="bearer token `voc ingest` sends")
    client_tls_ca: Path | None = Field(None, description="CA (PEM) `voc ingest` trusts: TLS to the server")
    client_tls_cert: Path | None = Field(None, description="client certificate (PEM) `voc ingest` presents (mTLS)")
    client_tls_key: Path | None = Field(None, description="private key of client_tls_cert (PEM)", validate_default=True)

    # store
    store: str = Field(DEFAULT_STORE, description="SQLAlchemy URL")
    sqlite_synchronous: str = Field(
        "FULL", pattern="^(OFF|NORMAL|FULL|EXTRA)$", description="FULL: an ack survives power loss"
    )

    bucket_seconds: int = Field(
        3600, ge=60, le=7 * 86400, description="width of the insight time buckets (aligned to Beijing time)"
    )

    index_prior_conversations: float = Field(
        20.0, ge=0, description="SKU experience index: pseudo-conversations of the category's values every SKU is shrunk toward"
    )

    spike_check_seconds: float = Field(
        60.0, ge=0, description="period of the spike pass: with replicas, a dead one's pass is taken over within it (servers look twice a period; 0 = never)"
    )
    spike_grace_seconds: float = Field(120.0, ge=0, description="a bucket is judged this long after it closes (late conversations)")
    spike_open_score: float = Field(5.0, gt=0, description="-log10 tail probability that opens a signal")
    spike_pair_open_score: float | None = Field(
        None, gt=0, description="opening score of SKU x topic pairs (unset: VOC_SPIKE_OPEN_SCORE)"
    )
    spike_min_complaints: int = Field(5, ge=1, description="complaints in a bucket a subject needs to open a signal")
    spike_history_days: float = Field(28.0, gt=0, description="history a spike decision reads")
    spike_cooldown_buckets: int = Field(6, ge=0, description="buckets after a signal resolves before its subject can open again")
    spike_baseline_refresh_buckets: int = Field(
        24, ge=1, le=24 * 28, description="a candidate's baseline (its normal share, read from its history) is re-estimated after at most this many buckets; 1 = every pass"
    )
    spike_windows: list[int] = Field(
        default_factory=lambda: [1, 2, 4], description="bucket spans whose complaint sums are judged too (JSON list; [1] = each bucket alone)"
    )

    metrics_worst_skus: int = Field(10, ge=0, le=200, description="SKUs with the worst index exported as metrics")
    metrics_watch_skus: list[str] = Field(default_factory=list, description="SKUs whose index is always exported")

    # input limits (bad input gets INVALID_ARGUMENT / RESOURCE_EXHAUSTED, never a crash)
    max_message_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_turns: int = Field(500, ge=1)
    max_turn_chars: int = Field(5000, ge=1)
    max_id_chars: int = Field(128, ge=1)
    max_attributes: int = Field(64, ge=0)

    # ingest
    workers: int = Field(
        -1, ge=-1, description="ingest worker processes: -1 = one per CPU (1 to 8), 0 = analyse in the serving process"
    )
    ingest_batch_max: int = Field(128, ge=1, description="conversations committed in one transaction")
    ingest_queue: int = Field(512, ge=1, description="requests read ahead per stream (backpressure)")

    # pipeline
    stages: list[str] = Field(
        default_factory=lambda: [
            "validate", "normalize", "redact", "segment", "entities", "emotion", "sentiment",
            "conversation_sentiment", "qa", "promises", "topic",
        ]
    )
    segmenter: str = Field("rjieba", description="segmenter backend: rjieba (fast) or jieba (reference)")
    user_dict: list[Path] = Field(default_factory=list, description="extra jieba-format dictionaries")
    emotion_lexicons: list[Path] = Field(default_factory=list, description="extra emotion cue files (JSON)")
    sentiment_model: str = Field(
        "default", description='"default" (shipped in the package) or a directory written by `voc sentiment train`'
    )
    conversation_cues: Path | None = Field(
        None, description="replacement for the shipped conversation cue file (thanks, unresolved, agent tone)"
    )

    # quality inspection
    qa_packs: list[Path] = Field(default_factory=list, description="extra rule pack files or directories (YAML)")
    qa_default_pack: bool = Field(True, description="load the pack shipped in the package")
    qa_flag_below: float = Field(80.0, ge=0, le=100, description="a QA score under this flags the conversation")

    # topics
    topic_model: Path | None = Field(
        None, description="a directory written by `voc topics fit`; unset = the store's active registered model, if any"
    )
    topic_poll_seconds: float = Field(
        30.0, ge=0, description="how often a server checks the registry's active topic model (0 = only at start and SIGHUP)"
    )

    # retention (docs/operations.md)
    retention_days: float = Field(
        0.0, ge=0, description="turn texts of conversations that happened longer ago than this are blanked (0 = kept forever)"
    )
    retention_check_seconds: float = Field(
        3600.0, gt=0, description="how often a server runs the retention purge (one replica at a time: a lease in the store)"
    )

    @field_validator("tls_key", "client_tls_key")
    @classmethod
    def _key_with_cert(cls, key: Path | None, info: ValidationInfo) -> Path | None:
        """A certificate without its key (or the reverse) is a mistake to stop on, not to guess around."""
        cert = info.data.get("tls_cert" if info.field_name == "tls_key" else "client_tls_cert")
        if (cert is None) != (key is None):
            prefix = "VOC_" if info.field_name == "tls_key" else "VOC_CLIENT_"
            raise ValueError(f"{prefix}TLS_CERT and {prefix}TLS_KEY must be set together")
        return key

    @field_validator("spike_windows")
    @classmethod
    def _windows_in_history(cls, windows: list[int]) -> list[int]:
        """A window is a few buckets of an incident's rise: more than a week of buckets is a typo."""
        if not windows or any(w < 1 or w > 168 for w in windows):
            raise ValueError("VOC_SPIKE_WINDOWS: a non-empty list of bucket counts between 1 and 168, e.g. [1, 3, 6]")
        return sorted(set(windows))

    @field_validator("tls_client_ca")
    @classmethod
    def _client_ca_needs_tls(cls, ca: Path | None, info: ValidationInfo) -> Path | None:
        if ca is not None and info.data.get("tls_cert") is None:
            raise ValueError("mutual TLS (VOC_TLS_CLIENT_CA) needs VOC_TLS_CERT and VOC_TLS_KEY")
        return ca

    def rpc_limit(self) -> int:
        """Running plus queued RPCs: a queue as long as the thread pool absorbs a burst, and a
        call beyond it is refused at once instead of waiting (and holding its request) unboundedly."""
        return self.max_concurrent_rpcs or 2 * self.rpc_threads

    def watch_stream_limit(self) -> int:
        """A WatchSignals stream also holds a handler thread while its caller listens (hours):
        a quarter of the threads at most, so ingest and reads always find one."""
        return self.max_watch_streams or max(1, self.rpc_threads // 4)

    def ingest_stream_limit(self) -> int:
        """Each open Ingest stream holds a handler thread for its whole life: half the threads at
        most, so reads and reviews always find one."""
        return self.max_ingest_streams or max(1, self.rpc_threads // 2)


def resolve_workers(workers: int) -> int:
    import os

    return min(8, max(1, os.cpu_count() or 1)) if workers < 0 else workers


def load_settings(**overrides: object) -> Settings:
    """Env first, then explicit overrides (CLI flags); ``None`` means "flag not given"."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
