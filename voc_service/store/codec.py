"""Domain objects <-> the JSON text kept in the store. Compact (short keys, no spaces) because it
is written for every conversation on the ingest path."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from voc_service.domain import (
    Conversation,
    ConversationAnalysis,
    ConversationSentiment,
    EmotionHit,
    EmotionKind,
    Entity,
    Evidence,
    Finding,
    Promise,
    PromiseKind,
    PromiseStatus,
    PiiKind,
    Quality,
    Redaction,
    Role,
    SentimentLabel,
    Severity,
    TopicAssignment,
    Trajectory,
    Turn,
    TurnAnalysis,
    TurnSentiment,
)

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def conversation_payload(conv: Conversation) -> str:
    return _dumps(
        {
            "sku_ids": conv.sku_ids,
            "attributes": conv.attributes,
            "turns": [[t.role.value, t.text, _ts(t.sent_at), t.agent_id] for t in conv.turns],
        }
    )


def conversation_from_row(row: dict) -> Conversation:
    payload = json.loads(row["payload"])
    return Conversation(
        conversation_id=row["conversation_id"],
        turns=[Turn(Role(r), text, _dt(ts), agent) for r, text, ts, agent in payload["turns"]],
        channel=row["channel"],
        sku_ids=payload["sku_ids"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        agent_id=row["agent_id"],
        started_at=row["started_at"],
        attributes=payload["attributes"],
        purged_at=row.get("purged_at"),  # retention blanked the turn texts (store/retention.py)
    )


def _turn(t: TurnAnalysis) -> dict:
    out = {
        "r": [[r.kind.value, r.start, r.end] for r in t.redactions],
        "e": [[e.label, e.start, e.end] for e in t.entities],
        "m": [[m.kind.value, m.start, m.end] for m in t.emotions],
    }
    if t.sentiment is not None:
        s = t.sentiment
        out["s"] = [round(s.score, 4), s.label.value, round(s.confidence, 4)]
    return out


def analysis_turns(analysis: ConversationAnalysis) -> str:
    return _dumps([_turn(t) for t in analysis.turns])


def summary_payload(summary: ConversationSentiment | None) -> str | None:
    if summary is None:
        return None
    return _dumps(
        {
            "n": summary.customer_turns,
            "c": [
                round(x, 4)
                for x in (summary.customer_start, summary.customer_end, summary.customer_min, summary.customer_mean)
            ],
            "t": summary.trajectory.value,
            "a": summary.agent_negative_turns,
            "k": summary.complaint_reasons,
            "sat": round(summary.customer_satisfaction, 4),
            "f": summary.satisfaction_factors,
        }
    )


def summary_from_payload(payload: str | None) -> ConversationSentiment | None:
    if payload is None:
        return None
    d = json.loads(payload)
    start, end, low, mean = d["c"]
    return ConversationSentiment(
        customer_turns=d["n"],
        customer_start=start,
        customer_end=end,
        customer_min=low,
        customer_mean=mean,
        trajectory=Trajectory(d["t"]),
        agent_negative_turns=d["a"],
        complaint=bool(d["k"]),
        complaint_reasons=d["k"],
        customer_satisfaction=d["sat"],
        satisfaction_factors=d["f"],
    )


def quality_payload(quality: Quality | None) -> str | None:
    """Findings keep their spans, not their quoted text: the text is the stored turn's, so it is
    cut again on read (half the bytes, and never out of step with the stored text)."""
    if quality is None:
        return None
    return _dumps(
        {
            "s": round(quality.score, 2),
            "g": quality.flagged,
            "v": quality.pack_version,
            "r": None if quality.first_response_seconds is None else round(quality.first_response_seconds, 3),
            "x": [
                [f.rule_id, f.rule_version, f.severity.value, f.deduction, f.message,
                 [[e.turn_index, e.start, e.end] for e in f.evidence], f.ref]
                for f in quality.findings
            ],
        }
    )


def quality_from_payload(payload: str | None, texts: list[str]) -> Quality | None:
    if payload is None:
        return None
    d = json.loads(payload)
    findings = [
        Finding(
            rule_id, version, Severity(severity), deduction, message,
            [Evidence(i, s, e, texts[i][s:e] if 0 <= i < len(texts) else "") for i, s, e in spans], ref,
        )
        for rule_id, version, severity, deduction, message, spans, ref in d["x"]
    ]
    return Quality(d["s"], d["g"], findings, d["v"], d["r"])


def analysis_from_row(row: dict, conversation: Conversation) -> ConversationAnalysis:
    turns = []
    for i, (data, turn) in enumerate(zip(json.loads(row["turns"]), conversation.turns, strict=True)):
        text = turn.text
        turns.append(
            TurnAnalysis(
                index=i,
                role=turn.role,
                text=text,
                redactions=[Redaction(PiiKind(k), s, e) for k, s, e in data["r"]],
                entities=[Entity(label, s, e, text[s:e]) for label, s, e in data["e"]],
                emotions=[EmotionHit(EmotionKind(k), s, e) for k, s, e in data.get("m", [])],
                sentiment=(
                    TurnSentiment(data["s"][0], SentimentLabel(data["s"][1]), data["s"][2]) if "s" in data else None
                ),
            )
        )
    return ConversationAnalysis(
        row["conversation_id"],
        turns,
        json.loads(row["versions"]),
        summary_from_payload(row.get("summary")),
        quality_from_payload(row.get("quality"), [t.text for t in conversation.turns]),
        topic=TopicAssignment(*row["topic"]) if row.get("topic") else None,
    )


def promise_row(p: Promise) -> dict:
    return {
        "promise_id": p.promise_id,
        "conversation_id": p.conversation_id,
        "turn_index": p.turn_index,
        "kind": p.kind.value,
        "made_at": p.made_at,
        "due_at": p.due_at,
        "span_start": p.start,
        "span_end": p.end,
        "text": p.text,
        "customer_id": p.customer_id,
        "order_id": p.order_id,
        "status": p.status.value,
        "status_at": p.status_at,
        "status_note": p.status_note,
        "broken_by": p.broken_by,
    }


def promise_from_row(row: dict) -> Promise:
    return Promise(
        promise_id=row["promise_id"],
        conversation_id=row["conversation_id"],
        turn_index=row["turn_index"],
        kind=PromiseKind(row["kind"]),
        due_at=row["due_at"],
        made_at=row["made_at"],
        start=row["span_start"],
        end=row["span_end"],
        text=row["text"],
        customer_id=row["customer_id"],
        order_id=row["order_id"],
        status=PromiseStatus(row["status"]),
        status_at=row["status_at"],
        status_note=row["status_note"],
        broken_by=row["broken_by"],
    )
