"""Authentication, authorisation, TLS / mutual TLS and overload limits, through the real server.

Two servers per backend, each shared by the tests of its part: one with mutual TLS, tokens and a
per-token ingest rate; one in plaintext with tokens, closed health and small concurrency limits
for the load test. Certificates come from a throwaway CA made at run time."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
import yaml
from conftest import make_conversation
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc as pb_grpc
from voc_service.api.pb import quality_service_pb2 as qpb
from voc_service.api.pb import quality_service_pb2_grpc as qpb_grpc
from voc_service.client import channel, ingest
from voc_service.jsonl import to_json
from voc_service.launcher import ServerProcess

# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    rogue_cert: Path  # a client certificate from another CA
    rogue_key: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def _write_cert(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _issue(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, cn: str, usage: x509.ObjectIdentifier
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _ca("voc test CA")
    server_key, server_cert = _issue(ca_key, ca_cert, "voc server", ExtendedKeyUsageOID.SERVER_AUTH)
    client_key, client_cert = _issue(ca_key, ca_cert, "crm client", ExtendedKeyUsageOID.CLIENT_AUTH)
    rogue_ca_key, rogue_ca_cert = _ca("someone else's CA")
    rogue_key, rogue_cert = _issue(rogue_ca_key, rogue_ca_cert, "rogue client", ExtendedKeyUsageOID.CLIENT_AUTH)
    return Pki(
        _write_cert(ca_cert, d / "ca.pem"),
        _write_cert(server_cert, d / "server.pem"),
        _write_key(server_key, d / "server.key"),
        _write_cert(client_cert, d / "client.pem"),
        _write_key(client_key, d / "client.key"),
        _write_cert(rogue_cert, d / "rogue.pem"),
        _write_key(rogue_key, d / "rogue.key"),
    )


# ---------------------------------------------------------------- tokens

TOKENS = {name: f"test-token-{name}-{os.urandom(8).hex()}" for name in
          ("ingest", "reader", "reviewer", "admin", "expired", "revoked", "rotating", "bulk", "other")}  # fmt: skip
_PAST = (datetime.now(UTC) - timedelta(days=1)).isoformat()


def _entry(name: str, roles: list[str], **extra: object) -> dict[str, object]:
    return {"name": name, "sha256": hashlib.sha256(TOKENS[name].encode()).hexdigest(), "roles": roles, **extra}


def token_entries(*, revoke_rotating: bool = False) -> list[dict[str, object]]:
    return [
        _entry("ingest", ["ingest"]),
        _entry("reader", ["read"]),
        _entry("reviewer", ["review", "read"]),
        _entry("admin", ["admin"]),
        _entry("expired", ["ingest", "read"], expires_at=_PAST),
        _entry("revoked", ["ingest", "read"], revoked=True),
        _entry("rotating", ["ingest"], revoked=revoke_rotating),
        _entry("bulk", ["ingest"]),
        _entry("other", ["ingest", "read"]),
    ]


def write_tokens(path: Path, entries: list[dict[str, object]]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    tmp.replace(path)  # atomic, as an operator's deploy tool would do it


def meta(name: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {TOKENS[name]}")]


def code_of(call: object, *args: object, **kwargs: object) -> grpc.StatusCode:
    try:
        result = call(*args, **kwargs)  # type: ignore[operator]
        if hasattr(result, "__next__"):
            list(result)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def analyze(cid: str) -> pb.AnalyzeRequest:
    return pb.AnalyzeRequest(conversation=make_conversation(cid))


# ---------------------------------------------------------------- server A: mutual TLS, tokens, rate

RATE = {"VOC_INGEST_RATE_PER_TOKEN": "2", "VOC_INGEST_BURST": "5"}


@pytest.fixture(scope="module")
def tokens_file(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh file per backend: the tests edit it (revocation, a token made by the CLI)."""
    path = tmp_path_factory.mktemp(f"auth-{backend}") / "tokens.yaml"
    write_tokens(path, token_entries())
    return path


@pytest.fixture(scope="module")
def mtls_server(module_store_url: str, pki: Pki, tokens_file: Path) -> Iterator[ServerProcess]:
    env = {
        "VOC_AUTH_TOKENS_FILE": str(tokens_file),
        "VOC_TLS_CERT": str(pki.server_cert),
        "VOC_TLS_KEY": str(pki.server_key),
        "VOC_TLS_CLIENT_CA": str(pki.ca),
        "VOC_WORKERS": "0",
        "VOC_SPIKE_CHECK_SECONDS": "0",
        **RATE,
    }
    with ServerProcess(module_store_url, env=env) as proc:
        yield proc


