"""The sentiment model: a calibrated linear model over hashed char n-grams, words and lexicon rules.

Why linear: on this task a linear model with the right features gets within a few points of
fine-tuned BERT at a hundred times the speed on one CPU core, and it is a pair of plain files
(`model.json` + `model.npz`) that load without pickle, diff in review, and version by content hash.

    raw = bias + (sum W_hash[char n-grams] + sum w_word[tokens] [+ sum w_pair[adjacent token pairs]]
                  {+ sum w_domain[d][tokens and pairs]})
                 / sqrt(#n-grams + #tokens [+ #pairs] {+ #tokens + #pairs})
              + lexicon_weights . lexicon_features(tokens)

([...] only in models that use word pairs: `voc sentiment train --learner factorised`; {...} only
in models trained with domains, `--domain-column`: d = the model's router's domain of the text,
domains.py)
    P(positive) = sigmoid(a * raw + c)                    (a, c: Platt calibration)

The label rule (NEUTRAL is a decision, not rounding) lives in `decide`; docs/sentiment.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from voc_service.domain import SentimentLabel, TurnSentiment
from voc_service.sentiment.domains import DomainRouter
from voc_service.sentiment.features import CharHasher
from voc_service.sentiment.lexicon import RuleLexicon, RuleResult, RuleWords
from voc_service.text.segment import token_pairs

FORMAT = "voc-sentiment-linear/2"  # /2 added word pairs; /1 files (no pairs) load unchanged
DOMAINS_FORMAT = "voc-sentiment-linear/3"  # /3 adds a domain router; written only by models that have one
READABLE_FORMATS = ("voc-sentiment-linear/1", FORMAT, DOMAINS_FORMAT)
DEFAULT_MODEL = "default"
DEFAULT_NEUTRAL_MARGIN = 0.4  # |score| < 0.4, i.e. 0.3 < P(positive) < 0.7
RULE_MIN = 1.0  # |lexicon verdict| from which a negation / contrast rule overrides the model
RULE_MAX_CHARS = 20  # ... in a turn this short: in long reviews the n-grams know better (measured)
SHORT_TURN_CHARS = 8  # 太好了, 好的谢谢: too few n-grams to outvote a curated word (a coin flip on reviews)


class ModelFormatError(ValueError):
    """A model directory that is missing files or was written in another format."""


@dataclass(slots=True)
class SentimentModel:
    name: str
    hasher: CharHasher
    hash_weights: np.ndarray  # float32, hasher.size
    word_weights: dict[str, float]
    bias: float
    lexicon: RuleLexicon
    lexicon_weights: tuple[float, float, float, float]
    platt: tuple[float, float] = (1.0, 0.0)
    neutral_margin: float = DEFAULT_NEUTRAL_MARGIN
    meta: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # name@content-hash, set when saved or loaded
    pair_weights: dict[str, float] = field(default_factory=dict)
    pairs: bool = False  # pairs count in the normaliser (a trained property: set by the learner)
    rule_overrides: bool = True  # step 2 of decide_many; training turns it off where it costs accuracy
    router: DomainRouter | None = None  # models trained with domains: which per-domain weights apply
    domain_weights: list[dict[str, float]] = field(default_factory=list)  # per router domain: token / pair -> weight

    # ---------------------------------------------------------------- inference
    def raw_scores(
        self, items: Sequence[tuple[list[str], str]], rules: Sequence[RuleResult] | None = None
    ) -> list[float]:
        """Uncalibrated scores of (tokens, text) pairs; one vectorised hashing pass for all."""
        n = len(items)
        buckets, owner = self.hasher.buckets_many([text for _, text in items])
        hash_sum = np.bincount(owner, weights=self.hash_weights.take(buckets), minlength=n).tolist()
        hash_count = np.bincount(owner, minlength=n).tolist()
        if rules is None:
            rules = [self.lexicon.analyse(tokens) for tokens, _ in items]
        get, bias = self.word_weights.get, self.bias
        w0, w1, w2, w3 = self.lexicon_weights
        pget = self.pair_weights.get
        out = []
        routed = self.router.route_many([t for t, _ in items]) if self.router is not None else repeat(None)
        for (tokens, _), hs, hc, r, domain in zip(items, hash_sum, hash_count, rules, routed):
            k = len(tokens)
            keys: list[str] = []
            if self.pairs:
                keys = token_pairs(tokens)
                hs += sum(map(pget, keys, repeat(0.0)))
                hc += len(keys)
            if domain is not None:
                dget = self.domain_weights[domain].get
                hs += sum(map(dget, tokens, repeat(0.0))) + sum(map(dget, keys, repeat(0.0)))
                hc += k + len(keys)
            s = (hs + sum(map(get, tokens, repeat(0.0)))) / math.sqrt(max(1, hc + k)) + bias
            f0, f1, f2, f3 = r.features()
            out.append(s + w0 * f0 + w1 * f1 + w2 * f2 + w3 * f3)
        return out

    def raw_score(self, tokens: list[str], text: str) -> float:
        return self.raw_scores([(tokens, text)])[0]

    def probabilities(
        self, items: Sequence[tuple[list[str], str]], rules: Sequence[RuleResult] | None = None
    ) -> list[float]:
        """Calibrated P(positive) of each item."""
        a, c = self.platt
        return [1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * r + c)))) for r in self.raw_scores(items, rules)]

    def probability(self, tokens: list[str], text: str) -> float:
        return self.probabilities([(tokens, text)])[0]

    def decide_many(
        self, items: Sequence[tuple[list[str], str]], charged: Sequence[bool] | None = None
    ) -> list[TurnSentiment]:
        """Score, label and confidence of each (tokens, text) turn. The rule, in order:

        1. score = 2 P(positive) - 1 from the calibrated model;
        2. rules over n-grams: when a negator or 但是 turned a project-lexicon word (不是很满意,
           虽然不错，但是太贵了) in a turn of at most 20 characters, or a turn of at most 8 characters
           holds a project-lexicon word (太好了), and the lexicon rules clearly disagree with the
           model's sign, the rules decide: score = tanh(verdict / 2). N-gram weights learned from
           reviews cannot know that 很满意 after 不是 means the opposite. A model trained with
           `voc sentiment train` keeps this step only if it does not cost accuracy on its own
           calibration rows (`rule_overrides`);
        3. neutral cues: a question, a lukewarm remark (还行吧), or a turn without any clear
           sentiment word (RuleResult.strong == 0), and no project-lexicon sentiment word either:
           the score keeps its direction but is shrunk into the neutral zone (x margin). A
           review-trained model reads 什么时候发货? or 帮我查一下物流 as a complaint about shipping;
           in service chat they are plain requests.
           A turn the emotion stage flagged (`charged`: anger, anxiety, disappointment,
           escalation) gets no neutral cue: 为什么还不发货?都一周了! is a complaint;
        4. label: POSITIVE if score >= margin, NEGATIVE if score <= -margin, else NEUTRAL;
           confidence: (1 + |score|) / 2 for POSITIVE / NEGATIVE, 1 - |score| / (2 margin) for NEUTRAL.
        """
        m = self.neutral_margin
        lex = self.lexicon
        rules = [lex.analyse(tokens) for tokens, _ in items]
        flags = charged if charged is not None else [False] * len(items)
        out = []
        for (tokens, text), p, r, hot in zip(items, self.probabilities(items, rules), rules, flags):
            score = 2.0 * p - 1.0
            verdict = r.verdict
            curated = lex.has_strong_word(tokens)
            if (
                self.rule_overrides
                and verdict * score < 0
                and abs(verdict) >= RULE_MIN
                and ((r.turned and len(text) <= RULE_MAX_CHARS) or (len(text) <= SHORT_TURN_CHARS and curated))
            ):
                score = math.tanh(verdict / 2.0)
            if (
                abs(score) >= m
                and not hot
                and not curated
                and (r.strong == 0 or lex.is_question(text) or lex.has_lukewarm_word(tokens))
            ):
                score *= m
            if score >= m:
                out.append(TurnSentiment(score, SentimentLabel.POSITIVE, (1.0 + score) / 2.0))
            elif score <= -m:
                out.append(TurnSentiment(score, SentimentLabel.NEGATIVE, (1.0 - score) / 2.0))
            else:
                out.append(TurnSentiment(score, SentimentLabel.NEUTRAL, 1.0 - abs(score) / (2.0 * m)))
        return out

    def decide(self, tokens: list[str], text: str) -> TurnSentiment:
        return self.decide_many([(tokens, text)])[0]

    # ---------------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> str:
        """Writes model.json + model.npz; returns the version (name@content hash)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        feats = sorted(self.word_weights)
        words = sorted(self.lexicon.scores)
        pairs = sorted(self.pair_weights)
        arrays = {
            "hash_weights": self.hash_weights.astype(np.float16),
            "word_features": np.array(feats, dtype=str),
            "word_weights": np.array([self.word_weights[f] for f in feats], dtype=np.float32),
            "lexicon_words": np.array(words, dtype=str),
            "lexicon_scores": np.array([self.lexicon.scores[w] for w in words], dtype=np.float32),
        }
        if self.pairs:
            arrays["pair_features"] = np.array(pairs, dtype=str)
            arrays["pair_weights"] = np.array([self.pair_weights[f] for f in pairs], dtype=np.float32)
        if self.router is not None:
            arrays.update(_domain_arrays(self.router, self.domain_weights))
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        doc = {
            # a model without /2 features (word pairs, overrides off) is written as /1, byte for
            # byte what older versions wrote; an older reader refuses /2 rather than misread it
            "format": DOMAINS_FORMAT
            if self.router is not None
            else FORMAT
            if self.pairs or not self.rule_overrides
            else READABLE_FORMATS[0],
            "name": self.name,
            "hasher": self.hasher.to_json(),
            "bias": self.bias,
            "platt": list(self.platt),
            "lexicon_weights": list(self.lexicon_weights),
            "neutral_margin": self.neutral_margin,
            "rules": self.lexicon.rules.to_json(),
            "meta": self.meta,
        }
        if self.pairs:
            doc["pairs"] = True
        if not self.rule_overrides:  # written only when off: older files stay byte for byte the same
            doc["rule_overrides"] = False
        blob = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        (d / "model.npz").write_bytes(buf.getvalue())
        (d / "model.json").write_bytes(blob)
        self.version = _version(self.name, blob, buf.getvalue())
        return self.version


