"""The `qa` pipeline stage: every conversation through the compiled rule packs.

The stage owns the engine in use. ``reload`` compiles new pack sources completely BEFORE swapping
them in, so a bad pack raises PackError and the rules in use stay as they were.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from voc_service.config import Settings
from voc_service.domain import Evidence, Finding, Promise, Role, Severity
from voc_service.pipeline import Work, stages
from voc_service.qa.engine import QaEngine, score
from voc_service.qa.pack import PackError, compile_packs, read_sources
from voc_service.qa.promises import PromiseFinder, turn_times

log = logging.getLogger(__name__)


def qa_sources(settings: Settings) -> list[tuple[str, str]]:
    return read_sources(settings.qa_packs, settings.qa_default_pack)


@stages.register("qa")
class QaStage:
    """Needs the stages its rules read (redact, emotion, sentiment ...) earlier in the pipeline;
    checked at start-up so a misordered config fails before the port opens."""

    name = "qa"

    def __init__(self, settings: Settings) -> None:
        self.flag_below = settings.qa_flag_below
        self.engine = self._build(qa_sources(settings))
        position = settings.stages.index("qa") if "qa" in settings.stages else len(settings.stages)
        missing = sorted(s for s in self.engine.ruleset.requires if s not in settings.stages[:position])
        if missing:
            raise ValueError(f"the QA rules read the output of stage(s) {missing}: list them before 'qa' in VOC_STAGES")

    @property
    def version(self) -> str:
        return self.engine.version

    def _build(self, sources: Sequence[tuple[str, str]]) -> QaEngine:
        return QaEngine(compile_packs(sources), self.flag_below)

    def reload(self, sources: Sequence[tuple[str, str]]) -> str:
        """Compile ``sources`` and swap them in; raises PackError (and keeps the old rules) if any
        source is bad. Returns the new pack version."""
        engine = self._build(sources)
        self.engine = engine  # one assignment: a conversation sees the old rules or the new, whole
        return engine.version

    def __call__(self, work: Work) -> None:
        times = [t.sent_at for t in work.conversation.turns]
        work.analysis.quality = self.engine.inspect(work.analysis.turns, times)


PROMISE_BROKEN = "promise_broken"


@stages.register("promises")
class PromiseStage:
    """Agent commitments with a deadline become tracked promises; a customer saying, after the
    due time, that one was not kept (还没人联系我, 说好的退款呢) gets a critical `promise_broken`
    finding pointing at the promise (conversation and turn). Runs after `qa` (it re-scores).

    Open promises are looked up in the store by customer id or order id. A promise made in the
    same ingest batch is not visible yet (it is committed with that batch); in practice follow-ups
    come hours or days after the due time.
    """

    name = "promises"

    def __init__(self, settings: Settings) -> None:
        self.finder = PromiseFinder()
        self.version = "1"
        self.flag_below = settings.qa_flag_below
        self._url = settings.store
        self._lookup = None
        self._disabled = False
        os.register_at_fork(after_in_child=self._forget_connections)

    def _forget_connections(self) -> None:
        if self._lookup is not None:
            self._lookup.engine.dispose(close=False)

    def _store(self):  # noqa: ANN202 - QualityStore | None, imported lazily (the store imports us)
        """The store holding the promises, or None when there is none to ask (offline `voc
        analyze` without a store: then no broken-promise check, said once in the log)."""
        if self._lookup is None and not self._disabled:
            import sqlalchemy as sa
            from sqlalchemy.engine import make_url

            from voc_service.store.quality import QualityStore
            from voc_service.store.repository import make_engine

            url = make_url(self._url)
            missing_file = url.get_backend_name() == "sqlite" and url.database and not os.path.exists(url.database)
            engine = None if missing_file else make_engine(self._url)
            if engine is None or not sa.inspect(engine).has_table("promises"):
                self._disabled = True
                log.warning("no promise store at the configured URL; broken promises are not checked")
                return None
            self._lookup = QualityStore(engine)
        return self._lookup

    def __call__(self, work: Work) -> None:
        """Per conversation: its commitments, and the first customer turn saying one was not
        kept (looked up for the whole batch in finish_batch)."""
        conv, analysis = work.conversation, work.analysis
        times = turn_times([t.sent_at for t in conv.turns], conv.started_at)
        found: list[Promise] = []
        for turn, at in zip(analysis.turns, times, strict=True):
            if turn.role is Role.AGENT and at is not None:
                for c in self.finder.commitments(turn.text, at):
                    found.append(
                        Promise(
                            f"{conv.conversation_id}#{turn.index}", conv.conversation_id, turn.index, c.kind,
                            c.due_at, at, c.start, c.end, turn.text[c.start : c.end], conv.customer_id,
                            conv.order_id,
                        )
                    )
                    break  # one promise per turn: its id is the turn
        analysis.promises = found
        if analysis.quality is None or not (conv.customer_id or conv.order_id):
            return
        for turn, at in zip(analysis.turns, times, strict=True):
            if turn.role is Role.CUSTOMER and at is not None:
                cue = self.finder.broken_cue(turn.text)
                if cue is not None:
                    work.scratch[self.name] = (turn.index, at, cue)
                    return

    def finish_batch(self, works: list[Work]) -> None:
        """One store query for every conversation of the batch that has a "not kept" cue."""
        asking = [w for w in works if self.name in w.scratch]
        if not asking:
            return
        try:
            store = self._store()
            if store is None:
                return
            open_ = store.open_promises(
                [w.conversation.customer_id for w in asking], [w.conversation.order_id for w in asking]
            )
        except SQLAlchemyError as exc:
            log.warning("promise lookup failed; broken promises not checked", extra={"error": type(exc).__name__})
            return
        for work in asking:
            self._mark_broken(work, open_)

    def _mark_broken(self, work: Work, open_: list[Promise]) -> None:
        conv, quality = work.conversation, work.analysis.quality
        index, at, cue = work.scratch[self.name]  # type: ignore[misc]
        mine = [
            p
            for p in open_
            if p.conversation_id != conv.conversation_id
            and p.due_at < at
            and ((conv.customer_id and p.customer_id == conv.customer_id) or (conv.order_id and p.order_id == conv.order_id))
        ]
        if not mine or quality is None:
            return
        mine.sort(key=lambda p: p.due_at, reverse=True)
        promise = next((p for p in mine if p.kind is cue.kind), mine[0])
        text = work.analysis.turns[index].text
        quality.findings.append(
            Finding(
                PROMISE_BROKEN, 1, Severity.CRITICAL, 0.0,
                f"客户反映之前的承诺未兑现：会话 {promise.conversation_id} 第 {promise.turn_index} 轮「{promise.text}」",
                [Evidence(index, cue.start, cue.end, text[cue.start : cue.end])],
                promise.promise_id,
            )
        )
        rescored = score(quality.findings, self.flag_below, quality.pack_version)
        quality.score, quality.flagged = rescored.score, rescored.flagged


__all__ = ["PackError", "PromiseStage", "QaStage", "qa_sources"]
