#!/usr/bin/env python3
"""Retention as a scheduled job (cron, a Kubernetes CronJob): blank the turn texts of the
conversations that happened longer ago than N days, keeping their analyses, findings, bucket
counts, signals and reviews (docs/operations.md, "Retention"). The same function the servers run
every VOC_RETENTION_CHECK_SECONDS when VOC_RETENTION_DAYS is set; running both, or two of these,
at once is safe (rows are locked while purged; a purged row is never purged twice).

    VOC_STORE=… python pipelines/purge_transcripts.py --older-than-days 180
    VOC_STORE=… python pipelines/purge_transcripts.py --older-than-days 180 --dry-run
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta

from voc_service.config import load_settings
from voc_service.store import open_store
from voc_service.store.retention import count_purgeable, purge_transcripts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--older-than-days", type=float, help="default: VOC_RETENTION_DAYS")
    ap.add_argument("--store", help="SQLAlchemy URL (VOC_STORE)")
    ap.add_argument("--batch", type=int, default=1000, help="conversations per transaction")
    ap.add_argument("--dry-run", action="store_true", help="only count what would be purged")
    args = ap.parse_args(argv)
    settings = load_settings(store=args.store)
    days = settings.retention_days if args.older_than_days is None else args.older_than_days
    if days <= 0:
        ap.error("give --older-than-days N > 0 (or set VOC_RETENTION_DAYS)")
    if args.batch < 1:
        ap.error("--batch must be >= 1")
    cutoff = datetime.now(UTC) - timedelta(days=days)
    store = open_store(settings.store, settings.sqlite_synchronous)
    try:
        t0, before = time.perf_counter(), cutoff.isoformat(timespec="seconds")
        if args.dry_run:
            print(f"would purge {count_purgeable(store.engine, cutoff)} conversation(s) that happened before {before}")
        else:
            n = purge_transcripts(store.engine, cutoff, args.batch)
            print(f"purged {n} conversation(s) that happened before {before} in {time.perf_counter() - t0:.1f}s")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
