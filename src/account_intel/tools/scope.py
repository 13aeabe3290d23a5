"""Which account a tool call may read: the run's scope, refusals the model can act on, domain errors as ToolException.

Tools raise `langchain_core.tools.ToolException` for anything the model can fix (unknown account, account out of
scope, contact not found, bad segment expression); the registry builds every tool with `handle_tool_error=True`,
so the model receives the message as an error ToolMessage instead of the run failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.tools import ToolException
from sqlalchemy.orm import Session

from account_intel.errors import DomainError, NotFoundError
from account_intel.store.accounts import find_account
from account_intel.store.models import Account
from account_intel.tools.context import ToolContext


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn domain errors (not found, ambiguous, invalid input) into ToolException carrying their message."""
    try:
        yield
    except DomainError as exc:
        raise ToolException(str(exc)) from exc


def scoped_account(session: Session, context: ToolContext, ref: str | None) -> Account:
    """The account a call reads: the one in scope (any other is refused), else the one named by id or exact name."""
    scope = context.account_id
    if scope is not None:
        account = session.get(Account, scope)
        if account is None:
            raise ToolException(f"The account in scope, {scope}, is not in the store.")
        wanted = (ref or "").strip()
        if not wanted or wanted == scope or wanted.lower() == account.name.lower():
            return account
        raise ToolException(
            f"This run is scoped to {account.name} ({scope}); '{wanted}' is out of scope. "
            f"Omit account_id or pass {scope}."
        )
    if not ref or not ref.strip():
        raise ToolException("account_id is required: no account is in scope for this run.")
    try:
        return find_account(session, ref)
    except NotFoundError as exc:
        raise ToolException(f"Account '{ref.strip()}' not found; pass an account id such as ACCT-1234.") from exc
    except DomainError as exc:
        raise ToolException(str(exc)) from exc


def refuse_when_scoped(context: ToolContext, tool_name: str) -> None:
    """Portfolio tools read every account: refused in a run scoped to one account."""
    if context.account_id is not None:
        raise ToolException(
            f"{tool_name} reads the whole portfolio; this run is scoped to account {context.account_id}."
        )
