"""Domain errors at the HTTP edge: the status each kind of error answers with."""

from __future__ import annotations

from account_intel.errors import (
    AmbiguousError,
    AuthenticationError,
    DomainError,
    NotFoundError,
    PermissionDenied,
    ValidationFailed,
)

STATUS: dict[type[DomainError], int] = {
    NotFoundError: 404,
    AmbiguousError: 409,
    ValidationFailed: 422,
    PermissionDenied: 403,
    AuthenticationError: 401,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error: 404, 409, 422, 403, 401, else 400 (a record in the wrong state)."""
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
