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


ITEMS = ["衣服", "手机", "耳机", "鞋子", "台灯", "背包", "水杯", "键盘"]
GOOD = ["质量很好", "非常满意", "物超所值", "推荐购买", "做工精致", "发货很快"]
BAD = ["质量很差", "非常失望", "不推荐", "用了两天就坏了", "做工粗糙", "发货太慢"]
CALM = ["什么时候发货", "有没有优惠", "能开发票吗", "几天能到"]


def _write_csv(path: Path, items: list[str], neutral: bool = False) -> None:
    rows = [f"{i}{g},1" for i in items for g in GOOD] + [f"{i}{b},0" for i in items for b in BAD]
    if neutral:
        rows += [f"{i}{c}?,neutral" for i in items for c in CALM]
    path.write_text("comment,sentiment\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_sentiment_train_then_eval_on_held_out_items(tmp_path: Path) -> None:
    _write_csv(tmp_path / "train.csv", ITEMS[:6], neutral=True)
    _write_csv(tmp_path / "test.csv", ITEMS[6:])
    out = tmp_path / "my-model"
    trained = run("sentiment", "train", "--csv", str(tmp_path / "train.csv"), "--out", str(out), "--self-train-rounds", "0")
    assert trained.returncode == 0, trained.stderr
    info = json.loads(trained.stdout)
    assert info["version"].startswith("my-model@") and info["train_rows"] == 72 and info["neutral_rows"] == 24
    assert info["learner"] == "logistic"  # auto: too few rows for the factorised learner
    assert (out / "model.json").exists() and (out / "model.npz").exists()
    ev = run("sentiment", "eval", "--csv", str(tmp_path / "test.csv"), "--model", str(out), "--json")
    assert ev.returncode == 0, ev.stderr
    report = json.loads(ev.stdout)
    assert report["model"] == info["version"] and report["rows"] == 24
    assert report["accuracy"] >= 0.9 and report["macro_f1"] >= 0.9
    assert sum(report["confusion"]["negative"].values()) == 12
    table = run("sentiment", "eval", "--csv", str(tmp_path / "test.csv"), "--model", str(out))
    assert "accuracy" in table.stdout and "confusion" in table.stdout and "turns/s" in table.stdout
    # the trained model serves: VOC_SENTIMENT_MODEL selects it
    conv = make_conversation("m-1", "耳机质量很差")
    import os
    proc = subprocess.run([*VOC, "analyze", "--jsonl", "-"], input=to_json(conv), capture_output=True, text=True,
                          timeout=300, env={**os.environ, "VOC_SENTIMENT_MODEL": str(out)}, check=False)
    result = json.loads(proc.stdout)
    assert result["versions"]["sentiment"] == info["version"]
    assert result["turns"][0]["sentiment"]["label"] == "NEGATIVE"


def test_sentiment_commands_report_bad_input_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\n很好,1\n很差,maybe\n", encoding="utf-8")
    r = run("sentiment", "eval", "--csv", str(bad))
    assert r.returncode == 2 and "line 3" in r.stderr and "'maybe'" in r.stderr and "Traceback" not in r.stderr
    r = run("sentiment", "eval", "--csv", str(bad), "--text-column", "review")
    assert r.returncode == 2 and "no text column 'review'" in r.stderr and "text, label" in r.stderr
    r = run("sentiment", "eval", "--csv", str(tmp_path / "missing.csv"))
    assert r.returncode == 2 and "missing.csv" in r.stderr
    r = run("sentiment", "eval", "--csv", str(bad), "--model", str(tmp_path))
    assert r.returncode == 2 and "model.json" in r.stderr
    one = tmp_path / "one.csv"
    one.write_text("text,label\n很好,1\n不错,1\n", encoding="utf-8")
    r = run("sentiment", "train", "--csv", str(one), "--out", str(tmp_path / "m"))
    assert r.returncode == 2 and "both negative and positive" in r.stderr
    r = run("sentiment", "train", "--csv", str(one), "--out", str(tmp_path / "m"), "--learner", "factorised",
            "--epochs", "0")
    assert r.returncode == 2 and "epochs must be at least 1" in r.stderr and "Traceback" not in r.stderr


def test_sentiment_train_factorised_writes_a_word_pair_model(tmp_path: Path) -> None:
    _write_csv(tmp_path / "train.csv", ITEMS)
    out = tmp_path / "fm"
    trained = run("sentiment", "train", "--csv", str(tmp_path / "train.csv"), "--out", str(out),
                  "--learner", "factorised", "--epochs", "2")
    assert trained.returncode == 0, trained.stderr
    info = json.loads(trained.stdout)
    assert info["learner"] == "factorised" and 1 <= info["learned"]["epochs"] <= 2
    doc = json.loads((out / "model.json").read_text("utf-8"))
    assert doc["format"] == "voc-sentiment-linear/2" and doc["pairs"] is True
    ev = run("sentiment", "eval", "--csv", str(tmp_path / "train.csv"), "--model", str(out), "--json")
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout)["model"] == info["version"]