def load_model(directory: str | Path) -> SentimentModel:
    d = Path(directory)
    try:
        blob = (d / "model.json").read_bytes()
        npz = (d / "model.npz").read_bytes()
    except OSError as exc:
        raise ModelFormatError(f"sentiment model {d}: {exc.strerror}: {exc.filename}") from None
    try:
        doc = json.loads(blob)
        if doc.get("format") not in READABLE_FORMATS:
            raise ModelFormatError(
                f"sentiment model {d}: format {doc.get('format')!r}, expected one of {list(READABLE_FORMATS)}"
            )
        z = np.load(io.BytesIO(npz), allow_pickle=False)  # never unpickle a model file
        hasher = CharHasher.from_json(doc["hasher"])
        hw = z["hash_weights"].astype(np.float32)
        if hw.shape != (hasher.size,):
            raise ModelFormatError(f"sentiment model {d}: hash table has {hw.size} weights, expected {hasher.size}")
        rules = RuleWords.from_json(doc["rules"])
        lexicon = RuleLexicon(rules, dict(zip(z["lexicon_words"].tolist(), z["lexicon_scores"].tolist())))
        model = SentimentModel(
            name=str(doc["name"]),
            hasher=hasher,
            hash_weights=hw,
            word_weights=dict(zip(z["word_features"].tolist(), z["word_weights"].tolist())),
            bias=float(doc["bias"]),
            lexicon=lexicon,
            lexicon_weights=tuple(float(x) for x in doc["lexicon_weights"]),  # type: ignore[arg-type]
            platt=(float(doc["platt"][0]), float(doc["platt"][1])),
            neutral_margin=float(doc.get("neutral_margin", DEFAULT_NEUTRAL_MARGIN)),
            meta=dict(doc.get("meta", {})),
        )
        model.rule_overrides = bool(doc.get("rule_overrides", True))
        if doc.get("pairs"):
            model.pairs = True
            model.pair_weights = dict(zip(z["pair_features"].tolist(), z["pair_weights"].tolist()))
        if doc.get("format") == DOMAINS_FORMAT:
            model.router, model.domain_weights = _domains_from(z)
    except ModelFormatError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, OSError) as exc:
        raise ModelFormatError(f"sentiment model {d}: unreadable ({type(exc).__name__}: {exc})") from None
    model.version = _version(model.name, blob, npz)
    return model


