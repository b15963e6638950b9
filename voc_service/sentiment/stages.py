"""Pipeline stages of the sentiment capability."""

from __future__ import annotations

from voc_service.config import Settings
from voc_service.domain import Role
from voc_service.pipeline import Work, stages
from voc_service.sentiment.emotion import EmotionDetector, load_lexicon


@stages.register("emotion")
class Emotion:
    """Emotional-risk cues in CUSTOMER turns (agents' tone is a QA matter, not the customer's
    emotional state). Runs on the redacted text, so a phone number can never look like 12315."""

    name = "emotion"

    def __init__(self, settings: Settings) -> None:
        self.detector = EmotionDetector(load_lexicon(settings.emotion_lexicons))
        self.version = self.detector.version

    def __call__(self, work: Work) -> None:
        detect = self.detector.detect
        for turn in work.analysis.turns:
            if turn.role is Role.CUSTOMER:
                turn.emotions = detect(turn.text)
