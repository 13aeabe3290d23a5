"""Health through the store: weekly snapshots (idempotent), why it moved with resolvable evidence, and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.analytics.evidence import resolves
from account_intel.analytics.health.account import account_signals, health_report
from account_intel.analytics.health.config import default_health_config, parse_health_config
from account_intel.analytics.health.models import Band
from account_intel.analytics.health.overrides import active_override, active_overrides, clear_override, set_override
from account_intel.analytics.health.snapshots import list_snapshots, previous_snapshots, save_snapshots
from account_intel.analytics.signals.models import SignalKind
from account_intel.domain.enums import (
    ActivityKind,
    FeatureKind,
    MeddiccRole,
    Sentiment,
    SurveyKind,
    TicketSeverity,
    UserRole,
)
from account_intel.errors import NotFoundError, ValidationFailed
from account_intel.store.engine import Store, alembic_config, current_revision, head_revision
from account_intel.store.events import list_events
from account_intel.store.models import (
    Activity,
    ActivityContact,
    Contact,
    Feature,
    HealthSnapshot,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
)
from tests.factories import add_account, add_user

AS_OF = date(2024, 11, 30)
LAST_WEEK = date(2024, 11, 22)
AT = datetime(2024, 11, 30, 12, tzinfo=UTC)


def seed(session: Session, account_id: str = "ACCT-1") -> None:
    """An account with usage, feature usage, a ticket, surveys, contacts and an activity."""
    if session.get(Feature, "feat_a") is None:
        session.add(Feature(id="feat_a", name="Dashboards", kind=FeatureKind.FEATURE, min_tier_rank=1))
        add_user(session, "U-CSM", UserRole.CSM, "Casey")
    add_account(session, account_id, arr=Decimal("120000"), name=f"Acme {account_id}")
    for i, month in enumerate(range(6, 12)):
        period = date(2024, month, 1)
        session.add(UsageMetric(account_id=account_id, metric="api_calls", period_start=period, value=600 + 30 * i,
                                plan_limit=1000))  # fmt: skip
        session.add(UsageMetric(account_id=account_id, metric="feature:feat_a", period_start=period, value=10 + i,
                                feature_id="feat_a"))  # fmt: skip
    session.add(SupportTicket(id=f"{account_id}-T1", account_id=account_id, opened_at=AT - timedelta(days=30),
                              severity=TicketSeverity.LOW))  # fmt: skip
    session.add(SurveyResponse(id=f"{account_id}-S1", account_id=account_id, kind=SurveyKind.NPS, score=9,
                               responded_on=AS_OF - timedelta(days=20)))  # fmt: skip
    for n, role in enumerate((MeddiccRole.CHAMPION, MeddiccRole.USER, MeddiccRole.ECONOMIC_BUYER)):
        session.add(Contact(id=f"{account_id}-C{n}", account_id=account_id, name=f"P{n}", meddicc_role=role,
                            is_executive=n == 2, first_contact_on=date(2023, 1, 1)))  # fmt: skip
    session.flush()
    session.add(Activity(id=f"{account_id}-A1", account_id=account_id, kind=ActivityKind.MEETING,
                         occurred_at=AT - timedelta(days=5), sentiment=Sentiment.POSITIVE, subject="QBR prep",
                         body="Marketing is hiring a ton of contractors and juggling three vendors."))  # fmt: skip
    session.flush()
    session.add(ActivityContact(activity_id=f"{account_id}-A1", contact_id=f"{account_id}-C2"))
    session.flush()


def add_escalations(session: Session, account_id: str = "ACCT-1", n: int = 3) -> None:
    for i in range(n):
        session.add(SupportTicket(id=f"{account_id}-E{i}", account_id=account_id, opened_at=AT - timedelta(days=2 + i),
                                  severity=TicketSeverity.URGENT, escalated=True, subject="Sync down"))  # fmt: skip
    session.flush()


def test_snapshot_is_idempotent_per_week_and_weight_set(store: Store) -> None:
    with store.transaction() as session:
        seed(session)
        first = health_report(session, account_id="ACCT-1", as_of=AS_OF, store_snapshot=True, at=AT)
        health_report(session, account_id="ACCT-1", as_of=AS_OF - timedelta(days=2), store_snapshot=True, at=AT)
        add_escalations(session)
        again = health_report(
            session, account_id="ACCT-1", as_of=AS_OF, store_snapshot=True, at=AT + timedelta(hours=1)
        )
        other = parse_health_config({"weights": {"usage": 1}}, source="x").named("usage-only", "x")
        health_report(session, account_id="ACCT-1", as_of=AS_OF, config=other, store_snapshot=True, at=AT)
        rows = session.scalars(select(HealthSnapshot).order_by(HealthSnapshot.weights_name)).all()
        assert [(r.week, r.weights_name) for r in rows] == [
            (date(2024, 11, 25), "default"),
            (date(2024, 11, 25), "usage-only"),
        ]
        stored = list_snapshots(session, account_id="ACCT-1", weights_name="default")
        assert len(stored) == 1 and stored[0].score == again.health.score != first.health.score
        assert stored[0].component("support").evidence_ids[-1].startswith("ticket:ACCT-1-E")
        assert (rows[0].created_at, rows[0].updated_at) == (AT, AT + timedelta(hours=1))


def test_why_it_moved_against_last_weeks_snapshot_with_resolvable_evidence(store: Store) -> None:
    with store.transaction() as session:
        seed(session)
        assert health_report(session, account_id="ACCT-1", as_of=LAST_WEEK, store_snapshot=True, at=AT).delta is None
        add_escalations(session)
        report = health_report(session, account_id="ACCT-1", as_of=AS_OF)
        assert report.previous is not None and report.previous.week == date(2024, 11, 18)
        delta = report.delta
        assert delta is not None and delta.score_delta < 0
        support = next(d for d in delta.components if d.component == "support")
        assert support.delta < 0
        assert sorted(support.added_evidence) == ["ticket:ACCT-1-E0", "ticket:ACCT-1-E1", "ticket:ACCT-1-E2"]
        assert "ticket:ACCT-1-E0" in support.reason
        every_id = {i for d in delta.components for i in (*d.evidence_ids, *d.added_evidence)}
        every_id |= {i for c in report.health.components for i in c.evidence_ids}
        assert every_id and all(resolves(session, i) for i in every_id), [
            i for i in every_id if not resolves(session, i)
        ]


def test_override_survives_recompute_and_is_shown_beside_the_computed_score(store: Store) -> None:
    with store.transaction() as session:
        seed(session)
        set_override(session, account_id="ACCT-1", band="red", reason="Exec sponsor left; renewal at risk",
                     set_by="U-CSM", at=AT, expires_on=date(2024, 12, 31))  # fmt: skip
        for day in (AS_OF, AS_OF + timedelta(days=7)):
            report = health_report(session, account_id="ACCT-1", as_of=day, store_snapshot=True, at=AT)
            h = report.health
            assert h.override is not None and h.override.reason == "Exec sponsor left; renewal at risk"
            assert h.effective_band is Band.RED and h.band is Band.GREEN and h.effective_score == h.score
        snapshots = list_snapshots(session, account_id="ACCT-1")
        assert [s.band for s in snapshots] == [Band.GREEN, Band.GREEN]  # snapshots keep the computed score
        assert active_override(session, account_id="ACCT-1", as_of=date(2024, 12, 30)) is not None
        assert active_override(session, account_id="ACCT-1", as_of=date(2024, 12, 31)) is None  # expired
        assert active_override(session, account_id="ACCT-1", as_of=AS_OF - timedelta(days=1)) is None  # not yet set
        kinds = [e.kind for e in list_events(session, account_id="ACCT-1")]
        assert "health.override_set" in kinds


def test_new_override_replaces_the_one_in_force_and_clear_removes_it(store: Store) -> None:
    with store.transaction() as session:
        seed(session)
        set_override(session, account_id="ACCT-1", score=40, reason="first", set_by="U-CSM", at=AT)
        set_override(
            session, account_id="ACCT-1", score=65, reason="second", set_by="U-CSM", at=AT + timedelta(hours=1)
        )
        info = active_override(session, account_id="ACCT-1", as_of=AS_OF)
        assert info is not None and (info.score, info.reason) == (65, "second")
        report = health_report(session, account_id="ACCT-1", as_of=AS_OF)
        assert (report.health.effective_score, report.health.effective_band) == (65.0, Band.YELLOW)
        clear_override(session, account_id="ACCT-1", cleared_by="U-CSM", at=AT + timedelta(days=1))
        assert active_override(session, account_id="ACCT-1", as_of=AS_OF + timedelta(days=2)) is None
        assert active_override(session, account_id="ACCT-1", as_of=AS_OF) is not None  # it applied that day
        with pytest.raises(NotFoundError, match="no health override in force"):
            clear_override(session, account_id="ACCT-1", cleared_by="U-CSM", at=AT + timedelta(days=2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs --score or --band"),
        ({"score": 101}, "outside 0-100"),
        ({"band": "Amber"}, "not one of Green, Yellow, Red"),
        ({"band": "Red", "reason": "  "}, "needs a reason"),
        ({"band": "Red", "expires_on": date(2024, 11, 30)}, "not after today"),
        ({"band": "Red", "account_id": "NOPE"}, "not found"),
    ],
)
def test_override_input_is_checked(store: Store, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with store.transaction() as session:
        seed(session)
        args = {"account_id": "ACCT-1", "reason": "why", "set_by": "U-CSM", "at": AT, **kwargs}
        with pytest.raises((ValidationFailed, NotFoundError), match=message):
            set_override(session, **args)


def test_previous_snapshots_and_overrides_are_set_based(store: Store) -> None:
    config = default_health_config()
    with store.transaction() as session:
        for account_id in ("ACCT-1", "ACCT-2", "ACCT-3"):
            seed(session, account_id)
        results = [
            health_report(session, account_id=a, as_of=day, config=config).health
            for a in ("ACCT-1", "ACCT-2")
            for day in (date(2024, 11, 8), LAST_WEEK)
        ]
        assert save_snapshots(session, results=results, at=AT) == 4
        found = previous_snapshots(
            session, account_ids=["ACCT-1", "ACCT-2", "ACCT-3"], before=AS_OF, weights_name="default"
        )
        assert {a: s.week for a, s in found.items()} == {"ACCT-1": date(2024, 11, 18), "ACCT-2": date(2024, 11, 18)}
        set_override(session, account_id="ACCT-3", band="Yellow", reason="r", set_by="U-CSM", at=AT)
        assert set(active_overrides(session, account_ids=["ACCT-1", "ACCT-3"], as_of=AS_OF)) == {"ACCT-3"}
        count = session.execute(select(func.count()).select_from(HealthSnapshot)).scalar_one()
        assert count == 4


def test_signals_from_the_store_include_a_health_decline(store: Store) -> None:
    with store.transaction() as session:
        seed(session)
        health_report(session, account_id="ACCT-1", as_of=LAST_WEEK, store_snapshot=True, at=AT)
        add_escalations(session, n=6)
        session.execute(Contact.__table__.update().values(active=False))
        session.execute(SurveyResponse.__table__.update().values(score=0))
        signals = account_signals(session, account_id="ACCT-1", as_of=AS_OF)
        kinds = {s.kind for s in signals}
        assert SignalKind.HEALTH_DECLINE in kinds and SignalKind.TEXT_VENDOR_PAIN in kinds
        decline = next(s for s in signals if s.kind is SignalKind.HEALTH_DECLINE)
        assert decline.strength >= 0.8 and decline.data["drop_points"] >= 10
        assert decline.evidence and all(resolves(session, i) for s in signals for i in s.evidence_ids)


def test_migration_0003_downgrades_and_upgrades(store: Store) -> None:
    cfg = alembic_config(store.engine)
    command.downgrade(cfg, "0002")
    assert current_revision(store.engine) == "0002"
    command.upgrade(cfg, "head")
    assert current_revision(store.engine) == head_revision(store.engine)
    with store.transaction() as session:
        seed(session)
        health_report(session, account_id="ACCT-1", as_of=AS_OF, store_snapshot=True, at=AT)


def test_the_loader_tells_a_missing_feed_from_an_account_without_rows(store: Store) -> None:
    from account_intel.analytics.facts import load_facts
    from tests.factories import AS_OF, add_account, add_contact

    with store.transaction() as session:
        add_account(session, "ACCT-A", arr=Decimal("90000"))
        add_account(session, "ACCT-B", arr=Decimal("90000"))
    with store.transaction() as session:
        facts = load_facts(session, AS_OF, ["ACCT-A", "ACCT-B"])
    assert not facts["ACCT-A"].store_has_contacts and not facts["ACCT-A"].store_has_activities
    with store.transaction() as session:
        add_contact(session, "C-B1", "ACCT-B")
    with store.transaction() as session:
        facts = load_facts(session, AS_OF, ["ACCT-A", "ACCT-B"])
    assert facts["ACCT-A"].store_has_contacts and not facts["ACCT-A"].contacts  # the store has the feed: A has a gap
    assert not facts["ACCT-A"].store_has_activities


def test_the_loader_reads_each_activity_once_with_its_participants_in_order(store: Store) -> None:
    from account_intel.analytics.facts import iter_portfolio_facts, load_facts

    with store.transaction() as session:
        seed(session)
        for n, contacts in enumerate((["ACCT-1-C1", "ACCT-1-C0"], [])):
            session.add(Activity(id=f"ACCT-1-B{n}", account_id="ACCT-1", kind=ActivityKind.CALL,
                                 occurred_at=AT - timedelta(days=3 - n)))  # fmt: skip
            session.flush()
            session.add_all(ActivityContact(activity_id=f"ACCT-1-B{n}", contact_id=c) for c in contacts)
        session.flush()
    with store.transaction() as session:
        full = load_facts(session, AS_OF, ["ACCT-1"])["ACCT-1"]
        (scanned,) = next(iter_portfolio_facts(session, AS_OF, scan=True))
    for facts in (full, scanned):
        assert [(a.id, a.contact_ids) for a in facts.activities] == [
            ("ACCT-1-A1", ("ACCT-1-C2",)),
            ("ACCT-1-B0", ("ACCT-1-C0", "ACCT-1-C1")),  # sorted, whatever order SQL aggregates them in
            ("ACCT-1-B1", ()),  # no participant
        ]
    assert full.activities[0].body and scanned.activities[0].body == full.activities[0].body  # a scan reads text too


def test_the_last_executive_touch_reads_all_history_in_both_loaders(store: Store) -> None:
    from account_intel.analytics.facts import iter_portfolio_facts, load_facts

    with store.transaction() as session:
        seed(session)  # ACCT-1-C2 (an executive) met 5 days before AT
        seed(session, "ACCT-2")
        old = AT - timedelta(days=400)  # outside the loaded activity window
        session.add(Activity(id="ACCT-2-OLD", account_id="ACCT-2", kind=ActivityKind.MEETING, occurred_at=old))
        session.flush()
        session.add(ActivityContact(activity_id="ACCT-2-OLD", contact_id="ACCT-2-C2"))
        session.execute(ActivityContact.__table__.delete().where(ActivityContact.activity_id == "ACCT-2-A1"))
    with store.transaction() as session:
        full = load_facts(session, AS_OF, ["ACCT-1", "ACCT-2"])
        scanned = {f.account_id: f for f in next(iter_portfolio_facts(session, AS_OF, scan=True))}
    for facts in (full, scanned):
        assert facts["ACCT-1"].last_exec_touch_on == (AT - timedelta(days=5)).date()
        assert facts["ACCT-2"].last_exec_touch_on == old.date()  # its recent meeting had no executive
        assert facts["ACCT-2"].last_activity_on == (AT - timedelta(days=5)).date()