def _domain_arrays(router: DomainRouter, weights: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """The router (its words and their weights per domain) and every domain's feature weights,
    as flat arrays: one array of (domain index, feature) rows rather than an array per domain."""
    words = sorted(router.index, key=router.index.__getitem__)
    owner = [d for d, table in enumerate(weights) for _ in table]
    feats = [f for table in weights for f in table]
    return {
        "domain_names": np.array(router.names, dtype=str),
        "router_words": np.array(words, dtype=str),
        "router_weights": router.weights.astype(np.float32),
        "domain_owner": np.array(owner, dtype=np.int32),
        "domain_features": np.array(feats, dtype=str),
        "domain_weights": np.array([w for table in weights for w in table.values()], dtype=np.float32),
    }


def _domains_from(z: Any) -> tuple[DomainRouter, list[dict[str, float]]]:
    names = tuple(z["domain_names"].tolist())
    words = z["router_words"].tolist()
    rw = z["router_weights"].astype(np.float32)
    if rw.shape != (len(words), len(names)):
        raise ValueError(f"router weights of shape {rw.shape}, expected {(len(words), len(names))}")
    tables: list[dict[str, float]] = [{} for _ in names]
    for d, f, w in zip(z["domain_owner"].tolist(), z["domain_features"].tolist(), z["domain_weights"].tolist()):
        tables[d][f] = w
    return DomainRouter(names, {w: i for i, w in enumerate(words)}, rw), tables


def default_model_dir() -> Path:
    return Path(str(resources.files("voc_service.sentiment.data").joinpath("models", DEFAULT_MODEL)))


def resolve_model_dir(setting: str) -> Path:
    """The `sentiment_model` setting: "default" (shipped in the package) or a directory."""
    return default_model_dir() if setting == DEFAULT_MODEL else Path(setting)


def _version(name: str, blob: bytes, npz: bytes) -> str:
    return f"{name}@{hashlib.sha256(blob + npz).hexdigest()[:12]}"
