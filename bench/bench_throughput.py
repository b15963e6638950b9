"""Throughput, side by side in one run on the same generated conversations:

1. raw ``jieba.lcut`` over every turn text (the reference a team would start from),
2. the in-process pipeline (``Pipeline.analyze``, all default stages),
3. ``Ingest`` over gRPC on loopback into SQLite (a `voc serve` process, real client).

Targets (issue 2): pipeline >= 70% of raw jieba; gRPC ingest >= 60% of the pipeline.
Each measurement is repeated (--runs) and the median reported; the machine is shared and noisy.

    .venv/bin/python bench/bench_throughput.py --conversations 20000 --runs 3
"""

from __future__ import annotations

import argparse
from collections import deque
import statistics
import gc
import tempfile
from pathlib import Path

from common import median_of, record, timed

from voc_service.api.convert import conversation_to_pb
from voc_service.client import channel, ingest
from voc_service.config import Settings
from voc_service.launcher import ServerProcess, sqlite_url
from voc_service.pipeline import Pipeline
from voc_service.synth import GeneratorConfig, generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    convs = [
        g.conversation
        for g in generate(
            GeneratorConfig(
                seed=11, days=max(1.0, args.conversations / 20000), conversations_per_day=min(args.conversations, 20000)
            )
        )
    ][: args.conversations]
    n = len(convs)
    # The corpus stays alive for the whole run; frozen, the cyclic GC does not rescan it on every
    # full pass (the server freezes its start-up heap the same way and never holds a corpus).
    gc.freeze()
    texts = [t.text for c in convs for t in c.turns]
    chars = sum(map(len, texts))
    print(f"{n} conversations, {len(texts)} turns, {chars} chars ({chars / n:.0f} chars/conversation)")

    import jieba

    jieba.initialize()
    lcut = jieba.lcut
    pipeline = Pipeline.from_settings(Settings())
    analyze = pipeline.analyze
    # Interleaved (jieba, pipeline) pairs: the machine is shared and its speed drifts, so each
    # pair is a side-by-side ratio, and the ratio reported is the median of the pairs' ratios.
    jieba_runs, pipe_runs = [], []
    # Results are dropped as they come (as the service drops them after the commit): a list of
    # 20,000 analyses held to the end makes every full GC pass rescan it and charges the path that
    # allocates more for a cost the service does not have.
    for _ in range(args.runs):
        jieba_runs.append(timed(lambda: deque(map(lcut, texts), maxlen=0)))
        pipe_runs.append(timed(lambda: deque(map(analyze, convs), maxlen=0)))
    jieba_s, pipe_s = statistics.median(jieba_runs), statistics.median(pipe_runs)
    pair_ratios = [j / p for j, p in zip(jieba_runs, pipe_runs, strict=True)]

    msgs = [conversation_to_pb(c) for c in convs]

    def grpc_run() -> float:
        with (
            tempfile.TemporaryDirectory() as tmp,
            ServerProcess(sqlite_url(Path(tmp) / "b.db"), metrics_port=-1) as server,
        ):
            with channel(server.target) as chan:
                summary, _ = ingest(chan, msgs)
            assert summary.outcomes.get("STORED") == n, summary.outcomes
            return summary.seconds

    grpc_s, grpc_runs = median_of(args.runs, grpc_run)

    rows = {
        "jieba.lcut": jieba_s,
        "pipeline (in-process)": pipe_s,
        "gRPC Ingest -> SQLite": grpc_s,
    }
    print(f"\n{'path':<24} {'conv/s':>9} {'chars/s':>11}   median of {args.runs}")
    for name, secs in rows.items():
        print(f"{name:<24} {n / secs:>9.0f} {chars / secs:>11.0f}")
    r1 = statistics.median(pair_ratios)
    r2 = pipe_s / grpc_s
    print(f"\npipeline / jieba = {r1:.2f} (median of the pairs {', '.join(f'{r:.2f}' for r in pair_ratios)}; "
          f"target >= 0.70); gRPC ingest / pipeline = {r2:.2f} (target >= 0.60)")
    record(
        "throughput",
        {
            "conversations": n,
            "chars": chars,
            "seconds": {"jieba": jieba_runs, "pipeline": pipe_runs, "grpc_ingest": grpc_runs},
            "conv_per_s": {k: n / v for k, v in rows.items()},
            "ratios": {"pipeline_over_jieba": r1, "grpc_over_pipeline": r2, "pipeline_over_jieba_pairs": pair_ratios},
        },
    )


if __name__ == "__main__":
    main()
