"""Bearer-token authentication and role-based authorisation: one server interceptor.

Callers send ``authorization: Bearer <token>`` in the call metadata. The server never holds the
tokens themselves, only the SHA-256 of each (a token is 32 random bytes, so a plain hash is
enough: there is nothing to brute-force, unlike a password) in a tokens file:

    - name: crm-ingest                  # shown in logs and used as the rate-limit key
      sha256: 3f0c…                     # hex SHA-256 of the token (`voc auth token` prints it)
      roles: [ingest]                   # ingest, read, review, admin (admin implies all)
      expires_at: "2027-01-01T00:00:00Z"  # optional; a time without zone is UTC
      revoked: false                    # optional

The file is re-read when it changes (looked at once a second at most), so revoking a token needs
no restart; a file that does not parse keeps the tokens in use and logs an error. Every method of
our services needs one role, from ONE table (``METHOD_ROLES``); a method missing from it is
denied. Every failure to authenticate (no token, unknown, expired, revoked) gets the same
UNAUTHENTICATED message, so a caller learns nothing about which tokens exist; the server log says
which it was, by token name (never the token).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
import yaml

from voc_service.api.errors import to_status
from voc_service.api.handlers import rewrap
from voc_service.domain import VocError
from voc_service.domain.errors import PermissionDenied, Unauthenticated

log = logging.getLogger(__name__)

INGEST, READ, REVIEW, ADMIN = "ingest", "read", "review", "admin"
ROLES = frozenset({INGEST, READ, REVIEW, ADMIN})

# The one table: every RPC of our services and the role it needs. A method not here is denied
# (tests/unit/test_auth.py checks that it names every method of the service descriptors).
METHOD_ROLES: Mapping[str, str] = {
    "/voc.v1.AnalysisService/Analyze": INGEST,
    "/voc.v1.AnalysisService/Ingest": INGEST,
    "/voc.v1.QualityService/ListFlagged": READ,
    "/voc.v1.QualityService/GetConversation": READ,
    "/voc.v1.QualityService/SubmitReview": REVIEW,
    "/voc.v1.QualityService/ListReviews": READ,
    "/voc.v1.QualityService/ListRules": READ,
    "/voc.v1.QualityService/GetScorecard": READ,
    "/voc.v1.QualityService/ListScorecards": READ,
    "/voc.v1.QualityService/ListPromises": READ,
    "/voc.v1.QualityService/RecordFulfilment": REVIEW,
    "/voc.v1.QualityService/ReloadRules": ADMIN,
    "/voc.v1.InsightsService/ListTopics": READ,
    "/voc.v1.InsightsService/GetTopic": READ,
    "/voc.v1.InsightsService/ListTopicEvents": READ,
    "/voc.v1.InsightsService/GetSkuExperience": READ,
    "/voc.v1.InsightsService/ListSkuExperience": READ,
    "/voc.v1.InsightsService/ListSignals": READ,
    "/voc.v1.InsightsService/WatchSignals": READ,
}

_HEALTH_PREFIX = "/grpc.health."
_REFLECTION_PREFIX = "/grpc.reflection."
_FIELDS = frozenset({"name", "sha256", "roles", "expires_at", "revoked"})


class TokenFileError(OSError):
    """The tokens file is missing or malformed. An OSError, so `voc serve` reports it in one line,
    like any other file it cannot use."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's name (never the token) and its roles."""

    name: str
    roles: frozenset[str]

    def allows(self, role: str) -> bool:
        return ADMIN in self.roles or role in self.roles


@dataclass(frozen=True, slots=True)
class TokenEntry:
    name: str
    digest: bytes  # SHA-256 of the token
    roles: frozenset[str]
    expires_at: datetime | None = None
    revoked: bool = False


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class TokenTable:
    entries: tuple[TokenEntry, ...] = ()

    def authenticate(self, token: str, now: datetime) -> tuple[Principal | None, str]:
        """The principal of ``token``, or None and why (for the server log only). Every entry is
        compared, in constant time, so the time taken says nothing about a near miss."""
        digest = token_digest(token)
        found: TokenEntry | None = None
        for entry in self.entries:
            if hmac.compare_digest(entry.digest, digest):
                found = entry
        if found is None:
            return None, "unknown token"
        if found.revoked:
            return None, f"revoked token {found.name}"
        if found.expires_at is not None and now >= found.expires_at:
            return None, f"expired token {found.name}"
        return Principal(found.name, found.roles), ""


def parse_tokens(data: object) -> TokenTable:
    """Validate a parsed tokens file. Unknown fields are errors: a typo such as ``revoke: true``
    must not silently leave a token alive."""
    if data is None:
        return TokenTable()
    if not isinstance(data, list):
        raise ValueError("the tokens file must be a list of entries")
    entries: list[TokenEntry] = []
    names: set[str] = set()
    digests: set[bytes] = set()
    for i, item in enumerate(data):
        where = f"entry {i + 1}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: not a mapping")
        unknown = set(item) - _FIELDS
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: name is required")
        where = f"token {name!r}"
        sha = item.get("sha256")
        if not isinstance(sha, str) or len(sha) != 64:
            raise ValueError(f"{where}: sha256 must be 64 hex digits")
        try:
            digest = bytes.fromhex(sha)
        except ValueError:
            raise ValueError(f"{where}: sha256 must be 64 hex digits") from None
        roles = item.get("roles")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            raise ValueError(f"{where}: roles must be a non-empty list")
        bad = sorted(set(roles) - ROLES)
        if bad:
            raise ValueError(f"{where}: unknown role(s) {bad}; roles are {sorted(ROLES)}")
        revoked = item.get("revoked", False)
        if not isinstance(revoked, bool):
            raise ValueError(f"{where}: revoked must be true or false")
        if name in names or digest in digests:
            raise ValueError(f"{where}: duplicate name or sha256")
        names.add(name)
        digests.add(digest)
        entries.append(TokenEntry(name, digest, frozenset(roles), _parse_time(item.get("expires_at"), where), revoked))
    return TokenTable(tuple(entries))


