from __future__ import annotations

import shutil
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel import approvals
from account_intel.content import content_root
from account_intel.domain.enums import ApprovalDecision, MessageStatus, OpportunityStage
from account_intel.errors import ApprovalRequiredError, InvalidStateError
from account_intel.pipeline import proposals, sending
from account_intel.pipeline.errors import ContactNotFound, InvalidTransition
from account_intel.pipeline.people import find_user
from account_intel.pipeline.schemas import ProposalRequest
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.models import Activity, Opportunity, OutboundMessage, Proposal, ProposalMessage, Task
from account_intel.tools.policy import load_policy
from account_intel.tools.specs import POLICY_FILE
from tests.pipeline_support import create, day, move, seed_retailco


def _proposal(store: Store, opp_id: str) -> str:
    with store.transaction() as session:
        doc = proposals.generate_proposal(
            session, request=ProposalRequest(opportunity_id=opp_id), at=day(12, 9), actor="U-AM"
        )
    return doc.summary.id


def _send(store: Store, proposal_id: str, home: Path, to: str = "Jennifer Martinez", **kw: object):
    with store.transaction() as session:
        return sending.send_proposal(
            session, proposal_id=proposal_id, to=to, at=day(12, 9), actor="U-AM", home=home, **kw
        )


def _approve(session: Session, message_id: str, approver: str, home: Path) -> approvals.ApprovalOutcome:
    return approvals.decide_message(
        session,
        message_id=message_id,
        approver=find_user(session, approver),
        decision=ApprovalDecision.APPROVED,
        at=day(12, 10),
        home=home,
    )


def _qualified(store: Store, **fields: object) -> str:
    opp = create(store, **fields)
    move(store, opp.id, "qualified", day(12, 3))
    return opp.id


def test_tc006_send_to_a_non_t1_account_sends_at_once(store: Store, tmp_path: Path) -> None:
    seed_retailco(store)  # T2
    opp_id = _qualified(store)
    outcome = _send(store, _proposal(store, opp_id), tmp_path / "home", cc=["Tom Wilson"])
    assert outcome.status == MessageStatus.SENT and outcome.gate_reasons == []
    assert outcome.stage_moves == [opp_id]
    eml = Path(outcome.eml_path or "")
    assert eml == tmp_path / "home" / "outbox" / f"{outcome.message_id}.eml"
    email = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert email["To"] == "jmartinez@acct-2001.test" and email["Cc"] == "twilson@acct-2001.test"
    assert email["Subject"] == "Marketing Department Staffing - Proposal for RetailCo"
    assert email["From"] == "Sam Rivera <u-am@vendor.test>"
    names = [part.get_filename() for part in email.iter_attachments()]
    assert names[:2] == ["PRP-2024-0001.md", "PRP-2024-0001.html"]
    body = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert body.startswith("Hi Jennifer,") and "Estimated annual value: $150,000" in body
    with store.transaction() as session:
        opp = session.get(Opportunity, opp_id)
        assert opp is not None and (opp.stage, opp.probability) == (OpportunityStage.PROPOSAL, 60)
        (activity,) = session.scalars(select(Activity).where(Activity.opportunity_id == opp_id)).all()
        assert (
            activity.kind.value == "email" and activity.outcome == f"Proposal PRP-2024-0001 sent ({outcome.message_id})"
        )
        task = session.get(Task, outcome.follow_up_task_id)
        assert task is not None and task.due_date == date(2024, 12, 12) and task.kind == "follow_up"
        proposal = session.get(Proposal, "PRP-2024-0001")
        assert proposal is not None and proposal.status.value == "sent" and proposal.sent_at == day(12, 9)
        kinds = [e.kind for e in list_events(session, account_id="ACCT-2001")]
        tail = kinds[kinds.index("message.sent") :]
        assert tail == ["message.sent", "activity.created", "expansion.stage_changed", "proposal.sent"]


def test_send_to_a_t1_account_waits_for_approval_then_sends_with_effects(store: Store, tmp_path: Path) -> None:
    seed_retailco(store, arr="600000", name="MegaCorp")  # T1
    opp_id = _qualified(store, account="MegaCorp")
    home = tmp_path / "home"
    outcome = _send(store, _proposal(store, opp_id), home)
    assert outcome.status == MessageStatus.DRAFT and outcome.eml_path is None
    assert outcome.gate_reasons == ["MegaCorp is a T1 account"]
    assert (
        outcome.approve_hint is not None
        and f"`account-intel approvals approve {outcome.message_id}`" in outcome.approve_hint
    )
    assert not (home / "outbox").exists()
    with store.transaction() as session:
        assert session.get(Opportunity, opp_id).stage == OpportunityStage.QUALIFIED  # type: ignore[union-attr]
        assert list_events(session, kind="activity.created") == []
        pending = approvals.list_pending(session)
        assert [m.id for m in pending] == [outcome.message_id] and pending[0].proposal_id == "PRP-2024-0001"
    with (
        store.transaction() as session,
        pytest.raises(ApprovalRequiredError, match="neither the account's AE nor a manager"),
    ):
        _approve(session, outcome.message_id, "Sam Rivera", home)
    with store.transaction() as session:
        result = _approve(session, outcome.message_id, "Avery Stone", home)
    assert result.sent and result.message.status == MessageStatus.SENT and result.message.gate_reasons == []
    assert result.result is not None and result.result["stage_moves"] == [opp_id]
    assert (home / "outbox" / f"{outcome.message_id}.eml").exists()
    with store.transaction() as session:
        opp = session.get(Opportunity, opp_id)
        assert opp is not None and opp.stage == OpportunityStage.PROPOSAL
        (activity,) = session.scalars(select(Activity).where(Activity.opportunity_id == opp_id)).all()
        assert activity.user_id == "U-AM" and activity.occurred_at == day(12, 10)
        follow_up = session.scalars(select(Task).where(Task.kind == "follow_up")).one()
        assert follow_up.due_date == date(2024, 12, 13)
        link = session.get(ProposalMessage, outcome.message_id)
        assert link is not None and link.effects_applied_at == day(12, 10)
        assert approvals.list_pending(session) == []
        stage_event = list_events(session, kind="expansion.stage_changed")[-1]
        assert stage_event.payload["new_stage"] == "proposal" and stage_event.payload["user_id"] == "U-AM"
        # the effects run once: completing again is refused by the store
        message = session.get(OutboundMessage, outcome.message_id)
        with pytest.raises(InvalidStateError, match="already sent"):
            sending.complete_send(session, message=message, at=day(12, 11), actor="U-AE", home=home)  # type: ignore[arg-type]


