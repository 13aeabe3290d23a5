"""The one outbound tool: draft a message to a customer contact. It never sends; there is no send tool.

The draft is written in its own transaction (origin `agent`, thread = the run id) and the answer says whether a
person must approve it before anything can be sent, with the reasons from the store's floor and the policy. A
contact whose email is not one bare, valid address is refused: nothing is drafted to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from langchain.tools import ToolRuntime, tool
from langchain_core.tools import ToolException
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.domain.email_address import email_problem
from account_intel.store.models import Account, Contact
from account_intel.store.outbound import draft_message
from account_intel.tools.account_tools import ACCOUNT_ID
from account_intel.tools.context import ToolContext
from account_intel.tools.policy import gate_reasons, load_policy
from account_intel.tools.results import emit
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect

ORIGIN = "agent"
DRAFT_HOUR = 12  # drafts are stamped at noon UTC of the run's as-of date: tools never read the system clock
SHOWN_NAMES = 10


class DraftInput(BaseModel):
    """A message to draft for one contact of the account."""

    contact: str = Field(min_length=1, max_length=160, description="Contact id (e.g. ACCT-3421-CT-01) or full name.")
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=6000)
    reason: str = Field(min_length=1, max_length=400, description="Why this message, in one sentence.")
    evidence_ids: list[str] = Field(default_factory=list, max_length=12, description="Evidence behind the reason.")
    account_id: str | None = ACCOUNT_ID


class DraftResult(BaseModel):
    """The draft that was stored; nothing was sent."""

    draft_id: str
    status: str = Field(description="Always 'draft'.")
    account_id: str
    to: str = Field(description="Contact name.")
    needs_approval: bool
    gate_reasons: list[str]
    reason: str
    evidence_ids: list[str]


def _find_contact(session: Session, ref: str, account: Account | None) -> Contact:
    key = ref.strip().removeprefix("contact:")
    contact = session.get(Contact, key)
    if contact is not None:
        if account is not None and contact.account_id != account.id:
            raise ToolException(f"Contact '{key}' is not a contact of {account.name} ({account.id}).")
        return contact
    stmt = select(Contact).where(func.lower(Contact.name) == key.lower())
    if account is not None:
        stmt = stmt.where(Contact.account_id == account.id)
    matches = list(session.scalars(stmt.limit(5)))
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(f"{c.id} ({c.account_id})" for c in matches)
        raise ToolException(f"Contact '{key}' matches several contacts: {ids}. Pass the contact id.")
    if account is None:
        raise ToolException(f"Contact '{key}' not found; pass a contact id, or account_id with the contact's name.")
    names = ", ".join(f"{c.name} ({c.id})" for c in [c for c in account.contacts if c.active][:SHOWN_NAMES])
    raise ToolException(f"Contact '{key}' not found at {account.name}; its active contacts: {names or 'none'}.")


def _check_address(contact: Contact) -> None:
    """Refuse a contact without one bare, valid email address: nothing is drafted, and the model is told why."""
    if not (contact.email and contact.email.strip()):
        raise ToolException(
            f"Contact {contact.name} ({contact.id}) has no email address; no draft was stored. Pick another contact, "
            "or say in your answer that a person must add the address first."
        )
    problem = email_problem(contact.email.strip())
    if problem is not None:
        raise ToolException(
            f"The email of contact {contact.name} ({contact.id}), '{contact.email}', is not one bare email address: "
            f"{problem}. No draft was stored. Do not retry with another spelling; say in your answer that a person "
            "must correct the contact's email first."
        )


@tool(args_schema=DraftInput)
def draft_outbound_message(
    contact: str,
    subject: str,
    body: str,
    reason: str,
    evidence_ids: list[str] | None = None,
    account_id: str | None = None,
    *,
    runtime: ToolRuntime[ToolContext],
) -> str:
    """Store a draft message to one contact; never sends. Says whether a person must approve it, and why."""
    context = runtime.context
    cited = list(dict.fromkeys(evidence_ids or []))
    if unknown := [i for i in cited if not context.sink.has(i)]:
        raise ToolException(
            f"Evidence ids not returned by a tool in this run: {', '.join(unknown)}. Cite returned ids."
        )
    policy = load_policy(context.settings.content_dir)
    at = datetime.combine(context.as_of, time(DRAFT_HOUR), tzinfo=UTC)
    with tool_errors(), context.sessions.begin() as session:
        scoped = context.account_id is not None or account_id is not None
        account = scoped_account(session, context, account_id) if scoped else None
        recipient = _find_contact(session, contact, account)
        _check_address(recipient)
        message = draft_message(
            session,
            account_id=recipient.account_id,
            subject=subject,
            body=body,
            at=at,
            created_by=context.actor,
            contact_id=recipient.id,
            origin=ORIGIN,
            thread_id=context.run_id,
            evidence_ids=cited,
        )
        reasons = gate_reasons(session, message, policy)
        result = DraftResult(
            draft_id=message.id,
            status=message.status.value,
            account_id=message.account_id,
            to=recipient.name,
            needs_approval=bool(reasons),
            gate_reasons=reasons,
            reason=reason,
            evidence_ids=cited,
        )
    return emit(context, result)


SIDE_EFFECT = SideEffect.OUTBOUND
TOOLS = (draft_outbound_message,)
