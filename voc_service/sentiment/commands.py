"""`voc sentiment train` and `voc sentiment eval`: a company's own labelled data is the usual way
to domain accuracy, so training is a command, not a research script."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from voc_service.config import Settings
from voc_service.sentiment.csvdata import read_labelled, read_texts
from voc_service.sentiment.domains import domain_indices
from voc_service.sentiment.model import load_model, resolve_model_dir
from voc_service.sentiment.train import LABEL_NAMES, Corpus, TrainConfig, evaluate, train
from voc_service.text.normalize import normalize
from voc_service.text.redact import Redactor
from voc_service.text.segment import build_segmenter


def text_preparer(settings: Settings) -> Callable[[list[str], list[int]], Corpus]:
    """Texts become what the sentiment stage sees in the pipeline: normalised, redacted, segmented
    by the configured segmenter. Training on anything else would teach the model other inputs."""
    segmenter = build_segmenter(settings.segmenter, settings.user_dict)
    redactor = Redactor()

    def prepare(texts: list[str], labels: list[int]) -> Corpus:
        clean = [redactor.redact(normalize(t), ()).text for t in texts]
        return Corpus(clean, [segmenter.segment(t)[0] for t in clean], list(labels))

    return prepare


def run_train(
    settings: Settings,
    csv_path: Path,
    text_column: str | None,
    label_column: str | None,
    out: Path,
    name: str | None,
    unlabelled: Path | None,
    unlabelled_column: str | None,
    config: TrainConfig,
    stdout: TextIO,
    domain_column: str | None = None,
) -> int:
    base = load_model(resolve_model_dir(settings.sentiment_model))  # lexicon and rules carry over
    rows = read_labelled(csv_path, text_column, label_column, domain_column)
    prepare = text_preparer(settings)
    corpus = prepare(rows.texts, rows.labels)
    if rows.domains is not None:
        corpus.domain_names, corpus.domains = domain_indices(rows.domains)
    extra = None
    if unlabelled is not None:
        texts = read_texts(unlabelled, unlabelled_column)
        extra = prepare(texts, [0] * len(texts))
    model, report = train(
        name or out.name or "custom",
        corpus,
        base.lexicon,
        config,
        extra,
        meta={"trained_on": csv_path.name, "lexicon_from": base.version},
    )
    version = model.save(out)
    stdout.write(
        json.dumps(
            {
                "version": version,
                "out": str(out),
                "train_rows": report.train_rows,
                "neutral_rows": report.neutral_rows,
                "unlabelled_rows": report.unlabelled_rows,
                "skipped_empty": rows.skipped_empty,
                "calibration_rows": report.calibration_rows,
                "calibration_accuracy": round(report.calibration_accuracy, 4),
                "neutral_margin": report.neutral_margin,
                "learner": model.meta["config"]["learner"],
                "learned": model.meta.get("learned", {}),
                "rule_overrides": model.rule_overrides,
                "domains": list(model.router.names) if model.router is not None else [],
                "seconds": round(report.seconds, 1),
                "use_with": f"VOC_SENTIMENT_MODEL={out}",
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    return 0


def run_eval(
    settings: Settings,
    csv_path: Path,
    text_column: str | None,
    label_column: str | None,
    model_setting: str | None,
    as_json: bool,
    stdout: TextIO,
) -> int:
    model = load_model(resolve_model_dir(model_setting or settings.sentiment_model))
    rows = read_labelled(csv_path, text_column, label_column)
    t0 = time.perf_counter()
    corpus = text_preparer(settings)(rows.texts, rows.labels)
    prep_rate = len(corpus) / max(1e-9, time.perf_counter() - t0)
    report = evaluate(model, corpus)
    doc = {
        "model": model.version,
        "rows": report.rows,
        "skipped_empty": rows.skipped_empty,
        "accuracy": round(report.accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "neutral_share": round(report.neutral_share, 4),
        "accuracy_neutral_counted_wrong": round(report.accuracy_neutral_wrong, 4),
        "confusion": {
            LABEL_NAMES[g]: dict(zip(LABEL_NAMES, row)) for g, row in enumerate(report.confusion) if sum(row)
        },
        "turns_per_s_given_tokens": round(report.turns_per_s),
        "texts_per_s_normalise_redact_segment": round(prep_rate),
    }
    if as_json:
        stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return 0
    three = "neutral" in doc["confusion"]
    w = stdout.write
    w(f"model     {doc['model']}\nrows      {doc['rows']} (skipped {rows.skipped_empty} empty)\n")
    w(
        f"accuracy  {doc['accuracy']:.4f}"
        + ("  (3 classes)\n" if three else "  (polarity: score > 0 is positive; gold labels are binary)\n")
    )
    w(f"macro-F1  {doc['macro_f1']:.4f}\n")
    w(
        f"NEUTRAL   {doc['neutral_share']:.1%} of rows; accuracy counting NEUTRAL as wrong "
        f"{doc['accuracy_neutral_counted_wrong']:.4f}\n"
    )
    w("confusion (rows gold, columns predicted label)\n")
    w(f"  {'':10s}{'negative':>10s}{'positive':>10s}{'neutral':>10s}\n")
    for gold, row in doc["confusion"].items():
        w(f"  {gold:10s}" + "".join(f"{row[c]:>10d}" for c in LABEL_NAMES) + "\n")
    w(
        f"speed     {doc['turns_per_s_given_tokens']:,} turns/s given tokens (one core); "
        f"{doc['texts_per_s_normalise_redact_segment']:,} texts/s to normalise, redact and segment\n"
    )
    return 0
