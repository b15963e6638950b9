"""Spike detector on the Numenta Anomaly Benchmark series, side by side with NAB's classic
windowed-Gaussian baseline (event-level precision / recall / F1 and detection delay).

Data: ../shared/data/nab/ (never copied into the project): every CSV with an entry in
label_windows.json; files with no windows only count for false positives.

- Detector under test (--detector): `voc` runs `voc spikes --csv FILE --out OUT.csv [--voc-args]`
  per file (causal replay, one output row per input row, alert 0/1); `gaussian` runs the baseline
  in-process with --k / --window-days, to test this harness end to end without the detector.
- Baseline, always run: z of each point against the mean / std of the W rows before it (W in days,
  converted to rows with the file's median sampling step; at least 30 rows of history), alert while
  |z| >= k. "Default" is k = 3, W = 1 day; "tuned" is the best overall F1 of k in {3, 4, 5} x
  W in {1, 3} days -- tuned on the same files it is scored on, so an optimistic baseline.
- Scoring (spike_scoring.py): detections are alert onsets; the first onset inside a window detects
  it (later ones there are ignored); other onsets are false positives. Strict = onset in
  [start, end] (the headline); lenient = also up to 10 % of the window length before the start
  (NAB centres windows on the anomaly). Overall = counts summed over files. Delay = first onset -
  window start, in rows and hours, median over detected windows.

    .venv/bin/python bench/bench_spikes_nab.py [--detector voc] [--voc-args "--direction both"]
    .venv/bin/python bench/bench_spikes_nab.py --detector gaussian [--k 3 --window-days 1]
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, record, shared_file
from spike_scoring import (
    DAY,
    HOUR,
    Score,
    Window,
    combine,
    gaussian_alerts,
    infer_step,
    rows_per,
    score_file,
    windowed_gaussian_z,
)

DEFAULT_K, DEFAULT_DAYS = 3.0, 1.0
GRID_K, GRID_DAYS = (3.0, 4.0, 5.0), (1.0, 3.0)
MIN_HISTORY = 30
EARLY_FRACTION = 0.10


@dataclass(frozen=True)
class Series:
    """One NAB file: values in file order, its timestamps and labelled windows."""

    name: str  # "folder/file.csv", the key of label_windows.json
    path: Path
    timestamps: np.ndarray  # datetime64[ns], file order (not always increasing)
    values: np.ndarray
    windows: list[Window]

    @property
    def step(self) -> np.timedelta64:
        return infer_step(self.timestamps)


class DetectorError(RuntimeError):
    """The detector under test could not produce an alert column for a file."""


@dataclass
class Result:
    """One detector's alerts scored on every file, both variants."""

    label: str
    strict: dict[str, Score]
    lenient: dict[str, Score]
    seconds: float

    @property
    def overall(self) -> Score:
        return combine(self.strict.values())

    @property
    def overall_lenient(self) -> Score:
        return combine(self.lenient.values())


# ---------------------------------------------------------------- data


def load_series(only: str | None) -> list[Series]:
    """Every CSV under nab/ with an entry in label_windows.json (sorted by name, for stable tables)."""
    root = shared_file("nab/label_windows.json").parent
    labels: dict[str, list[list[str]]] = json.loads((root / "label_windows.json").read_text(encoding="utf-8"))
    series = []
    for name in sorted(labels):
        if only and only not in name:
            continue
        path = shared_file(f"nab/{name}")
        frame = pd.read_csv(path)
        series.append(
            Series(
                name=name,
                path=path,
                timestamps=pd.to_datetime(frame["timestamp"]).to_numpy(dtype="datetime64[ns]"),
                values=frame["value"].to_numpy(dtype=float),
                windows=[Window(np.datetime64(pd.Timestamp(s)), np.datetime64(pd.Timestamp(e))) for s, e in labels[name]],
            )
        )
    return series


def unlabelled_files(series: list[Series]) -> list[str]:
    """CSV files under nab/ that label_windows.json does not mention (they are not scored)."""
    root = shared_file("nab/label_windows.json").parent
    known = {s.name for s in series}
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.csv") if str(p.relative_to(root)) not in known)