def test_sentiment_train_with_a_domain_column_writes_a_routed_model(tmp_path: Path) -> None:
    rows = [f"{i}{g},1,{'wear' if k < 4 else 'tech'}" for k, i in enumerate(ITEMS) for g in GOOD]
    rows += [f"{i}{b},0,{'wear' if k < 4 else 'tech'}" for k, i in enumerate(ITEMS) for b in BAD]
    train_csv = tmp_path / "train.csv"
    train_csv.write_text("comment,sentiment,category\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "dm"
    trained = run("sentiment", "train", "--csv", str(train_csv), "--out", str(out), "--domain-column", "category",
                  "--learner", "factorised", "--epochs", "2", "--self-train-rounds", "0")
    assert trained.returncode == 0, trained.stderr
    info = json.loads(trained.stdout)
    assert info["domains"] == ["tech", "wear"]
    assert json.loads((out / "model.json").read_text("utf-8"))["format"] == "voc-sentiment-linear/3"
    _write_csv(tmp_path / "test.csv", ITEMS)  # no domain column: the model routes each text itself
    ev = run("sentiment", "eval", "--csv", str(tmp_path / "test.csv"), "--model", str(out), "--json")
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout)["model"] == info["version"] and json.loads(ev.stdout)["accuracy"] >= 0.9
    r = run("sentiment", "train", "--csv", str(train_csv), "--out", str(out), "--domain-column", "shop")
    assert r.returncode == 2 and "no domain column 'shop'" in r.stderr and "Traceback" not in r.stderr
    train_csv.write_text("comment,sentiment,category\n" + "\n".join(rows[:5]) + "\n很差,0,\n", encoding="utf-8")
    r = run("sentiment", "train", "--csv", str(train_csv), "--out", str(out), "--domain-column", "category")
    assert r.returncode == 2 and "line 7: empty domain in column 'category'" in r.stderr
    train_csv.write_text("comment,sentiment,category\n" + "\n".join(rows) + "\n很差,0,other\n", encoding="utf-8")
    r = run("sentiment", "train", "--csv", str(train_csv), "--out", str(out), "--domain-column", "category")
    assert r.returncode == 2 and "fewer than 20 rows cannot be learned: other" in r.stderr


def test_spikes_backtest_writes_one_row_per_input_row(tmp_path: Path) -> None:
    import random

    rng = random.Random(9)
    rows = ["timestamp,value,conversations"]
    for h in range(24 * 14):
        total = 300 + (150 if h % 24 in range(9, 22) else 0)
        complaints = sum(rng.random() < (0.15 if 24 * 10 + 9 <= h < 24 * 10 + 12 else 0.04) for _ in range(total))
        rows.append(f"2026-11-{1 + h // 24:02d}T{h % 24:02d}:00:00+08:00,{complaints},{total}")
    src = tmp_path / "series.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = run("spikes", "--csv", str(src), "--total-column", "conversations", "--out", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert "mode rate, 1 signal(s)" in done.stderr
    out = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert out[0] == "timestamp,value,expected,score,alert" and len(out) == len(rows)
    first = next(i for i, line in enumerate(out[1:]) if line.endswith(",1"))
    assert first == 24 * 10 + 9  # the first bucket of the injected rise
    bad = run("spikes", "--csv", str(src), "--total-column", "traffic")
    assert bad.returncode == 2 and "column traffic: missing" in bad.stderr and "Traceback" not in bad.stderr
