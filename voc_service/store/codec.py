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
    PiiKind,
    Redaction,
    Role,
    SentimentLabel,
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
        row["conversation_id"], turns, json.loads(row["versions"]), summary_from_payload(row.get("summary"))
    )
