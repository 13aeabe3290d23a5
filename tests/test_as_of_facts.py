"""No look-ahead: change one kind of fact after a date D, and every answer at D (facts, health, profile, analysis)
stays as it was, while the answer after the change moves."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from account_intel.analytics.account_analysis import analyze_account
from account_intel.analytics.backtest.data import iter_population_facts
from account_intel.analytics.facts import load_catalog, load_facts
from account_intel.analytics.health.account import health_report
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.health.overrides import set_override
from account_intel.analytics.health.score import score_only
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import AccountStatus, ActivityKind, ContractKind, ContractStatus, Tier
from account_intel.domain.tiering import Thresholds
from account_intel.pipeline.contacts import add_contact
from account_intel.pipeline.schemas import StageMove
from account_intel.pipeline.service import move_stage
from account_intel.queries.account_profile import build_account_profile
from account_intel.settings import Settings
from account_intel.store.accounts import override_tier, recalculate_accounts
from account_intel.store.engine import Store
from account_intel.store.history import record_change
from account_intel.store.models import (
    Account,
    Activity,
    ActivityContact,
    Contact,
    Contract,
    ContractLine,
)
from account_intel.tools import engagement_tools
from account_intel.tools.account_tools import get_contracts
from account_intel.tools.context import ToolContext
from tests.pipeline_support import create
from tests.test_tools_support import call

DATA_DATE = date(2024, 11, 30)
D = date(2024, 10, 15)
TECHFLOW, RETAILCO = "ACCT-3421", "ACCT-2001"


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("as-of") / "demo.db"
    store = Store(f"sqlite:///{path}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=40, seed=7, as_of=DATA_DATE), thresholds=Thresholds())
    store.dispose()
    return path


def _copy(demo_file: Path, target: Path) -> Store:
    shutil.copy(demo_file, target)
    return Store(f"sqlite:///{target}")


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Store]:
    store = _copy(demo_file, tmp_path / "copy.db")
    yield store
    store.dispose()


def answers(store: Store, account_id: str, day: date) -> dict[str, Any]:
    """Everything computed about the account on the day."""
    with store.transaction() as session:
        facts = load_facts(session, day, [account_id])[account_id]
        account = session.get(Account, account_id)
        assert account is not None
        return {
            "facts": dataclasses.asdict(facts),
            "health": health_report(session, account_id=account_id, as_of=day).health.model_dump(),
            "profile": build_account_profile(session, account, day).model_dump(),
            "analysis": analyze_account(session, account_id, day).model_dump(),
            "tools": _tool_answers(store, account_id, day),
        }


def _tool_answers(store: Store, account_id: str, day: date) -> dict[str, str]:
    """What the model reads about the account's people and contracts on the day."""
    context = ToolContext(sessions=store.sessions, settings=Settings(), as_of=day, account_id=account_id, run_id="r")
    return {
        tool.name: str(call(tool, context).content) for tool in (engagement_tools.get_stakeholder_map, get_contracts)
    }


def assert_no_look_ahead(store: Store, account_id: str, change: Callable[[Session], None], after: date) -> None:
    """The answer at D does not move when the change lands; the answer on `after` does."""
    before_d, before_after = answers(store, account_id, D), answers(store, account_id, after)
    with store.transaction() as session:
        change(session)
    now_d = answers(store, account_id, D)
    for part, value in before_d.items():
        assert _diff(now_d[part], value) == {}, part
    assert answers(store, account_id, after) != before_after


def _diff(new: Any, old: Any, path: str = "") -> dict[str, Any]:
    """Where two answers differ, by path (empty when equal)."""
    if isinstance(new, dict) and isinstance(old, dict):
        out: dict[str, Any] = {}
        for key in set(new) | set(old):
            out.update(_diff(new.get(key), old.get(key), f"{path}.{key}"))
        return out
    return {} if new == old else {path: (old, new)}


def churn(account_id: str, on: date) -> Callable[[Session], None]:
    """The account churns on a day, as an import records it: status, churn date, its contracts cancelled."""

    def apply(session: Session) -> None:
        account = session.get(Account, account_id)
        assert account is not None
        account.status, account.churned_on, account.renewal_date = AccountStatus.CHURNED, on, None
        session.execute(
            update(Contract).where(Contract.account_id == account_id).values(status=ContractStatus.CANCELLED)
        )

    return apply


def contact_flag(contact_id: str, field: str, value: bool, on: date) -> Callable[[Session], None]:
    """A contact's flag changes on a day, dated as every writer dates it."""

    def apply(session: Session) -> None:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        record_change(
            session,
            account_id=contact.account_id,
            entity_type="contact",
            entity_id=contact.id,
            field=field,
            old=getattr(contact, field),
            new=value,
            effective_on=on,
            at=noon(on),
        )
        setattr(contact, field, value)

    return apply


