"""The condition tree of a rule: ``all`` / ``any`` / ``not`` over leaves, each leaf one operator
with a scope (role, first / last N turns of that role, or turns around another leaf's hits).

Compiled from the YAML mapping once per pack; every error says which field is at fault
(``when.all[1].keywords.any_of``), the pack loader adds file and rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from voc_service.domain import Role
from voc_service.qa.operators import CompileContext, Operator, operators
from voc_service.qa.view import ConversationView, Hit

_ROLES = {"customer": Role.CUSTOMER, "agent": Role.AGENT, "bot": Role.BOT, "system": Role.SYSTEM}
_SCOPE_KEYS = ("id", "role", "range", "anchor")


class ConditionError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(slots=True)
class Anchor:
    ref: str
    mode: str  # after | before | within
    turns: int

    def admits(self, i: int, anchors: set[int]) -> bool:
        if self.mode == "after":
            return any(0 < i - a <= self.turns for a in anchors)
        if self.mode == "before":
            return any(0 < a - i <= self.turns for a in anchors)
        return any(abs(i - a) <= self.turns for a in anchors)


class Evaluation:
    """One rule on one conversation: memoises leaf results so an anchor is evaluated once."""

    __slots__ = ("view", "leaves", "_memo")

    def __init__(self, view: ConversationView, leaves: dict[str, Leaf]) -> None:
        self.view = view
        self.leaves = leaves
        self._memo: dict[str, list[Hit]] = {}

    def leaf_hits(self, name: str) -> list[Hit]:
        got = self._memo.get(name)
        if got is None:
            got = self._memo[name] = self.leaves[name].compute(self)
        return got


@dataclass(slots=True)
class Leaf:
    op: Operator
    roles: frozenset[Role] | None = None
    first: int | None = None
    last: int | None = None
    anchor: Anchor | None = None
    name: str = ""

    def scope(self, ev: Evaluation) -> list[int]:
        turns = ev.view.turns_of(self.roles)
        if self.first is not None:
            turns = turns[: self.first]
        elif self.last is not None:
            turns = turns[-self.last :]
        if self.anchor is not None:
            anchors = {h[0] for h in ev.leaf_hits(self.anchor.ref)}
            turns = [i for i in turns if self.anchor.admits(i, anchors)] if anchors else []
        return turns

    def compute(self, ev: Evaluation) -> list[Hit]:
        return self.op.hits(ev.view, self.scope(ev) if self.op.scoped else [])

    def evaluate(self, ev: Evaluation) -> tuple[bool, list[Hit]]:
        hits = ev.leaf_hits(self.name) if self.name else self.compute(ev)
        return bool(hits), hits


@dataclass(slots=True)
class All:
    children: list[Node] = field(default_factory=list)

    def evaluate(self, ev: Evaluation) -> tuple[bool, list[Hit]]:
        hits: list[Hit] = []
        for child in self.children:
            ok, got = child.evaluate(ev)
            if not ok:
                return False, []
            hits.extend(got)
        return True, hits


@dataclass(slots=True)
class AnyOf:
    children: list[Node] = field(default_factory=list)

    def evaluate(self, ev: Evaluation) -> tuple[bool, list[Hit]]:
        ok_any, hits = False, []
        for child in self.children:
            ok, got = child.evaluate(ev)
            if ok:
                ok_any = True
                hits.extend(got)
        return ok_any, hits


@dataclass(slots=True)
class Not:
    child: Node

    def evaluate(self, ev: Evaluation) -> tuple[bool, list[Hit]]:
        ok, _ = self.child.evaluate(ev)
        return not ok, []


Node = Leaf | All | AnyOf | Not


@dataclass(slots=True)
class Compiled:
    root: Node
    leaves: dict[str, Leaf]  # named leaves (anchors refer to them)
    requires: set[str]
    triggers: set[int] | None  # keyword leaf keys; None = the rule must always be evaluated
    # (keyword leaf key, roles) when the whole rule is one plain "any of these words, said by
    # these roles" condition: the engine then reads its hits straight from the scan (most
    # keyword rules of a large pack are this shape)
    plain_keywords: tuple[int, frozenset[Role] | None] | None = None


def compile_condition(spec: Any, ctx: CompileContext, path: str = "when") -> Compiled:
    leaves: dict[str, Leaf] = {}
    requires: set[str] = set()
    root = _node(spec, ctx, path, leaves, requires)
    for where, leaf in _anchored(root, path):
        assert leaf.anchor is not None
        if leaf.anchor.ref not in leaves:
            raise ConditionError(f"{where}.anchor.ref", f"no condition with id {leaf.anchor.ref!r} in this rule")
        seen, ref = {leaf.name} if leaf.name else set(), leaf.anchor.ref
        while ref:  # follow the chain of anchors: it must end, not come back
            if ref in seen:
                raise ConditionError(f"{where}.anchor.ref", "anchors form a cycle")
            seen.add(ref)
            nxt = leaves[ref].anchor
            ref = nxt.ref if nxt is not None else ""
    return Compiled(root, leaves, requires, _triggers(root), _plain_keywords(root))


def _plain_keywords(node: Node) -> tuple[int, frozenset[Role] | None] | None:
    from voc_service.qa.operators import Keywords

    if not isinstance(node, Leaf) or node.first is not None or node.last is not None or node.anchor is not None:
        return None
    op = node.op
    if not isinstance(op, Keywords) or not op.is_plain:
        return None
    return op.key, node.roles


def _anchored(node: Node, path: str) -> list[tuple[str, Leaf]]:
    if isinstance(node, Leaf):
        return [(path, node)] if node.anchor is not None else []
    if isinstance(node, Not):
        return _anchored(node.child, f"{path}.not")
    word = "all" if isinstance(node, All) else "any"
    return [x for k, child in enumerate(node.children) for x in _anchored(child, f"{path}.{word}[{k}]")]


def _triggers(node: Node) -> set[int] | None:
    """Keyword leaves of which at least one must have a hit for the node to be true (None when
    the node can be true without any: none_of, not, timing ...). Lets the engine skip, in one set
    lookup, every keyword rule whose words are absent from the conversation."""
    if isinstance(node, Leaf):
        return None if node.op.trigger is None else {node.op.trigger}
    if isinstance(node, All):
        for child in node.children:
            got = _triggers(child)
            if got is not None:
                return got
        return None
    if isinstance(node, AnyOf):
        out: set[int] = set()
        for child in node.children:
            got = _triggers(child)
            if got is None:
                return None
            out |= got
        return out
    return None


def _node(spec: Any, ctx: CompileContext, path: str, leaves: dict[str, Leaf], requires: set[str]) -> Node:
    if not isinstance(spec, dict) or not spec:
        raise ConditionError(path, "a condition is a mapping: all / any / not, or one operator with its scope")
    for combinator in ("all", "any"):
        if combinator in spec:
            if len(spec) != 1:
                raise ConditionError(path, f"'{combinator}' stands alone; put other keys inside its list")
            items = spec[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionError(f"{path}.{combinator}", "a non-empty list of conditions")
            children = [_node(c, ctx, f"{path}.{combinator}[{k}]", leaves, requires) for k, c in enumerate(items)]
            return All(children) if combinator == "all" else AnyOf(children)
    if "not" in spec:
        if len(spec) != 1:
            raise ConditionError(path, "'not' stands alone")
        return Not(_node(spec["not"], ctx, f"{path}.not", leaves, requires))
    return _leaf(spec, ctx, path, leaves, requires)


def _leaf(spec: dict, ctx: CompileContext, path: str, leaves: dict[str, Leaf], requires: set[str]) -> Leaf:
    known = operators.get_all()
    ops = [k for k in spec if k not in _SCOPE_KEYS]
    if len(ops) != 1 or ops[0] not in known:
        raise ConditionError(
            path, f"exactly one operator per condition (got {ops or 'none'}); operators: {', '.join(sorted(known))}"
        )
    name = ops[0]
    cls = known[name]
    params = spec[name] if spec[name] is not None else {}
    if not isinstance(params, dict):
        raise ConditionError(f"{path}.{name}", "the operator's parameters are a mapping")
    try:
        op = cls(cls.Params.model_validate(params), ctx)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConditionError(f"{path}.{name}{'.' + where if where else ''}", err["msg"]) from None
    except ValueError as exc:
        raise ConditionError(f"{path}.{name}", str(exc)) from None
    requires.update(op.requires)
    leaf = Leaf(op)
    if not op.scoped and any(k in spec for k in ("role", "range", "anchor")):
        raise ConditionError(path, f"'{name}' defines its own roles and turns; remove role / range / anchor")
    if "role" in spec:
        leaf.roles = _roles(spec["role"], f"{path}.role")
    if "range" in spec:
        leaf.first, leaf.last = _range(spec["range"], f"{path}.range")
    if "anchor" in spec:
        leaf.anchor = _anchor(spec["anchor"], f"{path}.anchor")
    if "id" in spec:
        ident = spec["id"]
        if not isinstance(ident, str) or not ident:
            raise ConditionError(f"{path}.id", "a non-empty string")
        if ident in leaves:
            raise ConditionError(f"{path}.id", f"{ident!r} is used twice in this rule")
        leaf.name = ident
        leaves[ident] = leaf
    return leaf


def _roles(value: Any, path: str) -> frozenset[Role] | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConditionError(path, "a role name or a list of them")
    if "any" in names:
        return None
    bad = [n for n in names if n not in _ROLES]
    if bad:
        raise ConditionError(path, f"unknown role {bad[0]!r}; roles: any, {', '.join(_ROLES)}")
    return frozenset(_ROLES[n] for n in names)


def _range(value: Any, path: str) -> tuple[int | None, int | None]:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("first", "last"):
        raise ConditionError(path, "{first: N} or {last: N} (turns of the condition's role)")
    key, n = next(iter(value.items()))
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConditionError(f"{path}.{key}", "a positive whole number")
    return (n, None) if key == "first" else (None, n)


def _anchor(value: Any, path: str) -> Anchor:
    if not isinstance(value, dict) or not isinstance(value.get("ref"), str):
        raise ConditionError(path, "{ref: <id of another condition>, after | before | within: K}")
    modes = [k for k in ("after", "before", "within") if k in value]
    extra = set(value) - {"ref", "after", "before", "within"}
    if len(modes) != 1 or extra:
        raise ConditionError(path, "exactly one of after / before / within, besides ref")
    k = value[modes[0]]
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise ConditionError(f"{path}.{modes[0]}", "a whole number of turns >= 0")
    return Anchor(value["ref"], modes[0], k)