@pytest.fixture(scope="module")
def mtls(mtls_server: ServerProcess, pki: Pki) -> Iterator[grpc.Channel]:
    """A mutual-TLS channel without a token (each test sends the token it means to)."""
    with channel(mtls_server.target, tls_ca=pki.ca, tls_cert=pki.client_cert, tls_key=pki.client_key) as chan:
        grpc.channel_ready_future(chan).result(timeout=10)
        yield chan


def test_no_wrong_expired_or_revoked_token_is_unauthenticated_with_one_message(mtls: grpc.Channel) -> None:
    stub = pb_grpc.AnalysisServiceStub(mtls)
    cases = {
        "none": [],
        "wrong": [("authorization", "Bearer not-a-token")],
        "not bearer": [("authorization", f"Basic {TOKENS['ingest']}")],
        "expired": meta("expired"),
        "revoked": meta("revoked"),
    }
    for case, metadata in cases.items():
        with pytest.raises(grpc.RpcError) as info:
            stub.Analyze(analyze(f"auth-{case}"), metadata=metadata, timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED, case
        assert info.value.details() == "authentication required", case  # nothing to tell them apart
    assert code_of(stub.Analyze, analyze("auth-ok"), metadata=meta("ingest"), timeout=30) == grpc.StatusCode.OK


def test_streams_are_checked_too(mtls: grpc.Channel) -> None:
    stub = pb_grpc.AnalysisServiceStub(mtls)
    requests = [pb.IngestRequest(conversation=make_conversation("auth-stream-1"))]
    assert code_of(stub.Ingest, iter(requests), timeout=10) == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(stub.Ingest, iter(requests), metadata=meta("reader"), timeout=10) == grpc.StatusCode.PERMISSION_DENIED
    acks = list(stub.Ingest(iter(requests), metadata=meta("ingest"), timeout=30))
    assert [a.outcome for a in acks] == [pb.STORED]


def test_a_token_without_the_role_is_denied(mtls: grpc.Channel) -> None:
    analysis = pb_grpc.AnalysisServiceStub(mtls)
    quality = qpb_grpc.QualityServiceStub(mtls)
    denied = grpc.StatusCode.PERMISSION_DENIED
    assert code_of(analysis.Analyze, analyze("role-1"), metadata=meta("reader"), timeout=10) == denied
    assert code_of(quality.ListRules, qpb.ListRulesRequest(), metadata=meta("ingest"), timeout=10) == denied
    assert code_of(quality.ReloadRules, qpb.ReloadRulesRequest(), metadata=meta("reviewer"), timeout=10) == denied
    with pytest.raises(grpc.RpcError) as info:
        quality.ReloadRules(qpb.ReloadRulesRequest(), metadata=meta("reader"), timeout=10)
    assert info.value.details() == "permission denied"
    # ... and with it, allowed; admin implies every role
    assert code_of(quality.ListRules, qpb.ListRulesRequest(), metadata=meta("reader"), timeout=10) == grpc.StatusCode.OK
    assert code_of(quality.ReloadRules, qpb.ReloadRulesRequest(), metadata=meta("admin"), timeout=30) == grpc.StatusCode.OK
    assert code_of(quality.ListRules, qpb.ListRulesRequest(), metadata=meta("admin"), timeout=10) == grpc.StatusCode.OK


def test_health_open_and_reflection_closed_by_default(mtls: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(mtls)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(mtls)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    assert code_of(reflection.ServerReflectionInfo, iter([request]), timeout=10) == grpc.StatusCode.UNAUTHENTICATED
    answers = list(reflection.ServerReflectionInfo(iter([request]), metadata=meta("reader"), timeout=10))
    assert "voc.v1.AnalysisService" in {s.name for s in answers[0].list_services_response.service}


def test_plain_connection_to_a_tls_port_fails(mtls_server: ServerProcess) -> None:
    with grpc.insecure_channel(mtls_server.target) as chan:
        stub = pb_grpc.AnalysisServiceStub(chan)
        assert code_of(stub.Analyze, analyze("plain-1"), metadata=meta("ingest"), timeout=10) == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_needs_a_client_certificate_from_the_ca(mtls_server: ServerProcess, pki: Pki) -> None:
    for cert, key in ((None, None), (pki.rogue_cert, pki.rogue_key)):
        with channel(mtls_server.target, token=TOKENS["ingest"], tls_ca=pki.ca, tls_cert=cert, tls_key=key) as chan:
            stub = pb_grpc.AnalysisServiceStub(chan)
            assert code_of(stub.Analyze, analyze("mtls-1"), timeout=10) == grpc.StatusCode.UNAVAILABLE
    # the client's own channel with certificate and token (call credentials over TLS) gets through
    with channel(
        mtls_server.target, token=TOKENS["ingest"], tls_ca=pki.ca, tls_cert=pki.client_cert, tls_key=pki.client_key
    ) as chan:
        assert code_of(pb_grpc.AnalysisServiceStub(chan).Analyze, analyze("mtls-2"), timeout=30) == grpc.StatusCode.OK


def reload_tokens(server: ServerProcess, chan: grpc.Channel, tokens_file: Path, write: object, message: str) -> str:
    """Change the tokens file and wait for the server to say what it did with it. The file is
    looked at (once a second at most) when a call needs a token, so keep calling meanwhile."""
    quality = qpb_grpc.QualityServiceStub(chan)
    with server._logged:
        start = len(server.log_lines)
    write()  # type: ignore[operator]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        code_of(quality.ListRules, qpb.ListRulesRequest(), metadata=meta("reader"), timeout=10)
        for line in server.log_lines[start:]:
            if message in line:
                return line
        time.sleep(0.2)
    raise TimeoutError(f"no {message!r} in the server log")


def test_revoking_a_token_in_the_file_takes_effect_without_restart(
    mtls: grpc.Channel, mtls_server: ServerProcess, tokens_file: Path
) -> None:
    quality = qpb_grpc.QualityServiceStub(mtls)
    analysis = pb_grpc.AnalysisServiceStub(mtls)
    assert code_of(analysis.Analyze, analyze("rot-1"), metadata=meta("rotating"), timeout=30) == grpc.StatusCode.OK
    t0 = time.monotonic()
    reload_tokens(mtls_server, mtls, tokens_file,
                  lambda: write_tokens(tokens_file, token_entries(revoke_rotating=True)), "tokens file reloaded")  # fmt: skip
    assert time.monotonic() - t0 < 3
    assert code_of(analysis.Analyze, analyze("rot-2"), metadata=meta("rotating"), timeout=10) == grpc.StatusCode.UNAUTHENTICATED
    # a broken file keeps the tokens in use (and says so in the log)
    line = reload_tokens(mtls_server, mtls, tokens_file,
                         lambda: tokens_file.write_text("- name: [broken\n", encoding="utf-8"), "tokens file not reloaded")  # fmt: skip
    assert "ERROR" in line.upper()
    assert code_of(quality.ListRules, qpb.ListRulesRequest(), metadata=meta("reader"), timeout=10) == grpc.StatusCode.OK
    assert code_of(analysis.Analyze, analyze("rot-3"), metadata=meta("rotating"), timeout=10) == grpc.StatusCode.UNAUTHENTICATED
    reload_tokens(mtls_server, mtls, tokens_file,
                  lambda: write_tokens(tokens_file, token_entries(revoke_rotating=True)), "tokens file reloaded")  # fmt: skip


def test_ingest_rate_per_token(mtls: grpc.Channel) -> None:
    """Burst 5 at 2/s: of 30 conversations sent at once, the first few are stored, the rest get a
    REJECTED ack with RESOURCE_EXHAUSTED and are not stored; another token's budget is untouched."""
    stub = pb_grpc.AnalysisServiceStub(mtls)
    requests = [pb.IngestRequest(conversation=make_conversation(f"rate-{i}")) for i in range(30)]
    acks = list(stub.Ingest(iter(requests), metadata=meta("bulk"), timeout=60))
    assert [a.conversation_id for a in acks] == [f"rate-{i}" for i in range(30)]
    stored = [a for a in acks if a.outcome == pb.STORED]
    rejected = [a for a in acks if a.outcome == pb.REJECTED]
    assert 5 <= len(stored) <= 15 and len(stored) + len(rejected) == 30
    assert {a.error.code for a in rejected} == {"RESOURCE_EXHAUSTED"}
    assert all(a.error.message == "ingest rate limit exceeded; retry later" for a in rejected)
    quality = qpb_grpc.QualityServiceStub(mtls)
    for ack in (rejected[0], rejected[-1]):
        get = qpb.GetConversationRequest(conversation_id=ack.conversation_id)
        assert code_of(quality.GetConversation, get, metadata=meta("reader"), timeout=10) == grpc.StatusCode.NOT_FOUND
    get = qpb.GetConversationRequest(conversation_id=stored[0].conversation_id)
    assert code_of(quality.GetConversation, get, metadata=meta("reader"), timeout=10) == grpc.StatusCode.OK
    # the unary call of the same token is refused; another token still has its budget
    with pytest.raises(grpc.RpcError) as info:
        stub.Analyze(analyze("rate-unary"), metadata=meta("bulk"), timeout=10)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert code_of(stub.Analyze, analyze("rate-other"), metadata=meta("other"), timeout=30) == grpc.StatusCode.OK


def test_voc_auth_token_then_voc_ingest_over_mutual_tls(
    mtls_server: ServerProcess, pki: Pki, tokens_file: Path, tmp_path: Path
) -> None:
    voc = [sys.executable, "-m", "voc_service"]
    out = subprocess.run([*voc, "auth", "token", "--name", "cli-made", "--roles", "ingest,read", "--expires-days", "1"],
                         capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    token = out.splitlines()[0].removeprefix("token: ")
    entry = yaml.safe_load("\n".join(out.splitlines()[1:]))
    assert entry[0]["name"] == "cli-made" and entry[0]["roles"] == ["ingest", "read"] and token not in out.split("\n", 1)[1]
    assert entry[0]["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    entries = [*yaml.safe_load(tokens_file.read_text(encoding="utf-8")), *entry]
    with channel(mtls_server.target, tls_ca=pki.ca, tls_cert=pki.client_cert, tls_key=pki.client_key) as chan:
        reload_tokens(mtls_server, chan, tokens_file, lambda: write_tokens(tokens_file, entries), "tokens file reloaded")
    data = tmp_path / "in.jsonl"
    data.write_text(to_json(make_conversation("cli-tls-1")) + "\n", encoding="utf-8")
    args = [*voc, "ingest", str(data), "--target", mtls_server.target, "--tls-ca", str(pki.ca)]
    env = {**os.environ, "VOC_CLIENT_TOKEN": token}
    mutual = ["--tls-cert", str(pki.client_cert), "--tls-key", str(pki.client_key)]
    done = subprocess.run([*args, *mutual], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "STORED     1" in done.stdout
    no_cert = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert no_cert.returncode == 1 and "voc ingest: UNAVAILABLE" in no_cert.stderr and "Traceback" not in no_cert.stderr
    half = subprocess.run([*args, "--tls-cert", str(pki.client_cert)], capture_output=True, text=True, timeout=60,
                          env=env, check=False)  # fmt: skip
    assert half.returncode == 2 and "VOC_CLIENT_TLS_CERT and VOC_CLIENT_TLS_KEY" in half.stderr


def test_rejections_are_counted_and_no_token_is_ever_logged(mtls_server: ServerProcess) -> None:
    body = urllib.request.urlopen(f"http://127.0.0.1:{mtls_server.metrics_port}/metrics", timeout=10).read().decode()
    counted = {
        code: sum(float(x.rsplit(" ", 1)[1]) for x in body.splitlines()
                  if x.startswith("voc_rpc_handled_total{") and f'code="{code}"' in x)
        for code in ("UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED")
    }  # fmt: skip
    assert all(n > 0 for n in counted.values()), counted
    log = "\n".join(mtls_server.log_lines)
    assert '"call rejected"' in log and "revoked token revoked" in log and "expired token expired" in log
    assert not any(token in log for token in TOKENS.values())


# ---------------------------------------------------------------- server B: plaintext, closed health, small limits

LIMITS = {"VOC_RPC_THREADS": "2", "VOC_MAX_CONCURRENT_RPCS": "3", "VOC_MAX_INGEST_STREAMS": "1"}


@pytest.fixture(scope="module")
def small_server(module_store_url: str, tokens_file: Path) -> Iterator[ServerProcess]:
    env = {
        "VOC_AUTH_TOKENS_FILE": str(tokens_file),
        "VOC_AUTH_OPEN_HEALTH": "false",
        "VOC_WORKERS": "0",
        "VOC_SPIKE_CHECK_SECONDS": "0",
        "VOC_METRICS_PORT": "-1",
        **LIMITS,
    }
    with ServerProcess(module_store_url, metrics_port=-1, env=env) as proc:
        yield proc


def test_closed_health_needs_a_token(small_server: ServerProcess) -> None:
    with grpc.insecure_channel(small_server.target) as chan:
        health = health_pb2_grpc.HealthStub(chan)
        assert code_of(health.Check, health_pb2.HealthCheckRequest(), timeout=10) == grpc.StatusCode.UNAUTHENTICATED
    with channel(small_server.target, token=TOKENS["reader"]) as chan:  # plaintext: the token as metadata
        health = health_pb2_grpc.HealthStub(chan)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING


def test_one_ingest_stream_too_many_is_refused_at_once_and_reads_go_on(small_server: ServerProcess) -> None:
    import queue

    with channel(small_server.target, token=TOKENS["other"]) as chan:
        stub = pb_grpc.AnalysisServiceStub(chan)
        feed: queue.Queue = queue.Queue()
        first = stub.Ingest(iter(feed.get, None), timeout=60)
        feed.put(pb.IngestRequest(conversation=make_conversation("streams-1")))
        assert next(first).outcome == pb.STORED  # the stream is open and holds its slot
        t0 = time.monotonic()
        with pytest.raises(grpc.RpcError) as info:
            list(stub.Ingest(iter([pb.IngestRequest(conversation=make_conversation("streams-2"))]), timeout=10))
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert time.monotonic() - t0 < 2.0
        quality = qpb_grpc.QualityServiceStub(chan)
        assert code_of(quality.ListRules, qpb.ListRulesRequest(), timeout=10) == grpc.StatusCode.OK
        feed.put(None)
        assert list(first) == []
        acks = list(stub.Ingest(iter([pb.IngestRequest(conversation=make_conversation("streams-3"))]), timeout=30))
        assert [a.outcome for a in acks] == [pb.STORED]  # the slot came back


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_load_beyond_the_limits_gets_resource_exhausted_and_memory_stays_bounded(small_server: ServerProcess) -> None:
    """Hundreds of concurrent calls with big conversations against 2 threads and a limit of 3:
    the surplus is refused quickly (RESOURCE_EXHAUSTED), the admitted ones succeed, and the
    server's memory does not grow with the number of calls refused."""
    assert small_server.proc is not None
    pid = small_server.proc.pid
    big = make_conversation("load", *(("我的订单号289456123478一直没有到货，请尽快处理，谢谢" * 12)[:400] for _ in range(40)))
    calls, rounds = 300, 3
    with channel(small_server.target, token=TOKENS["other"]) as chan:
        stub = pb_grpc.AnalysisServiceStub(chan)
        assert code_of(stub.Analyze, pb.AnalyzeRequest(conversation=big), timeout=60) == grpc.StatusCode.OK  # warm
        before = _rss_kb(pid)
        codes: Counter[grpc.StatusCode] = Counter()
        refused_after: list[float] = []
        lock = threading.Lock()
        for r in range(rounds):
            t0 = time.monotonic()
            futures = []
            for i in range(calls):
                request = pb.AnalyzeRequest(conversation=big, persist=(i % 10 == 0))
                request.conversation.conversation_id = f"load-{r}-{i}"
                future = stub.Analyze.future(request, timeout=120)

                def done(f: grpc.Future, t0: float = t0) -> None:
                    code = f.code()
                    with lock:
                        codes[code] += 1
                        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                            refused_after.append(time.monotonic() - t0)

                future.add_done_callback(done)
                futures.append(future)
            for future in futures:
                future.exception()  # wait
        after = _rss_kb(pid)
    assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}, codes
    assert codes[grpc.StatusCode.RESOURCE_EXHAUSTED] > calls and codes[grpc.StatusCode.OK] >= rounds, codes
    assert min(refused_after) < 1.0  # refused at once, not after queueing
    growth_mb = (after - before) / 1024
    assert growth_mb < 150, f"server RSS grew {growth_mb:.0f} MB ({before // 1024} -> {after // 1024} MB)"
    # and it still serves afterwards
    with channel(small_server.target, token=TOKENS["other"]) as chan:
        stub = pb_grpc.AnalysisServiceStub(chan)
        assert code_of(stub.Analyze, analyze("load-after"), timeout=60) == grpc.StatusCode.OK


def test_ingest_helper_sends_the_token_in_plaintext(small_server: ServerProcess) -> None:
    with channel(small_server.target, token=TOKENS["ingest"]) as chan:
        summary, acks = ingest(chan, [make_conversation("helper-1")], timeout=60)
    assert summary.outcomes == Counter({"STORED": 1}) and len(acks) == 1
    with channel(small_server.target) as chan:
        with pytest.raises(grpc.RpcError) as info:
            ingest(chan, [make_conversation("helper-2")], timeout=10)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
