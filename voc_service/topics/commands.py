"""`voc topics …`: fit a topic model (on a JSONL file or the stored conversations), write its
directory, register it in the store and make it the active one. The refit job in
pipelines/refit_topics.py is this fit from the store, with the active model as the previous one."""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from voc_service.config import Settings
from voc_service.domain import Conversation, VocError
from voc_service.topics.documents import DocumentBuilder
from voc_service.topics.fit import FitConfig, fit_topics
from voc_service.topics.model import OUTLIER, TopicModel

NOT_ACTIVATED = "not_activated"

if TYPE_CHECKING:
    from voc_service.store.topics import TopicRegistry

# What a topic document needs: redacted, segmented text (representative examples are stored).
_STAGES = ["validate", "normalize", "redact", "segment"]


def conversation_documents(
    conversations: Iterable[Conversation], settings: Settings | None = None, skus: list[str] | None = None
) -> tuple[list[list[str]], list[str], int]:
    """(customer words, redacted customer text) per accepted conversation, and how many were
    rejected: the one way the fit, the benches and the tests turn conversations into documents.
    ``skus``, when given, receives each accepted conversation's first SKU ('' if none): the
    classes of topics_per_class."""
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
        if skus is not None:
            skus.append(conv.sku_ids[0] if conv.sku_ids else "")
    return docs, texts, rejected


def read_documents(
    path: str, settings: Settings, skus: list[str] | None = None
) -> tuple[list[list[str]], list[str], int]:
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

    docs, texts, rejected = conversation_documents(parsed(), settings, skus)
    return docs, texts, rejected + bad


def stored_documents(
    settings: Settings, days: float | None, skus: list[str] | None = None
) -> tuple[list[list[str]], list[str], int]:
    """conversation_documents over the store's conversations of the last ``days`` (all when
    None). Stored text is already redacted; redacting it again changes nothing."""
    from voc_service.store import open_store

    store = open_store(settings.store, settings.sqlite_synchronous)
    try:
        since = None if days is None else datetime.now(UTC) - timedelta(days=days)
        stored = store.iter_stored(since=since, purged=False)  # purged transcripts have no words left
        return conversation_documents((conv for conv, _a, _r in stored), settings, skus)
    finally:
        store.close()


@dataclass(slots=True)
class FitRequest:
    """Where the documents come from, what the new model replaces, and what happens to it."""

    jsonl: str | None = None  # a file of Conversations; None: the store's conversations
    days: float | None = None  # with the store: only the last N days
    model_dir: Path | None = None  # write the model here (optional with --register)
    previous: Path | None = None  # a model directory whose ids to keep
    previous_active: bool = False  # or: the store's active model
    register: bool = False
    activate: bool = False
    max_outlier_share: float = 1.0  # refuse to activate a fit with more outliers than this


def run_fit(request: FitRequest, config: FitConfig, settings: Settings) -> dict:
    with contextlib.ExitStack() as stack:
        needs_store = request.register or request.activate or request.previous_active
        registry = stack.enter_context(_registry(settings)) if needs_store else None
        return _run_fit(request, config, settings, registry)


def _run_fit(request: FitRequest, config: FitConfig, settings: Settings, registry: TopicRegistry | None) -> dict:
    prev = TopicModel.load(request.previous) if request.previous is not None else None
    if request.previous_active and registry is not None:
        active = registry.active_version()
        prev = TopicModel.from_files(registry.files(active), f"registered model {active}") if active else None
    t0 = time.perf_counter()
    skus: list[str] = []
    if request.jsonl is not None:
        docs, texts, rejected = read_documents(request.jsonl, settings, skus)
    else:
        docs, texts, rejected = stored_documents(settings, request.days, skus)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model, labels = fit_topics(docs, texts, config, prev, classes=skus if any(skus) else None)
    fit_s = time.perf_counter() - t0
    files = model.to_files()
    version = model.version
    if request.model_dir is not None:
        files.write(request.model_dir)
    counts = Counter(labels)
    outlier_share = counts.get(OUTLIER, 0) / max(1, len(labels))
    status = "written"
    if registry is not None and (request.register or request.activate):
        registry.register(files)
        status = "registered"
        if request.activate:
            if outlier_share > request.max_outlier_share or not model.topics:
                status = NOT_ACTIVATED  # registered for inspection; servers keep the model they have
            else:
                registry.activate(version)
                status = "active"
    return {
        "model": str(request.model_dir) if request.model_dir is not None else None,
        "version": version,
        "status": status,
        "conversations": len(docs),
        "rejected": rejected,
        "topics": len(model.topics),
        "outliers": counts.get(OUTLIER, 0),
        "outlier_share": round(outlier_share, 4),
        "seconds": {"read": round(read_s, 1), "fit": round(fit_s, 1)},
        "previous": prev.version if prev is not None else None,
        "lineage": Counter(x.kind for x in model.lineage),
        "topic_list": [
            {"id": t.id, "label": t.label, "size": t.size, "keywords": [w for w, _ in t.keywords]} for t in model.topics
        ],
    }


@contextlib.contextmanager
def _registry(settings: Settings) -> Iterator[TopicRegistry]:
    """The store's topic registry, its connections closed when the command is done."""
    from voc_service.store import open_store
    from voc_service.store.topics import TopicRegistry

    store = open_store(settings.store, settings.sqlite_synchronous)
    try:
        yield TopicRegistry(store.engine)
    finally:
        store.close()


def register_directory(directory: Path, activate: bool, settings: Settings) -> dict:
    """`voc topics register`: a model directory into the store's registry (validated first)."""
    model = TopicModel.load(directory)
    with _registry(settings) as registry:
        version = registry.register(model.to_files())
        if activate:
            registry.activate(version)
    return {"version": version, "topics": len(model.topics), "active": activate}


def activate(version: str, settings: Settings) -> dict:
    with _registry(settings) as registry:
        registry.activate(version)
    return {"version": version, "active": True}


def list_models(settings: Settings) -> list[dict]:
    with _registry(settings) as registry:
        models = registry.models()
    return [
        {
            "version": m.version, "name": m.name, "topics": m.topic_count, "previous": m.previous_version or None,
            "registered_at": m.registered_at.isoformat(),
            "activated_at": m.activated_at.isoformat() if m.activated_at else None, "active": m.active,
        }
        for m in models
    ]


def print_json(result: object) -> None:
    print(json.dumps(result, ensure_ascii=False, indent=1))
