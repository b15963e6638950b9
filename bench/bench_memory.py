"""Server memory after start and after ingesting N conversations over gRPC, sampled along the way.
Targets (issue 2): under 500 MB, and at most 10% growth between 50,000 and 100,000.

The server is a process tree (the serving process + ingest workers forked from it, sharing the
loaded dictionary and spaCy tables copy-on-write). Summing RSS would count shared pages once per
process, so the total is the sum of PSS (proportional set size: shared pages split between the
processes that share them); the serving process's own RSS is shown too.

    .venv/bin/python bench/bench_memory.py --conversations 100000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import record

from voc_service.api.convert import conversation_to_pb
from voc_service.client import channel, ingest
from voc_service.launcher import ServerProcess, sqlite_url
from voc_service.synth import GeneratorConfig, generate


def _field_mb(path: str, name: str) -> float:
    for line in Path(path).read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {name} in {path}")


def tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(p for c in children for p in tree(int(c)))]


def memory_mb(pid: int) -> tuple[float, float, int]:
    """(total PSS of the process tree, RSS of the serving process, number of processes)."""
    pids = tree(pid)
    return (
        sum(_field_mb(f"/proc/{p}/smaps_rollup", "Pss") for p in pids),
        _field_mb(f"/proc/{pid}/status", "VmRSS"),
        len(pids),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=100000)
    ap.add_argument("--step", type=int, default=10000)
    args = ap.parse_args()
    days = args.conversations / 20000
    gen = generate(GeneratorConfig(seed=19, days=days, conversations_per_day=20000))
    samples: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(sqlite_url(Path(tmp) / "m.db"), metrics_port=-1) as server:
        pid = server.proc.pid
        samples[0], rss, procs = memory_mb(pid)
        print(f"after start: {samples[0]:.0f} MB PSS over {procs} processes (serving process RSS {rss:.0f} MB)")
        sent = 0
        with channel(server.target) as chan:
            while sent < args.conversations:
                batch = []
                for item in gen:
                    batch.append(conversation_to_pb(item.conversation))
                    if len(batch) == args.step:
                        break
                if not batch:
                    break
                summary, _ = ingest(chan, batch)
                sent += summary.sent
                samples[sent], rss, procs = memory_mb(pid)
                print(
                    f"after {sent:>7}: {samples[sent]:.0f} MB PSS, serving RSS {rss:.0f} MB ({summary.rate:.0f} conv/s)"
                )
    keys = sorted(samples)
    mid = min(keys, key=lambda k: abs(k - keys[-1] / 2))
    growth = samples[keys[-1]] / samples[mid] - 1
    print(
        f"growth between {mid} and {keys[-1]}: {100 * growth:.1f}% (target <= 10%); peak {max(samples.values()):.0f} MB (target < 500)"
    )
    record("memory", {"pss_mb": samples, "growth_second_half": growth})


if __name__ == "__main__":
    main()
