"""`voc topics fit`: fit a topic model on a JSONL file of conversations and write its directory."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from voc_service.config import Settings
from voc_service.domain import Conversation, VocError
from voc_service.topics.documents import DocumentBuilder
from voc_service.topics.fit import FitConfig, fit_topics
from voc_service.topics.model import OUTLIER, TopicModel

# What a topic document needs: redacted, segmented text (representative examples are stored).
_STAGES = ["validate", "normalize", "redact", "segment"]


def conversation_documents(
    conversations: Iterable[Conversation], settings: Settings | None = None
) -> tuple[list[list[str]], list[str], int]:
    """(customer words, redacted customer text) per accepted conversation, and how many were
    rejected: the one way the fit, the benches and the tests turn conversations into documents."""
    from voc_service.pipeline import Pipeline

    settings = settings or Settings()
    pipeline = Pipeline.from_settings(settings.model_copy(update={"stages": _STAGES}))
    builder = DocumentBuilder()
    docs, texts, rejected = [], [], 0
    for conv in conversations:
        try:
            words, text = builder.document(pipeline.analyze(conv).turns)
        except VocError:
            rejected += 1
            continue
        docs.append(words)
        texts.append(text)
    return docs, texts, rejected


def read_documents(path: str, settings: Settings) -> tuple[list[list[str]], list[str], int]:
    """conversation_documents over a JSONL file of Conversations; a line that does not parse
    counts as rejected."""
    from voc_service.api.convert import conversation_from_pb
    from voc_service.jsonl import open_input, parse_conversation, read_lines

    bad = 0

    def parsed() -> Iterator[Conversation]:
        nonlocal bad
        with open_input(path) as fh:
            for _number, line in read_lines(fh):
                try:
                    yield conversation_from_pb(parse_conversation(line))
                except VocError:
                    bad += 1

    docs, texts, rejected = conversation_documents(parsed(), settings)
    return docs, texts, rejected + bad


def run_fit(
    jsonl: str, model_dir: Path, config: FitConfig, previous: Path | None, settings: Settings
) -> dict:
    prev = TopicModel.load(previous) if previous is not None else None
    t0 = time.perf_counter()
    docs, texts, rejected = read_documents(jsonl, settings)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model, labels = fit_topics(docs, texts, config, prev)
    fit_s = time.perf_counter() - t0
    version = model.save(model_dir)
    counts = Counter(labels)
    return {
        "model": str(model_dir),
        "version": version,
        "conversations": len(docs),
        "rejected": rejected,
        "topics": len(model.topics),
        "outliers": counts.get(OUTLIER, 0),
        "outlier_share": round(counts.get(OUTLIER, 0) / max(1, len(labels)), 4),
        "seconds": {"read": round(read_s, 1), "fit": round(fit_s, 1)},
        "previous": prev.version if prev is not None else None,
        "lineage": Counter(x.kind for x in model.lineage),
        "topic_list": [
            {"id": t.id, "label": t.label, "size": t.size, "keywords": [w for w, _ in t.keywords]} for t in model.topics
        ],
    }


def print_json(result: dict) -> None:
    print(json.dumps(result, ensure_ascii=False, indent=1))
