from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from account_intel.domain.enums import ContractKind, ContractStatus, OpportunityStage, Tier
from account_intel.domain.tiering import Thresholds
from account_intel.pipeline import closing
from account_intel.pipeline.config import PipelineSettings
from account_intel.pipeline.errors import FieldProblems, InvalidTransition
from account_intel.pipeline.schemas import LossInput, WinInput, parse
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.models import Account, Contract, ContractLine, Opportunity, Task
from tests.pipeline_support import create, day, seed_retailco, walk_to

TO_VERBAL = ["qualified", "proposal", "negotiation", "verbal_agreement"]


def _win(store: Store, opp_id: str, value: str | None = "180000", on: date | None = date(2024, 12, 22), **kw: object):
    with store.transaction() as session:
        return closing.win_opportunity(
            session,
            opportunity_id=opp_id,
            data=WinInput(closed_value=value, close_date=on, **kw),
            at=day(12, 22),
            actor="U-AM",
            thresholds=Thresholds(),
        )


def _lose(store: Store, opp_id: str, settings: PipelineSettings | None = None, **fields: object):
    data = parse(LossInput, closing.CLOSE_FAILED, **fields)
    with store.transaction() as session:
        return closing.lose_opportunity(
            session, opportunity_id=opp_id, data=data, at=day(12, 20), actor="U-AM", settings=settings
        )


