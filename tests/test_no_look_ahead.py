"""No look-ahead: what the backtest scores on a date does not change when facts dated after it are added.

A demo store gets, for every customer, a future it would be easy to leak: urgent escalated tickets, usage at the
plan limit, NPS 0, a new executive champion, a new contract for more products, open and won opportunities,
activities, org events and a churn. Scored as of the earlier date, every health sub-score, raw value, expansion
feature and propensity is the same as without that future.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from account_intel.analytics.backtest.data import iter_population_facts
from account_intel.analytics.backtest.run import score_population
from account_intel.analytics.facts import load_catalog
from account_intel.analytics.health.config import default_health_config
from account_intel.analytics.health.score import score_only
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import (
    AccountStatus,
    ActivityKind,
    ContractKind,
    MeddiccRole,
    OpportunityStage,
    OpportunityType,
    OrgEventKind,
    Sentiment,
    SurveyKind,
    TicketSeverity,
)
from account_intel.domain.tiering import Thresholds
from account_intel.store.engine import Store
from account_intel.store.models import (
    Account,
    Activity,
    ChurnEvent,
    Contact,
    Contract,
    ContractLine,
    Opportunity,
    OrgEvent,
    Product,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
)

DAY = date(2024, 6, 30)
KINDS = ("tickets", "usage", "surveys", "contacts", "contracts", "opportunities", "activities", "events", "churn")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('ahead') / 'demo.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=120, seed=11, as_of=date(2024, 11, 30)), thresholds=Thresholds())
    yield store
    store.dispose()


def _state(session: Session, day: date = DAY) -> dict[str, object]:
    """Everything the backtest scores per customer on the day (NaN made comparable)."""
    catalog = load_catalog(session)
    scored = score_population(session, day, [default_health_config()], Thresholds(), propensity=True, keep_facts=True)
    health = [score_only(f, catalog) for f in scored.facts]  # every sub-score and raw value
    columns = zip(
        scored.ids, health, scored.features, scored.churn, scored.propensity, scored.probability,
        strict=True,
    )  # fmt: skip
    return {
        account_id: (
            score,
            {k: None if math.isnan(v) else v for k, v in features.items()},
            {k: None if math.isnan(v) else v for k, v in churn.items()},
            propensity,
            probability,
        )
        for account_id, score, features, churn, propensity, probability in columns
    }


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def _add_future(session: Session, kinds: set[str], offset: int) -> int:
    """Rows dated `offset` days (or more) after DAY for every customer on DAY; returns how many accounts."""
    when = DAY + timedelta(days=offset)
    month = date(when.year, when.month, 1)
    if month <= DAY:
        month = date(DAY.year + (DAY.month == 12), DAY.month % 12 + 1, 1)
    extra = session.scalars(select(Product).where(Product.kind == "module")).first()
    ids = [f.account_id for chunk in iter_population_facts(session, DAY, Thresholds()) for f in chunk]
    if "usage" in kinds:  # every month after the date at the plan limit, ten-fold
        session.execute(
            update(UsageMetric).where(UsageMetric.period_start >= month).values(value=10**7, plan_limit=1000)
        )
    if "usage" in kinds:  # every month after the date at ten thousand times its plan limit
        session.execute(
            update(UsageMetric).where(UsageMetric.period_start >= month).values(value=10**7, plan_limit=1000)
        )
    for n, account_id in enumerate(ids):
        key = f"future-{offset}-{n}"
        if "tickets" in kinds:
            for k in range(3):
                session.add(
                    SupportTicket(
                        id=f"{key}-T{k}",
                        account_id=account_id,
                        opened_at=_at(when),
                        severity=TicketSeverity.URGENT,
                        escalated=True,
                        subject="outage",
                        body="everything is down",
                    )
                )
        if "surveys" in kinds:
            session.add(
                SurveyResponse(id=f"{key}-S", account_id=account_id, kind=SurveyKind.NPS, score=0, responded_on=when)
            )
        if "contacts" in kinds:
            session.add(
                Contact(
                    id=f"{key}-C",
                    account_id=account_id,
                    name=f"New Champion {n}",
                    meddicc_role=MeddiccRole.CHAMPION,
                    is_executive=True,
                    active=True,
                    first_contact_on=when,
                )
            )
        if "contracts" in kinds and extra is not None:
            session.add(
                Contract(
                    id=f"{key}-K",
                    account_id=account_id,
                    kind=ContractKind.EXPANSION,
                    start_date=when,
                    end_date=when + timedelta(days=730),
                )
            )
            session.add(
                ContractLine(
                    id=f"{key}-KL",
                    contract_id=f"{key}-K",
                    account_id=account_id,
                    product_id=extra.id,
                    quantity=50,
                    unit_price=Decimal("1000.00"),
                    start_date=when,
                    end_date=when + timedelta(days=730),
                )
            )
        if "opportunities" in kinds:
            for stage, closed in ((OpportunityStage.IDENTIFIED, None), (OpportunityStage.CLOSED_WON, when)):
                session.add(
                    Opportunity(
                        id=f"F{offset}-{n}-{stage.value[:3]}", account_id=account_id, name="future deal",
                        type=OpportunityType.NEW_SERVICE, stage=stage, probability=50,
                        estimated_value=Decimal("5000.00"), closed_value=Decimal("5000.00") if closed else None,
                        closed_on=closed, created_at=_at(when), updated_at=_at(when),
                    )
                )  # fmt: skip
        if "activities" in kinds:
            session.add(
                Activity(
                    id=f"{key}-A",
                    account_id=account_id,
                    kind=ActivityKind.MEETING,
                    occurred_at=_at(when),
                    subject="exec sponsor meeting",
                    sentiment=Sentiment.VERY_POSITIVE,
                )
            )
        if "events" in kinds:
            session.add(
                OrgEvent(
                    id=f"{key}-E",
                    account_id=account_id,
                    kind=OrgEventKind.NEW_OFFICE,
                    occurred_on=when,
                    description="opened an office in Lisbon",
                    geography="Lisbon",
                )
            )
        if "churn" in kinds and n % 3 == 0:
            account = session.get(Account, account_id)
            assert account is not None
            account.status, account.churned_on = AccountStatus.CHURNED, when
            session.add(ChurnEvent(id=f"{key}-X", account_id=account_id, churned_on=when))
    session.flush()
    return len(ids)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.sets(st.sampled_from(KINDS), min_size=1), offset=st.integers(min_value=1, max_value=400))
def test_facts_dated_after_the_date_change_no_score(demo: Store, kinds: set[str], offset: int) -> None:
    with demo.transaction() as session:
        before = _state(session)
    session = demo.sessions()
    try:
        accounts = _add_future(session, kinds, offset)
        after = _state(session)
    finally:
        session.rollback()
        session.close()
    assert accounts == len(before) > 50
    assert after.keys() == before.keys()
    changed = [account_id for account_id in before if before[account_id] != after[account_id]]
    assert changed == [], f"{sorted(kinds)} +{offset}d leaked into {changed[:5]}"


def test_the_future_rows_do_change_the_scores_once_they_are_in_the_past(demo: Store) -> None:
    """The same rows scored on a date after them move the scores of most customers: the property above can fail."""
    later = DAY + timedelta(days=45)
    with demo.transaction() as session:
        before = _state(session, later)
    session = demo.sessions()
    try:
        _add_future(session, set(KINDS) - {"churn"}, 1)
        after = _state(session, later)
    finally:
        session.rollback()
        session.close()
    moved = [account_id for account_id in before if before[account_id] != after.get(account_id)]
    assert len(moved) > len(before) // 2
