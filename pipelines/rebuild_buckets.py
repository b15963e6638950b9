#!/usr/bin/env python3
"""Recount the insight time buckets from the stored analyses: after changing VOC_BUCKET_SECONDS,
or to count conversations stored before the buckets existed. One transaction (ingest waits
while it runs; readers see the old counts until it commits).

    VOC_STORE=… VOC_BUCKET_SECONDS=86400 python pipelines/rebuild_buckets.py
"""

from __future__ import annotations

import argparse
import sys
import time

from voc_service.config import load_settings
from voc_service.store import open_store
from voc_service.store.buckets import rebuild


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="SQLAlchemy URL (VOC_STORE)")
    args = ap.parse_args(argv)
    settings = load_settings(store=args.store)
    store = open_store(settings.store, settings.sqlite_synchronous)
    t0 = time.perf_counter()
    counted = rebuild(store.engine, settings.bucket_seconds)
    print(f"rebuilt the buckets ({settings.bucket_seconds} s) from {counted} conversations in {time.perf_counter() - t0:.1f}s")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