def data_notes(series: list[Series], baseline_days: tuple[float, ...]) -> list[str]:
    """Facts about the files that change how the numbers read (repeats, gaps, windows at the edges)."""
    notes = []
    no_windows = [s.name for s in series if not s.windows]
    if no_windows:
        notes.append(f"{len(no_windows)} files have no windows (false positives only): {', '.join(no_windows)}")
    longest = max(baseline_days)
    for s in series:
        ts, step = s.timestamps, s.step
        gaps = np.diff(ts)
        issues = []
        repeats = int(pd.Series(ts).duplicated().sum())
        backwards = int((gaps < np.timedelta64(0, "ns")).sum())
        if repeats:
            issues.append(f"{repeats} repeated timestamps" + (f" ({backwards} steps backwards)" if backwards else ""))
        off_step = float((gaps != step).mean()) if len(gaps) else 0.0
        if off_step > 0.05:
            issues.append(f"{off_step:.0%} of steps differ from the {_td(step)} step, longest gap {_td(gaps.max())}")
        for w in s.windows:
            first = int(np.argmax(ts >= w.start))
            if first < rows_per(longest * DAY, step):
                issues.append(f"window at row {first} has less than {longest:g} days of history before it")
            if w.end >= ts.max():
                issues.append(f"window {str(w.start)[:16]} is cut by the end of the file")
        if issues:
            notes.append(f"{s.name}: " + "; ".join(issues))
    return notes


def _td(delta: np.timedelta64) -> str:
    """A timedelta as a short human string (5min, 1h, 3.5d)."""
    hours = float(delta / HOUR)
    if hours < 1:
        return f"{hours * 60:.0f}min"
    return f"{hours:.3g}h" if hours < 48 else f"{hours / 24:.1f}d"


# ---------------------------------------------------------------- detectors


def gaussian_detector(k: float, days: float) -> Callable[[Series], np.ndarray]:
    """The baseline as a detector: alert column of one file."""

    def run(s: Series) -> np.ndarray:
        z = windowed_gaussian_z(s.values, rows_per(days * DAY, s.step), MIN_HISTORY)
        return gaussian_alerts(z, k)

    return run


