"""The `qa` pipeline stage: every conversation through the compiled rule packs.

The stage owns the engine in use. ``reload`` compiles new pack sources completely BEFORE swapping
them in, so a bad pack raises PackError and the rules in use stay as they were.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from voc_service.config import Settings
from voc_service.pipeline import Work, stages
from voc_service.qa.engine import QaEngine
from voc_service.qa.pack import PackError, compile_packs, read_sources


def qa_sources(settings: Settings) -> list[tuple[str, str]]:
    return read_sources(settings.qa_packs, settings.qa_default_pack)


@stages.register("qa")
class QaStage:
    """Needs the stages its rules read (redact, emotion, sentiment ...) earlier in the pipeline;
    checked at start-up so a misordered config fails before the port opens."""

    name = "qa"

    def __init__(self, settings: Settings) -> None:
        self.flag_below = settings.qa_flag_below
        self._lock = threading.Lock()
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
        with self._lock:
            self.engine = engine
        return engine.version

    def __call__(self, work: Work) -> None:
        times = [t.sent_at for t in work.conversation.turns]
        work.analysis.quality = self.engine.inspect(work.analysis.turns, times)


__all__ = ["PackError", "QaStage", "qa_sources"]
