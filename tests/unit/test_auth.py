"""Token table, expiry, revocation, file reloads, the role table and the limits' building blocks."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from voc_service.api.auth import (
    ADMIN,
    METHOD_ROLES,
    ROLES,
    Principal,
    TokenFile,
    TokenFileError,
    bearer_token,
    load_tokens,
    parse_tokens,
)
from voc_service.api.errors import status_code_for
from voc_service.api.limits import RateLimiter, Slots
from voc_service.api.pb import analysis_service_pb2, insights_service_pb2, quality_service_pb2
from voc_service.config import Settings
from voc_service.domain.errors import Overloaded, PermissionDenied, Unauthenticated

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def entry(name: str, token: str, roles: list[str], **extra: object) -> dict[str, object]:
    return {"name": name, "sha256": sha(token), "roles": roles, **extra}


def test_every_method_of_every_service_has_exactly_one_role() -> None:
    methods = {
        f"/{service.full_name}/{method.name}"
        for module in (analysis_service_pb2, quality_service_pb2, insights_service_pb2)
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    }
    assert set(METHOD_ROLES) == methods  # nothing missing (it would be denied), nothing stale
    assert set(METHOD_ROLES.values()) <= ROLES
    assert METHOD_ROLES["/voc.v1.AnalysisService/Ingest"] == "ingest"
    assert METHOD_ROLES["/voc.v1.QualityService/SubmitReview"] == "review"
    assert METHOD_ROLES["/voc.v1.QualityService/ReloadRules"] == ADMIN
    assert METHOD_ROLES["/voc.v1.InsightsService/WatchSignals"] == "read"


def test_admin_implies_every_role() -> None:
    admin = Principal("ops", frozenset({ADMIN}))
    reader = Principal("bi", frozenset({"read"}))
    assert all(admin.allows(role) for role in ROLES)
    assert reader.allows("read") and not reader.allows("ingest") and not reader.allows(ADMIN)


def test_known_unknown_expired_and_revoked_tokens() -> None:
    table = parse_tokens(
        [
            entry("crm", "tok-crm", ["ingest"]),
            entry("old", "tok-old", ["read"], expires_at="2026-06-01T11:59:59Z"),
            entry("later", "tok-later", ["read"], expires_at="2026-06-01T12:00:01+00:00"),
            entry("gone", "tok-gone", ["read"], revoked=True),
        ]
    )
    principal, _ = table.authenticate("tok-crm", NOW)
    assert principal == Principal("crm", frozenset({"ingest"}))
    assert table.authenticate("tok-later", NOW)[0] is not None
    assert table.authenticate("nope", NOW) == (None, "unknown token")
    assert table.authenticate("tok-old", NOW) == (None, "expired token old")
    assert table.authenticate("tok-gone", NOW) == (None, "revoked token gone")
    assert table.authenticate("tok-later", NOW + timedelta(seconds=1))[0] is None  # expiry is inclusive


def test_times_without_a_zone_are_utc_and_yaml_timestamps_work(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(
        f"- name: a\n  sha256: {sha('a')}\n  roles: [read]\n  expires_at: 2026-06-01 13:00:00\n"  # unquoted: a datetime
        f"- name: b\n  sha256: {sha('b')}\n  roles: [read]\n  expires_at: '2026-06-01T11:00:00'\n",
        encoding="utf-8",
    )
    table = load_tokens(path)
    assert table.authenticate("a", NOW)[0] is not None
    assert table.authenticate("b", NOW)[0] is None


def test_json_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(f'[{{"name": "j", "sha256": "{sha("j").upper()}", "roles": ["admin"]}}]', encoding="utf-8")
    assert load_tokens(path).authenticate("j", NOW)[0] == Principal("j", frozenset({ADMIN}))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x"}, "must be a list"),
        ([{"name": "x", "sha256": "abc", "roles": ["read"]}], "64 hex digits"),
        ([{"name": "x", "sha256": "zz" * 32, "roles": ["read"]}], "64 hex digits"),
        ([{"sha256": sha("x"), "roles": ["read"]}], "name is required"),
        ([entry("x", "x", [])], "non-empty list"),
        ([entry("x", "x", ["root"])], "unknown role"),
        ([entry("x", "x", ["read"], revoke=True)], "unknown field"),  # a typo must not keep a token alive
        ([entry("x", "x", ["read"], revoked="yes")], "true or false"),
        ([entry("x", "x", ["read"], expires_at="next week")], "ISO 8601"),
        ([entry("x", "x", ["read"]), entry("x", "y", ["read"])], "duplicate"),
        ([entry("x", "t", ["read"]), entry("y", "t", ["read"])], "duplicate"),
    ],
)
def test_bad_entries_are_rejected_with_the_reason(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_tokens(data)


def test_empty_file_means_no_token_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text("", encoding="utf-8")
    assert load_tokens(path).entries == ()


def test_missing_or_broken_file_at_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="tokens file"):
        TokenFile(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: [unclosed\n", encoding="utf-8")
    with pytest.raises(TokenFileError, match="bad.yaml"):
        TokenFile(bad)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()  # a distinct mtime whatever the file system's resolution
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_revocation_takes_effect_on_the_next_check(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    import yaml

    _write(path, yaml.safe_dump([entry("crm", "t", ["ingest"])]), 1)
    clock = Clock()
    tokens = TokenFile(path, check_seconds=1.0, clock=clock)
    assert tokens.table().authenticate("t", NOW)[0] is not None
    _write(path, yaml.safe_dump([entry("crm", "t", ["ingest"], revoked=True)]), 2)
    clock.t += 0.5
    assert tokens.table().authenticate("t", NOW)[0] is not None  # looked at most once a second
    clock.t += 0.6
    assert tokens.table().authenticate("t", NOW) == (None, "revoked token crm")


def test_a_broken_or_missing_file_keeps_the_tokens_in_use(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import yaml

    path = tmp_path / "tokens.yaml"
    _write(path, yaml.safe_dump([entry("crm", "secret-token-1", ["ingest"])]), 1)
    clock = Clock()
    tokens = TokenFile(path, clock=clock)
    _write(path, "- name: [broken\n", 2)
    clock.t += 2
    with caplog.at_level(logging.ERROR):
        assert tokens.table().authenticate("secret-token-1", NOW)[0] is not None
    assert "tokens file not reloaded" in caplog.text and "secret-token-1" not in caplog.text
    path.unlink()
    clock.t += 2
    assert tokens.table().authenticate("secret-token-1", NOW)[0] is not None
    _write(path, yaml.safe_dump([entry("crm2", "u", ["read"])]), 3)  # fixed: read again
    clock.t += 2
    assert tokens.table().authenticate("secret-token-1", NOW)[0] is None
    assert tokens.table().authenticate("u", NOW)[0] == Principal("crm2", frozenset({"read"}))


def test_bearer_token_from_metadata() -> None:
    assert bearer_token((("x-other", "1"), ("authorization", "Bearer abc"))) == "abc"
    assert bearer_token((("authorization", "bearer  abc "),)) == "abc"
    assert bearer_token((("authorization", "Basic abc"),)) is None
    assert bearer_token((("authorization", "Bearer "),)) is None
    assert bearer_token(None) is None


def test_auth_and_limit_errors_map_to_their_codes() -> None:
    import grpc

    assert status_code_for(Unauthenticated()) is grpc.StatusCode.UNAUTHENTICATED
    assert status_code_for(PermissionDenied()) is grpc.StatusCode.PERMISSION_DENIED
    assert status_code_for(Overloaded("x")) is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert str(Unauthenticated()) == "authentication required"  # one message for every cause


def test_rate_limiter_buckets_per_key() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another caller has its own budget
    clock.t += 0.5  # one more unit refilled
    assert limiter.allow("a") and not limiter.allow("a")
    clock.t += 100
    assert sum(limiter.allow("a") for _ in range(10)) == 3  # never more than the burst


def test_rate_limiter_off_and_bounded() -> None:
    assert all(RateLimiter(rate=0).allow("a") for _ in range(1000))
    limiter = RateLimiter(rate=1.0, max_keys=10, clock=Clock())
    for i in range(100):
        limiter.allow(f"k{i}")
    assert len(limiter._buckets) == 10


def test_slots_never_wait() -> None:
    slots = Slots(2)
    assert slots.try_acquire() and slots.try_acquire() and not slots.try_acquire()
    slots.release()
    assert slots.try_acquire()


def test_limit_defaults_follow_the_thread_pool() -> None:
    assert Settings(rpc_threads=16).rpc_limit() == 32
    assert Settings(rpc_threads=16).ingest_stream_limit() == 8
    assert Settings(rpc_threads=1).ingest_stream_limit() == 1
    assert Settings(max_concurrent_rpcs=5, max_ingest_streams=2).rpc_limit() == 5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tls_cert": "c.pem"}, "VOC_TLS_CERT and VOC_TLS_KEY must be set together"),
        ({"tls_key": "k.pem"}, "VOC_TLS_CERT and VOC_TLS_KEY must be set together"),
        ({"tls_client_ca": "ca.pem"}, "needs VOC_TLS_CERT"),
        ({"client_tls_cert": "c.pem"}, "VOC_CLIENT_TLS_CERT and VOC_CLIENT_TLS_KEY"),
    ],
)
def test_half_a_tls_configuration_is_a_clear_error(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**fields)


def test_tls_files_that_are_not_pem_are_named(tmp_path: Path) -> None:
    from voc_service.api.tls import TlsFileError, server_credentials

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("garbage", encoding="utf-8")
    key.write_text("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", encoding="utf-8")
    with pytest.raises(TlsFileError, match="cert.pem: not a PEM certificate"):
        server_credentials(cert, key)
    good = tmp_path / "good.pem"
    good.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", encoding="utf-8")
    with pytest.raises(TlsFileError, match="cert.pem: not a PEM private key"):
        server_credentials(good, cert)
