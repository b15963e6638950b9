"""Backfill: conversations from a file through the server's pipeline into the store, in parallel
partitions, resumable, with the same stored result as one process reading the file in order.

**Same pipeline, same path.** Every worker process builds ``Pipeline.from_settings(settings,
open_store(url))`` once (cached per process, not per partition) and stores through
``voc_service.api.ingest.ingest_batch`` — the function behind the server's ``Ingest`` — in batches
of ``settings.ingest_batch_max`` (the server's batch size): record ``n`` of the file belongs to
batch ``n // batch`` as it would if the file were streamed to one server in order.

**Why the result does not depend on the order.** Almost every conversation's analysis depends only
on itself; the store's buckets are sums (any order gives the same counts). The exception is
promise tracking: a conversation where the customer says a promise was not kept (说好的退款呢)
looks up OPEN promises in the store, so its finding depends on which promise-making conversations
were stored before it, and it marks the promise BROKEN for the ones after it. Each partition is
therefore split (with the pipeline's own normalise / redact stages and promise finder, so the test
is the stage's own) into

* *independent* conversations (no commitment by an agent, no "not kept" cue): stored at once, all
  partitions in parallel;
* *ordered* ones (an agent commitment with a deadline, or a customer "not kept" cue): stored by a
  chain of tasks, partition after partition, each batch on its own as in the in-order path (a
  promise made in the same batch is not visible yet, as on the server).

Independent conversations neither make nor break promises, so the ordered chain sees exactly the
promises the in-order path sees, in the same states. 22 % of generated conversations are
ordered; the chain runs alongside the parallel part.

**Resumable.** Each part of each partition is recorded in the store's ``jobs`` table when done
(voc_service.batch.ledger); a re-run skips finished parts. A part interrupted midway is redone,
and the conversations its earlier attempt already committed (stored since that part first started;
a batch is one transaction, so all of a batch or none of it) are skipped: no duplicate rows (ids
are upserted anyway), no revision bumped, no promise judged twice, no gaps.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from voc_service.api.ingest import AckRecord, ingest_batch
from voc_service.api.convert import conversation_from_pb
from voc_service.api.pb import conversation_pb2
from voc_service.batch import ledger, sources
from voc_service.batch.sources import Message, Partition
from voc_service.config import Settings
from voc_service.domain import Outcome, Role, VocError
from voc_service.pipeline import Pipeline, Work
from voc_service.qa.promises import turn_times
from voc_service.store import open_store

INDEPENDENT, ORDERED = "i", "o"
JOB_NAME = re.compile(r"^[A-Za-z0-9.-]{1,48}$")
# secrets and client-side settings never travel to the workers
_NOT_SENT = {"client_token", "client_tls_ca", "client_tls_cert", "client_tls_key", "auth_tokens_file"}


@dataclass(frozen=True)
class Spec:
    """Everything a worker needs, picklable: the input, the store, the settings."""

    path: str
    fmt: str
    store: str
    settings: dict = field(default_factory=dict)  # Settings fields that differ from the defaults
    job: str = ""
    batch: int = 128

    def build_settings(self) -> Settings:
        return Settings(**{**self.settings, "store": self.store})


def make_spec(path: str, settings: Settings, fmt: str | None = None, job: str | None = None,
              partition_size: int = 5120) -> Spec:
    fmt = fmt or sources.detect_format(path)
    if fmt not in sources.FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {sources.FORMATS}")
    batch = settings.ingest_batch_max
    if partition_size % batch:
        raise ValueError(f"the partition size ({partition_size}) must be a multiple of the batch ({batch})")
    if job is None:
        seed = f"{sources.fingerprint(path)}:{fmt}:{partition_size}:{batch}"
        job = hashlib.sha256(seed.encode()).hexdigest()[:16]
    if not JOB_NAME.match(job):
        raise ValueError("a job name is 1-48 letters, digits, '.' or '-'")
    sent = settings.model_dump(mode="json", exclude_defaults=True, exclude=_NOT_SENT | {"store"})
    return Spec(os.path.abspath(path), fmt, settings.store, sent, job, batch)


# --- per worker process ------------------------------------------------------------------------

_pipelines: dict[tuple, Pipeline] = {}


def worker_pipeline(spec: Spec) -> Pipeline:
    """The pipeline of this process for this store and settings, built on first use."""
    key = (spec.store, tuple(sorted((k, repr(v)) for k, v in spec.settings.items())))
    pipeline = _pipelines.get(key)
    if pipeline is None:
        settings = spec.build_settings()
        pipeline = Pipeline.from_settings(settings, open_store(spec.store, settings.sqlite_synchronous, migrate=False))
        _pipelines[key] = pipeline
    return pipeline


def close_worker_pipelines() -> None:
    while _pipelines:
        _, pipeline = _pipelines.popitem()
        if pipeline.store is not None:
            pipeline.store.close()


# --- splitting ---------------------------------------------------------------------------------

_TEXT_STAGES = ("validate", "normalize", "redact")  # what runs before the promise finder reads text


def is_ordered(pipeline: Pipeline, msg: Message) -> bool:
    """Does this conversation make or check a promise? Decided on the text the promises stage
    reads (validated, normalised, redacted by the pipeline's own stages) with its own finder; a
    conversation the pipeline rejects is independent (it stores nothing)."""
    stage = pipeline.component("promises")
    if stage is None or msg is None:
        return False
    try:
        conv = conversation_from_pb(msg)
        work = Work.start(conv)
        for component in pipeline.components:
            if component.name in _TEXT_STAGES:
                component(work)
    except VocError:
        return False
    finder = stage.finder  # type: ignore[attr-defined]
    times = turn_times([t.sent_at for t in conv.turns], conv.started_at)
    checks = bool(conv.customer_id or conv.order_id)
    for turn, at in zip(work.analysis.turns, times, strict=True):
        if at is None:
            continue
        if turn.role is Role.AGENT and finder.commitments(turn.text, at):
            return True
        if checks and turn.role is Role.CUSTOMER and finder.broken_cue(turn.text) is not None:
            return True
    return False


Batches = list[tuple[int, list[bytes | None]]]  # (batch number in the file, serialised messages)


def split(spec: Spec, part: Partition, pipeline: Pipeline) -> tuple[Batches, Batches]:
    """The partition's records by file batch, as (independent, ordered)."""
    msgs = sources.read(spec.path, spec.fmt, part)
    independent: dict[int, list[bytes | None]] = {}
    ordered: dict[int, list[bytes | None]] = {}
    for k, msg in enumerate(msgs):
        b = (part.first + k) // spec.batch
        raw = None if msg is None else msg.SerializeToString()
        (ordered if is_ordered(pipeline, msg) else independent).setdefault(b, []).append(raw)
    return sorted(independent.items()), sorted(ordered.items())


# --- the tasks ---------------------------------------------------------------------------------


@dataclass
class Tally:
    stored: int = 0
    updated: int = 0
    rejected: int = 0
    skipped: int = 0  # committed by an interrupted earlier attempt
    parts: int = 0  # parts run (not skipped as finished)

    def add(self, other: Tally) -> Tally:
        for f in ("stored", "updated", "rejected", "skipped", "parts"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        return self

    def count(self, records: Iterable[AckRecord]) -> None:
        for r in records:
            if r.outcome is Outcome.STORED:
                self.stored += 1
            elif r.outcome is Outcome.UPDATED:
                self.updated += 1
            else:
                if r.code == "UNAVAILABLE":  # the store failed: the part is NOT done, fail the task
                    raise RuntimeError(f"store unavailable: {r.message}")
                self.rejected += 1


def _store_part(spec: Spec, partition: int, part: str, batches: Batches, pipeline: Pipeline) -> Tally:
    tally = Tally()
    engine = pipeline.store.engine  # type: ignore[union-attr]
    done, first_started = ledger.start(engine, spec.job, partition, part)
    if done:
        return tally
    tally.parts = 1
    for _, raw in batches:
        msgs = [None if r is None else conversation_pb2.Conversation.FromString(r) for r in raw]
        if first_started is not None:  # a restart: leave what the interrupted attempt committed
            ids = [m.conversation_id for m in msgs if m is not None]
            already = ledger.stored_since(engine, ids, first_started)
            if already:
                tally.skipped += sum(1 for m in msgs if m is not None and m.conversation_id in already)
                msgs = [m for m in msgs if m is None or m.conversation_id not in already]
        if msgs:
            tally.count(ingest_batch(pipeline, msgs))
    ledger.finish(engine, spec.job, partition, part)
    return tally


def run_independent(spec: Spec, part: Partition, skip: bool) -> tuple[Tally, Batches]:
    """Store the partition's independent conversations (unless ``skip``: already done); return
    its ordered ones for the chain."""
    pipeline = worker_pipeline(spec)
    independent, ordered = split(spec, part, pipeline)
    tally = Tally() if skip else _store_part(spec, part.index, INDEPENDENT, independent, pipeline)
    return tally, ordered


def run_ordered(spec: Spec, part: Partition, split_result: tuple[Tally, Batches], _previous: object) -> Tally:
    """Store the partition's ordered conversations; runs after the previous partition's ordered
    part (``_previous``, its result, is only there to make the engine wait for it)."""
    return _store_part(spec, part.index, ORDERED, split_result[1], worker_pipeline(spec))


# --- drivers -----------------------------------------------------------------------------------


@dataclass
class Report:
    job: str
    partitions: int
    records: int
    seconds: float
    tally: Tally

    def line(self) -> str:
        t = self.tally
        rate = self.records / self.seconds if self.seconds else 0.0
        return (
            f"backfill {self.job}: {self.records} records in {self.partitions} partitions, {self.seconds:.1f}s "
            f"({rate:,.0f}/s): {t.stored} stored, {t.updated} updated, {t.rejected} rejected, "
            f"{t.skipped} already stored by an interrupted run; {t.parts} part(s) run"
        )


def prepare(spec: Spec, partition_size: int) -> list[Partition]:
    """Migrate the store once (workers then open it without migrating) and cut the input."""
    settings = spec.build_settings()
    open_store(spec.store, settings.sqlite_synchronous).close()
    return sources.plan(spec.path, spec.fmt, partition_size)


def run_in_order(spec: Spec, partitions: Sequence[Partition]) -> Report:
    """The plain in-process path, the reference the tests and the bench compare with: every record
    in file order, batches of ``spec.batch`` through ingest_batch, as one server given the file as
    one stream; no split, no progress rows (not resumable)."""
    t0 = time.perf_counter()
    pipeline, total = worker_pipeline(spec), Tally()
    pending: list[Message] = []
    for part in partitions:
        pending.extend(sources.read(spec.path, spec.fmt, part))
        while len(pending) >= spec.batch:
            total.count(ingest_batch(pipeline, pending[: spec.batch]))
            del pending[: spec.batch]
    if pending:
        total.count(ingest_batch(pipeline, pending))
    return Report(spec.job, len(partitions), sum(p.count for p in partitions), time.perf_counter() - t0, total)


def run(spec: Spec, partitions: Sequence[Partition], submit: Callable | None = None,
        gather: Callable | None = None, on_part: Callable[[int, str], None] | None = None) -> Report:
    """Run the backfill. With ``submit`` / ``gather`` (an engine: submit(fn, *args, priority=)
    returns a future, and futures passed as arguments are waited for) the partitions run in
    parallel; without, everything runs here, in file order (the reference path)."""
    t0 = time.perf_counter()
    open_ = open_store(spec.store, spec.build_settings().sqlite_synchronous, migrate=False)
    try:
        finished = ledger.finished(open_.engine, spec.job)
    finally:
        open_.close()
    todo = [p for p in partitions if not {(p.index, INDEPENDENT), (p.index, ORDERED)} <= finished]
    total = Tally()
    if submit is None:
        for p in todo:
            result = run_independent(spec, p, (p.index, INDEPENDENT) in finished)
            total.add(result[0])
            if (p.index, ORDERED) not in finished:
                total.add(run_ordered(spec, p, result, None))
            if on_part is not None:
                on_part(p.index, "both")
    else:
        assert gather is not None
        futures, previous = [], None
        for p in todo:
            first = submit(run_independent, spec, p, (p.index, INDEPENDENT) in finished, priority=0)
            futures.append(first)
            if (p.index, ORDERED) not in finished:
                previous = submit(run_ordered, spec, p, first, previous, priority=10)
                futures.append(previous)
        for got in gather(futures):
            total.add(got[0] if isinstance(got, tuple) else got)
    return Report(spec.job, len(partitions), sum(p.count for p in partitions), time.perf_counter() - t0, total)
