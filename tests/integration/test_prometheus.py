"""Prometheus: the alert rules' unit tests (promtool), and a real Prometheus server scraping a
running voc server until the complaint-spike alert fires (Debian package `prometheus`; `make
test` installs it when missing)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from conftest import LIMIT_ENV, spike_history

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc
from voc_service.launcher import ServerProcess

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: `make test` installs the Debian package prometheus (apt-get install prometheus)")
    return path


def test_alert_rules_pass_their_promtool_unit_tests() -> None:
    promtool = _tool("promtool")
    check = subprocess.run([promtool, "check", "rules", str(RULES / "alerts.yml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    done = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=RULES, capture_output=True, text=True)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def spiking_server(module_store_url: str) -> Iterator[ServerProcess]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    env = {**LIMIT_ENV, "VOC_WORKERS": "0", "VOC_SPIKE_CHECK_SECONDS": "0.5", "VOC_SPIKE_GRACE_SECONDS": "0",
           "VOC_SPIKE_MIN_COMPLAINTS": "4"}
    # the history is backfilled with the pass off (the live pass judges buckets as they close)
    with ServerProcess(module_store_url, env={**env, "VOC_SPIKE_CHECK_SECONDS": "0"}) as loader:
        with grpc.insecure_channel(loader.target) as chan:
            acks = list(
                analysis_service_pb2_grpc.AnalysisServiceStub(chan).Ingest(
                    iter(pb.IngestRequest(conversation=c) for c in spike_history(now))
                )
            )
        assert all(a.outcome == pb.STORED for a in acks)
    with ServerProcess(module_store_url, env=env) as proc:
        yield proc


def test_a_spike_injected_over_grpc_fires_the_alert_in_prometheus(spiking_server: ServerProcess, tmp_path: Path) -> None:
    prometheus = _tool("prometheus")
    port = _free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES / "alerts.yml")],
                "scrape_configs": [
                    {"job_name": "voc", "static_configs": [{"targets": [f"127.0.0.1:{spiking_server.metrics_port}"]}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline, firing, seen = time.monotonic() + 90, None, []
        while time.monotonic() < deadline and firing is None:
            time.sleep(1)
            if proc.poll() is not None:
                pytest.fail("prometheus exited: " + (proc.stderr.read() if proc.stderr else ""))
            try:
                body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/alerts", timeout=5))
            except OSError:
                continue  # not listening yet
            seen = body["data"]["alerts"]
            firing = next(
                (a for a in seen if a["labels"]["alertname"] == "VocComplaintSpikeCritical" and a["state"] == "firing"),
                None,
            )
        assert firing is not None, f"no firing VocComplaintSpikeCritical within 90 s; alerts: {seen}"
        assert firing["labels"]["kind"] == "sku" and firing["labels"]["severity"] == "page"
        # nothing else pages: ingest went fine, nothing is down
        assert not [a for a in seen if a["labels"].get("severity") == "page" and a is not firing and a["state"] == "firing"]
    finally:
        proc.terminate()
        proc.wait(30)
