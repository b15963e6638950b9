"""Conversation-level sentiment: how the customer started, ended and left, and whether it was a
complaint. Everything here is a documented rule over per-turn results (docs/sentiment.md), so a
reviewer can trace every number back to the turns that produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from statistics import fmean

from voc_service.domain import (
    ConversationSentiment,
    EmotionKind,
    Role,
    SentimentLabel,
    Trajectory,
    TurnAnalysis,
)
from voc_service.sentiment.lexicon import load_rule_words

TRAJECTORY_DELTA = 0.3  # end - start beyond this is improved / worsened
CLEARLY_NEGATIVE = -0.6  # a customer turn at or below this, with a negative word or an emotion cue
# as evidence, makes the conversation a complaint (the score alone misreads chat: 转人工客服,谢谢)
AGENT_NEGATIVE = -0.6  # an impolite agent turn at or below this counts as negative tone
REPEAT_SIMILARITY = 0.6  # token Jaccard of two customer questions that ask the same thing

# customer_satisfaction = base + adjustments, clipped to [-1, 1]
W_END, W_MIN, W_MEAN = 0.5, 0.3, 0.2
ADJUST = {
    "escalation_threat": -0.25,
    "repeated_question": -0.15,
    "still_negative_at_end": -0.15,
    "unresolved_words": -0.2,
    "thanks_or_resolved": 0.3,
    "acknowledged": 0.1,
}


@dataclass(frozen=True, slots=True)
class ConversationCues:
    """Each cue list compiled into one alternation: one C-level search per turn and list."""

    resolution_strong: re.Pattern[str]
    resolution_weak: re.Pattern[str]
    unresolved: re.Pattern[str]
    agent_polite: re.Pattern[str]
    agent_rude: re.Pattern[str]
    problem: re.Pattern[str]
    problem_negated: re.Pattern[str]
    negative_words: frozenset[str] = frozenset()  # the project's negative sentiment words
    version: str = ""  # hash of the cue file and the negative words: results change with either

    def reports_problem(self, text: str) -> bool:
        return _has(self.problem_negated.sub("", text), self.problem)


def load_cues(path: str | None = None) -> ConversationCues:
    if path:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    else:
        doc = json.loads(
            resources.files("voc_service.sentiment.data").joinpath("conversation_cues.json").read_text("utf-8")
        )
    fields = [k for k in ConversationCues.__slots__ if k not in ("negative_words", "version")]
    negative = frozenset(load_rule_words().negative)
    digest = hashlib.sha256(
        json.dumps([{k: doc[k] for k in fields}, sorted(negative)], ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:12]
    return ConversationCues(**{k: _alternation(doc[k]) for k in fields}, negative_words=negative, version=f"1:{digest}")


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True)) or "(?!)")


def _has(text: str, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text) is not None


def _is_question(turn: TurnAnalysis) -> bool:
    return "?" in turn.text or "？" in turn.text or turn.text.rstrip("。!！~ ").endswith(("吗", "呢"))


def _repeated_question(turns: list[TurnAnalysis]) -> bool:
    """The customer asked the same thing twice: a sign the first answer did not help."""
    seen: list[set[str]] = []
    for t in turns:
        if not _is_question(t):
            continue
        toks = {w for w in t.tokens if len(w) > 1 or w.isalnum()}
        if not toks:
            continue
        for prev in seen:
            if len(toks & prev) / len(toks | prev) >= REPEAT_SIMILARITY:
                return True
        seen.append(toks)
    return False


def summarise(turns: list[TurnAnalysis], cues: ConversationCues) -> ConversationSentiment:
    out = ConversationSentiment()
    for t in turns:
        s = t.sentiment
        if (
            t.role is Role.AGENT
            and s is not None
            and (
                _has(t.text, cues.agent_rude)
                or (
                    s.label is SentimentLabel.NEGATIVE
                    and s.score <= AGENT_NEGATIVE
                    and not _has(t.text, cues.agent_polite)
                )
            )
        ):
            out.agent_negative_turns.append(t.index)

    customer = [t for t in turns if t.role is Role.CUSTOMER and t.sentiment is not None and t.text.strip()]
    out.customer_turns = len(customer)
    if not customer:
        return out
    scores = [t.sentiment.score for t in customer]  # type: ignore[union-attr]
    out.customer_start, out.customer_end = scores[0], scores[-1]
    out.customer_min, out.customer_mean = min(scores), fmean(scores)
    delta = scores[-1] - scores[0]
    if len(scores) > 1 and delta >= TRAJECTORY_DELTA:
        out.trajectory = Trajectory.IMPROVED
    elif len(scores) > 1 and delta <= -TRAJECTORY_DELTA:
        out.trajectory = Trajectory.WORSENED

    kinds = {h.kind for t in customer for h in t.emotions}
    if EmotionKind.ESCALATION in kinds:
        out.complaint_reasons.append("escalation_threat")
    if EmotionKind.ANGER in kinds:
        out.complaint_reasons.append("anger")
    if any(cues.reports_problem(t.text) for t in customer):
        out.complaint_reasons.append("problem_report")
    if any(
        t.sentiment.score <= CLEARLY_NEGATIVE
        and (  # type: ignore[union-attr]
            t.emotions or not cues.negative_words.isdisjoint(t.tokens)
        )
        for t in customer
    ):
        out.complaint_reasons.append("clearly_negative")
    out.complaint = bool(out.complaint_reasons)

    factors = {"end": W_END * out.customer_end, "min": W_MIN * out.customer_min, "mean": W_MEAN * out.customer_mean}
    last = customer[-2:]
    last_text = " ".join(t.text for t in last)
    if EmotionKind.ESCALATION in kinds:
        factors["escalation_threat"] = ADJUST["escalation_threat"]
    if _repeated_question(customer):
        factors["repeated_question"] = ADJUST["repeated_question"]
    if customer[-1].sentiment.label is SentimentLabel.NEGATIVE:  # type: ignore[union-attr]
        factors["still_negative_at_end"] = ADJUST["still_negative_at_end"]
    if _has(last_text, cues.unresolved):
        factors["unresolved_words"] = ADJUST["unresolved_words"]
    if _has(last_text, cues.resolution_strong):
        factors["thanks_or_resolved"] = ADJUST["thanks_or_resolved"]
    elif _has(last_text, cues.resolution_weak):
        factors["acknowledged"] = ADJUST["acknowledged"]
    out.satisfaction_factors = {k: round(v, 4) for k, v in factors.items()}
    out.customer_satisfaction = max(-1.0, min(1.0, sum(factors.values())))
    return out