def test_edit_then_send_the_edited_text(store: Store, tmp_path: Path) -> None:
    seed_retailco(store, arr="600000")
    opp_id = _qualified(store)
    outcome = _send(store, _proposal(store, opp_id), tmp_path)
    with store.transaction() as session:
        result = approvals.decide_message(
            session,
            message_id=outcome.message_id,
            approver=find_user(session, "Morgan Lee"),
            decision=ApprovalDecision.EDITED,
            text="Hi Jennifer,\n\nShorter text.\n",
            at=day(12, 10),
            home=tmp_path,
        )
    assert result.sent and result.message.decisions[0].edited
    email = message_from_bytes((tmp_path / "outbox" / f"{outcome.message_id}.eml").read_bytes(), policy=policy.default)
    assert email.get_body(preferencelist=("plain",)).get_content() == "Hi Jennifer,\n\nShorter text.\n"  # type: ignore[union-attr]


def test_rejected_message_is_not_sent_and_has_no_effects(store: Store, tmp_path: Path) -> None:
    seed_retailco(store, arr="600000")
    opp_id = _qualified(store)
    outcome = _send(store, _proposal(store, opp_id), tmp_path)
    with store.transaction() as session:
        result = approvals.decide_message(
            session,
            message_id=outcome.message_id,
            approver=find_user(session, "U-AE"),
            decision=ApprovalDecision.REJECTED,
            note="Wait until after their budget review",
            at=day(12, 10),
            home=tmp_path,
        )
        assert not result.sent and result.message.status == MessageStatus.REJECTED
        assert session.get(Opportunity, opp_id).stage == OpportunityStage.QUALIFIED  # type: ignore[union-attr]
        assert session.get(ProposalMessage, outcome.message_id).effects_applied_at is None  # type: ignore[union-attr]


def test_tier_at_the_time_of_sending_decides(store: Store, tmp_path: Path) -> None:
    from account_intel.domain.tiering import Thresholds
    from account_intel.pipeline import closing
    from account_intel.pipeline.schemas import WinInput

    seed_retailco(store)
    first = _qualified(store)
    assert _send(store, _proposal(store, first), tmp_path).status == MessageStatus.SENT  # T2 now
    for offset, stage in enumerate(["negotiation", "verbal_agreement"], start=12):
        move(store, first, stage, day(12, offset))
    with store.transaction() as session:
        closing.win_opportunity(
            session,
            opportunity_id=first,
            data=WinInput(closed_value="180000"),
            at=day(12, 22),
            actor="U-AM",
            thresholds=Thresholds(),
        )
    second = _qualified(store, name="Creative Services")
    assert _send(store, _proposal(store, second), tmp_path).status == MessageStatus.DRAFT  # T1 now


def test_sending_rules(store: Store, tmp_path: Path) -> None:
    seed_retailco(store)
    opp = create(store)
    proposal_id = _proposal(store, opp.id)
    with pytest.raises(InvalidTransition, match=r"^Cannot move to Proposal without Qualified stage\."):
        _send(store, proposal_id, tmp_path)
    move(store, opp.id, "qualified", day(12, 3))
    with pytest.raises(ContactNotFound, match=r"^Recipient contact not found in system\."):
        _send(store, proposal_id, tmp_path, to="Mark Stevens")
    with store.transaction() as session:
        assert session.query(OutboundMessage).count() == 0


def test_a_policy_rule_holds_a_proposal_the_floor_would_let_through(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(content_root(), root)  # the user's own copy of the content (ACCOUNT_INTEL_CONTENT_DIR)
    (root / "tools" / POLICY_FILE).write_text("rules:\n  - name: every-t2\n    tier_in: [T2]\n", encoding="utf-8")
    seed_retailco(store)  # T2: the store's floor does not gate it
    opp_id = _qualified(store)
    home = tmp_path / "home"
    outcome = _send(store, _proposal(store, opp_id), home, content_dir=root)
    assert outcome.status == MessageStatus.DRAFT and outcome.eml_path is None and not (home / "outbox").exists()
    assert outcome.gate_reasons == ["RetailCo is a T2 account (policy rule 'every-t2')"]
    with store.transaction() as session:
        (pending,) = approvals.list_pending(session, policy=load_policy(root))
        assert pending.gate_reasons == outcome.gate_reasons
        result = _approve(session, outcome.message_id, "Avery Stone", home)
    assert result.sent and result.result is not None and result.result["stage_moves"] == [opp_id]
