"""Write generated conversations as Conversation JSONL (proto3 JSON) plus a labels JSONL."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack

from voc_service.api.convert import conversation_to_pb
from voc_service.jsonl import to_json
from voc_service.synth import Generated, GeneratorConfig, generate, labels_to_dict


def generated(days: float = 1.0, per_day: int = 5000, n_skus: int = 300, seed: int = 7) -> Iterator[Generated]:
    return generate(GeneratorConfig(seed=seed, days=days, conversations_per_day=per_day, n_skus=n_skus))


def write_generated(out: str, labels: str | None, *, days: float, per_day: int, n_skus: int, seed: int) -> int:
    n = 0
    with ExitStack() as stack:
        fh = sys.stdout if out == "-" else stack.enter_context(open(out, "w", encoding="utf-8"))
        lh = stack.enter_context(open(labels, "w", encoding="utf-8")) if labels else None
        for item in generated(days, per_day, n_skus, seed):
            fh.write(to_json(conversation_to_pb(item.conversation)) + "\n")
            if lh is not None:
                lh.write(json.dumps(labels_to_dict(item.labels), ensure_ascii=False) + "\n")
            n += 1
    return n
