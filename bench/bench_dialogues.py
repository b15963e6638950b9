"""Real dialogues from ../shared/data/dialogues/ through `voc analyze`: convert both sets to
Conversation JSONL, run the CLI, and require zero error lines. Reports PII spans redacted.

Turn roles: taobao_ecd turns alternate speakers and start with the customer (not marked in the
data, so this is an assumption); weibo_helpdesk turns carry sender customer/helpdesk, and each
utterance becomes a turn (empty utterances — dropped emoji/images — are kept as empty turns).

    .venv/bin/python bench/bench_dialogues.py
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import ROOT, record, shared_file


def taobao(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        turns = [{"role": "CUSTOMER" if i % 2 == 0 else "AGENT", "text": t} for i, t in enumerate(item["turns"])]
        out.append({"conversationId": f"taobao-{item['id']}", "channel": "taobao_ecd", "turns": turns})
    return out


def weibo(path: Path) -> list[dict]:
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        turns = [
            {"role": "CUSTOMER" if t["sender"] == "customer" else "AGENT", "text": u}
            for t in item["turns"]
            for u in (t["utterances"] or [""])
        ]
        out.append({"conversationId": f"weibo-{item['id']}", "channel": "weibo", "turns": turns})
    return out


def main() -> None:
    convs = taobao(shared_file("dialogues/taobao_ecd_sample.jsonl")) + weibo(
        shared_file("dialogues/weibo_helpdesk_390.json")
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "dialogues.jsonl"
        src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in convs), encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "voc_service", "analyze", "--jsonl", str(src)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        secs = time.perf_counter() - t0
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    errors = [r for r in results if "error" in r]
    kinds: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    emotions: Counter[str] = Counter()
    customer_turns = 0
    for r in results:
        for t in r.get("turns", []):
            kinds.update(x["kind"] for x in t.get("redactions", []))
            entities.update(x["label"] for x in t.get("entities", []))
            if t.get("role") == "CUSTOMER":
                customer_turns += 1
                emotions.update({x["kind"] for x in t.get("emotions", [])})
    turns = sum(len(c["turns"]) for c in convs)
    print(f"{len(convs)} real conversations ({turns} turns) through `voc analyze` in {secs:.1f}s (incl. start-up)")
    print(f"result lines: {len(results)}, error lines: {len(errors)}, exit code {proc.returncode}")
    print(f"PII spans redacted: {sum(kinds.values())} {dict(kinds)}")
    print(f"entities: {dict(entities.most_common())}")
    rates = {k: f"{v} ({100 * v / customer_turns:.1f}%)" for k, v in emotions.most_common()}
    print(f"emotional-risk cues in {customer_turns} customer turns: {rates}")
    labels: dict[str, Counter[str]] = {"CUSTOMER": Counter(), "AGENT": Counter()}
    customer: list[tuple[str, str, float]] = []
    complaints = 0
    satisfaction: list[float] = []
    for r in results:
        summary = r.get("sentiment", {})
        complaints += bool(summary.get("complaint"))
        if summary.get("customerTurns"):
            satisfaction.append(summary.get("customerSatisfaction", 0.0))
        for t in r.get("turns", []):
            s = t.get("sentiment")
            if s is None or t.get("role") not in labels:
                continue
            labels[t["role"]][s.get("label", "")] += 1
            if t["role"] == "CUSTOMER" and t.get("redactedText", "").strip():
                customer.append((t["redactedText"], s.get("label", ""), s.get("score", 0.0)))
    print(f"sentiment labels: { ({k: dict(v) for k, v in labels.items()}) }")
    print(
        f"complaint conversations: {complaints} of {len(results)} ({100 * complaints / max(1, len(results)):.1f}%); "
        f"customer_satisfaction median {sorted(satisfaction)[len(satisfaction) // 2]:+.2f}"
        if satisfaction
        else ""
    )
    sample = random.Random(20261122).sample(customer, min(20, len(customer)))
    print("20 random customer turns (seeded):\n| # | turn | label | score |\n|---|---|---|---|")
    for i, (text, label, score) in enumerate(sample, 1):
        print(f"| {i} | {text[:60]} | {label} | {score:+.2f} |")
    # --- quality inspection: flag rate per rule and 20 random findings with their evidence --------
    by_rule: Counter[str] = Counter()
    flagged = 0
    findings: list[tuple[str, str, int, str, str]] = []
    for r in results:
        quality = r.get("quality")
        if not quality:
            continue
        flagged += bool(quality.get("flagged"))
        turns_text = [t.get("redactedText", "") for t in r.get("turns", [])]
        for f in quality.get("findings", []):
            by_rule[f["ruleId"]] += 1
            i = f.get("turnIndex", 0)
            findings.append(
                (r["conversationId"], f["ruleId"], i, f.get("evidenceText", ""), turns_text[i] if 0 <= i < len(turns_text) else "")
            )
    n = max(1, len(results))
    print(f"\nQA: {flagged} of {len(results)} conversations flagged ({100 * flagged / n:.1f}%); findings per rule "
          "(conversations hit, share):")
    for rule, count in by_rule.most_common():
        print(f"  {rule:22s} {count:4d} ({100 * count / n:.1f}%)")
    qa_sample = random.Random(20261123).sample(findings, min(20, len(findings)))
    print("20 random findings (seeded):\n| # | conversation | rule | turn | evidence | turn text |\n|---|---|---|---|---|---|")
    for k, (cid, rule, i, ev, text) in enumerate(qa_sample, 1):
        print(f"| {k} | {cid} | {rule} | {i} | {ev[:30]} | {text[:60]} |")
    record(
        "dialogues",
        {
            "conversations": len(convs),
            "turns": turns,
            "errors": len(errors),
            "redactions": dict(kinds),
            "entities": dict(entities),
            "emotions": dict(emotions),
            "sentiment_labels": {k: dict(v) for k, v in labels.items()},
            "complaints": complaints,
            "customer_turn_sample": sample,
            "qa_flagged": flagged,
            "qa_findings_by_rule": dict(by_rule),
            "qa_finding_sample": qa_sample,
        },
    )
    if errors or len(results) != len(convs) or proc.returncode:
        sys.exit(f"FAILED: {errors[:3]} {proc.stderr[-500:]}")


if __name__ == "__main__":
    main()
