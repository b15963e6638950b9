"""Unary Analyze latency at light load: one client, one request at a time, a 10-turn conversation.
Target (issue 2): p99 <= 20 ms.

    .venv/bin/python bench/bench_latency.py --requests 2000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import record

from voc_service.api.convert import conversation_to_pb
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc as pb_grpc
from voc_service.client import channel
from voc_service.launcher import ServerProcess, sqlite_url
from voc_service.synth import GeneratorConfig, generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--persist", action="store_true", help="also store each conversation (one commit per request)")
    args = ap.parse_args()
    convs = [g.conversation for g in generate(GeneratorConfig(seed=17, conversations_per_day=20000))]
    ten = [conversation_to_pb(c) for c in convs if len(c.turns) == 10][: args.requests]
    print(
        f"{len(ten)} ten-turn conversations, {sum(len(t.text) for c in ten for t in c.turns) / len(ten):.0f} chars each on average"
    )
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(sqlite_url(Path(tmp) / "l.db"), metrics_port=-1) as server:
        with channel(server.target) as chan:
            stub = pb_grpc.AnalysisServiceStub(chan)
            for c in ten[:100]:  # warm-up
                stub.Analyze(pb.AnalyzeRequest(conversation=c))
            lat = []
            for c in ten:
                t0 = time.perf_counter()
                stub.Analyze(pb.AnalyzeRequest(conversation=c, persist=args.persist), timeout=5)
                lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    q = statistics.quantiles(lat, n=100)
    p50, p99 = statistics.median(lat), q[98]
    print(
        f"Analyze{' (persist)' if args.persist else ''}: p50 {p50:.2f} ms, p90 {q[89]:.2f} ms, p99 {p99:.2f} ms, max {lat[-1]:.2f} ms (target p99 <= 20 ms)"
    )
    record(
        "latency" + ("_persist" if args.persist else ""),
        {"requests": len(lat), "p50_ms": p50, "p90_ms": q[89], "p99_ms": p99, "max_ms": lat[-1]},
    )


if __name__ == "__main__":
    main()
