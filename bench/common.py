"""Helpers shared by the benchmarks: data location, timing, and result recording."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("VOC_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "bench" / "out"


def shared_file(relative: str) -> Path:
    """A file of ../shared/data; exits non-zero with a clear message when it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        sys.exit(f"missing {path}: set VOC_SHARED_DATA to the shared data directory")
    return path


def median_of(runs: int, fn: Callable[[], float]) -> tuple[float, list[float]]:
    values = [fn() for _ in range(runs)]
    return statistics.median(values), values


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def record(name: str, result: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "bench": name,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        **result,
    }
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
