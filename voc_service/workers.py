"""Worker processes for ingest: where the GIL binds, analysis and storage move out of the
serving process.

Each worker is a one-process executor forked from the server AFTER the pipeline is built and
BEFORE gRPC starts, so workers share the loaded dictionary and spaCy tables copy-on-write and
never inherit a live gRPC server. A conversation id always goes to the same worker (CRC32 of the
id modulo the number of workers), and each worker takes its tasks in order, so two sends of one
id are stored in the order they were sent even with several batches in flight. Each worker
commits its own transactions (SQLite serialises them with BEGIN IMMEDIATE); the serving process
only parses requests, routes them and sends acks.

If a worker dies, its share of the batch is processed in the serving process instead (logged),
so the service degrades in speed, never in correctness.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from voc_service.api.ingest import AckRecord, ingest_batch
from voc_service.api.pb import conversation_pb2
from voc_service.pipeline import Pipeline

log = logging.getLogger(__name__)

_pipeline: Pipeline | None = None  # set in the parent before forking; inherited by the workers
_timings: list[tuple[str, float]] = []


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the serving process decides when we stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the server
    assert _pipeline is not None
    if _pipeline.store is not None:
        _pipeline.store.engine.dispose(close=False)  # never share the parent's connections
    _pipeline.set_timer(lambda stage, seconds: _timings.append((stage, seconds)))


def _ping() -> bool:
    return True


def _reload_stage(name: str, source: object) -> str:
    """Runs in a worker: the same source the serving process validated, so all agree."""
    assert _pipeline is not None
    return reload_stage(_pipeline, name, source)


def reload_stage(pipeline: Pipeline, name: str, source: object) -> str:
    """Swap the data of a reloadable stage (``qa``: pack sources; ``topic``: a model directory).
    The stage builds the new data completely first: on an error it raises and keeps the old."""
    stage = pipeline.component(name)
    if stage is None:
        raise LookupError(f"the {name} stage is not configured")
    version = stage.reload(source)  # type: ignore[attr-defined]
    pipeline.refresh_versions()
    return version


def _work(raw: list[bytes | None]) -> tuple[list[AckRecord], list[tuple[str, float]]]:
    assert _pipeline is not None
    msgs = [None if r is None else conversation_pb2.Conversation.FromString(r) for r in raw]
    records = ingest_batch(_pipeline, msgs)
    timings = _timings.copy()
    _timings.clear()
    return records, timings


class WorkerPool:
    def __init__(self, pipeline: Pipeline, n: int) -> None:
        global _pipeline
        _pipeline = pipeline
        self.pipeline = pipeline
        ctx = multiprocessing.get_context("fork")
        self._shards = [ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_worker) for _ in range(n)]
        for shard in self._shards:  # fork now: before the gRPC server exists
            shard.submit(_ping).result(timeout=60)

    @property
    def size(self) -> int:
        return len(self._shards)

    def shard_of(self, conversation_id: str) -> int:
        return zlib.crc32(conversation_id.encode()) % len(self._shards)

    def submit(self, messages: Sequence[conversation_pb2.Conversation | None]) -> PendingBatch:
        """Route a batch to the workers; returns at once. Results come back in input order."""
        groups: dict[int, list[int]] = {}
        for i, msg in enumerate(messages):
            groups.setdefault(self.shard_of(msg.conversation_id if msg is not None else ""), []).append(i)
        parts = []
        for shard, idx in groups.items():
            raw = [None if messages[i] is None else messages[i].SerializeToString() for i in idx]
            try:
                future: Future | None = self._shards[shard].submit(_work, raw)
            except BrokenProcessPool:
                future = None
            parts.append((idx, future))
        return PendingBatch(self, messages, parts)

    def reload_stage(self, name: str, source: object) -> list[str]:
        """Reload a stage's data in every worker. Each worker runs tasks in order, so batches sent
        before this call use the old data and batches sent after it the new."""
        futures = []
        for shard in self._shards:
            try:
                futures.append(shard.submit(_reload_stage, name, source))
            except BrokenProcessPool:
                continue
        out = []
        for future in futures:
            try:
                out.append(future.result(timeout=60))
            except BrokenProcessPool:
                log.error("ingest worker died; its share is processed in the serving process")
        return out

    def close(self) -> None:
        for shard in self._shards:
            shard.shutdown(wait=True, cancel_futures=False)


class PendingBatch:
    def __init__(self, pool: WorkerPool, messages: Sequence[conversation_pb2.Conversation | None], parts: list) -> None:
        self._pool = pool
        self._messages = messages
        self._parts = parts

    def result(self) -> tuple[list[AckRecord], list[tuple[str, float]]]:
        records: list[AckRecord | None] = [None] * len(self._messages)
        timings: list[tuple[str, float]] = []
        for idx, future in self._parts:
            try:
                if future is None:
                    raise BrokenProcessPool("worker unavailable")
                recs, times = future.result()
                timings.extend(times)
            except BrokenProcessPool:
                log.error("ingest worker died; processing its share in the serving process")
                recs = ingest_batch(self._pool.pipeline, [self._messages[i] for i in idx])
            for i, rec in zip(idx, recs, strict=True):
                records[i] = rec
        return records, timings  # type: ignore[return-value]
