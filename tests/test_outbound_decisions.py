"""One decision per message: a second is refused naming the first, a rejection is final, a racing decision loses
cleanly; a draft's subject is one line and its body is capped, whoever writes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from account_intel.domain.enums import ApprovalDecision, MessageStatus, UserRole
from account_intel.errors import InvalidStateError, ValidationFailed
from account_intel.store.draft_text import MAX_BODY_CHARS, clean_body, clean_subject
from account_intel.store.engine import Store
from account_intel.store.models import MessageApproval, OutboundMessage
from account_intel.store.outbound import decide, draft_message
from tests.factories import T0, add_account, add_contact, add_user


@pytest.fixture
def message_id(store: Store) -> str:
    with store.transaction() as session:
        add_user(session, "U-AE", name="Dana AE")
        add_user(session, "U-MGR", UserRole.MANAGER, name="Max Manager")
        session.flush()
        add_account(session, "ACCT-1", arr=Decimal("600000"), ae_id="U-AE")
        add_contact(session, "C-1", "ACCT-1")
        session.flush()
        return draft_message(
            session, account_id="ACCT-1", contact_id="C-1", subject="Hello", body="Hi", at=T0, created_by="agent"
        ).id


def _decide(store: Store, message_id: str, approver: str, decision: ApprovalDecision, note: str | None = None) -> None:
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        decide(session, message=message, approver_id=approver, decision=decision, at=T0, note=note)


def _decisions(store: Store, message_id: str) -> int:
    with store.sessions() as session:
        stmt = select(func.count()).select_from(MessageApproval).where(MessageApproval.message_id == message_id)
        return int(session.scalar(stmt) or 0)


def test_a_second_decision_is_refused_naming_the_first(store: Store, message_id: str) -> None:
    _decide(store, message_id, "U-AE", ApprovalDecision.APPROVED)
    with pytest.raises(InvalidStateError, match=r"already approved by Dana AE"):
        _decide(store, message_id, "U-MGR", ApprovalDecision.REJECTED, note="no")
    assert _decisions(store, message_id) == 1


def test_a_rejection_is_final(store: Store, message_id: str) -> None:
    _decide(store, message_id, "U-MGR", ApprovalDecision.REJECTED, note="wrong moment")
    with pytest.raises(InvalidStateError, match=r"already rejected by Max Manager.*A rejection is final"):
        _decide(store, message_id, "U-AE", ApprovalDecision.APPROVED)
    with store.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None and message.status == MessageStatus.REJECTED
    assert _decisions(store, message_id) == 1


def test_of_two_racing_decisions_exactly_one_wins(store: Store, message_id: str) -> None:
    """The loser read the message as a draft before the winner committed: its conditional update finds no draft."""
    with store.transaction() as loser:
        stale = loser.get(OutboundMessage, message_id)
        assert stale is not None and stale.status == MessageStatus.DRAFT
        _decide(store, message_id, "U-MGR", ApprovalDecision.REJECTED, note="not now")  # commits first
        with pytest.raises(InvalidStateError, match="already rejected by Max Manager"):
            decide(loser, message=stale, approver_id="U-AE", decision=ApprovalDecision.APPROVED, at=T0)
    assert _decisions(store, message_id) == 1


@given(st.text(max_size=300))
def test_a_subject_is_one_line_without_control_characters(text: str) -> None:
    try:
        subject = clean_subject(text)
    except ValidationFailed:
        return
    assert subject and "\n" not in subject and "\r" not in subject and subject == subject.strip()
    assert all(ord(c) >= 32 and ord(c) != 127 for c in subject)


def test_a_crlf_subject_cannot_add_a_header_and_a_long_body_is_refused() -> None:
    assert clean_subject("Renewal\r\nBcc: victim@example.com") == "Renewal Bcc: victim@example.com"
    assert clean_body("a\r\nb\x00c\x1b[31m") == "a\nbc[31m"
    with pytest.raises(ValidationFailed, match=rf"body: {MAX_BODY_CHARS + 1} characters; at most {MAX_BODY_CHARS}"):
        clean_body("x" * (MAX_BODY_CHARS + 1))
