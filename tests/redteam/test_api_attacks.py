"""Python API attacks: whatever a caller of the library passes, a gated or foreign recipient gets nothing unless the
right person approved exactly that message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind
from account_intel.errors import ApprovalRequiredError, InvalidStateError, ValidationFailed
from account_intel.pipeline import proposals, sending
from account_intel.pipeline.schemas import ProposalRequest
from account_intel.store.migrations.recipient_guards import DECIDED_FROZEN, RECIPIENTS_FROZEN
from account_intel.store.models import MessageRecipient, OutboundMessage
from account_intel.store.outbound import mark_sent
from tests.factories import add_contact
from tests.pipeline_support import create, day, move
from tests.redteam.world import (
    AE,
    AM,
    CSM,
    GLOBEX,
    GONE_AE,
    KEMAL,
    MANAGER,
    MEGACORP,
    OTHER_AE,
    STRANGER,
    T1_JENNIFER,
    T1_TOM,
    TOM,
    World,
    decide_as,
    draft,
    send,
    status,
)

APPROVED, REJECTED = ApprovalDecision.APPROVED, ApprovalDecision.REJECTED


def _refused_unapproved(world: World, **fields: str) -> None:
    """A draft with these recipients is gated: sending it without an approval is refused and it stays a draft."""
    message_id = draft(world, **fields)
    with pytest.raises(ApprovalRequiredError, match="needs a recorded human approval"):
        send(world, message_id)
    assert status(world, message_id) == MessageStatus.DRAFT


def _retarget_after_approval(world: World) -> None:
    message_id = draft(world, to_address=TOM)
    decide_as(world, message_id, AE, APPROVED)
    with pytest.raises(DBAPIError, match=DECIDED_FROZEN), world.store.transaction() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id).values(to_address=KEMAL))
    with pytest.raises(DBAPIError, match=RECIPIENTS_FROZEN), world.store.transaction() as session:
        session.add(MessageRecipient(message_id=message_id, position=2, kind=RecipientKind.BCC, address=KEMAL))
        session.flush()


def _approve_after_a_managers_rejection(world: World) -> None:
    message_id = draft(world, to_address=KEMAL)
    decide_as(world, message_id, MANAGER, REJECTED, note="Kemal asked us not to write")
    for decision in (APPROVED, ApprovalDecision.EDITED):
        with pytest.raises(InvalidStateError, match="A rejection is final"):
            decide_as(world, message_id, AE, decision)
    with pytest.raises(InvalidStateError, match="was rejected"):
        send(world, message_id)
    assert status(world, message_id) == MessageStatus.REJECTED


def _old_approval_for_a_new_text(world: World) -> None:
    """An approval covers one text: a second message with the same words is not covered by the first's approval."""
    approved = draft(world, to_address=TOM, cc=KEMAL)
    decide_as(world, approved, MANAGER, REJECTED, note="not Kemal")
    _refused_unapproved(world, to_address=TOM, cc=KEMAL)


def _decided_by(user: str, says: str) -> Callable[[World], None]:
    def attack(world: World) -> None:
        account = MEGACORP if user == GONE_AE else "ACCT-2001"
        to = T1_TOM if account == MEGACORP else KEMAL
        message_id = draft(world, account_id=account, to_address=to)
        with pytest.raises(ApprovalRequiredError, match=says):
            decide_as(world, message_id, user, APPROVED)
        with pytest.raises(ApprovalRequiredError):
            send(world, message_id)
        assert status(world, message_id) == MessageStatus.DRAFT

    return attack


def _complete_send_without_approval(world: World) -> None:
    opp = create(world.store)
    move(world.store, opp.id, "qualified", day(12, 3))
    with world.store.transaction() as session:
        doc = proposals.generate_proposal(
            session, request=ProposalRequest(opportunity_id=opp.id), at=day(12, 9), actor=AM
        )
        outcome = sending.send_proposal(
            session, proposal_id=doc.summary.id, to="Tom Wilson", cc=["Kemal Patel"], at=day(12, 9), actor=AM,
            home=world.home,
        )  # fmt: skip
    assert outcome.status == MessageStatus.DRAFT and "Kemal Patel is marked do-not-contact" in outcome.gate_reasons
    refused = pytest.raises(ApprovalRequiredError, match="needs a recorded human approval")
    with refused, world.store.transaction() as session:
        message = session.get(OutboundMessage, outcome.message_id)
        assert message is not None
        sending.complete_send(session, message=message, at=day(12, 9), actor=AM, home=world.home)
    assert status(world, outcome.message_id) == MessageStatus.DRAFT


def _mark_sent_directly(world: World) -> None:
    message_id = draft(world, account_id=MEGACORP, to_address=T1_TOM)
    with pytest.raises(ApprovalRequiredError, match="MegaCorp is a T1 account"), world.store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        mark_sent(session, message=message, at=datetime.now(UTC), actor=AE)


