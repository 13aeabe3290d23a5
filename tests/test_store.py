from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from account_intel.domain.enums import ApprovalDecision, MessageStatus, Segment, Tier, UserRole
from account_intel.domain.tiering import Thresholds, segment_for_arr, tier_for_arr
from account_intel.errors import AmbiguousError, ApprovalRequiredError, NotFoundError, ValidationFailed
from account_intel.store.accounts import find_account, override_tier, recalculate_accounts
from account_intel.store.engine import Store, current_revision, head_revision
from account_intel.store.events import list_events, record_event
from account_intel.store.models import Account, ContractLine, Event, OutboundMessage
from account_intel.store.outbound import decide, draft_message, mark_sent
from account_intel.store.sequences import next_value
from tests.factories import AS_OF, T0, add_account, add_contact, add_user


@pytest.mark.parametrize(
    ("arr", "tier", "segment"),
    [
        ("500000", Tier.T1, Segment.ENTERPRISE),
        ("499999.99", Tier.T2, Segment.ENTERPRISE),
        ("100000", Tier.T2, Segment.ENTERPRISE),
        ("99999.99", Tier.T3, Segment.ENTERPRISE),
        ("50000.01", Tier.T3, Segment.ENTERPRISE),
        ("50000", Tier.T3, Segment.MID_MARKET),
        ("20000", Tier.T3, Segment.MID_MARKET),
        ("19999.99", Tier.T3, Segment.SMB),
        ("0", Tier.T3, Segment.SMB),
    ],
)
def test_tier_and_segment_boundaries(arr: str, tier: Tier, segment: Segment) -> None:
    assert tier_for_arr(Decimal(arr), Thresholds()) == tier
    assert segment_for_arr(Decimal(arr), Thresholds()) == segment


def test_tier_thresholds_are_settings() -> None:
    lower = Thresholds(t1_min=Decimal("300000"))
    assert tier_for_arr(Decimal("340000"), lower) == Tier.T1
    assert tier_for_arr(Decimal("340000"), Thresholds()) == Tier.T2


def test_schema_is_at_head_after_first_use(store: Store) -> None:
    assert current_revision(store.engine) == head_revision(store.engine)
    tables = set(inspect(store.engine).get_table_names())
    assert {"accounts", "contract_lines", "outbound_messages", "message_approvals", "events"} <= tables


def test_money_round_trips_exactly_and_refuses_float(store: Store) -> None:
    with store.transaction() as session:
        add_account(session, "A1", arr=Decimal("123456789.07"))
        add_account(session, "A2", arr=Decimal("0.01"))
    with store.transaction() as session:
        assert session.get(Account, "A1").arr == Decimal("123456789.07")
        total = session.scalar(select(func.sum(ContractLine.unit_price * ContractLine.quantity)))
        assert total == Decimal("123456789.08")
        assert isinstance(total, Decimal)
    with pytest.raises(Exception, match="never float"), store.transaction() as session:
        session.execute(update(ContractLine).where(ContractLine.id == "L-A1").values(unit_price=1.5))


def test_recalculation_derives_arr_tier_segment_and_records_events(store: Store) -> None:
    with store.transaction() as session:
        add_account(session, "RETAIL", arr=Decimal("340000"))
    with store.transaction() as session:
        account = session.get(Account, "RETAIL")
        assert (account.arr, account.tier, account.segment) == (Decimal("340000.00"), Tier.T2, Segment.ENTERPRISE)
        session.execute(update(ContractLine).where(ContractLine.id == "L-RETAIL").values(unit_price=Decimal("520000")))
        changes = recalculate_accounts(
            session, as_of=AS_OF, thresholds=Thresholds(), at=T0, actor="U-AE", account_ids=["RETAIL"]
        )
        assert len(changes) == 1 and changes[0].new_tier == Tier.T1
    with store.transaction() as session:
        kinds = [e.kind for e in list_events(session, account_id="RETAIL")]
        assert "account.tier_changed" in kinds and "account.arr_updated" in kinds
        tier_event = list_events(session, account_id="RETAIL", kind="account.tier_changed")[-1]
        assert tier_event.payload == {
            "account_id": "RETAIL",
            "old_tier": "T2",
            "new_tier": "T1",
            "trigger": "arr_threshold",
            "user_id": "U-AE",
        }
        arr_event = list_events(session, account_id="RETAIL", kind="account.arr_updated")[-1]
        assert arr_event.payload["old_arr"] == "340000.00" and arr_event.payload["new_arr"] == "520000.00"


