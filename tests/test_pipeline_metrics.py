from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from account_intel.domain.enums import OpportunityStage, OpportunityType
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.pipeline import closing
from account_intel.pipeline.metrics import pipeline_metrics, quarter_bounds, quarter_of
from account_intel.pipeline.schemas import LossInput, WinInput
from account_intel.store.engine import Store
from account_intel.store.models import Opportunity
from tests.pipeline_support import CREATED, create, day, move, seed_retailco


def _story(store: Store) -> tuple[str, str, str]:
    seed_retailco(store)
    won, lost_late, lost_early = create(store), create(store, name="Creative"), create(store, name="Ops")
    for offset, stage in enumerate(["qualified", "proposal", "negotiation", "verbal_agreement"], start=1):
        move(store, won.id, stage, day(12, offset))
    move(store, lost_late.id, "qualified", day(12, 1))
    move(store, lost_late.id, "proposal", day(12, 2))
    with store.transaction() as session:
        closing.win_opportunity(
            session,
            opportunity_id=won.id,
            data=WinInput(closed_value="180000", close_date=date(2024, 12, 22)),
            at=day(12, 22),
            actor="U-AM",
            thresholds=Thresholds(),
        )
        for opp in (lost_late, lost_early):
            closing.lose_opportunity(
                session, opportunity_id=opp.id, data=LossInput(reason="timing"), at=day(12, 20), actor="U-AM"
            )
    return won.id, lost_late.id, lost_early.id


def test_win_rate_by_stage_reached(store: Store) -> None:
    _story(store)
    with store.transaction() as session:
        result = pipeline_metrics(session, as_of=date(2024, 12, 31))
    rates = {(r.stage.value): (r.reached, r.won, r.win_rate_pct, r.benchmark_pct) for r in result.win_rates}
    assert rates == {
        "identified": (3, 1, Decimal("33.3"), (10, 15)),
        "qualified": (2, 1, Decimal("50.0"), (25, 30)),
        "proposal": (2, 1, Decimal("50.0"), (40, 50)),
        "negotiation": (1, 1, Decimal("100.0"), (60, 70)),
        "verbal_agreement": (1, 1, Decimal("100.0"), (85, 95)),
    }
    assert [r.status for r in result.win_rates][:3] == ["above target", "above target", "on target"]


def test_time_to_close_by_type_against_benchmark(store: Store) -> None:
    _story(store)
    with store.transaction() as session:
        result = pipeline_metrics(session, as_of=date(2024, 12, 31))
    by_type = {row.type: row for row in result.time_to_close}
    dept = by_type[OpportunityType.NEW_DEPARTMENT]
    assert (dept.won, dept.average_days, dept.median_days, dept.target_days, dept.status) == (
        1,
        Decimal("22.0"),
        Decimal("22.0"),
        (21, 56),
        "on target",
    )
    assert by_type[OpportunityType.VOLUME_INCREASE].target_days == (7, 14)
    assert by_type[OpportunityType.NEW_LOCATION].status == "no data"


def test_owner_quarter_counts_and_revenue_share(store: Store) -> None:
    _story(store)
    with store.transaction() as session:
        result = pipeline_metrics(session, as_of=date(2024, 12, 31), owner_id="U-AM")
        earlier = pipeline_metrics(session, as_of=date(2024, 12, 31), quarter="2024-Q3")
    (owner,) = result.owners
    assert (owner.quarter, owner.identified, owner.qualified, owner.won) == ("2024-Q4", 3, 2, 1)
    assert owner.expansion_revenue == Decimal("180000.00") and owner.portfolio_arr == Decimal("340000.00")
    assert owner.revenue_pct == Decimal("52.9")
    assert owner.status == {
        "identified": "below target",
        "qualified": "below target",
        "won": "below target",
        "revenue_pct": "above target",
    }
    assert (earlier.owners[0].identified, earlier.owners[0].won) == (0, 0)


def test_opportunities_without_history_count_by_their_stage(store: Store) -> None:
    seed_retailco(store)
    with store.transaction() as session:
        session.add(
            Opportunity(
                id="EXP-2024-0412",
                account_id="ACCT-2001",
                name="Additional IT roles",
                type="volume_increase",
                stage=OpportunityStage.CLOSED_WON,
                probability=100,
                estimated_value=Decimal("45000"),
                closed_value=Decimal("45000"),
                closed_on=date(2024, 6, 18),
                created_at=day(6, 8),
                updated_at=CREATED,
                owner_id="U-AM",
            )
        )
    with store.transaction() as session:
        result = pipeline_metrics(session, as_of=date(2024, 12, 31), quarter="2024-Q2")
    vol = next(r for r in result.time_to_close if r.type == OpportunityType.VOLUME_INCREASE)
    assert (vol.won, vol.average_days, vol.status) == (1, Decimal("10.0"), "on target")
    assert result.win_rates[-1].reached == 1 and result.owners[0].won == 1


def test_quarters() -> None:
    assert quarter_bounds("2024-Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_bounds("2025q1") == (date(2025, 1, 1), date(2025, 3, 31))
    assert quarter_of(date(2024, 5, 2)) == "2024-Q2"
    with pytest.raises(ValidationFailed, match=r"Quarter 'Q5' is not a quarter; write it like 2024-Q4\."):
        quarter_bounds("Q5")
