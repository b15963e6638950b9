"""Every error a servicer can raise is mapped to a gRPC status HERE and nowhere else.

The interceptor wraps all handlers: domain errors become precise codes with the offending field
(in the message and as a google.rpc.BadRequest detail that clients can read programmatically);
anything unexpected is logged with its traceback on the server and answered with a plain
INTERNAL, so no stack trace ever reaches the wire. It also records the RPC metrics, since it is
the one place that sees every call's method, duration and final code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from voc_service import telemetry
from voc_service.api.handlers import rewrap
from voc_service.domain import (
    DeadlineExpired,
    FailedPrecondition,
    InvalidInput,
    NotFound,
    StoreUnavailable,
    VocError,
)
from voc_service.domain.errors import Overloaded, PermissionDenied, Unauthenticated

log = logging.getLogger(__name__)


# A field over a configured limit (too many turns, a turn too long) is a bad request, so it is
# INVALID_ARGUMENT with the field, like any other validation failure; RESOURCE_EXHAUSTED is left
# to what really exhausts a resource: a message over the transport size limit (gRPC's own check)
# and the limits that protect the service (Overloaded: streams, per-token rate).
_CODES: list[tuple[type[VocError], grpc.StatusCode]] = [
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),  # includes LimitExceeded
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (StoreUnavailable, grpc.StatusCode.UNAVAILABLE),
    (DeadlineExpired, grpc.StatusCode.DEADLINE_EXCEEDED),
    (FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (Overloaded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
]


def status_code_for(exc: VocError) -> grpc.StatusCode:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return grpc.StatusCode.INTERNAL


def to_status(exc: VocError) -> grpc.Status:
    code = status_code_for(exc)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=str(exc))
    if isinstance(exc, InvalidInput):
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[error_details_pb2.BadRequest.FieldViolation(field=exc.field, description=exc.message)]
            )
        )
        status.details.append(detail)
    return rpc_status.to_status(status)


_INTERNAL = rpc_status.to_status(status_pb2.Status(code=code_pb2.INTERNAL, message="internal error"))


class ErrorAndMetricsInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method.rsplit("/", 1)[-1]
        service = handler_call_details.method.strip("/").split("/", 1)[0]
        if service.startswith("grpc."):
            return handler  # health and reflection: not ours to map or measure
        return rewrap(handler, lambda fn, streaming: (_wrap_stream if streaming else _wrap_unary)(fn, method))


def _fail(method: str, exc: Exception) -> grpc.Status:
    if isinstance(exc, VocError):
        return to_status(exc)
    log.error("unhandled error", extra={"method": method, "error": type(exc).__name__, "where": telemetry.where(exc)})
    return _INTERNAL


def _wrap_unary(fn: Callable, method: str) -> Callable:
    def handler(request: Any, context: grpc.ServicerContext) -> Any:
        start = time.perf_counter()
        status: grpc.Status | None = None
        try:
            return fn(request, context)
        except Exception as exc:  # noqa: BLE001 - mapped below; nothing escapes unmapped
            status = _fail(method, exc)
        finally:
            _observe(method, status, start)
        context.abort_with_status(status)

    return handler


def _wrap_stream(fn: Callable, method: str) -> Callable:
    def handler(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        start = time.perf_counter()
        status: grpc.Status | None = None
        try:
            yield from fn(request, context)
        except Exception as exc:  # noqa: BLE001
            if not context.is_active():
                status = _CANCELLED
            else:
                status = _fail(method, exc)
        finally:
            _observe(method, status, start)
        if status is not None and status is not _CANCELLED:
            context.abort_with_status(status)

    return handler


_CANCELLED = rpc_status.to_status(status_pb2.Status(code=code_pb2.CANCELLED, message="cancelled"))


def _observe(method: str, status: grpc.Status | None, start: float) -> None:
    code = "OK" if status is None else status.code.name
    telemetry.RPC_HANDLED.labels(method, code).inc()
    telemetry.RPC_SECONDS.labels(method, code).observe(time.perf_counter() - start)
