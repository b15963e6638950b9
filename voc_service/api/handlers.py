"""Rebuilding an RPC method handler around its behaviour: what every server interceptor here does.

gRPC describes a method by one of four handler kinds (unary or streaming request and response);
a replacement must keep the real handler's kind and (de)serializers, or the call would be read
and answered differently from the real one.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

# (RpcMethodHandler attribute, factory, whether responses stream)
_KINDS = (
    ("unary_unary", grpc.unary_unary_rpc_method_handler, False),
    ("stream_unary", grpc.stream_unary_rpc_method_handler, False),
    ("unary_stream", grpc.unary_stream_rpc_method_handler, True),
    ("stream_stream", grpc.stream_stream_rpc_method_handler, True),
)


def rewrap(handler: grpc.RpcMethodHandler, wrap: Callable[[Callable, bool], Callable]) -> grpc.RpcMethodHandler:
    """The handler with its behaviour replaced by ``wrap(behaviour, responses_stream)``."""
    for kind, make_handler, streaming in _KINDS:
        behaviour = getattr(handler, kind)
        if behaviour is not None:
            return make_handler(
                wrap(behaviour, streaming),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
    return handler
