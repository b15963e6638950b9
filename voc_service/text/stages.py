"""Pipeline stages over turn text: normalise -> redact -> segment -> entities."""

from __future__ import annotations

import hashlib
import json

from voc_service.config import Settings
from voc_service.pipeline import Work, stages
from voc_service.text.entities import EntityFinder, load_patterns
from voc_service.text.normalize import normalize
from voc_service.text.redact import REDACTOR_VERSION, Redactor
from voc_service.text.segment import build_segmenter, needs_protection


@stages.register("normalize")
class Normalize:
    name = "normalize"
    version = "1"

    def __init__(self, settings: Settings) -> None:
        pass

    def __call__(self, work: Work) -> None:
        for turn in work.analysis.turns:
            turn.text = normalize(turn.text)
        work.attributes = {k: normalize(v) for k, v in work.attributes.items()}


@stages.register("redact")
class Redact:
    """Replaces personal data in turns and attribute values. Ids the caller declared (order id,
    SKU ids) are never taken for personal data."""

    name = "redact"
    version = REDACTOR_VERSION

    def __init__(self, settings: Settings) -> None:
        self.redactor = Redactor()

    def __call__(self, work: Work) -> None:
        conv = work.conversation
        known = (conv.order_id, *conv.sku_ids)
        for turn in work.analysis.turns:
            red = self.redactor.redact(turn.text, known)
            turn.text = red.text
            turn.redactions = red.redactions
        work.attributes = {k: self.redactor.redact(v, known).text for k, v in work.attributes.items()}


@stages.register("segment")
class Segment:
    name = "segment"

    def __init__(self, settings: Settings) -> None:
        self.segmenter = build_segmenter(settings.segmenter, settings.user_dict)
        self.version = self.segmenter.version

    def __call__(self, work: Work) -> None:
        conv = work.conversation
        keep = needs_protection((conv.order_id, *conv.sku_ids))
        for turn in work.analysis.turns:
            turn.tokens, turn.spaces = self.segmenter.segment(turn.text, keep)


@stages.register("entities")
class Entities:
    """Needs the segment stage before it."""

    name = "entities"

    def __init__(self, settings: Settings) -> None:
        patterns = load_patterns()
        self.finder = EntityFinder(patterns)
        self.version = hashlib.sha256(json.dumps(patterns, sort_keys=True).encode()).hexdigest()[:12]

    def __call__(self, work: Work) -> None:
        conv = work.conversation
        declared = {sku: "SKU_ID" for sku in conv.sku_ids if sku}
        if conv.order_id:
            declared[conv.order_id] = "ORDER_ID"
        turns = work.analysis.turns
        found = self.finder.find([(t.text, t.tokens, t.spaces) for t in turns], declared)
        for turn, entities in zip(turns, found, strict=True):
            turn.entities = entities
