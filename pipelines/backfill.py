#!/usr/bin/env python3
"""Backfill: conversations from a JSONL / CSV / Parquet file through the server's pipeline into the
store, in parallel on Dask, resumable (docs/batch.md).

Every worker builds the server's Pipeline once and stores through the server's ingest step, in
the server's batch size, so the stored analyses are the ones a server would store if the file were
streamed to it in order (conversations that make or check promises go through an ordered chain).
Finished partitions are recorded in the store; after a crash, run the same command again: finished
partitions are skipped, an interrupted one is finished without duplicating anything.

    VOC_STORE=postgresql+psycopg://… python pipelines/backfill.py day.jsonl --workers 2   # local mode
    python pipelines/backfill.py export.parquet --store … --address tcp://scheduler:8786    # a cluster
    python pipelines/backfill.py day.jsonl --store … --workers 0                           # in this process, in order

Exit code 0 when every partition is done (rejected records are counted and reported, as the
server acks them REJECTED), 2 on errors (run again to resume).
"""

from __future__ import annotations

import argparse
import os
import sys

from voc_service.batch import backfill, ledger
from voc_service.batch.sources import FORMATS
from voc_service.config import load_settings
from voc_service.store import open_store


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="JSONL (proto3 JSON of voc.v1.Conversation), CSV or Parquet (docs/batch.md)")
    ap.add_argument("--format", choices=FORMATS, help="default: from the file name")
    ap.add_argument("--store", help="SQLAlchemy URL (VOC_STORE); workers on a cluster must reach it too")
    ap.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8),
                    help="local worker processes (default: one per CPU); 0 = in this process, in file order")
    ap.add_argument("--address", help="a Dask scheduler (tcp://scheduler:8786) instead of local workers")
    ap.add_argument("--partition-size", type=int, default=5120,
                    help="records per partition, the unit of parallelism and of resumption (a multiple of the batch)")
    ap.add_argument("--batch", type=int, help="records per transaction (default VOC_INGEST_BATCH_MAX, 128)")
    ap.add_argument("--job", help="name of this backfill in the store (default: from the input's content)")
    ap.add_argument("--restart", action="store_true", help="forget this job's finished partitions first")
    args = ap.parse_args(argv)
    if not os.path.isfile(args.input):
        ap.error(f"no such file: {args.input}")
    settings = load_settings(store=args.store, ingest_batch_max=args.batch)
    try:
        spec = backfill.make_spec(args.input, settings, args.format, args.job, args.partition_size)
        if args.restart:
            store = open_store(spec.store, settings.sqlite_synchronous)
            ledger.forget(store.engine, spec.job)
            store.close()
        partitions = backfill.prepare(spec, args.partition_size)
        print(f"backfill {spec.job}: {sum(p.count for p in partitions)} records, {len(partitions)} partitions",
              file=sys.stderr, flush=True)
        if args.address is None and args.workers == 0:
            report = backfill.run(spec, partitions)
            backfill.close_worker_pipelines()
        else:
            from voc_service.batch.engine import dask_engine

            with dask_engine(args.workers, args.address) as engine:
                report = backfill.run(spec, partitions, engine.submit, engine.gather)
    except Exception as exc:  # noqa: BLE001 - whatever stopped it (a worker's error, the store): say it, exit 2
        print(f"backfill: {type(exc).__name__}: {exc} (run the same command again to resume)", file=sys.stderr)
        return 2
    print(report.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