def _another_accounts_contact(world: World) -> None:
    with pytest.raises(ValidationFailed, match="belongs to another account"):
        draft(world, contact_id=f"{GLOBEX}-TOM")


def _another_accounts_t1_contact(**fields: str) -> Callable[[World], None]:
    """Filed under RetailCo, addressed to MegaCorp's T1 contact: gated, and RetailCo's AE may not approve it (before
    the fix, they could, and the mail reached MegaCorp's contact on RetailCo's AE's word)."""

    def attack(world: World) -> None:
        message_id = draft(world, **fields)
        with pytest.raises(ApprovalRequiredError, match="a recipient is a contact of MegaCorp"):
            decide_as(world, message_id, AE, APPROVED)
        with pytest.raises(ApprovalRequiredError, match="T1 account MegaCorp"):
            send(world, message_id)
        assert status(world, message_id) == MessageStatus.DRAFT

    return attack


def _an_address_shared_with_a_t1_contact(world: World) -> None:
    """RetailCo holds a contact with MegaCorp's T1 contact's address: only a manager (or MegaCorp's AE) decides."""
    with world.store.transaction() as session:
        add_contact(session, "ACCT-2001-TWIN", "ACCT-2001").email = T1_TOM.upper()
    _another_accounts_t1_contact(contact_id="ACCT-2001-TWIN")(world)


ATTACKS: dict[str, Callable[[World], None]] = {
    "to: an address list": lambda w: _refused_unapproved(w, to_address=f"{TOM}, {KEMAL}"),
    "to: a semicolon list": lambda w: _refused_unapproved(w, to_address=f"{TOM}; {KEMAL}"),
    "to: a trailing space": lambda w: _refused_unapproved(w, to_address=f"{KEMAL} "),
    "to: upper case": lambda w: _refused_unapproved(w, to_address=KEMAL.upper()),
    "to: a display name naming the champion": lambda w: _refused_unapproved(w, to_address=f'"{TOM}" <{KEMAL}>'),
    "to: angle brackets": lambda w: _refused_unapproved(w, to_address=f"<{KEMAL}>"),
    "to: a T1 contact in angle brackets, on its own account": lambda w: _refused_unapproved(
        w, account_id=MEGACORP, to_address=f"<{T1_TOM.upper()}>"
    ),
    "to: an unknown address": lambda w: _refused_unapproved(w, to_address=STRANGER),
    "cc: do-not-contact": lambda w: _refused_unapproved(w, to_address=TOM, cc=KEMAL),
    "cc: display name, upper case": lambda w: _refused_unapproved(w, to_address=TOM, cc=f"K <{KEMAL.upper()}>"),
    "bcc: a T1 contact, on its own account": lambda w: _refused_unapproved(
        w, account_id=MEGACORP, to_address=T1_JENNIFER, bcc=f" {T1_TOM}"
    ),
    "bcc: an unknown address": lambda w: _refused_unapproved(w, to_address=TOM, bcc=STRANGER),
    "the champion's own draft with a do-not-contact cc": lambda w: _refused_unapproved(
        w, contact_id="ACCT-2001-TOM", cc=KEMAL
    ),
    "a T1 account's own contact": lambda w: _refused_unapproved(w, account_id=MEGACORP, contact_id=f"{MEGACORP}-TOM"),
    "mark_sent without approval": _mark_sent_directly,
    "retarget after approval": _retarget_after_approval,
    "approve after a manager's rejection": _approve_after_a_managers_rejection,
    "same text again after a rejection": _old_approval_for_a_new_text,
    "decided by a CSM": _decided_by(CSM, "neither the account's AE nor a manager"),
    "decided by the AM": _decided_by(AM, "neither the account's AE nor a manager"),
    "decided by another account's AE": _decided_by(OTHER_AE, "neither the account's AE nor a manager"),
    "decided by a deactivated AE": _decided_by(GONE_AE, "is deactivated"),
    "complete_send without approval": _complete_send_without_approval,
    "a contact of another account": _another_accounts_contact,
    "to: another account's T1 contact, approved by this account's AE": _another_accounts_t1_contact(to_address=T1_TOM),
    "cc: another account's T1 contact, approved by this account's AE": _another_accounts_t1_contact(
        to_address=TOM, cc=f"M <{T1_JENNIFER}>"
    ),
    "an address shared with a T1 contact, approved by the wrong AE": _an_address_shared_with_a_t1_contact,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_api_attack_reaches_no_gated_or_foreign_recipient(world: World, attack: str) -> None:
    ATTACKS[attack](world)
    world.assert_nothing_forbidden_reached()
