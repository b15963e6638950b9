"""Run every benchmark in sequence (never in parallel: the machine has 2 cores) and leave the
JSON results in bench/out/. `make bench` calls this; docs/benchmarks.md quotes the output.

    .venv/bin/python bench/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ["bench_throughput.py", "--conversations", "20000", "--runs", "3"],
    ["bench_latency.py", "--requests", "2000"],
    ["bench_latency.py", "--requests", "1000", "--persist"],
    ["bench_memory.py", "--conversations", "100000"],
    ["bench_spacy_choice.py", "--conversations", "3000"],
    ["bench_dialogues.py"],
    ["bench_sentiment.py"],
    ["bench_qa.py", "--conversations", "20000", "--runs", "3"],
    ["bench_topics.py"],
    ["bench_buckets.py", "--conversations", "20000", "--pairs", "5"],
    ["bench_spikes_nab.py"],
    ["bench_spikes_nab.py", "--voc-args", "--direction both"],
    ["bench_index.py", "--per-category", "1500"],
    ["bench_spikes_generated.py"],
    ["bench_backfill.py", "--conversations", "200000"],  # generates and caches the input once (/tmp)
    ["bench_replicas.py"],  # needs the PostgreSQL of VOC_TEST_POSTGRES_URL (default 127.0.0.1:5432)
]
QUICK = [
    ["bench_throughput.py", "--conversations", "3000", "--runs", "1"],
    ["bench_latency.py", "--requests", "300"],
    ["bench_dialogues.py"],
    ["bench_sentiment.py", "--sample", "500", "--skip-train"],
    ["bench_qa.py", "--conversations", "2000", "--runs", "1"],
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the scripts run")
    args = ap.parse_args()
    failed = []
    for cmd in QUICK if args.quick else FULL:
        print(f"\n$ python bench/{' '.join(cmd)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]], cwd=HERE, check=False).returncode:
            failed.append(cmd[0])
    if failed:
        print(f"\nFAILED: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
