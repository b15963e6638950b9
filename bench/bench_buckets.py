"""Cost of the time buckets on ingest (issue 6: updating buckets and indices adds at most 10 %
to ingest time).

Same generated conversations, analysed once by the default pipeline (topic model included, fitted
here on other conversations); then each stored in batches of 128 (the ingest batch size) into a
fresh SQLite file, with the buckets and without them (the bucket steps replaced by no-ops), in
interleaved pairs; half of every run is re-sends (the subtract-then-add path). Reported: the
median store time per conversation of each, the median of the per-pair ratios, and the added
share of the whole ingest cost (analysis + store).

    .venv/bin/python bench/bench_buckets.py --conversations 20000 --pairs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import record

from voc_service.config import Settings
from voc_service.launcher import sqlite_url
from voc_service.pipeline import Pipeline
from voc_service.store import open_store, repository
from voc_service.synth import GeneratorConfig, generate
from voc_service.topics.commands import conversation_documents
from voc_service.topics.fit import FitConfig, fit_topics


def store_all(items: list, tmp: Path, name: str, buckets: bool) -> float:
    real = (repository.apply_deltas, repository.stored_contributions)
    if not buckets:
        repository.apply_deltas = lambda conn, delta: None  # type: ignore[assignment]
        repository.stored_contributions = lambda conn, ids: []  # type: ignore[assignment]
    try:
        store = open_store(sqlite_url(tmp / f"{name}.db"))
        t0 = time.perf_counter()
        for k in range(0, len(items), 128):
            store.save_batch(items[k : k + 128])
        for k in range(0, len(items) // 2, 128):  # re-sends
            store.save_batch(items[k : min(k + 128, len(items) // 2)])
        seconds = time.perf_counter() - t0
        store.close()
    finally:
        repository.apply_deltas, repository.stored_contributions = real
    return seconds / (len(items) + len(items) // 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=20000)
    ap.add_argument("--pairs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        docs, texts, _ = conversation_documents(
            g.conversation for g in generate(GeneratorConfig(seed=3, days=1, conversations_per_day=4000))
        )
        model, _ = fit_topics(docs, texts, FitConfig())
        model.save(tmp / "topics")
        pipeline = Pipeline.from_settings(Settings(topic_model=tmp / "topics"))
        convs = [g.conversation for g in generate(GeneratorConfig(seed=4, days=1, conversations_per_day=args.conversations))]
        t0 = time.perf_counter()
        items = []
        for k in range(0, len(convs), 128):  # analysed as ingest does: in batches, no store
            batch = convs[k : k + 128]
            items.extend((c, r.analysis) for c, r in zip(batch, pipeline.process(batch, persist=False), strict=True) if r.analysis)
        analyse_s = (time.perf_counter() - t0) / len(convs)
        items = [(pipeline_stored(c, a), a) for c, a in items]
        with_b, without_b, ratios = [], [], []
        for r in range(args.pairs):
            order = [(True, with_b), (False, without_b)] if r % 2 == 0 else [(False, without_b), (True, with_b)]
            got = {}
            for buckets, sink in order:
                got[buckets] = store_all(items, tmp, f"r{r}-{buckets}", buckets)
                sink.append(got[buckets])
            ratios.append(got[True] / got[False])
    w, wo = statistics.median(with_b), statistics.median(without_b)
    added = (w - wo) / (analyse_s + wo)
    print(
        f"{len(items)} conversations (+{len(items) // 2} re-sends) per run, {args.pairs} interleaved pairs:\n"
        f"  store with buckets {w * 1e3:.3f} ms/conversation, without {wo * 1e3:.3f} ms; "
        f"median pair ratio {statistics.median(ratios):.2f}\n"
        f"  analysis {analyse_s * 1e3:.3f} ms/conversation; buckets add {added:.1%} to analysis + store"
    )
    print(f"wrote {record('buckets', {'conversations': len(items), 'store_with_ms': w * 1e3, 'store_without_ms': wo * 1e3, 'pair_ratios': ratios, 'analysis_ms': analyse_s * 1e3, 'added_share': added})}")


def pipeline_stored(conv, analysis):  # noqa: ANN001, ANN201
    """The conversation as the pipeline would store it: texts replaced by the redacted ones."""
    from dataclasses import replace

    return replace(conv, turns=[replace(t, text=a.text) for t, a in zip(conv.turns, analysis.turns, strict=True)])


if __name__ == "__main__":
    main()
