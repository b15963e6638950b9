"""The `voc` command as a user runs it (separate processes, real files, real server)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import make_conversation

from voc_service.jsonl import to_json

VOC = [sys.executable, "-m", "voc_service"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOC, *args], input=stdin, capture_output=True, text=True, timeout=300, check=False)


def test_analyze_jsonl_one_result_per_line_in_order_with_error_lines(tmp_path: Path) -> None:
    lines = [
        to_json(make_conversation("x-1")),
        "{not json",
        to_json(make_conversation("")),  # valid JSON, invalid conversation
        "",  # blank lines are skipped, not errors
        to_json(make_conversation("x-4", "支持七天无理由吗")),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = run("analyze", "--jsonl", str(src), "--tokens")
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == 4
    assert results[0]["conversationId"] == "x-1" and "<PHONE>" in results[0]["turns"][0]["redactedText"]
    assert results[1] == {
        "line": 2,
        "error": {"code": "INVALID_ARGUMENT", "field": "", "message": results[1]["error"]["message"]},
    }
    assert results[1]["error"]["message"].startswith("not a Conversation in proto3 JSON")
    assert results[2]["line"] == 3 and results[2]["error"]["field"] == "conversation.conversation_id"
    assert results[3]["conversationId"] == "x-4" and "七天无理由" in results[3]["turns"][0]["tokens"]
    assert "2 line(s) rejected" in out.stderr


def test_analyze_reads_stdin() -> None:
    out = run("analyze", "--jsonl", "-", stdin=to_json(make_conversation("s-1")) + "\n")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["conversationId"] == "s-1"


def test_generate_then_ingest_to_a_server(tmp_path: Path, server) -> None:
    data, labels = tmp_path / "day.jsonl", tmp_path / "labels.jsonl"
    gen = run("generate", "--out", str(data), "--labels", str(labels), "--per-day", "300", "--seed", "3")
    assert gen.returncode == 0, gen.stderr
    n = len(data.read_text(encoding="utf-8").splitlines())
    assert n == len(labels.read_text(encoding="utf-8").splitlines()) and n > 200
    out = run("ingest", str(data), "--target", server.target)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"sent {n} conversations" in out.stdout and f"STORED     {n}" in out.stdout


def test_ingest_reports_unparseable_lines_and_fails(tmp_path: Path, server) -> None:
    src = tmp_path / "mixed.jsonl"
    src.write_text(to_json(make_conversation("mx-1")) + "\n{oops\n", encoding="utf-8")
    out = run("ingest", str(src), "--target", server.target)
    assert out.returncode == 1
    assert "not sent: line 2" in out.stdout and "STORED     1" in out.stdout


def test_help_lists_the_commands() -> None:
    out = run("--help")
    for command in ("serve", "analyze", "ingest", "generate", "demo"):
        assert command in out.stdout


def test_bad_setting_is_a_clear_error_not_a_traceback() -> None:
    out = run("serve", "--port", "70000")
    assert out.returncode == 2
    assert "invalid setting: VOC_PORT" in out.stderr and "Traceback" not in out.stderr


def test_port_in_use_is_a_clear_error(server, tmp_path: Path) -> None:
    out = run("serve", "--port", str(server.port), "--metrics-port", "-1", "--store", f"sqlite:///{tmp_path / 'x.db'}")
    assert out.returncode == 2
    assert "could not bind" in out.stderr and "Traceback" not in out.stderr