def test_manual_tier_override_needs_reason_and_survives_recalculation(store: Store) -> None:
    with store.transaction() as session:
        account = add_account(session, "SMALL", arr=Decimal("30000"))
        with pytest.raises(ValidationFailed, match="reason"):
            override_tier(
                session, account=account, tier=Tier.T1, reason=" ", at=T0, actor="U-M", thresholds=Thresholds()
            )
        override_tier(
            session, account=account, tier=Tier.T1, reason="Strategic logo", at=T0, actor="U-M", thresholds=Thresholds()
        )
        recalculate_accounts(session, as_of=AS_OF, thresholds=Thresholds(), at=T0, account_ids=["SMALL"])
        assert account.tier == Tier.T1 and account.tier_override_reason == "Strategic logo"


def test_find_account_by_id_name_and_ambiguity(store: Store) -> None:
    with store.transaction() as session:
        add_account(session, "ACCT-1", arr=Decimal("1"), name="TechFlow Inc.")
        add_account(session, "ACCT-2", arr=Decimal("1"), name="RetailCo")
        add_account(session, "ACCT-3", arr=Decimal("1"), name="RetailCo Outlet")
    with store.transaction() as session:
        assert find_account(session, "ACCT-1").name == "TechFlow Inc."
        assert find_account(session, "techflow").id == "ACCT-1"
        assert find_account(session, "retailco").id == "ACCT-2"  # an exact name wins over partial matches
        with pytest.raises(AmbiguousError, match="ACCT-2"):
            find_account(session, "Retail")
        with pytest.raises(NotFoundError, match="accounts list"):
            find_account(session, "Nope")


def test_event_log_is_append_only_in_the_database(store: Store) -> None:
    with store.transaction() as session:
        record_event(session, kind="test.happened", at=T0, payload={"amount": Decimal("1.50")})
    with store.transaction() as session:
        assert session.scalars(select(Event)).one().payload == {"amount": "1.50"}
    for statement in (update(Event).values(kind="tampered"), delete(Event)):
        with pytest.raises(DBAPIError, match="append-only"), store.transaction() as session:
            session.execute(statement)
    with store.transaction() as session:
        assert session.scalars(select(Event.kind)).all() == ["test.happened"]


def test_sequences_count_per_name(store: Store) -> None:
    with store.transaction() as session:
        assert [next_value(session, "exp:2024") for _ in range(3)] == [1, 2, 3]
        assert next_value(session, "exp:2025") == 1
        assert next_value(session, "exp:2026", start=847) == 847


def _t1_and_t3(store: Store) -> None:
    with store.transaction() as session:
        add_user(session, "U-AE", UserRole.AE, "Avery AE")
        add_user(session, "U-CSM", UserRole.CSM, "Casey CSM")
        add_user(session, "U-MGR", UserRole.MANAGER, "Morgan Manager")
        add_account(session, "BIG", arr=Decimal("600000"), ae_id="U-AE")
        add_account(session, "MID", arr=Decimal("40000"), ae_id="U-AE")
        add_contact(session, "BIG-CHAMP", "BIG")
        add_contact(session, "MID-CHAMP", "MID")
        add_contact(session, "MID-DNC", "MID", dnc=True)


def _draft(store: Store, account_id: str, contact_id: str) -> str:
    with store.transaction() as session:
        return draft_message(
            session,
            account_id=account_id,
            contact_id=contact_id,
            subject="Hello",
            body="Hi there",
            at=T0,
            created_by="agent",
        ).id


def test_t1_message_cannot_be_sent_without_approval(store: Store) -> None:
    _t1_and_t3(store)
    message_id = _draft(store, "BIG", "BIG-CHAMP")
    with pytest.raises(ApprovalRequiredError, match="T1"), store.transaction() as session:
        mark_sent(session, message=session.get(OutboundMessage, message_id), at=T0, actor="agent")
    with store.transaction() as session:
        assert session.get(OutboundMessage, message_id).status == MessageStatus.DRAFT


