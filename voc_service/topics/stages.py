"""The `topic` pipeline stage: each conversation's topic from the active topic model.

The model comes from ``VOC_TOPIC_MODEL`` (a directory) or, when that is unset, from the store's
registry (the server loads the active version: see store/topics.py). No model means no topic: the
stage costs nothing and the analysis has no `topic`. ``reload`` builds the new model completely
before swapping it in, so a broken one never replaces a working model.
"""

from __future__ import annotations

from pathlib import Path

from voc_service.config import Settings
from voc_service.domain import TopicAssignment
from voc_service.pipeline import Work, stages
from voc_service.topics.documents import DocumentBuilder
from voc_service.topics.model import ModelFiles, TopicModel


@stages.register("topic")
class TopicStage:
    """Needs `segment` before it (it reads the customer's tokens)."""

    name = "topic"

    def __init__(self, settings: Settings) -> None:
        self.documents = DocumentBuilder()
        self.model: TopicModel | None = TopicModel.load(settings.topic_model) if settings.topic_model else None

    @property
    def version(self) -> str:
        return self.model.version if self.model is not None else "none"

    def reload(self, source: Path | ModelFiles) -> str:
        """``source``: a model directory or a registered model's files."""
        # raises ValueError, and the model in use stays
        model = TopicModel.from_files(source) if isinstance(source, ModelFiles) else TopicModel.load(source)
        self.model = model  # one assignment: a batch sees the old model or the new, whole
        return model.version

    def __call__(self, work: Work) -> None:
        """Per conversation: its topic document (the customer's words); the assignment itself
        is one matrix product for the whole batch (finish_batch)."""
        if self.model is None:
            return
        work.scratch[self.name] = self.documents.document(work.analysis.turns)

    def finish_batch(self, works: list[Work]) -> None:
        model = self.model
        asked = [w for w in works if self.name in w.scratch]
        if model is None or not asked:
            return
        docs = [w.scratch[self.name] for w in asked]
        for work, got in zip(asked, model.assign([d for d, _ in docs], [t for _, t in docs]), strict=True):  # type: ignore[misc]
            topic = model.by_id.get(got.topic_id)
            work.analysis.topic = TopicAssignment(
                got.topic_id, topic.label if topic is not None else "", got.probability, model.version
            )
