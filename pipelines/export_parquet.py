#!/usr/bin/env python3
"""Export findings and SKU experience indices from the store to Parquet (docs/batch.md).

    VOC_STORE=… python pipelines/export_parquet.py --findings findings.parquet
    VOC_STORE=… python pipelines/export_parquet.py --indices indices.parquet --since 2026-11-01 --until 2026-12-01 --by-day
    VOC_STORE=… python pipelines/export_parquet.py --indices … --rebuild-buckets   # recount the buckets first

The indices are computed at read time from the time buckets (voc_service/insights/experience.py),
so "recomputing" them means recounting the buckets (``--rebuild-buckets``, the same as
pipelines/rebuild_buckets.py: one transaction) and exporting. Both are reads and writes of one
store, bound by the database, not by CPU: they run in this process, not on the engine (with
``--address``/``--workers`` the per-day windows are computed on Dask workers, which only pays off
for long windows on a cluster).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta

from voc_service.batch import export
from voc_service.argtypes import iso_time
from voc_service.config import load_settings
from voc_service.store import open_store
from voc_service.store.buckets import rebuild


def _day_rows(store_url: str, since: datetime, until: datetime, prior: float) -> list[dict]:
    store = open_store(store_url, migrate=False)
    try:
        return export.index_rows(store.engine, since, until, prior)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="SQLAlchemy URL (VOC_STORE)")
    ap.add_argument("--findings", help="write every finding to this Parquet file")
    ap.add_argument("--indices", help="write the SKU experience indices to this Parquet file")
    ap.add_argument("--since", type=iso_time, help="indices window start (default: 30 days before --until)")
    ap.add_argument("--until", type=iso_time, help="indices window end (default: now)")
    ap.add_argument("--by-day", action="store_true", help="also one row per SKU and day of the window")
    ap.add_argument("--rebuild-buckets", action="store_true", help="recount the time buckets first")
    ap.add_argument("--workers", type=int, default=0, help="with --by-day: days on this many local Dask workers")
    ap.add_argument("--address", help="with --by-day: days on this Dask cluster")
    args = ap.parse_args(argv)
    if not (args.findings or args.indices):
        ap.error("give --findings and/or --indices")
    settings = load_settings(store=args.store)
    store = open_store(settings.store, settings.sqlite_synchronous)
    try:
        if args.rebuild_buckets:
            t0 = time.perf_counter()
            n = rebuild(store.engine, settings.bucket_seconds)
            print(f"rebuilt the buckets from {n} conversations in {time.perf_counter() - t0:.1f}s")
        if args.findings:
            t0 = time.perf_counter()
            n = export.export_findings(store.engine, args.findings)
            print(f"wrote {n} findings to {args.findings} in {time.perf_counter() - t0:.1f}s")
        if args.indices:
            until = args.until or datetime.now(UTC)
            since = args.since or until - timedelta(days=30)
            if since >= until:
                ap.error("--since must be before --until")
            prior = settings.index_prior_conversations
            t0 = time.perf_counter()
            rows = export.index_rows(store.engine, since, until, prior)
            if args.by_day:
                days = export.day_windows(since, until)
                if args.address or args.workers:
                    from voc_service.batch.engine import dask_engine

                    with dask_engine(args.workers or 1, args.address) as engine:
                        futures = [engine.submit(_day_rows, settings.store, a, b, prior) for a, b in days]
                        for got in engine.gather(futures):
                            rows.extend(got)
                else:
                    for a, b in days:
                        rows.extend(export.index_rows(store.engine, a, b, prior))
            n = export.write_indices(rows, args.indices)
            print(f"wrote {n} index rows to {args.indices} in {time.perf_counter() - t0:.1f}s")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
