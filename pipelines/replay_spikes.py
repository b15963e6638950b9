#!/usr/bin/env python3
"""Judge past buckets for complaint spikes: after a backfill of conversations with old timestamps
(the live pass judges buckets as they close, so it judged those buckets before their data came),
or to re-judge a period with new settings (delete its signals first). The same pass as the
server's, bucket by bucket in time order, causal; signals and their events are written to the
store like the live ones (WatchSignals streams them).

    VOC_STORE=… python pipelines/replay_spikes.py --since 2026-11-01T00:00+08:00 --until 2026-11-04T00:00+08:00
"""

from __future__ import annotations

import argparse
import sys
import time

from voc_service.argtypes import iso_time
from voc_service.config import load_settings
from voc_service.insights.detection import SpikeDetector
from voc_service.store import open_store
from voc_service.store.signals import SignalStore
from voc_service.store.topics import TopicRegistry
from voc_service.topics.model import TopicModel


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--since", type=iso_time, required=True, help="ISO time (UTC when no offset is given)")
    ap.add_argument("--until", type=iso_time, required=True)
    ap.add_argument("--store", help="SQLAlchemy URL (VOC_STORE)")
    args = ap.parse_args(argv)
    if args.since >= args.until:
        ap.error("--since must be before --until")
    settings = load_settings(store=args.store)
    store = open_store(settings.store, settings.sqlite_synchronous)
    registry = TopicRegistry(store.engine)
    active = registry.active_version()
    model = TopicModel.from_files(registry.files(active), f"registered model {active}") if active else None
    detector = SpikeDetector.from_settings(SignalStore(store.engine), settings, lambda: model)
    t0 = time.perf_counter()
    results = detector.replay(args.since, args.until)
    opened = sum(len(r.opened) for r in results)
    resolved = sum(len(r.resolved) for r in results)
    print(f"judged {len(results)} buckets in {time.perf_counter() - t0:.1f}s: {opened} signal(s) opened, {resolved} resolved")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
