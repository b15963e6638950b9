"""The per-conversation analysis pipeline: ONE object, built once from settings, used the same way
by the gRPC servicers, the CLI and the batch jobs.

Like a spaCy Language, it is a list of small components that each do one job on a shared work
item; like BERTopic, each part can be swapped without touching the others: stages are looked up by
name in the ``stages`` registry (``Settings.stages`` lists them in order), so another segmenter or a
sentiment model is a registration plus a config line, not an edit here.

Persistence is the last step and works on batches (one transaction per batch), so it is not a
per-conversation stage: :meth:`Pipeline.process` runs the stages on every conversation, then hands
the survivors to the store in one commit.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import catalogue

from voc_service import __version__
from voc_service.config import Settings
from voc_service.domain import (
    Conversation,
    ConversationAnalysis,
    DeadlineExpired,
    InternalError,
    Outcome,
    StoreUnavailable,
    Turn,
    TurnAnalysis,
    VocError,
)
from voc_service.store import ConversationStore
from voc_service.telemetry import where

log = logging.getLogger(__name__)
stages = catalogue.create("voc", "stages")
# Modules whose import registers built-in stages; later capabilities (sentiment, QA, topics) add
# their own module here.
_BUILTIN_STAGE_MODULES = (
    "voc_service.validation",
    "voc_service.text.stages",
    "voc_service.sentiment.stages",
    "voc_service.qa.stages",
    "voc_service.topics.stages",
)


@dataclass(slots=True)
class Work:
    """What flows through the stages: the conversation as received and the analysis so far.

    ``analysis.turns[i].text`` starts as the raw text and each text stage rewrites it (normalised,
    then redacted). ``attributes`` likewise ends up redacted. Nothing raw leaves the pipeline.
    """

    conversation: Conversation
    analysis: ConversationAnalysis
    attributes: dict[str, str] = field(default_factory=dict)
    # what a stage's per-conversation part leaves for its batch part (never stored)
    scratch: dict[str, object] = field(default_factory=dict)

    @classmethod
    def start(cls, conversation: Conversation) -> Work:
        turns = [TurnAnalysis(i, t.role, t.text) for i, t in enumerate(conversation.turns)]
        return cls(
            conversation, ConversationAnalysis(conversation.conversation_id, turns), dict(conversation.attributes)
        )

    def stored_conversation(self) -> Conversation:
        """The conversation as it may be stored: every text replaced by its redacted form."""
        conv = self.conversation
        return Conversation(
            conversation_id=conv.conversation_id,
            turns=[
                Turn(t.role, a.text, t.sent_at, t.agent_id)
                for t, a in zip(conv.turns, self.analysis.turns, strict=True)
            ],
            channel=conv.channel,
            sku_ids=list(conv.sku_ids),
            order_id=conv.order_id,
            customer_id=conv.customer_id,
            agent_id=conv.agent_id,
            started_at=conv.started_at,
            attributes=self.attributes,
        )


class Stage(Protocol):
    """One job on a work item. Raises a VocError (e.g. InvalidInput) to reject the conversation.

    A stage may also define ``finish_batch(works)``: called once per batch, after every
    conversation of the batch went through all stages and before the commit, for work that is
    cheaper per batch than per conversation (one store query for the whole batch)."""

    name: str
    version: str

    def __call__(self, work: Work) -> None: ...


StageFactory = Callable[[Settings], Stage]


@dataclass(slots=True)
class Result:
    outcome: Outcome
    analysis: ConversationAnalysis | None = None
    revision: int = 0
    error: VocError | None = None


StageTimer = Callable[[str, float], None]


class Pipeline:
    def __init__(
        self, components: Sequence[Stage], store: ConversationStore | None = None, timer: StageTimer | None = None
    ) -> None:
        self.components = list(components)
        self.store = store
        self.versions = {"pipeline": __version__, **{c.name: c.version for c in self.components}}
        self._timer = timer
        self._batch_steps = [c for c in self.components if hasattr(c, "finish_batch")]

    def set_timer(self, timer: StageTimer | None) -> None:
        self._timer = timer

    def component(self, name: str) -> Stage | None:
        return next((c for c in self.components if c.name == name), None)

    def refresh_versions(self) -> None:
        """Re-read component versions (after a stage reloaded its data, e.g. QA rule packs)."""
        self.versions = {"pipeline": __version__, **{c.name: c.version for c in self.components}}

    @classmethod
    def from_settings(
        cls, settings: Settings, store: ConversationStore | None = None, timer: StageTimer | None = None
    ) -> Pipeline:
        for module in _BUILTIN_STAGE_MODULES:
            importlib.import_module(module)  # registers the built-in stages
        unknown = [name for name in settings.stages if name not in stages.get_all()]
        if unknown:
            raise ValueError(f"unknown pipeline stage(s) {unknown}; registered: {sorted(stages.get_all())}")
        return cls([stages.get(name)(settings) for name in settings.stages], store, timer)

    def analyze(self, conversation: Conversation) -> ConversationAnalysis:
        """Run every stage; raises the first stage's VocError (the conversation is rejected)."""
        work = self.run(conversation)
        return work.analysis

    def run(self, conversation: Conversation) -> Work:
        """Run every stage (batch steps included) and return the whole work item."""
        work = self._run_stages(conversation)
        self._finish([work])
        return work

    def _finish(self, works: list[Work]) -> None:
        """The batch steps of the stages that have one, in stage order. A failure there is a bug
        or a store hiccup: logged, and the conversations go on without that step's additions."""
        if not works:
            return
        for component in self._batch_steps:
            t0 = time.perf_counter()
            try:
                component.finish_batch(works)  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001 - never lose a batch to an optional step
                log.error(
                    "batch step failed; its findings are missing from this batch",
                    extra={"stage": component.name, "error": type(exc).__name__, "where": where(exc)},
                )
            if self._timer is not None:
                share = (time.perf_counter() - t0) / len(works)
                for _ in works:
                    self._timer(f"{component.name}.batch", share)

    def _run_stages(self, conversation: Conversation) -> Work:
        work = Work.start(conversation)
        timer = self._timer
        if timer is None:
            for component in self.components:
                component(work)
        else:
            for component in self.components:
                t0 = time.perf_counter()
                component(work)
                timer(component.name, time.perf_counter() - t0)
        work.analysis.versions = self.versions
        return work

    def process(
        self, conversations: Sequence[Conversation], persist: bool, still_wanted: Callable[[], bool] | None = None
    ) -> list[Result]:
        """Analyse each conversation and, with ``persist``, store all accepted ones in one commit.

        One bad conversation yields a REJECTED result for itself only. When the commit fails,
        every accepted conversation of the batch is REJECTED with StoreUnavailable (nothing of the
        batch was stored, so the caller may retry all of it). ``still_wanted`` is asked right
        before the commit (e.g. "has the caller's deadline passed?"); if it says no, nothing is
        stored and the accepted conversations are REJECTED with DeadlineExpired.
        """
        results: list[Result] = []
        accepted: list[tuple[int, Work]] = []
        for conv in conversations:
            try:
                work = self._run_stages(conv)
            except VocError as exc:
                results.append(Result(Outcome.REJECTED, error=exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a bug must not take the batch down with it
                # Log where, not what: an exception message may quote conversation text.
                log.error(
                    "stage failed on a conversation",
                    extra={"error": type(exc).__name__, "where": where(exc)},
                )
                results.append(
                    Result(Outcome.REJECTED, error=InternalError("internal error while analysing this conversation"))
                )
                continue
            results.append(Result(Outcome.NOT_STORED, work.analysis))
            accepted.append((len(results) - 1, work))
        self._finish([w for _, w in accepted])
        if persist and accepted:
            if self.store is None:
                raise RuntimeError("persist requested but the pipeline has no store")
            if still_wanted is not None and not still_wanted():
                for i, _ in accepted:
                    results[i] = Result(
                        Outcome.REJECTED, error=DeadlineExpired("deadline passed before the commit; nothing was stored")
                    )
                return results
            t0 = time.perf_counter()
            try:
                saved = self.store.save_batch([(w.stored_conversation(), w.analysis) for _, w in accepted])
            except StoreUnavailable as exc:
                for i, _ in accepted:
                    results[i] = Result(Outcome.REJECTED, error=exc)
                return results
            if self._timer is not None:
                self._timer("store", time.perf_counter() - t0)
            for (i, _), save in zip(accepted, saved, strict=True):
                results[i].outcome = save.outcome
                results[i].revision = save.revision
        return results