def test_tc003_won_updates_arr_and_recalculates_tier(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    walk_to(store, opp.id, TO_VERBAL)
    result = _win(store, opp.id)
    assert (result.old_arr, result.new_arr) == (Decimal("340000.00"), Decimal("520000.00"))
    assert (result.old_tier, result.new_tier) == (Tier.T2, Tier.T1)
    assert result.nrr_contribution_pct == Decimal("153") and result.arr_change_pct == Decimal("53")
    assert result.days_to_close == 22 and result.amendment and result.contract_id == "C-ACCT-2001"
    assert result.opportunity.stage == OpportunityStage.CLOSED_WON and result.opportunity.probability == 100
    assert result.opportunity.closed_value == Decimal("180000.00")
    assert result.opportunity.closed_on == date(2024, 12, 22)
    with store.transaction() as session:
        account = session.get(Account, "ACCT-2001")
        assert account is not None and account.arr == Decimal("520000.00") and account.tier == Tier.T1
        line = session.get(ContractLine, result.contract_line_id)
        assert line is not None and line.unit_price == Decimal("180000.00") and line.quantity == 1
        assert line.department_id == "ACCT-2001-MKT" and line.start_date == date(2024, 12, 22)
        assert line.end_date == date(2025, 12, 31) and line.product_id == "expansion"
        kinds = [e.kind for e in list_events(session, account_id="ACCT-2001")]
        tail = kinds[kinds.index("expansion.won") - 1 :]
        assert tail[:4] == ["expansion.stage_changed", "expansion.won", "account.arr_updated", "account.tier_changed"]
        won = list_events(session, kind="expansion.won")[0].payload
        assert {k: won[k] for k in ("opportunity_id", "account_id", "closed_value", "close_date", "user_id")} == {
            "opportunity_id": opp.id,
            "account_id": "ACCT-2001",
            "closed_value": "180000.00",
            "close_date": "2024-12-22",
            "user_id": "U-AM",
        }
        arr = list_events(session, kind="account.arr_updated")[-1].payload
        assert (arr["old_arr"], arr["new_arr"], arr["source"], arr["user_id"]) == (
            "340000.00",
            "520000.00",
            "expansion",
            "U-AM",
        )
        tier = list_events(session, kind="account.tier_changed")[-1].payload
        assert (tier["old_tier"], tier["new_tier"], tier["trigger"]) == ("T2", "T1", "arr_threshold")
    kinds = [t.kind for t in result.tasks]
    assert kinds == ["kickoff", "delivery_owner", "first_roles", "check_ins", "qbr"]


def test_tc007_expansion_over_the_threshold_upgrades_the_tier(store: Store) -> None:
    seed_retailco(store, arr="499999")
    opp = create(store, estimated_value="1")
    walk_to(store, opp.id, TO_VERBAL)
    result = _win(store, opp.id, value=None)  # closed value defaults to the estimate
    assert result.closed_value == Decimal("1.00") and result.new_arr == Decimal("500000.00")
    assert result.new_tier == Tier.T1


def test_win_below_threshold_keeps_tier_and_no_tier_event(store: Store) -> None:
    seed_retailco(store, arr="200000")
    opp = create(store)
    walk_to(store, opp.id, TO_VERBAL)
    result = _win(store, opp.id, value="50000")
    assert (result.old_tier, result.new_tier) == (Tier.T2, Tier.T2)
    assert "qbr" not in [t.kind for t in result.tasks]
    with store.transaction() as session:
        assert [e.payload["new_tier"] for e in list_events(session, kind="account.tier_changed")] == ["T2"]  # seed


def test_win_needs_verbal_agreement_first(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    walk_to(store, opp.id, ["qualified", "proposal", "negotiation"])
    with pytest.raises(InvalidTransition, match=r"^Cannot move to Closed Won without Verbal Agreement stage\.$"):
        _win(store, opp.id)


def test_win_without_an_active_contract_creates_an_expansion_contract(store: Store) -> None:
    seed_retailco(store)
    with store.transaction() as session:
        contract = session.get(Contract, "C-ACCT-2001")
        assert contract is not None
        contract.end_date = date(2024, 12, 1)
        session.get(ContractLine, "L-ACCT-2001").end_date = date(2024, 12, 1)  # type: ignore[union-attr]
    opp = create(store, target_departments=["Field Sales"])
    walk_to(store, opp.id, TO_VERBAL)
    result = _win(store, opp.id)
    assert not result.amendment and result.new_arr == Decimal("180000.00")
    with store.transaction() as session:
        contract = session.get(Contract, result.contract_id)
        assert contract is not None and contract.kind == ContractKind.EXPANSION
        assert contract.status == ContractStatus.ACTIVE and contract.payment_terms == "Net 30"
        assert (contract.start_date, contract.end_date) == (date(2024, 12, 22), date(2025, 12, 21))
        line = session.get(ContractLine, result.contract_line_id)
        assert line is not None and line.department_id is None  # not one of the account's departments


def test_win_rules(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    walk_to(store, opp.id, TO_VERBAL)
    with pytest.raises(FieldProblems, match="Close date 2024-11-01 is before the opportunity was created"):
        _win(store, opp.id, on=date(2024, 11, 1))
    with pytest.raises(Exception, match="Closed value must be a positive number"):
        WinInput(closed_value="0")
    with pytest.raises(Exception, match="Product 'nope' not found"):
        _win(store, opp.id, product_id="nope")


def test_tc004_lost_with_reason_follow_up_and_no_arr_impact(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    walk_to(store, opp.id, ["qualified", "proposal"])
    result = _lose(store, opp.id, reason="budget", note="Not right now, but we'll keep it in mind")
    assert result.opportunity.stage == OpportunityStage.CLOSED_LOST and result.opportunity.probability == 0
    assert result.opportunity.loss_reason == "budget"
    assert result.follow_up.due_date == date(2025, 3, 20) and result.follow_up.assignee_id == "U-AM"
    with store.transaction() as session:
        account = session.get(Account, "ACCT-2001")
        assert account is not None and account.arr == Decimal("340000.00") and account.tier == Tier.T2
        assert list_events(session, kind="account.arr_updated")[-1].occurred_at.date() == date(2024, 11, 30)
        lost = list_events(session, kind="expansion.lost")[0].payload
        assert (lost["reason"], lost["lost_at_stage"], lost["follow_up_on"]) == ("budget", "proposal", "2025-03-20")
        assert list_events(session, kind="expansion.stage_changed")[-1].payload["new_stage"] == "closed_lost"
        assert session.scalars(select(ContractLine).where(ContractLine.account_id == "ACCT-2001")).all()[-1].id == (
            "L-ACCT-2001"
        )
    with pytest.raises(InvalidTransition, match="a closed opportunity cannot change stage"):
        _lose(store, opp.id, reason="timing")


def test_lost_from_identified_and_follow_up_setting(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    result = _lose(store, opp.id, settings=PipelineSettings(loss_follow_up_days=180), reason="competitor")
    assert result.follow_up.due_date == date(2025, 6, 18)
    other = create(store)
    assert _lose(store, other.id, reason="no_decision", follow_up_days=120).follow_up.due_date == date(2025, 4, 19)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": None}, "A loss reason is required: one of budget, timing, competitor, no_decision, other."),
        ({"reason": "weather"}, "Loss reason must be one of budget, timing, competitor, no_decision, other"),
        ({"reason": "other"}, "A loss reason of 'other' needs a note saying why."),
        ({"reason": "budget", "follow_up_days": 30}, "Follow-up must be 90 to 180 days out (3-6 months); got 30."),
        ({"reason": "budget", "follow_up_days": 200}, "Follow-up must be 90 to 180 days out (3-6 months); got 200."),
    ],
)
def test_loss_rules(fields: dict[str, object], message: str) -> None:
    with pytest.raises(FieldProblems) as exc:
        parse(LossInput, closing.CLOSE_FAILED, **fields)
    assert str(exc.value).startswith(f"Failed to close opportunity. {message}")


def test_loss_follow_up_setting_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_INTEL_PIPELINE_LOSS_FOLLOW_UP_DAYS", "120")
    assert PipelineSettings().loss_follow_up_days == 120
    monkeypatch.setenv("ACCOUNT_INTEL_PIPELINE_LOSS_FOLLOW_UP_DAYS", "30")
    with pytest.raises(ValueError, match="greater than or equal to 90"):
        PipelineSettings()


def test_win_tasks_are_in_the_owner_list(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    walk_to(store, opp.id, TO_VERBAL)
    _win(store, opp.id)
    with store.transaction() as session:
        titles = [t.title for t in session.scalars(select(Task).where(Task.kind == "kickoff"))]
        assert titles == ["Schedule kickoff meeting with the client and the delivery team"]
        assert session.get(Opportunity, opp.id).won_line_id is not None  # type: ignore[union-attr]
