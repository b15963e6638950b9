#!/usr/bin/env python3
"""The topic refit job: fit a new topic model on the stored conversations of a recent window,
keep the ids of the active model (lineage: kept / split / merged / new / retired), register it,
and activate it unless the fit looks wrong (too many outliers, no topics). Every server on the
same store switches to it within VOC_TOPIC_POLL_SECONDS; the "new" topics become topic events.

Run it on a schedule (nightly or weekly, e.g. a Kubernetes CronJob) against the production store:

    VOC_STORE=postgresql+psycopg://… python pipelines/refit_topics.py --days 30

It is `voc topics fit --from-store --previous-active --activate` with production defaults; the
exit code is 0 when the new model is active, 1 when it was registered but not activated, 2 on
errors (the active model stays in both cases).
"""

from __future__ import annotations

import argparse
import sys

from voc_service.config import load_settings
from voc_service.topics.commands import NOT_ACTIVATED, FitRequest, print_json, run_fit
from voc_service.topics.fit import FitConfig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="SQLAlchemy URL (VOC_STORE)")
    ap.add_argument("--days", type=float, default=30.0, help="fit on the conversations of the last N days")
    ap.add_argument("--nr-topics", type=int, help="reduce to this many topics (default: as many as found)")
    ap.add_argument("--max-outlier-share", type=float, default=0.15, help="do not activate a fit with more outliers")
    ap.add_argument("--no-activate", action="store_true", help="register only (activate later with voc topics activate)")
    ap.add_argument("--name", default="topics")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fold-similarity", type=float, help="fold chance splits back (voc topics fit --help)")
    args = ap.parse_args(argv)
    if args.days <= 0:
        ap.error("--days must be positive")
    settings = load_settings(store=args.store)
    request = FitRequest(
        days=args.days, previous_active=True, register=True, activate=not args.no_activate,
        max_outlier_share=args.max_outlier_share,
    )
    try:
        config = FitConfig(
            name=args.name, nr_topics=args.nr_topics, seed=args.seed, fold_similarity=args.fold_similarity
        )
        result = run_fit(request, config, settings)
    except (ValueError, LookupError, OSError) as exc:
        print(f"refit_topics: {exc}", file=sys.stderr)
        return 2
    print_json(result)
    return 1 if result["status"] == NOT_ACTIVATED else 0


if __name__ == "__main__":
    sys.exit(main())
