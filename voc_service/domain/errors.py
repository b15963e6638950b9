"""Domain errors. The API layer maps each to one gRPC status code (voc_service.api.errors)."""

from __future__ import annotations


class VocError(Exception):
    """Base class: the message is safe to show to the caller (no personal data, no internals)."""


class InvalidInput(VocError):
    """Bad input from the caller; ``field`` is the path of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class LimitExceeded(InvalidInput):
    """A field over a configured limit (too many turns, text too long): still bad input."""


class NotFound(VocError):
    pass


class StoreUnavailable(VocError):
    """The store could not commit; nothing from the batch was acknowledged."""


class InternalError(VocError):
    """A bug met while analysing one conversation: that conversation is rejected (INTERNAL),
    the others of its batch and stream go on."""


class DeadlineExpired(VocError):
    """The caller's deadline passed before the work could be committed; nothing was stored."""


class FailedPrecondition(VocError):
    """The request is valid but the service is not set up for it (e.g. QA is not configured)."""


class Overloaded(VocError):
    """A limit that protects the service was reached (streams, rate): retry later, with backoff.
    Refused at once, so an overloaded server answers quickly instead of queueing work."""


class Unauthenticated(VocError):
    """No valid credentials. One message for every cause (missing, unknown, expired, revoked), so
    a caller learns nothing about which tokens exist."""

    def __init__(self) -> None:
        super().__init__("authentication required")


class PermissionDenied(VocError):
    """Valid credentials without the role the method needs."""

    def __init__(self) -> None:
        super().__init__("permission denied")