def voc_detector(binary: Path, extra: list[str]) -> Callable[[Series], np.ndarray]:
    """`voc spikes` as a detector: one subprocess per file, alert column read back from --out."""

    def run(s: Series) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.csv"
            cmd = [str(binary), "spikes", "--csv", str(s.path), "--out", str(out), *extra]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                raise DetectorError(f"{shlex.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
            frame = pd.read_csv(out)
        if len(frame) != len(s.values) or "alert" not in frame.columns:
            raise DetectorError(
                f"{s.name}: voc spikes wrote {len(frame)} rows, columns {list(frame.columns)}; "
                f"expected {len(s.values)} rows with an alert column"
            )
        return (pd.to_numeric(frame["alert"], errors="coerce").fillna(0).to_numpy() > 0).astype(np.int8)

    return run


def run_detector(series: list[Series], detector: Callable[[Series], np.ndarray], skip_failed: bool
                 ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Alert columns of every file, and the files the detector failed on (only with skip_failed:
    otherwise the first failure ends the run, so a broken detector is never scored as silent)."""
    alerts, failed = {}, {}
    for s in series:
        try:
            alerts[s.name] = detector(s)
        except DetectorError as e:
            if not skip_failed:
                sys.exit(f"{e}\n(--skip-failed scores the other files, leaving failed ones out of every detector)")
            failed[s.name] = str(e)
    return alerts, failed


def evaluate(label: str, series: list[Series], detector: Callable[[Series], np.ndarray]) -> Result:
    """Run a detector over every file and score it, strict and lenient."""
    strict, lenient = {}, {}
    t0 = time.perf_counter()
    for s in series:
        alert = detector(s)
        strict[s.name] = score_file(s.timestamps, alert, s.windows)
        lenient[s.name] = score_file(s.timestamps, alert, s.windows, EARLY_FRACTION)
    return Result(label, strict, lenient, time.perf_counter() - t0)


def baseline_grid(series: list[Series]) -> dict[tuple[float, float], Result]:
    """Every (k, days) of the grid; z is computed once per file and window, thresholds are cheap."""
    results = {}
    for days in GRID_DAYS:
        t0 = time.perf_counter()
        zs = {s.name: windowed_gaussian_z(s.values, rows_per(days * DAY, s.step), MIN_HISTORY) for s in series}
        z_seconds = time.perf_counter() - t0
        for k in GRID_K:
            results[(k, days)] = evaluate(
                f"gaussian k={k:g} W={days:g}d", series, lambda s, k=k: gaussian_alerts(zs[s.name], k)
            )
            results[(k, days)].seconds += z_seconds
    return results


def best_setting(grid: dict[tuple[float, float], Result]) -> tuple[float, float]:
    """Best overall strict F1; ties go to fewer false positives, then the smaller k and W."""
    return max(grid, key=lambda kd: (grid[kd].overall.f1 or 0.0, -grid[kd].overall.false_positives, -kd[0], -kd[1]))


# ---------------------------------------------------------------- printing


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


HEADER = (
    f"{'file':56} {'rows':>6} {'step':>5} {'win':>3} {'det':>3} {'det~':>4} {'onsets':>6} {'FP':>4} "
    f"{'FP/1k':>6} {'P':>5} {'R':>5} {'F1':>5} {'delay rows':>10} {'delay h':>8}"
)


def score_line(name: str, s: Score, lenient: Score, step: str = "") -> str:
    """One table row; det~ is the windows detected in the lenient variant."""
    return (
        f"{name:56} {s.rows:>6} {step:>5} {s.windows:>3} {s.detected:>3} {lenient.detected:>4} {s.onsets:>6} "
        f"{s.false_positives:>4} {s.fp_per_1k_rows:>6.2f} {_num(s.precision, '.2f'):>5} {_num(s.recall, '.2f'):>5} "
        f"{_num(s.f1, '.2f'):>5} {_num(s.median_delay_rows, '.1f'):>10} {_num(s.median_delay_hours, '.1f'):>8}"
    )


def print_table(result: Result, series: list[Series]) -> None:
    print(f"\n== {result.label} ({result.seconds:.1f} s)")
    print(HEADER)
    for s in series:
        print(score_line(s.name, result.strict[s.name], result.lenient[s.name], _td(s.step)))
    print(score_line("OVERALL strict", result.overall, result.overall_lenient))
    print(score_line(f"OVERALL lenient (onset up to {EARLY_FRACTION:.0%} early)", result.overall_lenient,
                     result.overall_lenient))


def print_grid(grid: dict[tuple[float, float], Result], tuned: tuple[float, float]) -> None:
    print("\n== baseline grid (overall, strict; lenient F1 in the last column)")
    print(f"{'k':>4} {'W':>4} {'onsets':>6} {'FP':>5} {'FP/1k':>6} {'P':>5} {'R':>5} {'F1':>5} {'delay h':>8} {'F1~':>5}")
    for (k, days), r in grid.items():
        o = r.overall
        mark = "  <- tuned" if (k, days) == tuned else ""
        print(f"{k:>4g} {days:>3g}d {o.onsets:>6} {o.false_positives:>5} {o.fp_per_1k_rows:>6.2f} "
              f"{_num(o.precision, '.3f'):>5} {_num(o.recall, '.3f'):>5} {_num(o.f1, '.3f'):>5} "
              f"{_num(o.median_delay_hours, '.1f'):>8} {_num(r.overall_lenient.f1, '.3f'):>5}{mark}")
    edges = [what for what, value, grid_values in (("k", tuned[0], GRID_K), ("W", tuned[1], GRID_DAYS))
             if value == max(grid_values)]
    if edges:
        print(f"  note: the tuned setting has the largest {' and '.join(edges)} of the grid; beyond it the "
              f"baseline may score higher still")


def comparison_line(label: str, s: Score) -> str:
    return (f"  {label:38} P {_num(s.precision, '.3f')}  R {_num(s.recall, '.3f')}  F1 {_num(s.f1, '.3f')}  "
            f"FP/1k {s.fp_per_1k_rows:.2f}  median delay {_num(s.median_delay_rows, '.1f')} rows / "
            f"{_num(s.median_delay_hours, '.1f')} h")


def verdict(ours: Score, default: Score, tuned: Score) -> dict[str, bool]:
    """Strictly higher overall F1 than each baseline (a tie does not beat)."""
    f1 = ours.f1 or 0.0
    return {"beats_default": f1 > (default.f1 or 0.0), "beats_tuned": f1 > (tuned.f1 or 0.0)}


def print_comparison(ours: Result, default: Result, tuned: Result) -> tuple[dict[str, bool], dict[str, bool]]:
    """The final lines: three detectors side by side, and the headline answer (strict F1)."""
    beats = verdict(ours.overall, default.overall, tuned.overall)
    beats_lenient = verdict(ours.overall_lenient, default.overall_lenient, tuned.overall_lenient)
    print("\n== comparison (overall, strict)")
    for r in (ours, default, tuned):
        print(comparison_line(r.label, r.overall))
    print("== comparison (overall, lenient)")
    for r in (ours, default, tuned):
        print(comparison_line(r.label, r.overall_lenient))
    yes = {True: "YES", False: "NO"}
    print(f"\nDoes the detector beat the windowed-Gaussian baseline overall (strict F1 "
          f"{_num(ours.overall.f1, '.3f')} vs default {_num(default.overall.f1, '.3f')}, "
          f"tuned {_num(tuned.overall.f1, '.3f')})? default: {yes[beats['beats_default']]}; "
          f"tuned: {yes[beats['beats_tuned']]}")
    print(f"  (lenient: default {yes[beats_lenient['beats_default']]}, tuned {yes[beats_lenient['beats_tuned']]}; "
          f"the tuned baseline was tuned on these same files)")
    return beats, beats_lenient


def detail(r: Result) -> dict:
    """One detector's numbers for the JSON record."""
    return {
        "label": r.label,
        "seconds": r.seconds,
        "overall_strict": r.overall.summary(),
        "overall_lenient": r.overall_lenient.summary(),
        "files": {name: {"strict": sc.summary(), "lenient": r.lenient[name].summary()} for name, sc in r.strict.items()},
    }


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--detector", choices=["voc", "gaussian"], default="voc", help="the detector under test")
    ap.add_argument("--voc-bin", type=Path, default=ROOT / ".venv" / "bin" / "voc")
    ap.add_argument("--voc-args", default="", help='extra flags for `voc spikes`, e.g. "--direction both"')
    ap.add_argument("--k", type=float, default=DEFAULT_K, help="threshold of --detector gaussian")
    ap.add_argument("--window-days", type=float, default=DEFAULT_DAYS, help="history of --detector gaussian")
    ap.add_argument("--only", help="score only files whose name contains this (quick checks)")
    ap.add_argument("--skip-failed", action="store_true",
                    help="leave files the detector fails on out of every detector's score, instead of stopping")
    args = ap.parse_args()

    series = load_series(args.only)
    if not series:
        sys.exit(f"no NAB file matches {args.only!r}")
    if args.detector == "voc":
        label, detector = f"voc spikes {args.voc_args}".strip(), voc_detector(args.voc_bin, shlex.split(args.voc_args))
    else:
        label, detector = f"gaussian k={args.k:g} W={args.window_days:g}d (as detector)", gaussian_detector(
            args.k, args.window_days)

    print(f"{len(series)} files, {sum(len(s.values) for s in series)} rows, {sum(len(s.windows) for s in series)} "
          f"windows; data notes:")
    notes = data_notes(series, GRID_DAYS)
    for note in notes:
        print(f"  - {note}")
    for name in unlabelled_files(series) if not args.only else []:
        print(f"  - not in label_windows.json, not scored: {name}")

    t0 = time.perf_counter()
    alerts, failed = run_detector(series, detector, args.skip_failed)
    seconds = time.perf_counter() - t0
    for name, error in failed.items():
        print(f"  - DETECTOR FAILED, left out of every score: {error}")
    series = [s for s in series if s.name not in failed]
    if not series:
        sys.exit("the detector failed on every file")
    ours = evaluate(label, series, lambda s: alerts[s.name])
    ours.seconds = seconds
    grid = baseline_grid(series)
    tuned_kd = best_setting(grid)
    default_r, tuned_r = grid[(DEFAULT_K, DEFAULT_DAYS)], grid[tuned_kd]
    default = replace(default_r, label=f"baseline default: {default_r.label}")
    tuned = replace(tuned_r, label=f"baseline tuned: {tuned_r.label}")

    print_table(ours, series)
    print_table(default, series)
    if tuned_kd != (DEFAULT_K, DEFAULT_DAYS):
        print_table(tuned, series)
    print_grid(grid, tuned_kd)

    beats, beats_lenient = print_comparison(ours, default, tuned)

    # the real detector's full run owns "spikes_nab"; harness tests and partial runs never overwrite it
    name = "spikes_nab" if args.detector == "voc" and not args.only else f"spikes_nab_{args.detector}"
    if name == "spikes_nab" and "--direction both" in args.voc_args:
        name = "spikes_nab_both"  # both runs are recorded: complaint spikes are "up", NAB has drops too
    path = record(name, {
        "detector": args.detector,
        "voc_args": args.voc_args if args.detector == "voc" else None,
        "only": args.only,
        "files": len(series),
        "rows": sum(len(s.values) for s in series),
        "windows": sum(len(s.windows) for s in series),
        "early_fraction": EARLY_FRACTION,
        "min_history": MIN_HISTORY,
        "data_notes": notes,
        "failed_files": failed,
        "ours": detail(ours),
        "baseline_default": detail(default),
        "baseline_tuned": {"k": tuned_kd[0], "window_days": tuned_kd[1], **detail(tuned)},
        "baseline_grid": [{"k": k, "window_days": d, "overall_strict": r.overall.summary(),
                           "overall_lenient": r.overall_lenient.summary()} for (k, d), r in grid.items()],
        "beats_baseline_strict": beats,
        "beats_baseline_lenient": beats_lenient,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