def tier_override(account_id: str, tier: Tier, on: date) -> Callable[[Session], None]:
    def apply(session: Session) -> None:
        account = session.get(Account, account_id)
        assert account is not None
        override_tier(
            session,
            account=account,
            tier=tier,
            reason="strategic logo",
            at=noon(on),
            actor="test",
            thresholds=Thresholds(),
        )

    return apply


def _champion(store: Store, account_id: str) -> str:
    with store.transaction() as session:
        return (
            session.scalars(
                select(Contact.id)
                .where(Contact.account_id == account_id, Contact.active.is_(True))
                .order_by(Contact.id)
            ).first()
            or ""
        )


def test_status_an_account_churned_after_d_is_active_at_d(demo: Store) -> None:
    on = D + timedelta(days=20)
    assert_no_look_ahead(demo, TECHFLOW, churn(TECHFLOW, on), on)
    at_d, later = answers(demo, TECHFLOW, D), answers(demo, TECHFLOW, on)
    assert at_d["facts"]["status"] == "active" and at_d["facts"]["lines"] and at_d["facts"]["arr"] > 0
    assert later["facts"]["status"] == "churned" and later["facts"]["arr"] == 0 and later["analysis"]["route"] == "none"


def test_status_a_customer_from_after_d_is_a_prospect_at_d(demo: Store) -> None:
    with demo.transaction() as session:
        since = session.get(Account, TECHFLOW).customer_since  # type: ignore[union-attr]
        facts = load_facts(session, since - timedelta(days=1), [TECHFLOW])[TECHFLOW]
    assert facts.status == "prospect" and facts.lines == []


def test_tier_override_set_after_d(demo: Store) -> None:
    on = D + timedelta(days=5)
    assert_no_look_ahead(demo, TECHFLOW, tier_override(TECHFLOW, Tier.T1, on), on)
    assert answers(demo, TECHFLOW, D)["profile"]["tier"] == Tier.T3
    later = answers(demo, TECHFLOW, on)
    assert later["profile"]["tier"] == Tier.T1 and later["profile"]["tier_override_reason"] == "strategic logo"


def test_tier_override_cleared_after_d_still_holds_at_d(demo: Store) -> None:
    set_on, cleared_on = D - timedelta(days=30), D + timedelta(days=3)
    with demo.transaction() as session:
        tier_override(TECHFLOW, Tier.T1, set_on)(session)
    assert_no_look_ahead(demo, TECHFLOW, tier_override(TECHFLOW, None, cleared_on), cleared_on)  # type: ignore[arg-type]
    assert answers(demo, TECHFLOW, D)["profile"]["tier"] == Tier.T1
    assert answers(demo, TECHFLOW, cleared_on)["profile"]["tier"] == Tier.T3


def test_tier_derived_from_a_contract_signed_after_d(demo: Store) -> None:
    on = D + timedelta(days=10)

    def expand(session: Session) -> None:
        session.add(Contract(id="TF-EXP", account_id=TECHFLOW, kind=ContractKind.EXPANSION, start_date=on))
        session.add(
            ContractLine(
                id="TF-EXP-1",
                contract_id="TF-EXP",
                account_id=TECHFLOW,
                product_id=session.scalars(
                    select(ContractLine.product_id).where(ContractLine.account_id == TECHFLOW)
                ).first(),
                quantity=1,
                unit_price=Decimal("600000"),
                start_date=on,
            )
        )
        session.flush()
        recalculate_accounts(session, as_of=on, thresholds=Thresholds(), at=noon(on), account_ids=[TECHFLOW])

    assert_no_look_ahead(demo, TECHFLOW, expand, on)
    at_d, later = answers(demo, TECHFLOW, D), answers(demo, TECHFLOW, on)
    assert at_d["profile"]["tier"] == Tier.T3 and at_d["facts"]["arr"] == Decimal("85000")
    assert later["profile"]["tier"] == Tier.T1 and later["facts"]["arr"] == Decimal("685000")


def test_contact_active_flag_changed_after_d(demo: Store) -> None:
    contact, on = _champion(demo, TECHFLOW), D + timedelta(days=7)
    assert_no_look_ahead(demo, TECHFLOW, contact_flag(contact, "active", False, on), on)
    flags = {c["id"]: c["active"] for c in answers(demo, TECHFLOW, D)["profile"]["contacts"]}
    assert flags[contact] is True


def test_contact_do_not_contact_flag_changed_after_d(demo: Store) -> None:
    contact, on = _champion(demo, TECHFLOW), D + timedelta(days=7)
    assert_no_look_ahead(demo, TECHFLOW, contact_flag(contact, "do_not_contact", True, on), on)
    flags = {c["id"]: c["do_not_contact"] for c in answers(demo, TECHFLOW, D)["profile"]["contacts"]}
    assert flags[contact] is False


