"""Domain errors: messages a user can act on; turned into exit codes or HTTP responses only at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for every error the product reports to a user."""


class NotFoundError(DomainError):
    """A named record does not exist."""


class AmbiguousError(DomainError):
    """A name matches more than one record."""


class ValidationFailed(DomainError):
    """Input breaks a field rule."""


class ApprovalRequiredError(DomainError):
    """An outbound message to a gated recipient has no recorded human approval."""


class InvalidStateError(DomainError):
    """The record is not in a state that allows this action."""


class DeliveryError(DomainError):
    """A sent message could not be handed to the mail server or written to the outbox; it can be retried."""


class StoreError(DomainError):
    """The store URL names nothing usable as asked: missing, malformed, another application's or at another schema."""


class StoreFault(StoreError):
    """The store failed under a command (locked, read-only, full, unreadable); `kind` says which."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class AuthenticationError(DomainError):
    """No credentials, or credentials that prove no active user."""


class PermissionDenied(DomainError):
    """An authenticated user whose role does not allow the action."""
