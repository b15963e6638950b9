"""Rule packs: versioned YAML files, validated and compiled into rules at load.

The default pack ships in the package (data/default_pack.yaml); more packs come from the files and
directories in ``VOC_QA_PACKS``. Every error names the file, the rule and the field, and a pack
that fails to load never replaces the rules in use (see :mod:`voc_service.qa.stages`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voc_service.domain import Severity
from voc_service.qa.conditions import Compiled, ConditionError, compile_condition
from voc_service.qa.operators import CompileContext

DEFAULT_PACK = "default_pack.yaml"


class PackError(ValueError):
    """A pack that cannot be used; the message names file, rule and field."""

    def __init__(self, source: str, message: str, rule: str = "", field: str = "") -> None:
        where = source + (f", rule {rule!r}" if rule else "") + (f", field {field}" if field else "")
        super().__init__(f"{where}: {message}")
        self.source, self.rule, self.field = source, rule, field


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSpec(_Spec):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    version: int = Field(ge=1)
    description: str = Field(min_length=1)
    severity: Severity
    deduction: float = Field(ge=0, le=100)
    message: str = ""
    enabled: bool = True
    when: dict[str, Any]


class PackSpec(_Spec):
    pack: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    version: int | str
    description: str = ""
    lexicons: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[dict[str, Any]] = Field(min_length=1)


@dataclass(slots=True)
class Rule:
    id: str
    version: int
    description: str
    severity: Severity
    deduction: float
    message: str
    pack: str
    condition: Compiled


@dataclass(slots=True)
class RuleSet:
    rules: list[Rule]
    context: CompileContext  # holds the compiled keyword automaton shared by all rules
    version: str  # "<pack>@<version>+...#<sha256 of the sources, 12 hex>"
    requires: set[str]


def default_source() -> tuple[str, str]:
    text = resources.files("voc_service.qa.data").joinpath(DEFAULT_PACK).read_text(encoding="utf-8")
    return f"<package>/{DEFAULT_PACK}", text


def read_sources(paths: Sequence[Path], include_default: bool = True) -> list[tuple[str, str]]:
    """(name, text) of every pack: the packaged default first, then each file, then each
    directory's *.yaml / *.yml in name order. A missing path is an error, not a silent skip."""
    out = [default_source()] if include_default else []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise PackError(str(path), "no such file or directory")
        for f in files:
            try:
                out.append((str(f), f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise PackError(str(f), f"cannot read: {exc}") from None
    return out


def compile_packs(sources: Sequence[tuple[str, str]]) -> RuleSet:
    if not sources:
        raise PackError("<config>", "no rule pack configured")
    ctx = CompileContext({})
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    labels = []
    for name, text in sources:
        spec = _parse(name, text)
        labels.append(f"{spec.pack}@{spec.version}")
        ctx.lexicons = {k: [w for w in v if w] for k, v in spec.lexicons.items()}
        for k, raw in enumerate(spec.rules):
            rule = _rule(name, spec.pack, k, raw, ctx)
            if rule is None:
                continue
            if rule.id in seen:
                raise PackError(name, f"rule id also defined in {seen[rule.id]}", rule.id, "id")
            seen[rule.id] = name
            rules.append(rule)
    ctx.keywords.compile()
    digest = hashlib.sha256("\0".join(t for _, t in sources).encode()).hexdigest()[:12]
    requires = set().union(*(r.condition.requires for r in rules)) if rules else set()
    return RuleSet(rules, ctx, f"{'+'.join(labels)}#{digest}", requires)


def _parse(name: str, text: str) -> PackSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise PackError(name, f"not valid YAML{at}") from None
    if not isinstance(data, dict):
        raise PackError(name, "a pack is a mapping with pack, version and rules")
    try:
        return PackSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PackError(name, err["msg"], field=".".join(str(p) for p in err["loc"])) from None


def _rule(name: str, pack: str, k: int, raw: Any, ctx: CompileContext) -> Rule | None:
    rule_name = raw.get("id", f"#{k}") if isinstance(raw, dict) else f"#{k}"
    if not isinstance(raw, dict):
        raise PackError(name, "a rule is a mapping", f"#{k}")
    try:
        spec = RuleSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PackError(name, err["msg"], str(rule_name), ".".join(str(p) for p in err["loc"])) from None
    if not spec.enabled:
        return None
    try:
        condition = compile_condition(spec.when, ctx)
    except ConditionError as exc:
        raise PackError(name, exc.message, spec.id, exc.path) from None
    return Rule(
        spec.id, spec.version, spec.description, spec.severity, spec.deduction, spec.message or spec.description, pack, condition
    )
