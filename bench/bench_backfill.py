"""Backfill throughput and equality (pipelines/backfill.py): the same generated conversations
through the in-order path (one process, every record in file order through the server's
ingest_batch in batches of 128: backfill.run_in_order) and through the
engine with 1 and 2 local worker processes, each into a fresh store; every engine store is
compared row by row with the in-order one (voc_service.batch.compare), and the ratio of the
2-worker to the 1-worker throughput is reported (median over --runs).

With ``--engines dask,ray`` (Ray is not a dependency: ``pip install 'ray[data]'`` first) it also
measures Ray (ray.init(num_cpus=N), tasks with the same
functions): engine start-up time, peak memory of the whole process tree, throughput; this is how
the engine was chosen (docs/batch.md).

The input is generated once and cached (/tmp/voc-backfill-cache/gen-<N>.jsonl).

    .venv/bin/python bench/bench_backfill.py --conversations 200000
    .venv/bin/python bench/bench_backfill.py --conversations 3000 --engines dask,ray --partition 512
    .venv/bin/python bench/bench_backfill.py --store postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import sqlalchemy as sa
from common import record

from voc_service.batch import backfill
from voc_service.batch.compare import compare
from voc_service.batch.engine import dask_engine
from voc_service.config import Settings
from voc_service.store.repository import make_engine

CACHE = Path(os.environ.get("VOC_BACKFILL_CACHE", "/tmp/voc-backfill-cache"))


def generated(n: int) -> Path:
    """The first n conversations of a seeded generator run (5,000 a day), written once."""
    path = CACHE / f"gen-{n}.jsonl"
    if path.exists():
        return path
    from voc_service.api.convert import conversation_to_pb
    from voc_service.jsonl import to_json
    from voc_service.synth import GeneratorConfig, generate

    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as fh:
        cfg = GeneratorConfig(seed=7, days=n / 4000 + 2, conversations_per_day=5000)
        for k, item in enumerate(generate(cfg)):
            if k == n:
                break
            fh.write(to_json(conversation_to_pb(item.conversation)) + "\n")
    tmp.rename(path)
    return path


@contextlib.contextmanager
def fresh_store(base: str | None, tmp: Path) -> Iterator[str]:
    if base is None:
        yield f"sqlite:///{tmp / f'bf-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"voc_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class PeakMemory:
    """Peak RSS of this process and all its descendants, sampled every 0.5 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.5)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def ray_engine(workers: int) -> Iterator[tuple]:
    import ray

    ray.init(num_cpus=workers, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    remote: dict = {}

    def submit(fn, *args, priority=0):  # noqa: ANN001, ANN202, ARG001 - Ray has no task priorities
        if fn not in remote:
            remote[fn] = ray.remote(num_cpus=1, max_retries=3)(fn)
        return remote[fn].remote(*args)

    try:
        yield submit, ray.get
    finally:
        ray.shutdown()


def one_run(path: Path, mode: str, workers: int, base: str | None, tmp: Path, partition: int, reference: str | None):
    with fresh_store(base, tmp) as url:
        settings = Settings(store=url, sqlite_synchronous="NORMAL" if url.startswith("sqlite") else "FULL")
        spec = backfill.make_spec(str(path), settings, partition_size=partition, job=f"bench-{uuid.uuid4().hex[:8]}")
        parts = backfill.prepare(spec, partition)
        t0 = time.perf_counter()
        with PeakMemory() as mem:
            if mode == "inproc":
                startup = 0.0
                report = backfill.run(spec, parts)
                backfill.close_worker_pipelines()
            else:
                factory = dask_engine(workers) if mode == "dask" else ray_engine(workers)
                with factory as eng:
                    startup = time.perf_counter() - t0
                    submit, gather = (eng.submit, eng.gather) if mode == "dask" else eng
                    report = backfill.run(spec, parts, submit, gather)
        result = {
            "mode": mode, "workers": workers, "seconds": report.seconds, "rate": report.records / report.seconds,
            "startup_s": startup, "peak_rss_mb": mem.peak / 2**20, "stored": report.tally.stored,
            "rejected": report.tally.rejected,
        }
        if reference is not None:
            diff = compare(make_engine(reference), make_engine(url))
            result["equal"] = diff.equal
            result["diff"] = diff.summary()
        print(f"  {mode} x{workers}: {report.line()}; start-up {startup:.1f}s, peak RSS {result['peak_rss_mb']:.0f} MB"
              + (f"; vs in-order: {result['diff']}" if reference else ""), flush=True)
        return result, url


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=1, help="engine runs per worker count (median)")
    ap.add_argument("--engines", default="dask")
    ap.add_argument("--partition", type=int, default=5120, help="records per partition (a multiple of 128)")
    ap.add_argument("--store", help="PostgreSQL admin URL (a fresh database per run); default: SQLite files")
    ap.add_argument("--name", default="backfill")
    args = ap.parse_args()
    path = generated(args.conversations)
    print(f"{args.conversations} conversations from {path}; store {'PostgreSQL' if args.store else 'SQLite'}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp_name, contextlib.ExitStack() as keep:
        tmp = Path(tmp_name)
        # the reference store stays until the end (each engine store is compared with it)
        ref_ctx = fresh_store(args.store, tmp)
        ref_url = keep.enter_context(ref_ctx)
        settings = Settings(store=ref_url, sqlite_synchronous="NORMAL" if ref_url.startswith("sqlite") else "FULL")
        spec = backfill.make_spec(str(path), settings, partition_size=args.partition, job="reference")
        parts = backfill.prepare(spec, args.partition)
        with PeakMemory() as mem:
            ref = backfill.run_in_order(spec, parts)
        backfill.close_worker_pipelines()
        print(f"  in-order: {ref.line()}; peak RSS {mem.peak / 2**20:.0f} MB", flush=True)
        results.append({"mode": "inorder", "workers": 1, "seconds": ref.seconds, "rate": ref.records / ref.seconds,
                        "peak_rss_mb": mem.peak / 2**20})
        for engine in args.engines.split(","):
            for _ in range(args.runs):
                for workers in (1, 2):
                    got, _ = one_run(path, engine, workers, args.store, tmp, args.partition, ref_url)
                    results.append(got)
    summary = {}
    for engine in args.engines.split(","):
        rate = {w: statistics.median(r["rate"] for r in results if r["mode"] == engine and r["workers"] == w) for w in (1, 2)}
        summary[engine] = {"rate_1": rate[1], "rate_2": rate[2], "ratio_2_over_1": rate[2] / rate[1],
                           "all_equal": all(r.get("equal") for r in results if r["mode"] == engine)}
        print(f"{engine}: 1 worker {rate[1]:,.0f}/s, 2 workers {rate[2]:,.0f}/s: ratio {rate[2] / rate[1]:.2f}; "
              f"stored analyses equal to the in-order path: {summary[engine]['all_equal']}")
    print(f"in-order path: {results[0]['rate']:,.0f}/s")
    out = record(args.name, {"conversations": args.conversations, "store": "postgresql" if args.store else "sqlite",
                             "partition": args.partition, "runs": results, "summary": summary,
                             "load_average": os.getloadavg()})
    print(f"wrote {out}")
    return 0 if all(s["all_equal"] for s in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
