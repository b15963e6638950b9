"""Proto <-> domain conversion, shared by every servicer and the CLI (JSONL uses the proto3 JSON
mapping of the same messages)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from voc_service.api.pb import analysis_pb2, analysis_service_pb2, conversation_pb2
from voc_service.domain import (
    Conversation,
    ConversationAnalysis,
    ConversationSentiment,
    EmotionKind,
    Finding,
    InvalidInput,
    Promise,
    PromiseKind,
    PromiseStatus,
    Quality,
    Severity,
    Outcome,
    Role,
    SentimentLabel,
    Trajectory,
    Turn,
)

_ROLE_FROM_PB = {conversation_pb2.Role.Value(r.value): r for r in Role}
_ROLE_TO_PB = {r: v for v, r in _ROLE_FROM_PB.items()}
_KIND_TO_PB = {
    name: analysis_pb2.Redaction.Kind.Value(name)
    for name in analysis_pb2.Redaction.Kind.keys()
    if name != "KIND_UNSPECIFIED"
}
_EMOTION_TO_PB = {k: analysis_pb2.Emotion.Kind.Value(k.name) for k in EmotionKind}
OUTCOME_TO_PB = {o: analysis_service_pb2.Outcome.Value(o.value) for o in Outcome}
_LABEL_TO_PB = {label: analysis_pb2.Sentiment.Label.Value(label.name) for label in SentimentLabel}
_TRAJECTORY_TO_PB = {t: analysis_pb2.ConversationSentiment.Trajectory.Value(t.name) for t in Trajectory}
SEVERITY_TO_PB = {s: analysis_pb2.Severity.Value(s.name) for s in Severity}
SEVERITY_FROM_PB = {v: s for s, v in SEVERITY_TO_PB.items()}
_PROMISE_KIND_TO_PB = {k: analysis_pb2.Promise.Kind.Value(k.name) for k in PromiseKind}
PROMISE_STATUS_TO_PB = {s: analysis_pb2.Promise.Status.Value(s.name) for s in PromiseStatus}
PROMISE_STATUS_FROM_PB = {v: s for s, v in PROMISE_STATUS_TO_PB.items()}


def from_timestamp(ts: Timestamp) -> datetime:
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, UTC)


def conversation_from_pb(msg: conversation_pb2.Conversation) -> Conversation:
    turns = []
    for i, t in enumerate(msg.turns):
        role = _ROLE_FROM_PB.get(t.role)
        if role is None:
            raise InvalidInput(f"conversation.turns[{i}].role", "must be CUSTOMER, AGENT, BOT or SYSTEM")
        turns.append(Turn(role, t.text, from_timestamp(t.sent_at) if t.HasField("sent_at") else None, t.agent_id))
    return Conversation(
        conversation_id=msg.conversation_id,
        turns=turns,
        channel=msg.channel,
        sku_ids=list(msg.sku_ids),
        order_id=msg.order_id,
        customer_id=msg.customer_id,
        agent_id=msg.agent_id,
        started_at=from_timestamp(msg.started_at) if msg.HasField("started_at") else None,
        attributes=dict(msg.attributes),
    )


def set_timestamp(ts: Timestamp, value: datetime) -> None:
    micros = round(value.timestamp() * 1_000_000)
    ts.seconds, rem = divmod(micros, 1_000_000)
    ts.nanos = rem * 1000


def conversation_to_pb(conv: Conversation) -> conversation_pb2.Conversation:
    msg = conversation_pb2.Conversation(
        conversation_id=conv.conversation_id,
        channel=conv.channel,
        sku_ids=conv.sku_ids,
        order_id=conv.order_id,
        customer_id=conv.customer_id,
        agent_id=conv.agent_id,
        attributes=conv.attributes,
    )
    if conv.started_at is not None:
        set_timestamp(msg.started_at, conv.started_at)
    for t in conv.turns:
        turn = msg.turns.add(role=_ROLE_TO_PB[t.role], text=t.text, agent_id=t.agent_id)
        if t.sent_at is not None:
            set_timestamp(turn.sent_at, t.sent_at)
    return msg


def analysis_to_pb(analysis: ConversationAnalysis, include_tokens: bool = False) -> analysis_pb2.ConversationAnalysis:
    msg = analysis_pb2.ConversationAnalysis(
        conversation_id=analysis.conversation_id,
        versions=analysis.versions,
        redaction_count=analysis.redaction_count,
        char_count=analysis.char_count,
    )
    for t in analysis.turns:
        turn = msg.turns.add(index=t.index, role=_ROLE_TO_PB[t.role], redacted_text=t.text)
        for r in t.redactions:
            turn.redactions.add(kind=_KIND_TO_PB[r.kind.value], start=r.start, end=r.end)
        for e in t.entities:
            turn.entities.add(label=e.label, start=e.start, end=e.end, text=e.text)
        for m in t.emotions:
            turn.emotions.add(kind=_EMOTION_TO_PB[m.kind], start=m.start, end=m.end, text=t.text[m.start : m.end])
        if t.sentiment is not None:
            s = t.sentiment
            turn.sentiment.score, turn.sentiment.confidence = s.score, s.confidence
            turn.sentiment.label = _LABEL_TO_PB[s.label]
        if include_tokens:
            turn.tokens.extend(t.tokens)
    if analysis.sentiment is not None:
        _conversation_sentiment_to_pb(analysis.sentiment, msg.sentiment)
    if analysis.quality is not None:
        quality_to_pb(analysis.quality, msg.quality)
    for p in analysis.promises:
        promise_to_pb(p, msg.promises.add())
    if analysis.topic is not None:
        t = analysis.topic
        msg.topic.id, msg.topic.label, msg.topic.probability = t.topic_id, t.label, t.probability
        msg.topic.model_version, msg.topic.outlier = t.model_version, t.outlier
    return msg


def finding_to_pb(f: Finding, msg: analysis_pb2.Finding) -> None:
    msg.rule_id, msg.rule_version, msg.severity = f.rule_id, f.rule_version, SEVERITY_TO_PB[f.severity]
    msg.deduction, msg.message, msg.ref = f.deduction, f.message, f.ref
    first = f.primary
    msg.turn_index, msg.start, msg.end, msg.evidence_text = first.turn_index, first.start, first.end, first.text
    for e in f.evidence:
        msg.evidence.add(turn_index=e.turn_index, start=e.start, end=e.end, text=e.text)


def quality_to_pb(q: Quality, msg: analysis_pb2.Quality) -> None:
    msg.score, msg.flagged, msg.pack_version = q.score, q.flagged, q.pack_version
    for f in q.findings:
        finding_to_pb(f, msg.findings.add())


def promise_to_pb(p: Promise, msg: analysis_pb2.Promise) -> None:
    msg.promise_id, msg.conversation_id, msg.turn_index = p.promise_id, p.conversation_id, p.turn_index
    msg.kind, msg.status = _PROMISE_KIND_TO_PB[p.kind], PROMISE_STATUS_TO_PB[p.status]
    set_timestamp(msg.made_at, p.made_at)
    set_timestamp(msg.due_at, p.due_at)
    if p.status_at is not None:
        set_timestamp(msg.status_at, p.status_at)
    msg.start, msg.end, msg.text = p.start, p.end, p.text
    msg.customer_id, msg.order_id, msg.status_note, msg.broken_by = p.customer_id, p.order_id, p.status_note, p.broken_by


def _conversation_sentiment_to_pb(s: ConversationSentiment, msg: analysis_pb2.ConversationSentiment) -> None:
    msg.customer_turns = s.customer_turns
    msg.customer_start, msg.customer_end = s.customer_start, s.customer_end
    msg.customer_min, msg.customer_mean = s.customer_min, s.customer_mean
    msg.trajectory = _TRAJECTORY_TO_PB[s.trajectory]
    msg.agent_negative_turns.extend(s.agent_negative_turns)
    msg.complaint = s.complaint
    msg.complaint_reasons.extend(s.complaint_reasons)
    msg.customer_satisfaction = s.customer_satisfaction
    msg.satisfaction_factors.update(s.satisfaction_factors)
