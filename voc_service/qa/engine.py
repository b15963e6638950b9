"""Runs a compiled rule set over one conversation: one keyword pass, then each rule's tree.

Rules whose keywords are absent are skipped by a set lookup (``Compiled.triggers``), so a pack of
hundreds of keyword rules costs little more than the automaton pass itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from voc_service.domain import Evidence, Finding, Quality, Severity, TurnAnalysis
from voc_service.qa.conditions import Evaluation
from voc_service.qa.operators import first_response
from voc_service.qa.pack import RuleSet
from voc_service.qa.view import ConversationView

MAX_EVIDENCE = 5  # per finding: enough for a reviewer, bounded for the store


class QaEngine:
    def __init__(self, ruleset: RuleSet, flag_below: float) -> None:
        self.ruleset = ruleset
        self.flag_below = flag_below
        self.version = ruleset.version
        # Rules that can only fire when one of their keyword conditions has a hit are indexed by
        # those conditions; the rest are always evaluated. A conversation then costs the automaton
        # pass plus the rules its words can trigger, not one check per rule in the pack.
        self._always: list[int] = []
        self._by_trigger: dict[int, list[int]] = {}
        for k, rule in enumerate(ruleset.rules):
            triggers = rule.condition.triggers
            if triggers is None:
                self._always.append(k)
            for key in triggers or ():
                self._by_trigger.setdefault(key, []).append(k)

    def inspect(self, turns: Sequence[TurnAnalysis], times: Sequence[datetime | None]) -> Quality:
        view = ConversationView(turns, times)
        view.keyword_hits = self.ruleset.context.keywords.scan(view.texts)
        candidates = set(self._always)
        for key in view.keyword_hits:
            candidates.update(self._by_trigger.get(key, ()))
        rules = self.ruleset.rules
        findings: list[Finding] = []
        plain = Evaluation(view, {})  # for rules without named conditions (nothing to memoise)
        roles = view.roles
        for k in sorted(candidates):
            rule = rules[k]
            fast = rule.condition.plain_keywords
            if fast is not None:  # one "any of these words" condition: hits straight from the scan
                key, who = fast
                raw = view.keyword_hits.get(key, ())
                hits = [h[:3] for h in raw] if who is None else [h[:3] for h in raw if roles[h[0]] in who]
                if not hits:
                    continue
            else:
                leaves = rule.condition.leaves
                ok, hits = rule.condition.root.evaluate(Evaluation(view, leaves) if leaves else plain)
                if not ok:
                    continue
            evidence = [Evidence(i, s, e, view.texts[i][s:e]) for i, s, e in sorted(set(hits))[:MAX_EVIDENCE]]
            findings.append(Finding(rule.id, rule.version, rule.severity, rule.deduction, rule.message, evidence))
        quality = score(findings, self.flag_below, self.version)
        waited = view.memo("first_response", lambda: first_response(view.roles, view.times))
        quality.first_response_seconds = None if waited is None else waited[1]
        return quality


def score(findings: list[Finding], flag_below: float, pack_version: str) -> Quality:
    """100 minus the deductions, floored at 0; flagged on a critical finding or a score under
    ``flag_below``. Also used when a cross-conversation finding (promise_broken) is added later."""
    value = max(0.0, 100.0 - sum(f.deduction for f in findings))
    flagged = value < flag_below or any(f.severity is Severity.CRITICAL for f in findings)
    return Quality(value, flagged, findings, pack_version)
