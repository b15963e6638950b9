"""Seeded synthetic Chinese e-commerce customer-service conversations with exact ground truth.

Later components (PII redaction, sentiment, QA rules, topic clustering, complaint-spike detection)
measure themselves against these labels, so labels are recorded while the text is built, never
guessed from it afterwards.

    from voc_service.synth import GeneratorConfig, generate
    for item in generate(GeneratorConfig(seed=1, days=2)):
        item.conversation, item.labels

Modules: `model` (public dataclasses), `catalog` (SKUs), `phrases` (text banks and the lexicons
that define the labels), `pii` (valid personal data and look-alike hard negatives), `plan` and
`dialogue` (deciding, then rendering one conversation), `textops` (emotion markers, transcript
style, promise deadlines), `traffic` (arrival rates, intent mix, spikes), `generator` (the ordered
event loop with follow-ups after promises).

Determinism: every random draw comes from `random.Random` instances seeded from the config (string
seeds are hashed with SHA-512 by `random`, not with `hash()`), so output is identical across runs
and processes.

Speed (one core of a shared VM whose speed drifts ~2x, CPython 3.11, default config): 5,400-8,800
conversations/s, median ~6,500/s; a 40-day run of ~215,000 conversations took 29-37 s of CPU.
Conversations are produced lazily, so memory stays flat unless the caller keeps them (keeping
200k in a list adds GC time).
"""

from voc_service.synth.catalog import build_catalog
from voc_service.synth.generator import generate
from voc_service.synth.model import (
    Generated,
    GeneratorConfig,
    Labels,
    PiiSpan,
    Promise,
    Sku,
    SpikeSpec,
    TurnLabel,
    Violation,
    labels_to_dict,
)
from voc_service.synth.traffic import random_spikes

__all__ = [
    "Generated",
    "GeneratorConfig",
    "Labels",
    "PiiSpan",
    "Promise",
    "Sku",
    "SpikeSpec",
    "TurnLabel",
    "Violation",
    "build_catalog",
    "generate",
    "labels_to_dict",
    "random_spikes",
]