def test_contact_who_left_after_d_was_active_at_d(demo: Store) -> None:
    contact, on = _champion(demo, TECHFLOW), D + timedelta(days=9)

    def leave(session: Session) -> None:
        row = session.get(Contact, contact)
        assert row is not None
        row.active, row.left_on = False, on

    assert_no_look_ahead(demo, TECHFLOW, leave, on)


def test_contact_added_after_d(demo: Store) -> None:
    on = D + timedelta(days=6)

    def add(session: Session) -> None:
        add_contact(
            session, account=TECHFLOW, name="Nora Quinn", title="CMO", department="Marketing", at=noon(on), actor=None
        )

    assert_no_look_ahead(demo, TECHFLOW, add, on)
    names = {c["name"] for c in answers(demo, TECHFLOW, on)["profile"]["contacts"]}
    assert "Nora Quinn" in names


def test_opportunities_created_and_moved_after_d(demo: Store) -> None:
    created = create(demo, at=noon(D - timedelta(days=10)), actor=None, target_departments=["Marketing"])
    before = answers(demo, RETAILCO, D)
    stage_at_d = {o[0]: o[3] for o in before["facts"]["opportunities"]}[created.id]
    with demo.transaction() as session:
        move_stage(
            session,
            opportunity_id=created.id,
            move=StageMove(stage="qualified"),
            at=noon(D + timedelta(days=2)),
            actor=None,
        )
    late = create(demo, at=noon(D + timedelta(days=3)), actor=None, name="Later deal", target_departments=["IT"])
    assert answers(demo, RETAILCO, D) == before
    later = {o[0]: o[3] for o in answers(demo, RETAILCO, D + timedelta(days=3))["facts"]["opportunities"]}
    assert stage_at_d == "identified" and later[created.id] == "qualified" and late.id in later


def test_health_override_set_after_d(demo: Store) -> None:
    on = D + timedelta(days=2)

    def override(session: Session) -> None:
        set_override(session, account_id=TECHFLOW, reason="exec escalation", set_by="test", at=noon(on), band="Red")

    assert_no_look_ahead(demo, TECHFLOW, override, on)
    assert answers(demo, TECHFLOW, on)["health"]["effective_band"] == "Red"


def test_activity_logged_after_d(demo: Store) -> None:
    contact, on = _champion(demo, TECHFLOW), D + timedelta(days=4)

    def log(session: Session) -> None:
        session.add(Activity(id="ACT-LATE", account_id=TECHFLOW, kind=ActivityKind.CALL, occurred_at=noon(on)))
        session.flush()
        session.add(ActivityContact(activity_id="ACT-LATE", contact_id=contact))

    assert_no_look_ahead(demo, TECHFLOW, log, on)
    assert answers(demo, TECHFLOW, on)["facts"]["last_activity_on"] == on


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days_after=st.integers(min_value=1, max_value=45),
    kind=st.sampled_from(["churn", "tier_override", "active", "do_not_contact"]),
)
def test_any_change_after_d_leaves_d_alone(demo_file: Path, tmp_path: Path, days_after: int, kind: str) -> None:
    target = tmp_path / f"{kind}-{days_after}.db"
    store = _copy(demo_file, target)
    try:
        on = D + timedelta(days=days_after)
        contact = _champion(store, TECHFLOW)
        change = {
            "churn": churn(TECHFLOW, on),
            "tier_override": tier_override(TECHFLOW, Tier.T1, on),
            "active": contact_flag(contact, "active", False, on),
            "do_not_contact": contact_flag(contact, "do_not_contact", True, on),
        }[kind]
        with store.transaction() as session:
            before = load_facts(session, D, [TECHFLOW])[TECHFLOW]
            profile = build_account_profile(session, session.get(Account, TECHFLOW), D)  # type: ignore[arg-type]
            change(session)
        with store.transaction() as session:
            assert load_facts(session, D, [TECHFLOW])[TECHFLOW] == before
            assert build_account_profile(session, session.get(Account, TECHFLOW), D) == profile  # type: ignore[arg-type]
    finally:
        store.dispose()
        target.unlink(missing_ok=True)


def test_backtest_and_health_score_an_account_on_a_date_alike(demo: Store) -> None:
    day = date(2024, 7, 31)
    config = load_weights()
    with demo.transaction() as session:
        catalog = load_catalog(session)
        replayed = {
            f.account_id: score_only(f, catalog, config)
            for c in iter_population_facts(session, day, Thresholds())
            for f in c
        }
        churned_since = set(
            session.scalars(select(Account.id).where(Account.status == AccountStatus.CHURNED, Account.churned_on > day))
        )
        assert churned_since & set(replayed), "the population holds accounts that churned after the date"
        for account_id, quick in replayed.items():
            health = health_report(session, account_id=account_id, as_of=day, config=config).health
            assert (health.score, health.band) == (quick.score, quick.band), account_id
