"""Raw SQL attacks, by someone holding the database URL: the database's triggers are the last line, and each attack
is refused by one of them with its own words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from account_intel.domain.enums import ApprovalDecision, MessageStatus
from account_intel.store.migrations.approver_guards import APPROVER_OF_EVERY_RECIPIENT
from account_intel.store.migrations.decision_guards import (
    BAD_STATUS,
    DECISION_IMMUTABLE,
    SECOND_DECISION,
)
from account_intel.store.migrations.guards import APPEND_ONLY, SEND_REFUSED
from account_intel.store.migrations.recipient_guards import DECIDED_FROZEN, RECIPIENTS_FROZEN
from tests.factories import T0
from tests.redteam.world import (
    AE,
    CSM,
    GONE_AE,
    KEMAL,
    MANAGER,
    MEGACORP,
    OTHER_AE,
    RETAILCO,
    STRANGER,
    T1_TOM,
    TOM,
    World,
    decide_as,
    draft,
    raw,
    status,
)

SEND = "UPDATE outbound_messages SET status = 'sent', sent_at = :at WHERE id = :id"
APPROVE = (
    "INSERT INTO message_approvals (message_id, approver_id, decision, decided_at, text_before, final_text)"
    " VALUES (:id, :who, 'approved', :at, 'Hi there', 'Hi there')"
)
NAIVE_T0 = T0.replace(tzinfo=None)


def _refused(world: World, says: str, statement: str, **params: Any) -> None:
    with pytest.raises(DBAPIError, match=says):
        raw(world, statement, at=NAIVE_T0, **params)


def _send_gated(**fields: str) -> Callable[[World], None]:
    def attack(world: World) -> None:
        message_id = draft(world, **fields)
        _refused(world, SEND_REFUSED, SEND, id=message_id)
        assert status(world, message_id) == MessageStatus.DRAFT

    return attack


def _approval_by(user: str, account_id: str = "ACCT-2001", to: str = KEMAL) -> Callable[[World], None]:
    def attack(world: World) -> None:
        message_id = draft(world, account_id=account_id, to_address=to)
        _refused(world, APPROVER_OF_EVERY_RECIPIENT, APPROVE, id=message_id, who=user)
        _refused(world, SEND_REFUSED, SEND, id=message_id)

    return attack


def _approval_after_rejection(world: World) -> None:
    message_id = draft(world, to_address=KEMAL)
    decide_as(world, message_id, MANAGER, ApprovalDecision.REJECTED, note="Kemal opted out")
    _refused(world, SECOND_DECISION, APPROVE, id=message_id, who=MANAGER)
    for statement in (
        "UPDATE message_approvals SET decision = 'approved' WHERE message_id = :id",
        "UPDATE message_approvals SET final_text = 'Hi there', decision = 'edited' WHERE message_id = :id",
        "DELETE FROM message_approvals WHERE message_id = :id",
    ):
        _refused(world, DECISION_IMMUTABLE, statement, id=message_id)
    _refused(world, SEND_REFUSED, SEND, id=message_id)
    assert status(world, message_id) == MessageStatus.REJECTED


def _rewrite_the_event_log(world: World) -> None:
    message_id = draft(world, to_address=KEMAL)
    _refused(world, APPEND_ONLY, "UPDATE events SET kind = 'message.approved' WHERE entity_id = :id", id=message_id)
    _refused(world, APPEND_ONLY, "DELETE FROM events WHERE entity_id = :id", id=message_id)
    _refused(world, SEND_REFUSED, SEND, id=message_id)


def _retarget_after_decision(statement: str, says: str) -> Callable[[World], None]:
    def attack(world: World) -> None:
        message_id = draft(world, to_address=TOM)
        decide_as(world, message_id, AE, ApprovalDecision.APPROVED)
        _refused(world, says, statement, id=message_id, to=KEMAL)

    return attack


def _status_outside_the_list(world: World) -> None:
    message_id = draft(world, to_address=KEMAL)
    _refused(world, rf"{BAD_STATUS}|ck_outbound_messages_status", "UPDATE outbound_messages SET status = 'queued'")
    assert status(world, message_id) == MessageStatus.DRAFT


def _insert_a_sent_message(world: World) -> None:
    _refused(
        world,
        SEND_REFUSED,
        "INSERT INTO outbound_messages (id, account_id, to_address, subject, body, status, origin, created_at)"
        " VALUES ('MSG-RAW', 'ACCT-2001', :to, 's', 'b', 'sent', 'raw', :at)",
        to=KEMAL,
    )


def _line_edited_behind_the_rows(column: str, value: str) -> Callable[[World], None]:
    """An undecided draft to the champion whose address line is then edited: its rows still name only the champion."""

    def attack(world: World) -> None:
        message_id = draft(world, to_address=TOM)
        raw(world, f"UPDATE outbound_messages SET {column} = :value WHERE id = :id", id=message_id, value=value)
        _refused(world, SEND_REFUSED, SEND, id=message_id)

    return attack


def _recipient_row_edited_before_a_decision(world: World) -> None:
    message_id = draft(world, to_address=TOM)
    raw(world, "UPDATE message_recipients SET address = :to WHERE message_id = :id", id=message_id, to=STRANGER)
    _refused(world, SEND_REFUSED, SEND, id=message_id)


ATTACKS: dict[str, Callable[[World], None]] = {
    "UPDATE status to sent: do-not-contact": _send_gated(to_address=KEMAL),
    "UPDATE status to sent: do-not-contact on bcc": _send_gated(to_address=TOM, bcc=KEMAL),
    "UPDATE status to sent: a T1 account": _send_gated(account_id=MEGACORP, to_address=T1_TOM),
    "UPDATE status to sent: an unknown address": _send_gated(to_address=TOM, cc=STRANGER),
    "INSERT a message already sent": _insert_a_sent_message,
    "INSERT an approval by a CSM": _approval_by(CSM),
    "INSERT an approval by another account's AE": _approval_by(OTHER_AE),
    "INSERT an approval by a deactivated AE": _approval_by(GONE_AE, MEGACORP, T1_TOM),
    "INSERT an approval by the filing account's AE for another account's T1 contact": _approval_by(
        AE, RETAILCO, T1_TOM
    ),
    "INSERT an approval by nobody": _approval_by("U-NOBODY"),
    "UPDATE/DELETE a rejection, INSERT a second decision": _approval_after_rejection,
    "UPDATE/DELETE events": _rewrite_the_event_log,
    "UPDATE status outside the list": _status_outside_the_list,
    "UPDATE to_address after approval": _retarget_after_decision(
        "UPDATE outbound_messages SET to_address = :to WHERE id = :id", DECIDED_FROZEN
    ),
    "UPDATE cc after approval": _retarget_after_decision(
        "UPDATE outbound_messages SET cc = :to WHERE id = :id", DECIDED_FROZEN
    ),
    "UPDATE a recipient row after approval": _retarget_after_decision(
        "UPDATE message_recipients SET address = :to WHERE message_id = :id", RECIPIENTS_FROZEN
    ),
    "INSERT a recipient row after approval": _retarget_after_decision(
        "INSERT INTO message_recipients (message_id, position, kind, address) VALUES (:id, 9, 'bcc', :to)",
        RECIPIENTS_FROZEN,
    ),
    "DELETE the recipient rows after approval": _retarget_after_decision(
        "DELETE FROM message_recipients WHERE message_id = :id AND :to <> ''", RECIPIENTS_FROZEN
    ),
    "a do-not-contact cc written behind the rows": _line_edited_behind_the_rows("cc", f"Kemal <{KEMAL}>"),
    "an unknown to written behind the rows": _line_edited_behind_the_rows("to_address", STRANGER),
    "an unknown bcc written behind the rows": _line_edited_behind_the_rows("bcc", STRANGER),
    "a recipient row changed to an unknown address": _recipient_row_edited_before_a_decision,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_sql_attack_reaches_no_gated_or_foreign_recipient(world: World, attack: str) -> None:
    ATTACKS[attack](world)
    world.assert_nothing_forbidden_reached()
