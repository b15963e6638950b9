"""Quality inspection: per-rule precision / recall on generated conversations, and speed.

1. Accuracy. ``--conversations`` generated conversations (fixed seed, several days so customers
   come back about earlier promises) go through the default pipeline with persistence, in time
   order, into a temporary SQLite store (promise_broken needs the earlier conversations stored).
   Every default rule is scored against the generator's injected-violation labels (conversation
   level: the rule fired / the label says the violation is there); promise_broken against
   ``broken_promise_of`` (and the finding must point at that conversation); promise detection
   against the labelled commitments (turn and kind).
2. Speed, side by side on the same analysed conversations:
   - the share of the pipeline's time spent in QA (stages ``qa`` + ``promises``, including the
     promises stage's per-batch store lookup), from the per-stage timer over the whole run
     (target: <= 20 %), without and with the commit counted as pipeline time;
   - the ``qa`` stage alone with the default pack vs the default pack + 500 generated keyword rules
     (8 common words each, from jieba's dictionary, roles mixed; target: <= 2x), median of 3 runs.

    .venv/bin/python bench/bench_qa.py --conversations 20000
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from common import record

from voc_service.config import Settings
from voc_service.launcher import sqlite_url
from voc_service.pipeline import Pipeline, Work
from voc_service.qa.engine import QaEngine
from voc_service.qa.pack import compile_packs, default_source
from voc_service.store import open_store
from voc_service.synth import GeneratorConfig, generate
from voc_service.synth.model import VIOLATION_CODES


def extra_pack(n_rules: int, seed: int = 5, min_freq: int = 2000, max_freq: int = 10**9) -> str:
    """``n_rules`` keyword rules of 8 words each drawn from jieba's dictionary (2-4 characters,
    frequency in [min_freq, max_freq)): the higher the frequency, the more rules fire per turn."""
    import jieba

    words = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            w, freq = line.split()[:2]
            if 2 <= len(w) <= 4 and min_freq <= int(freq) < max_freq:
                words.append(w)
    rng = random.Random(seed)
    roles = ("customer", "agent", "any")
    rules = []
    for i in range(n_rules):
        picked = ", ".join(rng.sample(words, 8))
        rules.append(
            f"  - id: kw_{i:03d}\n    version: 1\n    description: generated keyword rule {i}\n"
            f"    severity: info\n    deduction: 0\n"
            f"    when:\n      keywords: {{any_of: [{picked}]}}\n      role: {roles[i % 3]}\n"
        )
    return "pack: bench500\nversion: 1\nrules:\n" + "".join(rules)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--runs", type=int, default=3, help="timing passes (fresh store each); median share reported")
    args = ap.parse_args()

    per_day = 5000
    days = max(1.0, args.conversations / per_day)
    items = list(generate(GeneratorConfig(seed=23, days=days, conversations_per_day=per_day)))[: args.conversations]
    print(f"{len(items)} generated conversations over {days:g} days")

    timings: dict[str, float] = defaultdict(float)

    def timer(stage: str, seconds: float) -> None:
        timings[stage] += seconds

    # The generated corpus (20,000 conversations with labels, millions of objects) stays alive for
    # the whole run; unfrozen, every full GC pass scans it and whichever stage triggers the pass
    # pays (one pass measured the promises stage at 4x its cost). The server freezes its start-up
    # heap the same way before forking its workers (server.py).
    gc.freeze()
    tmp = Path(tempfile.mkdtemp(prefix="voc-bench-qa-"))
    store = open_store(sqlite_url(tmp / "qa.db"), sqlite_synchronous="NORMAL")
    pipeline = Pipeline.from_settings(Settings(store=sqlite_url(tmp / "qa.db")), store, timer=timer)
    # Score each batch as it comes and drop its analyses: the service keeps nothing either, and
    # holding 20,000 analyses alive makes every later allocation pay for bigger GC passes (it
    # doubled the measured qa stage time), which would misstate the stage shares.
    tp, fp, fn = Counter(), Counter(), Counter()
    pr_tp = pr_fp = pr_fn = 0
    errors = 0
    t0 = time.perf_counter()
    for k in range(0, len(items), args.batch):
        batch = items[k : k + args.batch]
        for g, res in zip(batch, pipeline.process([g.conversation for g in batch], persist=True), strict=True):
            if res.error is not None or res.analysis is None or res.analysis.quality is None:
                errors += 1
                continue
            got = {f.rule_id: f for f in res.analysis.quality.findings}
            want = g.labels.violation_codes
            for code in VIOLATION_CODES:
                if code in got and code in want:
                    tp[code] += 1
                elif code in got:
                    fp[code] += 1
                elif code in want:
                    fn[code] += 1
            broken_of = g.labels.broken_promise_of
            finding = got.get("promise_broken")
            if broken_of and finding is not None and finding.ref.startswith(broken_of + "#"):
                tp["promise_broken"] += 1
            elif finding is not None:
                fp["promise_broken"] += 1
                if broken_of:
                    fn["promise_broken"] += 1
            elif broken_of:
                fn["promise_broken"] += 1
            labelled = {(p.turn_index, p.kind) for p in g.labels.promises}
            found = {(p.turn_index, p.kind.value) for p in res.analysis.promises}
            pr_tp += len(labelled & found)
            pr_fp += len(found - labelled)
            pr_fn += len(labelled - found)
    wall = time.perf_counter() - t0

    per_rule = {}
    for code in (*VIOLATION_CODES, "promise_broken"):
        t, p_, n_ = tp[code], fp[code], fn[code]
        per_rule[code] = {
            "labelled": t + n_,
            "flagged": t + p_,
            "precision": t / (t + p_) if t + p_ else None,
            "recall": t / (t + n_) if t + n_ else None,
        }
    promise_detection = {
        "labelled": pr_tp + pr_fn,
        "found": pr_tp + pr_fp,
        "precision": pr_tp / max(1, pr_tp + pr_fp),
        "recall": pr_tp / max(1, pr_tp + pr_fn),
    }
    print(f"\n{'rule':22s} {'labelled':>8s} {'flagged':>8s} {'precision':>9s} {'recall':>7s}")
    for code, r in per_rule.items():
        fmt = lambda x: "   -   " if x is None else f"{x:.4f}"  # noqa: E731
        print(f"{code:22s} {r['labelled']:8d} {r['flagged']:8d} {fmt(r['precision']):>9s} {fmt(r['recall']):>7s}")
    print(f"promise detection: {promise_detection}")

    # --- share of the pipeline's time --------------------------------------------------------------
    def shares(t: dict[str, float]) -> tuple[float, float]:
        stage_total = sum(v for k, v in t.items() if k != "store")
        qa_time = t["qa"] + t["promises"] + t["promises.batch"]
        return qa_time / stage_total, qa_time / (stage_total + t["store"])

    # More timing passes, each on a fresh store (the first pass above counts as one): the machine
    # is shared, so the share is the median over passes, each pass a ratio from one run.
    passes = [dict(timings)]
    for r in range(1, args.runs):
        timings = defaultdict(float)
        store_r = open_store(sqlite_url(tmp / f"qa{r}.db"), sqlite_synchronous="NORMAL")
        timed = Pipeline.from_settings(Settings(store=sqlite_url(tmp / f"qa{r}.db")), store_r, timer=timer)
        for k in range(0, len(items), args.batch):
            timed.process([g.conversation for g in items[k : k + args.batch]], persist=True)
        store_r.close()
        passes.append(dict(timings))
    per_pass = [shares(t) for t in passes]
    qa_share = statistics.median(x[0] for x in per_pass)
    qa_share_with_store = statistics.median(x[1] for x in per_pass)
    timings = defaultdict(float, {k: statistics.median(t.get(k, 0.0) for t in passes) for k in passes[0]})
    stage_total = sum(v for k, v in timings.items() if k != "store")
    promises_time = timings["promises"] + timings["promises.batch"]
    print("QA share per pass: " + ", ".join(f"{a:.1%}" for a, _ in per_pass))
    for t in passes:
        print("  pass (us/conv): " + ", ".join(f"{k} {v / len(items) * 1e6:.0f}" for k, v in t.items()))
    print("\nstage time per conversation (us): " + ", ".join(
        f"{k} {v / len(items) * 1e6:.0f}" for k, v in timings.items()))
    print(f"QA share of the pipeline's stage time (median of {len(passes)}): {qa_share:.1%} (qa {timings['qa'] / stage_total:.1%}, "
          f"promises {promises_time / stage_total:.1%}); counting the store too: {qa_share_with_store:.1%}; "
          f"wall incl. store {len(items) / wall:.0f} conv/s")

    # --- default pack vs + 500 keyword rules, qa stage alone -----------------------------------------
    upto = Settings().stages
    analysed: list[Work] = []
    pre = Pipeline.from_settings(Settings(stages=upto[: upto.index("qa")]))
    for g in items:
        analysed.append(pre.run(g.conversation))
    inputs = [(w.analysis.turns, [t.sent_at for t in w.conversation.turns]) for w in analysed]
    engines = {
        "default": QaEngine(compile_packs([default_source()]), 80),
        "default+500": QaEngine(compile_packs([default_source(), ("bench500.yaml", extra_pack(500, min_freq=100, max_freq=2000))]), 80),
        "default+500 common words": QaEngine(compile_packs([default_source(), ("common500.yaml", extra_pack(500))]), 80),
    }
    speed = {}
    for name, engine in engines.items():
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            for turns, times in inputs:
                engine.inspect(turns, times)
            runs.append((time.perf_counter() - t0) / len(inputs) * 1e6)
        speed[name] = {"us_per_conversation_median": statistics.median(runs), "runs": runs,
                       "rules": len(engine.ruleset.rules), "keywords": len(engine.ruleset.context.keywords)}
    ratio = speed["default+500"]["us_per_conversation_median"] / speed["default"]["us_per_conversation_median"]
    print("\nqa stage alone (us / conversation, median of 3): "
          + ", ".join(f"{k} {v['us_per_conversation_median']:.1f} ({v['rules']} rules)" for k, v in speed.items())
          + f" -> ratio {ratio:.2f}")
    path = record(
        "qa",
        {
            "conversations": len(items),
            "errors": errors,
            "per_rule": per_rule,
            "promise_detection": promise_detection,
            "stage_us_per_conversation": {k: v / len(items) * 1e6 for k, v in timings.items()},
            "qa_share_of_stage_time": qa_share,
            "qa_share_with_store": qa_share_with_store,
            "qa_share_per_pass": per_pass,
            "pipeline_wall_conv_per_s": len(items) / wall,
            "pack_speed": speed,
            "ratio_500_rules": ratio,
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