def test_database_guard_refuses_direct_writes_that_skip_the_service(store: Store) -> None:
    _t1_and_t3(store)
    message_id = _draft(store, "BIG", "BIG-CHAMP")
    with pytest.raises(DBAPIError, match="no recorded approval"), store.transaction() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id).values(status="sent"))
    with pytest.raises(DBAPIError, match="no recorded approval"), store.transaction() as session:
        session.execute(
            text(
                "INSERT INTO outbound_messages (id, account_id, to_address, subject, body, status, origin, created_at) "
                "VALUES ('X1', 'MID', 'big-champ@cust.test', 's', 'b', 'sent', 'raw', :at)"
            ),
            {"at": T0.replace(tzinfo=None)},
        )
    with store.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(OutboundMessage).where(OutboundMessage.status == "sent"))
            == 0
        )


def test_approved_text_is_the_only_text_that_can_be_sent(store: Store) -> None:
    _t1_and_t3(store)
    message_id = _draft(store, "BIG", "BIG-CHAMP")
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        with pytest.raises(ApprovalRequiredError, match="nor a manager"):
            decide(session, message=message, approver_id="U-CSM", decision=ApprovalDecision.APPROVED, at=T0)
        approval = decide(
            session,
            message=message,
            approver_id="U-AE",
            decision=ApprovalDecision.EDITED,
            at=T0,
            final_text="Hi there, edited",
        )
        assert (approval.text_before, approval.final_text) == ("Hi there", "Hi there, edited")
    # once decided, the body cannot change: the approval covers exactly the text that is sent
    with pytest.raises(DBAPIError, match="cannot change"), store.transaction() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id).values(body="Sneaky new text"))
    with store.transaction() as session:
        sent = mark_sent(session, message=session.get(OutboundMessage, message_id), at=T0, actor="U-AE")
        assert sent.status == MessageStatus.SENT
        assert [e.kind for e in list_events(session, account_id="BIG")][-2:] == ["message.approved", "message.sent"]
    with pytest.raises(DBAPIError, match="cannot be changed"), store.transaction() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id).values(body="after"))


def test_do_not_contact_needs_approval_even_on_small_accounts(store: Store) -> None:
    _t1_and_t3(store)
    free = _draft(store, "MID", "MID-CHAMP")
    gated = _draft(store, "MID", "MID-DNC")
    with store.transaction() as session:
        assert mark_sent(session, message=session.get(OutboundMessage, free), at=T0, actor="x").status == "sent"
    with pytest.raises(ApprovalRequiredError, match="do-not-contact"), store.transaction() as session:
        mark_sent(session, message=session.get(OutboundMessage, gated), at=T0, actor="x")


def test_rejection_needs_a_reason_and_blocks_sending(store: Store) -> None:
    _t1_and_t3(store)
    message_id = _draft(store, "BIG", "BIG-CHAMP")
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        with pytest.raises(ValidationFailed, match="reason"):
            decide(session, message=message, approver_id="U-MGR", decision=ApprovalDecision.REJECTED, at=T0)
        decide(
            session, message=message, approver_id="U-MGR", decision=ApprovalDecision.REJECTED, at=T0, note="Wrong tone"
        )
    with pytest.raises(Exception, match="rejected"), store.transaction() as session:
        mark_sent(session, message=session.get(OutboundMessage, message_id), at=T0, actor="x")


def test_tier_is_read_at_the_time_of_sending(store: Store) -> None:
    _t1_and_t3(store)
    message_id = _draft(store, "MID", "MID-CHAMP")
    with store.transaction() as session:  # the account crosses into T1 after the draft was written
        session.execute(update(ContractLine).where(ContractLine.id == "L-MID").values(unit_price=Decimal("700000")))
        recalculate_accounts(session, as_of=date(2024, 11, 30), thresholds=Thresholds(), at=T0, account_ids=["MID"])
    with pytest.raises(ApprovalRequiredError, match="T1"), store.transaction() as session:
        mark_sent(session, message=session.get(OutboundMessage, message_id), at=T0, actor="x")
