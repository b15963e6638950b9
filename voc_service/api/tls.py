"""TLS credentials from PEM files, for the server (TLS, or mutual TLS with a client CA) and for
clients (`voc ingest`, the tests). Files are read when the server starts or the channel opens:
a rotated certificate needs a restart."""

from __future__ import annotations

from pathlib import Path

import grpc


class TlsFileError(OSError):
    """A certificate or key file that is not PEM of the right kind. An OSError, so `voc serve`
    reports it in one line (gRPC itself would only say that the port could not be opened)."""


def _pem(path: Path, marker: bytes, what: str) -> bytes:
    data = path.read_bytes()
    if b"-----BEGIN " not in data or marker not in data:
        raise TlsFileError(f"{path}: not a PEM {what}")
    return data


def server_credentials(cert: Path, key: Path, client_ca: Path | None = None) -> grpc.ServerCredentials:
    """TLS with ``cert`` / ``key``; with ``client_ca``, mutual TLS: a client without a certificate
    signed by that CA fails the handshake, before any RPC."""
    ca = _pem(client_ca, b"CERTIFICATE-----", "CA certificate") if client_ca is not None else None
    return grpc.ssl_server_credentials(
        [(_pem(key, b"PRIVATE KEY-----", "private key"), _pem(cert, b"CERTIFICATE-----", "certificate"))],
        root_certificates=ca,
        require_client_auth=ca is not None,
    )


def channel_credentials(
    ca: Path | None = None, cert: Path | None = None, key: Path | None = None
) -> grpc.ChannelCredentials:
    """Trust ``ca`` (None: the system's roots); present ``cert`` / ``key`` for mutual TLS."""
    if (cert is None) != (key is None):
        raise ValueError("a client certificate and its key go together")
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes() if ca is not None else None,
        private_key=key.read_bytes() if key is not None else None,
        certificate_chain=cert.read_bytes() if cert is not None else None,
    )
