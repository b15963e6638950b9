"""Pipeline stages of the sentiment capability."""

from __future__ import annotations

from voc_service.config import Settings
from voc_service.domain import EmotionKind, Role
from voc_service.pipeline import Work, stages
from voc_service.sentiment.emotion import EmotionDetector, load_lexicon
from voc_service.sentiment.model import load_model, resolve_model_dir
from voc_service.sentiment.summary import load_cues, summarise


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


@stages.register("sentiment")
class Sentiment:
    """Score, label and confidence for every turn (customer, agent and bot alike: agent tone is
    a QA input). One vectorised model call per conversation."""

    name = "sentiment"

    def __init__(self, settings: Settings) -> None:
        self.model = load_model(resolve_model_dir(settings.sentiment_model))
        self.version = self.model.version

    def __call__(self, work: Work) -> None:
        turns = work.analysis.turns
        charged = [any(h.kind is not EmotionKind.HUMAN_REQUEST for h in t.emotions) for t in turns]
        for turn, result in zip(turns, self.model.decide_many([(t.tokens, t.text) for t in turns], charged)):
            turn.sentiment = result


@stages.register("conversation_sentiment")
class ConversationSentimentStage:
    """Customer start / end / min / mean, trajectory, complaint flag, satisfaction estimate and
    agent negative-tone turns, from the per-turn results (needs `sentiment`; reads `emotion`)."""

    name = "conversation_sentiment"

    def __init__(self, settings: Settings) -> None:
        self.cues = load_cues(str(settings.conversation_cues) if settings.conversation_cues else None)
        self.version = self.cues.version

    def __call__(self, work: Work) -> None:
        work.analysis.sentiment = summarise(work.analysis.turns, self.cues)