def _parse_time(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # YAML turns an unquoted timestamp into one
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise ValueError(f"{where}: expires_at is not an ISO 8601 time") from None
    else:
        raise ValueError(f"{where}: expires_at is not an ISO 8601 time")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_tokens(path: Path) -> TokenTable:
    """Read and validate a tokens file (YAML, so JSON too)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TokenFileError(f"tokens file {path}: {exc.strerror or exc}") from None
    try:
        return parse_tokens(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError) as exc:
        raise TokenFileError(f"tokens file {path}: {exc}") from None


def _stamp(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size, st.st_ino


class TokenFile:
    """The token table of a file, re-read when the file changes. Loaded at construction (a bad
    file stops the start); afterwards a bad or missing file is logged and the table in use stays."""

    def __init__(self, path: Path, check_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp = _stamp(path) if path.exists() else (0, 0, 0)
        self._table = load_tokens(path)
        self._next_check = clock() + check_seconds

    def table(self) -> TokenTable:
        now = self._clock()
        if now >= self._next_check and self._lock.acquire(blocking=False):
            try:  # one thread looks; the others go on with the table in use
                self._next_check = now + self.check_seconds
                self._refresh()
            finally:
                self._lock.release()
        return self._table

    def _refresh(self) -> None:
        try:
            stamp = _stamp(self.path)
        except OSError as exc:
            if self._stamp != (0, 0, 0):  # say it once, not every second
                log.error("tokens file unreadable; the tokens in use stay", extra={"error": exc.strerror or str(exc)})
                self._stamp = (0, 0, 0)
            return
        if stamp == self._stamp:
            return
        self._stamp = stamp  # a broken version is reported once; the next change is read again
        try:
            self._table = load_tokens(self.path)
        except TokenFileError as exc:
            log.error("tokens file not reloaded; the tokens in use stay", extra={"error": str(exc)})
            return
        log.info("tokens file reloaded", extra={"tokens": len(self._table.entries)})


_PRINCIPAL: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("voc_principal", default=None)


def current_principal() -> Principal | None:
    """The authenticated caller of the RPC running on this thread; None when auth is off."""
    return _PRINCIPAL.get()


def caller_key(context: grpc.ServicerContext) -> str:
    """Whose budget a call spends (the per-token ingest rate): the token's name, or without
    authentication the client's address (host only: one client opening many connections is
    still one client)."""
    principal = current_principal()
    if principal is not None:
        return f"token:{principal.name}"
    peer = context.peer() or ""  # "ipv4:127.0.0.1:5555", "ipv6:[::1]:5555", "unix:..."
    host = peer.rsplit(":", 1)[0] if peer.startswith(("ipv4:", "ipv6:")) else peer
    return f"peer:{host}"


def bearer_token(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


class AuthInterceptor(grpc.ServerInterceptor):
    """Authenticates every call and checks the method's role. Runs INSIDE the error-and-metrics
    interceptor, so a rejected call is counted like any other and its domain error is mapped there;
    health and reflection are not wrapped by that one, so their rejections carry the status here."""

    def __init__(
        self,
        tokens: TokenFile,
        open_health: bool = True,
        open_reflection: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.tokens = tokens
        self.open_health = open_health
        self.open_reflection = open_reflection
        self._now = now

    def intercept_service(self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None  # no such method: gRPC answers UNIMPLEMENTED
        method: str = handler_call_details.method
        infrastructure = method.startswith((_HEALTH_PREFIX, _REFLECTION_PREFIX))
        if (self.open_health and method.startswith(_HEALTH_PREFIX)) or (
            self.open_reflection and method.startswith(_REFLECTION_PREFIX)
        ):
            return handler
        token = bearer_token(handler_call_details.invocation_metadata)
        if token is None:
            principal, reason = None, "no bearer token"
        else:
            principal, reason = self.tokens.table().authenticate(token, self._now())
        error: VocError | None = None
        if principal is None:
            error = Unauthenticated()
        elif not infrastructure:  # closed health / reflection: any valid token will do
            role = METHOD_ROLES.get(method)
            if role is None or not principal.allows(role):
                error = PermissionDenied()
                reason = f"token {principal.name} lacks role {role or '(method not in the role table)'}"
        if error is not None:
            log.info("call rejected", extra={"method": method, "reason": reason})
            return rewrap(handler, _rejecting(error, infrastructure))
        assert principal is not None
        return rewrap(handler, lambda fn, streaming: _as(principal, fn, streaming))


def _rejecting(error: VocError, infrastructure: bool) -> Callable[[Callable, bool], Callable]:
    def make(_fn: Callable, _streaming: bool) -> Callable:
        def reject(_request: Any, context: grpc.ServicerContext) -> Any:
            if infrastructure:  # not wrapped by ErrorAndMetricsInterceptor: set the status here
                context.abort_with_status(to_status(error))
            raise error

        return reject

    return make


def _as(principal: Principal, fn: Callable, streaming: bool) -> Callable:
    """Run the real behaviour with the principal visible to the servicer (a context variable set
    on the handler thread: interceptors run on gRPC's polling thread, behaviours on the pool's)."""
    if streaming:

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            _PRINCIPAL.set(principal)
            try:
                yield from fn(request, context)
            finally:
                _PRINCIPAL.set(None)

        return stream

    def unary(request: Any, context: grpc.ServicerContext) -> Any:
        _PRINCIPAL.set(principal)
        try:
            return fn(request, context)
        finally:
            _PRINCIPAL.set(None)

    return unary
