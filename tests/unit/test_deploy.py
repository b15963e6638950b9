"""Deployment files: the Dockerfile's steps, compose, Kubernetes manifests, the Grafana dashboard,
and `voc health` (the image's HEALTHCHECK and the TLS exec probes).

Docker and a cluster are not available here, so every step they would run is run or checked
here instead: the install script against the Makefile, the image's smoke analysis, the health
command against a real server; every manifest against the Kubernetes schemas (kubernetes-validate,
skipped with a reason when it is not installed), the kustomization with kubectl when present; and
every metric a dashboard panel, an alert rule or a scrape config names against the /metrics of a
real server."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from types import SimpleNamespace

import grpc
import pytest
import yaml
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from voc_service.cli import main as voc_main
from voc_service.config import Settings
from voc_service.launcher import ServerProcess, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "voc-overview.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
VOC = str(Path(sys.executable).with_name("voc"))


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _k8s() -> dict[tuple[str, str], dict]:
    """Every resource of deploy/k8s by (kind, name); the patch and the kustomization left out."""
    out: dict[tuple[str, str], dict] = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name in ("kustomization.yaml", "tls-patch.yaml"):
            continue
        for doc in _docs(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in out, f"{key} twice"
            out[key] = doc
    return out


# ------------------------------------------------------------------ the metrics a real server exports


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    db = tmp_path_factory.mktemp("deploy") / "voc.db"
    env = {"VOC_WORKERS": "0", "VOC_SPIKE_CHECK_SECONDS": "0", "VOC_TOPIC_POLL_SECONDS": "0"}
    with ServerProcess(sqlite_url(db), metrics_port=0, env=env) as proc:
        yield proc


@pytest.fixture(scope="module")
def exported(server: ServerProcess) -> dict[str, set[str]]:
    """Series name -> label names, from the server's own /metrics (types from `# TYPE`), plus the
    labels of metrics that have no sample yet (labelled counters, store-read gauges) from the
    objects that produce them."""
    from voc_service import telemetry

    body = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10).read().decode()
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", body, re.M))
    assert any(n.startswith("voc_") for n in types), body[:500]
    labels: dict[str, set[str]] = {}
    for family in (v for v in vars(telemetry).values() if hasattr(v, "_labelnames") and hasattr(v, "_name")):
        labels[family._name] = set(family._labelnames)  # type: ignore[attr-defined]
    counts = SimpleNamespace(reviewed=2, confirmed=1)
    collectors = [
        telemetry.RulePrecisionCollector(lambda: {"rule_x": counts}),
        telemetry.InsightsCollector(lambda: [], lambda: [("sku-1", 50.0)]),
    ]
    for collector in collectors:
        for family in collector.collect():
            labels[family.name] = {k for s in family.samples for k in s.labels}
    names: dict[str, set[str]] = {}
    for name, kind in types.items():
        base = name.removesuffix("_total") if kind == "counter" else name
        own = labels.get(base, set()) | labels.get(base.removesuffix("_created"), set())
        if kind == "counter":
            names[f"{base}_total"] = names[f"{base}_created"] = own
        elif kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count", "_created"):
                names[base + suffix] = own | ({"le"} if suffix == "_bucket" else set())
        else:
            names[name] = own
    for name, sample_labels in re.findall(r"^([a-zA-Z_:][\w:]*)\{([^}]*)\}", body, re.M):
        names.setdefault(name, set()).update(re.findall(r'(\w+)="', sample_labels))
    return names


# Prometheus's own series: the one any config here may name.
PROMETHEUS_SERIES = {"up": set()}
TARGET_LABELS = {"instance", "job"}

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
             "offset", "Inf", "NaN", "inf", "nan"}  # fmt: skip


def promql_names(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression uses: strings, ranges and Grafana variables
    dropped, identifiers followed by `(` (functions, aggregations) left out."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    labels: set[str] = set()
    for matchers in re.findall(r"\{([^}]*)\}", s):
        labels.update(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", matchers))
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    for group in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", s):
        labels.update(x.strip() for x in group.split(",") if x.strip())
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    names = {
        m.group(1)
        for m in re.finditer(r"(?<![\w$.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()", s)
        if m.group(1) not in _KEYWORDS
    }
    return names, labels


def test_promql_names_parser() -> None:
    names, labels = promql_names(
        'histogram_quantile(0.99, sum by (le, method) (rate(voc_rpc_duration_seconds_bucket{code="OK", '
        'method!~"Ingest|WatchSignals"}[$__rate_interval]))) > 0.5 and on (method) up{job="voc"} offset 5m'
    )
    assert names == {"voc_rpc_duration_seconds_bucket", "up"}
    assert labels == {"le", "method", "code", "job"}
    assert promql_names('sort_desc(max by (sku) (max_over_time(voc_sku_experience_index{sku=~"$sku"}[1d])) - '
                        'min by (sku) (voc_sku_experience_index) > 0)') == ({"voc_sku_experience_index"}, {"sku"})
    assert promql_names("sum(increase(voc_qa_flagged_conversations_total[24h])) / 1e3")[0] == {
        "voc_qa_flagged_conversations_total"
    }


def _check_expressions(exprs: dict[str, str], exported: dict[str, set[str]]) -> None:
    known = {**exported, **PROMETHEUS_SERIES}
    problems = []
    for where, expr in exprs.items():
        names, labels = promql_names(expr)
        if not names:
            problems.append(f"{where}: no metric found in {expr!r}")
        for name in sorted(names - known.keys()):
            problems.append(f"{where}: {name} is not exported by voc-service")
        allowed = set().union(TARGET_LABELS, *(known.get(n, set()) for n in names))
        for label in sorted(labels - allowed):
            problems.append(f"{where}: label {label!r} is on none of {sorted(names)}")
    assert not problems, "\n".join(problems)


def _dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def _dashboard_exprs(dash: dict) -> dict[str, str]:
    exprs = {}
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            exprs[f"panel {panel['title']!r} {target['refId']}"] = target["expr"]
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query)
            assert m, f"variable {var['name']}: unexpected query {query!r}"
            exprs[f"variable {var['name']}"] = f"{m.group(1)}{{{m.group(2)}!=\"\"}}"
    return exprs


def test_every_dashboard_expression_names_only_exported_metrics(exported: dict[str, set[str]]) -> None:
    exprs = _dashboard_exprs(_dashboard())
    assert len(exprs) >= 20
    _check_expressions(exprs, exported)


def test_the_dashboard_covers_what_a_lead_opens_it_for() -> None:
    dash = _dashboard()
    exprs = " ".join(_dashboard_exprs(dash).values())
    for metric in ("voc_sku_experience_index", "voc_signals_open", "voc_qa_findings_total", "voc_qa_rule_precision",
                   "voc_rpc_handled_total", "voc_rpc_duration_seconds_bucket", "voc_ingest_conversations_total"):
        assert metric in exprs, metric
    texts = " ".join(p["options"]["content"] for p in dash["panels"] if p["type"] == "text")
    assert "voc.v1.InsightsService/ListSignals" in texts and "evidence_conversation_ids" in texts
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for p in dash["panels"]:
        grid = p["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, p["title"]
        if p["type"] not in ("row", "text"):
            assert p["datasource"]["uid"] == "${datasource}", p["title"]
    assert dash["uid"] == "voc-overview"


def _alert_exprs(groups: list[dict], source: str) -> dict[str, str]:
    return {f"{source} {r['alert']}": r["expr"] for g in groups for r in g["rules"]}


def test_alert_rules_name_only_exported_metrics(exported: dict[str, set[str]]) -> None:
    exprs = _alert_exprs(yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"], "alerts.yml")
    exprs |= _alert_exprs(_k8s()[("PrometheusRule", "voc")]["spec"]["groups"], "prometheusrule.yaml")
    _check_expressions(exprs, exported)


# ------------------------------------------------------------------ Prometheus, Alertmanager, Grafana (compose)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_stack_and_the_files_it_mounts() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) >= {"voc", "postgres", "prometheus", "alertmanager", "grafana"}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
    assert "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in services["prometheus"]["volumes"]
    voc = services["voc"]
    assert voc["build"]["dockerfile"] == "deploy/docker/Dockerfile" and (DEPLOY / voc["build"]["context"]).resolve() == ROOT
    assert voc["environment"]["VOC_STORE"].startswith("postgresql+psycopg://") and "@postgres:5432/" in voc["environment"]["VOC_STORE"]
    assert voc["depends_on"]["postgres"]["condition"] == "service_healthy"
    grace = float(voc["environment"]["VOC_GRACE_SECONDS"])
    assert float(voc["stop_grace_period"].removesuffix("s")) >= grace + 5
    _check_settings({k: v for k, v in voc["environment"].items()})


def test_compose_prometheus_config_scrapes_job_voc_and_promtool_accepts_it(tmp_path: Path) -> None:
    config = yaml.safe_load((DEPLOY / "docker" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    # the VocDown rule watches up{job="voc"}
    assert "voc" in jobs and jobs["voc"]["static_configs"][0]["targets"] == ["voc:9464"]
    assert config["rule_files"] == ["alerts.yml"]  # mounted beside it (compose.yaml)
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package prometheus; `make test` installs it)")
    shutil.copy(DEPLOY / "docker" / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(ALERTS, tmp_path / "alerts.yml")
    done = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_alertmanager_routes_every_severity_the_rules_use() -> None:
    config = yaml.safe_load((DEPLOY / "docker" / "alertmanager.yml").read_text(encoding="utf-8"))
    receivers = {r["name"] for r in config["receivers"]}
    route = config["route"]
    assert route["receiver"] in receivers and all(r["receiver"] in receivers for r in route["routes"])
    severities = {r["labels"]["severity"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]}
    assert severities == {"page", "ticket"}
    assert any('severity="page"' in m for r in route["routes"] for m in r["matchers"])
    alerts = {r["alert"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]}
    for rule in config["inhibit_rules"]:
        for m in (*rule["source_matchers"], *rule["target_matchers"]):
            assert m.split("=", 1)[1].strip('"') in alerts, m


def test_grafana_provisioning() -> None:
    prov = DEPLOY / "grafana" / "provisioning"
    ds = yaml.safe_load((prov / "datasources" / "prometheus.yaml").read_text(encoding="utf-8"))["datasources"][0]
    assert ds["type"] == "prometheus" and ds["url"] == "http://prometheus:9090"
    dashboards = yaml.safe_load((prov / "dashboards" / "voc.yaml").read_text(encoding="utf-8"))["providers"][0]
    grafana = _compose()["services"]["grafana"]
    assert f"./grafana/dashboards:{dashboards['options']['path']}:ro" in grafana["volumes"]
    assert grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].endswith("/" + DASHBOARD.name)


# ------------------------------------------------------------------ Kubernetes


def test_prometheusrule_is_generated_from_alerts_yml() -> None:
    sys.path.insert(0, str(K8S))
    try:
        import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(K8S))
    assert (K8S / "prometheusrule.yaml").read_text(encoding="utf-8") == generate.render(), (
        "deploy/k8s/prometheusrule.yaml is out of date: run python deploy/k8s/generate.py"
    )
    rule = _docs(K8S / "prometheusrule.yaml")[0]
    assert rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    done = subprocess.run([sys.executable, str(K8S / "generate.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    kv = pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate (PyPI, bundles the Kubernetes JSON schemas; offline) is not installed",
    )
    resources = _k8s()
    assert {k for k, _ in resources} >= {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                                         "ConfigMap", "Secret", "ServiceMonitor", "PrometheusRule"}  # fmt: skip
    checked = 0
    for (kind, name), doc in resources.items():
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # CRDs: test_prometheus_operator_resources
        kv.validate(doc, "1.37.0", strict=True)
        checked += 1
    assert checked >= 8
    # the validator does reject a mistake (a typo in a probe), so passing means something
    broken = json.loads(json.dumps(resources[("Deployment", "voc")]))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grcp"] = {"port": 50051}
    with pytest.raises(kv.ValidationError):
        kv.validate(broken, "1.37.0", strict=True)


def test_prometheus_operator_resources() -> None:
    resources = _k8s()
    service = resources[("Service", "voc")]
    monitor = resources[("ServiceMonitor", "voc")]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    assert not selector.items() <= resources[("Service", "voc-headless")]["metadata"]["labels"].items(), (
        "the headless Service would be scraped twice"
    )
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in ports and endpoint["path"] == "/metrics"
        assert re.fullmatch(r"\d+s", endpoint["interval"])
    # no jobLabel: the job is the Service's name, and the VocDown rule wants job="voc"
    assert "jobLabel" not in monitor["spec"] and service["metadata"]["name"] == "voc"
    assert 'up{job="voc"}' in ALERTS.read_text(encoding="utf-8")
    rule = resources[("PrometheusRule", "voc")]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    for group in rule["spec"]["groups"]:
        assert group["name"] and group["rules"]
        for r in group["rules"]:
            assert set(r) <= {"alert", "expr", "for", "labels", "annotations"} and r["alert"] and r["expr"]


def _settings_map() -> dict[str, str]:
    return _k8s()[("ConfigMap", "voc-settings")]["data"]


def _check_settings(env: dict[str, str]) -> Settings:
    """Every VOC_ key is a real setting and the values load (pydantic-settings ignores unknown
    VOC_ variables, so a typo would otherwise be silently dropped)."""
    fields = set(Settings.model_fields)
    unknown = [k for k in env if not k.startswith("VOC_") or k[4:].lower() not in fields]
    assert not unknown, f"not settings: {unknown}"
    saved = {k: v for k, v in os.environ.items() if k.startswith("VOC_")}
    try:
        for k in saved:
            del os.environ[k]
        os.environ.update(env)
        return Settings()
    finally:
        for k in env:
            os.environ.pop(k, None)
        os.environ.update(saved)


def test_configmap_settings_are_real_settings_and_the_store_url_comes_from_a_secret() -> None:
    settings = _check_settings(_settings_map())
    assert settings.host == "0.0.0.0"
    assert "VOC_STORE" not in _settings_map()
    container = _k8s()[("Deployment", "voc")]["spec"]["template"]["spec"]["containers"][0]
    store = next(e for e in container["env"] if e["name"] == "VOC_STORE")
    ref = store["valueFrom"]["secretKeyRef"]
    assert ref["key"] in _k8s()[("Secret", ref["name"])]["stringData"]


def test_deployment_wiring() -> None:
    resources = _k8s()
    settings = _check_settings(_settings_map())
    deployment = resources[("Deployment", "voc")]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": settings.port, "metrics": settings.metrics_port}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == settings.port, probe
        assert "service" not in container[probe]["grpc"] or container[probe]["grpc"]["service"] == ""
    assert settings.auth_open_health, "kubelet's gRPC probes carry no token"
    # shutdown: preStop + VOC_GRACE_SECONDS + a margin for closing the workers and the store
    pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][1])
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + settings.grace_seconds + 5
    assert str(int(pre_stop + settings.grace_seconds + 10)) in json.dumps(pod["terminationGracePeriodSeconds"])
    # mounts: the tokens file and the rule packs are where the settings say
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert str(settings.auth_tokens_file.parent) == mounts["tokens"]
    tokens = volumes["tokens"]["secret"]
    assert tokens["items"][0]["path"] == settings.auth_tokens_file.name
    assert tokens["items"][0]["key"] in resources[("Secret", tokens["secretName"])]["stringData"]
    assert [str(p) for p in settings.qa_packs] == [mounts["rules"]]
    assert ("ConfigMap", volumes["rules"]["configMap"]["name"]) in resources
    assert ("ConfigMap", container["envFrom"][0]["configMapRef"]["name"]) in resources
    # non-root, the image's user
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
    uid = re.search(r"^USER (\d+)", dockerfile, re.M).group(1)  # type: ignore[union-attr]
    assert pod["securityContext"]["runAsNonRoot"] and str(pod["securityContext"]["runAsUser"]) == uid
    assert container["image"] == _compose()["services"]["voc"]["image"]
    # one set of labels selects the pods everywhere
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for key in (("Service", "voc"), ("Service", "voc-headless")):
        assert resources[key]["spec"]["selector"].items() <= labels.items()
    assert resources[("PodDisruptionBudget", "voc")]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = resources[("HorizontalPodAutoscaler", "voc")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "voc"}
    assert hpa["minReplicas"] >= 2 > resources[("PodDisruptionBudget", "voc")]["spec"]["minAvailable"]
    assert "resources" in container and container["resources"]["limits"]["cpu"] == str(settings.workers)


def test_rule_pack_configmap_compiles_and_the_image_smoke_input_analyses(tmp_path: Path) -> None:
    """The ConfigMap's pack loads on top of the default one and its rules fire; the same run is
    the Dockerfile's build-time smoke check (`voc analyze` over deploy/docker/smoke.jsonl)."""
    packs = tmp_path / "rules"
    packs.mkdir()
    for name, text in _k8s()[("ConfigMap", "voc-rules")]["data"].items():
        (packs / name).write_text(text, encoding="utf-8")
    extra = {"conversationId": "pack-check", "turns": [
        {"role": "CUSTOMER", "text": "这个能便宜点吗"}, {"role": "AGENT", "text": "亲，您加我微信，私下转账可以便宜"}]}  # fmt: skip
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text((DEPLOY / "docker" / "smoke.jsonl").read_text(encoding="utf-8") + json.dumps(extra) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOC_")}
    env["VOC_QA_PACKS"] = json.dumps([str(packs)])
    done = subprocess.run([VOC, "analyze", "--jsonl", str(jsonl)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    smoke, checked = (json.loads(line) for line in done.stdout.splitlines())
    assert smoke["turns"][0]["sentiment"]["label"] == "NEGATIVE"
    assert smoke["versions"]["sentiment"].startswith("default@")
    assert "<PHONE>" in smoke["turns"][0]["redactedText"]
    rules = {f["ruleId"] for f in checked["quality"]["findings"]}
    assert "shop_off_platform_deal" in rules, checked["quality"]


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed: the kustomization is checked where it is")
    return kubectl


def _kustomize(kubectl: str, directory: Path) -> list[dict]:
    done = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def test_kustomization_builds_every_resource() -> None:
    built = _kustomize(_kubectl(), K8S)
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    expected = {(d["kind"], d["metadata"]["name"]) for f in listed for d in _docs(K8S / f)}
    assert {(d["kind"], d["metadata"]["name"]) for d in built} == expected
    assert "secrets.example.yaml" not in listed


def test_tls_patch_turns_the_probes_into_voc_health_exec_probes(tmp_path: Path) -> None:
    kubectl = _kubectl()
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    shutil.copy(K8S / "tls-patch.yaml", overlay / "tls-patch.yaml")
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": [os.path.relpath(K8S, overlay)], "patches": [{"path": "tls-patch.yaml"}]})
    )
    deployment = next(d for d in _kustomize(kubectl, overlay) if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert {"tokens", "rules", "tmp", "tls"} <= mounts.keys() and "VOC_STORE" in env
    for key in ("VOC_TLS_CERT", "VOC_TLS_KEY", "VOC_TLS_CLIENT_CA"):
        assert env[key].startswith(mounts["tls"] + "/")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert "grpc" not in container[probe], probe
        command = container[probe]["exec"]["command"]
        assert command[:2] == ["voc", "health"]
        args = dict(zip(command[2::2], command[3::2]))
        assert args["--tls-ca"] == env["VOC_TLS_CLIENT_CA"] and args["--tls-cert"] == env["VOC_TLS_CERT"]
        assert float(args["--timeout"]) < container[probe]["timeoutSeconds"]
        assert voc_main_parses(command[1:])
    try:
        import kubernetes_validate as kv
    except ImportError:
        return
    kv.validate(deployment, "1.37.0", strict=True)


def voc_main_parses(argv: list[str]) -> bool:
    from voc_service.cli import build_parser

    return build_parser().parse_args(argv).func.__name__ == "cmd_health"


# ------------------------------------------------------------------ Docker


def _dockerfile() -> str:
    return (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")


def test_install_script_runs_the_makefiles_install_recipe() -> None:
    """One list of dependencies: the image installs with the Makefile's pip commands (same
    constraints file, same --no-deps pins), minus `-e` and the test extra."""
    done = subprocess.run(["sh", str(DEPLOY / "docker" / "install.sh"), "--dry-run", "/opt/voc"],
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    image = [line.split(" -m pip install ", 1)[1] for line in done.stdout.splitlines() if " -m pip install " in line]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP): pyproject.toml constraints.txt\n", 1)[1].split("\n\n", 1)[0]
    make = [line.split(" -m pip install ", 1)[1] for line in recipe.splitlines() if " -m pip install " in line]
    assert [m.replace("-e '.[test]'", ".") for m in make] == image
    assert any("--no-deps bertopic==" in line for line in image)


def test_dockerfile_is_multi_stage_slim_non_root_with_a_grpc_healthcheck() -> None:
    text = _dockerfile()
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", text, re.M)
    assert [s for _, s in stages] == ["builder", "runtime"]
    base = re.search(r"^ARG PYTHON_IMAGE=python:(\d+)\.(\d+)-slim", text, re.M)
    assert base, "a slim Python base image"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11" and (int(base.group(1)), int(base.group(2))) >= (3, 11)
    runtime = text.split(" AS runtime", 1)[1]
    assert "build-essential" not in runtime and "COPY --from=builder /opt/voc /opt/voc" in runtime
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD voc health --target \"127\.0\.0\.1:\$\{VOC_PORT\}\"", runtime, re.M)
    assert 'ENTRYPOINT ["voc"]' in runtime and 'CMD ["serve"]' in runtime
    assert "RUN voc analyze --jsonl /opt/voc/smoke.jsonl" in runtime
    assert "sh deploy/docker/install.sh /opt/voc" in text
    exposed = {int(p) for p in re.search(r"^EXPOSE (.*)$", runtime, re.M).group(1).split()}  # type: ignore[union-attr]
    defaults = Settings.model_fields
    assert exposed == {defaults["port"].default, defaults["metrics_port"].default}
    assert "VOC_HOST=0.0.0.0" in runtime


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    import fnmatch

    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        regex = fnmatch.translate(pat).replace(".*", "[^/]*").replace("[^/]*[^/]*", ".*")
        if pat.startswith("**/"):
            regex = "(.*/)?" + fnmatch.translate(pat[3:]).replace(".*", "[^/]*")
        if any(re.fullmatch(regex, c) for c in candidates):
            excluded = not negate
    return excluded


def test_dockerignore_lets_through_exactly_what_the_build_copies() -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]  # fmt: skip
    sources = []
    for line in re.findall(r"^COPY (?!--from)(.*)$", _dockerfile(), re.M):
        sources += line.split()[:-1]
    assert "voc_service" in sources and "constraints.txt" in sources
    for source in sources:
        root = ROOT / source
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        assert files, source
        for f in files:
            rel = f.relative_to(ROOT).as_posix()
            if "__pycache__" in rel or rel.endswith((".pyc", ".db")):
                assert _dockerignored(rel, patterns), rel
            else:
                assert not _dockerignored(rel, patterns), f"{rel} is needed by the build but .dockerignore drops it"
    # package data (the sentiment model, dictionaries, the rule pack) goes in with voc_service
    for data in ROOT.glob("voc_service/*/data/**/*"):
        if data.is_file() and "__pycache__" not in data.parts:
            assert not _dockerignored(data.relative_to(ROOT).as_posix(), patterns), data
    for heavy in (".venv/bin/python", ".git/HEAD", "tests/conftest.py", "bench/run_all.py", "voc.db"):
        assert _dockerignored(heavy, patterns), heavy


# ------------------------------------------------------------------ voc health


def test_voc_health_serving_against_the_real_server(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert voc_main(["health", "--target", server.target]) == 0
    out, err = capsys.readouterr()
    assert out == f"{server.target}: SERVING\n" and err == ""
    assert voc_main(["health", "--target", server.target, "--service", "voc.v1.InsightsService"]) == 0
    capsys.readouterr()
    assert voc_main(["health", "--target", server.target, "--service", "no.such.Service"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"voc health: {server.target} no.such.Service: NOT_FOUND: the server does not know this service\n"


def test_voc_health_as_the_image_runs_it(server: ServerProcess) -> None:
    """The HEALTHCHECK's command line, in a shell, with VOC_PORT set as in the image."""
    command = re.search(r"^\s+CMD (voc health .*)$", _dockerfile(), re.M).group(1)  # type: ignore[union-attr]
    env = {**os.environ, "VOC_PORT": str(server.port), "PATH": f"{Path(VOC).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip().endswith("SERVING"), done.stdout + done.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_voc_health_unreachable_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    target = f"127.0.0.1:{_free_port()}"
    assert voc_main(["health", "--target", target, "--timeout", "2"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"voc health: {target}: UNAVAILABLE") and err.count("\n") == 1
    assert voc_main(["health", "--target", target, "--timeout", "0"]) == 2
    assert voc_main(["health", "--target", target, "--tls-server-name", "voc"]) == 2


class _HealthServer:
    """An in-process gRPC server with only the health service (states the real server passes
    through too quickly to catch: NOT_SERVING during shutdown), optionally behind the service's
    own auth interceptor and TLS."""

    def __init__(self, interceptors=(), credentials: grpc.ServerCredentials | None = None) -> None:  # noqa: ANN001
        self.health = health.HealthServicer()
        self.grpc = grpc.server(futures.ThreadPoolExecutor(2), interceptors=list(interceptors))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc)
        address = "127.0.0.1:0"
        self.port = self.grpc.add_secure_port(address, credentials) if credentials else self.grpc.add_insecure_port(address)
        self.target = f"127.0.0.1:{self.port}"

    def __enter__(self) -> _HealthServer:
        self.grpc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.grpc.stop(None)


def test_voc_health_not_serving_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with _HealthServer() as srv:
        srv.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        assert voc_main(["health", "--target", srv.target]) == 1
        assert capsys.readouterr().err == f"voc health: {srv.target}: NOT_SERVING\n"
        srv.health.enter_graceful_shutdown()
        srv.health.set("", health_pb2.HealthCheckResponse.SERVING)  # ignored after shutdown began
        assert voc_main(["health", "--target", srv.target]) == 1


def test_voc_health_sends_the_token_when_health_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    from voc_service.api.auth import AuthInterceptor, TokenFile

    token = "probe-token-0123456789abcdef0123456789abcdef"
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(yaml.safe_dump([{"name": "probe", "sha256": hashlib.sha256(token.encode()).hexdigest(), "roles": ["read"]}]))
    with _HealthServer([AuthInterceptor(TokenFile(tokens), open_health=False)]) as srv:
        monkeypatch.delenv("VOC_CLIENT_TOKEN", raising=False)
        assert voc_main(["health", "--target", srv.target]) == 1
        assert "UNAUTHENTICATED: authentication required" in capsys.readouterr().err
        monkeypatch.setenv("VOC_CLIENT_TOKEN", token)
        assert voc_main(["health", "--target", srv.target]) == 0
        assert voc_main(["health", "--target", srv.target, "--token", "wrong"]) == 1


def _pki(d: Path) -> dict[str, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)

    def build(cn: str, key, issuer: x509.Name, signer, *, ca: bool = False, sans=(), usage=None):  # noqa: ANN001, ANN202
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        )
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
        if usage:
            b = b.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        return b.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "deploy test CA")])
    ca = build("deploy test CA", ca_key, ca_name, ca_key, ca=True)
    out: dict[str, Path] = {"ca": d / "ca.pem"}
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    # the pod's certificate: issued for the Service name only (not 127.0.0.1), server and client use
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build("voc", key, ca_name, ca_key, sans=[x509.DNSName("voc"), x509.DNSName("voc.default.svc")],
                 usage=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])  # fmt: skip
    out["cert"], out["key"] = d / "tls.crt", d / "tls.key"
    out["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return out


def test_voc_health_over_mutual_tls_as_the_tls_patch_probes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from voc_service.api.tls import server_credentials

    pki = _pki(tmp_path)
    creds = server_credentials(pki["cert"], pki["key"], pki["ca"])
    tls = ["--tls-ca", str(pki["ca"]), "--tls-cert", str(pki["cert"]), "--tls-key", str(pki["key"])]
    with _HealthServer(credentials=creds) as srv:
        # the certificate names `voc`, not 127.0.0.1: without --tls-server-name the handshake fails
        assert voc_main(["health", "--target", srv.target, "--timeout", "3", *tls]) == 1
        assert "UNAVAILABLE" in capsys.readouterr().err
        assert voc_main(["health", "--target", srv.target, "--timeout", "3", *tls, "--tls-server-name", "voc"]) == 0
        assert capsys.readouterr().out == f"{srv.target}: SERVING\n"
        # plaintext against a TLS port: not serving, one line
        assert voc_main(["health", "--target", srv.target, "--timeout", "3"]) == 1
        assert capsys.readouterr().err.count("\n") == 1
