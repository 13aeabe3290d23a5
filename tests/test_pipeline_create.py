from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from account_intel.analytics.evidence import row_evidence
from account_intel.domain.enums import AccountStatus, OpportunitySource, OpportunityStage, TaskStatus
from account_intel.pipeline import service
from account_intel.pipeline.errors import ContactNotFound, FieldProblems, PreconditionFailed
from account_intel.pipeline.schemas import OpportunityCreate, parse
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.models import Account, Opportunity, Task
from tests.pipeline_support import CREATED, create, day, seed_retailco

LEAD = "Failed to create opportunity. Check required fields."


def test_tc001_created_in_identified_with_event_and_id(store: Store) -> None:
    seed_retailco(store)
    opp = create(store, discovery_notes="Tom mentioned Marketing is hiring a ton of contractors.")
    assert opp.id == "EXP-2024-0001"
    assert (opp.stage, opp.stage_name, opp.probability) == (OpportunityStage.IDENTIFIED, "Identified", 40)
    assert opp.estimated_value == Decimal("150000.00")
    assert opp.champion is not None and opp.champion.name == "Tom Wilson"
    assert opp.decision_maker is None and opp.decision_maker_note == "TBD"
    assert opp.owner_id == "U-AM" and opp.target_departments == ["Marketing"]
    with store.transaction() as session:
        (event,) = list_events(session, kind="expansion.created")
        assert {
            k: event.payload[k] for k in ("opportunity_id", "account_id", "estimated_value", "type", "user_id")
        } == {
            "opportunity_id": "EXP-2024-0001",
            "account_id": "ACCT-2001",
            "estimated_value": "150000.00",
            "type": "new_department",
            "user_id": "U-AM",
        }
        assert event.payload["warnings"] == ["account health is unknown; the health precondition was not checked"]


def test_ids_count_per_year_of_creation(store: Store) -> None:
    seed_retailco(store)
    assert create(store).id == "EXP-2024-0001"
    assert create(store, at=day(12, 1)).id == "EXP-2024-0002"
    assert create(store, at=day(1, 2, 2025)).id == "EXP-2025-0001"


def test_ids_skip_numbers_taken_by_imported_rows(store: Store) -> None:
    seed_retailco(store)
    with store.transaction() as session:
        session.add(
            Opportunity(
                id="EXP-2024-0001",
                account_id="ACCT-2001",
                name="Imported",
                type="volume_increase",
                stage=OpportunityStage.CLOSED_WON,
                probability=100,
                estimated_value=Decimal("45000"),
                created_at=CREATED,
                updated_at=CREATED,
            )
        )
    assert create(store).id == "EXP-2024-0002"


def test_ids_are_unique_under_concurrent_creation(store: Store) -> None:
    seed_retailco(store)
    ids: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            ids.append(create(store).id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(ids) == [f"EXP-2024-{n:04d}" for n in range(1, 7)]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"account": " "}, "Account is required."),
        ({"name": ""}, "Name is required."),
        ({"name": "x" * 101}, "Name must be at most 100 characters (got 101)."),
        ({"type": None}, "Type is required."),
        (
            {"type": "merger"},
            "Type must be one of new_department, new_location, new_service, volume_increase, "
            "rate_increase, contract_extension (got 'merger').",
        ),
        ({"estimated_value": None}, "Estimated value is required."),
        ({"estimated_value": "0"}, "Estimated value must be a positive number."),
        ({"estimated_value": "-5"}, "Estimated value must be a positive number."),
        ({"estimated_value": "10000000"}, "Estimated value must be at most $9,999,999."),
        ({"estimated_value": "lots"}, "Estimated value must be a number (got 'lots')."),
        ({"probability": 50}, "Probability must be one of 10, 25, 40, 60, 75, 90 (got 50)."),
        (
            {"source": "cold_call"},
            "Source must be one of client_mention, news_linkedin, qbr_discussion, "
            "proactive_outreach, internal_referral, cs_driven_expansion (got 'cold_call').",
        ),
        ({"discovery_notes": "n" * 1001}, "Discovery notes must be at most 1,000 characters (got 1,001)."),
    ],
)
def test_field_rules_give_the_seed_lead_and_the_field_problem(fields: dict[str, object], problem: str) -> None:
    data = {"account": "RetailCo", "name": "Marketing", "type": "new_department", "estimated_value": "150000"}
    data.update(fields)
    with pytest.raises(FieldProblems) as exc:
        parse(OpportunityCreate, LEAD, **data)
    assert str(exc.value) == f"{LEAD} {problem}"


def test_several_problems_are_listed_together() -> None:
    with pytest.raises(FieldProblems) as exc:
        parse(OpportunityCreate, LEAD, account="RetailCo", name=" ", type="x", estimated_value=None)
    assert str(exc.value).startswith(LEAD)
    assert exc.value.problems[0] == "Name is required."
    assert len(exc.value.problems) == 3


def test_field_values_accepted() -> None:
    data = parse(
        OpportunityCreate,
        LEAD,
        account="A",
        name="x" * 100,
        type="New Department",
        estimated_value="$9,999,999",
        probability="90%",
        discovery_notes="n" * 1000,
        source="client mention",
    )
    assert data.estimated_value == Decimal("9999999.00") and data.probability == 90
    assert data.source == OpportunitySource.CLIENT_MENTION
    assert (
        parse(OpportunityCreate, LEAD, account="A", name="n", type="rate_increase", estimated_value=1).probability == 40
    )


def test_decision_maker_tbd_with_note(store: Store) -> None:
    seed_retailco(store)
    opp = create(store, decision_maker="TBD - Likely VP Marketing or Procurement")
    assert opp.decision_maker is None and opp.decision_maker_note == "Likely VP Marketing or Procurement"
    opp = create(store, decision_maker="tbd", decision_maker_note="VP Marketing?")
    assert opp.decision_maker_note == "VP Marketing?"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("decision_maker", "Decision maker contact not found in system."),
        ("champion", "Champion contact not found in system."),
        ("source_contact", "Source contact not found in system."),
    ],
)
def test_contacts_must_exist_on_the_account(store: Store, field: str, message: str) -> None:
    seed_retailco(store)
    seed_retailco(store, account_id="ACCT-9", name="Globex")
    with pytest.raises(ContactNotFound) as exc:
        create(store, **{field: "Nobody Here"})
    assert str(exc.value).startswith(message)
    with pytest.raises(ContactNotFound, match="not found in system"):
        create(store, **{field: "ACCT-9-JEN"})  # a contact of another account


def test_contacts_resolve_by_id_name_or_email(store: Store) -> None:
    seed_retailco(store)
    opp = create(store, decision_maker="jmartinez@acct-2001.test", influencers=["ACCT-2001-TOM"])
    assert opp.decision_maker is not None and opp.decision_maker.name == "Jennifer Martinez"
    assert [i.name for i in opp.influencers] == ["Tom Wilson"]


def test_precondition_red_health_refused_and_override_recorded(store: Store) -> None:
    seed_retailco(store)

    def red(session: object, account_id: str, on: date) -> str:
        return "Red"

    with pytest.raises(PreconditionFailed) as exc:
        create(store, health=red)
    assert "account health is Red (at least Yellow is required)" in str(exc.value)
    assert str(exc.value).startswith("Cannot create an expansion opportunity for RetailCo")
    opp = create(store, health=red, override_reason="Exec sponsor asked for it despite the incident")
    assert opp.override_reason == "Exec sponsor asked for it despite the incident"
    with store.transaction() as session:
        row = session.get(Opportunity, opp.id)
        assert row is not None and row.override_by == "U-AM"
        (event,) = list_events(session, kind="expansion.precondition_overridden")
        assert event.payload["failures"] == ["account health is Red (at least Yellow is required)"]
        assert event.payload["reason"] == "Exec sponsor asked for it despite the incident"


def test_precondition_yellow_and_green_pass_without_warning(store: Store) -> None:
    seed_retailco(store)
    for band in ("Yellow", "Green"):
        opp = create(store, health=lambda s, a, d, band=band: band)
        with store.transaction() as session:
            event = list_events(session, kind="expansion.created")[-1]
            assert event.payload["health_band"] == band and event.payload["warnings"] == []
        assert opp.override_reason is None


def test_precondition_inactive_and_new_accounts_refused(store: Store) -> None:
    seed_retailco(store)
    with store.transaction() as session:
        account = session.get(Account, "ACCT-2001")
        assert account is not None
        account.status = AccountStatus.CHURNED
        account.customer_since = date(2024, 10, 1)
    with pytest.raises(PreconditionFailed) as exc:
        create(store)
    assert exc.value.failures == [
        "the account is churned, not Active",
        "the account has been active only since 2024-10-01 (at least 3 months are required)",
    ]


def test_account_active_exactly_three_months_passes(store: Store) -> None:
    seed_retailco(store)
    with store.transaction() as session:
        account = session.get(Account, "ACCT-2001")
        assert account is not None
        account.customer_since = date(2024, 8, 30)
    assert create(store).stage == OpportunityStage.IDENTIFIED


def test_a1_client_initiated_and_cs_driven_start_at_qualified_with_evidence(store: Store) -> None:
    seed_retailco(store)
    assert create(store, client_initiated=True).stage == OpportunityStage.QUALIFIED
    evidence = [
        row_evidence("survey", "ACCT-2001-NPS0", "nps", 10, "2024-09"),
        row_evidence("account", "ACCT-2001", "arr", Decimal("340000")),
    ]
    opp = create(store, source="cs_driven_expansion", evidence=evidence, recommendation_id="REC-7")
    assert opp.stage == OpportunityStage.QUALIFIED and opp.probability == 40
    # stored as JSON: a Decimal value comes back as its string (Evidence's value union prefers str)
    assert [e.model_dump(mode="json") for e in opp.evidence] == [e.model_dump(mode="json") for e in evidence]
    assert opp.recommendation_id == "REC-7"
    with store.transaction() as session:
        row = session.get(Opportunity, opp.id)
        assert row is not None and row.evidence[1] == {
            "id": "account:ACCT-2001:arr",
            "source_table": "accounts",
            "row_id": "ACCT-2001",
            "metric": "arr",
            "period": None,
            "value": "340000",
        }
        tasks = session.query(Task).filter(Task.opportunity_id == opp.id).all()
        assert [t.title for t in tasks] == ["Schedule scoping call to understand requirements"]


def test_research_checklist_assigned_to_the_owner(store: Store) -> None:
    seed_retailco(store)
    opp = create(store, owner="Avery Stone")
    with store.transaction() as session:
        tasks = session.query(Task).filter(Task.opportunity_id == opp.id).order_by(Task.id).all()
    assert len(tasks) == 10 and {t.assignee_id for t in tasks} == {"U-AE"}
    assert all(t.status == TaskStatus.OPEN for t in tasks)
    research = [t for t in tasks if t.kind == "research"]
    assert [t.title for t in research] == [
        "Identify decision maker",
        "Research Marketing team size and structure",
        "Estimate current Marketing spend (LinkedIn, ZoomInfo)",
        "Identify pain points with current vendors",
        "Validate Tom Wilson as champion (will they advocate?)",
        "Understand budget cycle and approval process",
        "Map competitive landscape (who are current vendors?)",
    ]
    assert [(t.title, t.due_date) for t in tasks if t.kind == "next_action"] == [
        ("LinkedIn research on Marketing leadership team", date(2024, 12, 2)),
        ("Ask Tom Wilson for intro to Marketing leadership", date(2024, 12, 3)),
        ("Draft discovery questions for first meeting", date(2024, 12, 5)),
    ]


def test_owner_required_when_nobody_acts(store: Store) -> None:
    seed_retailco(store)
    with store.transaction() as session:
        account = session.get(Account, "ACCT-2001")
        assert account is not None
        account.am_id = account.ae_id = None
    with pytest.raises(FieldProblems, match=f"^{LEAD} Owner is required"):
        create(store, actor=None)


def test_list_opportunities_filters(store: Store) -> None:
    seed_retailco(store)
    first = create(store)
    create(store, client_initiated=True, owner="U-AE")
    with store.transaction() as session:
        assert [o.id for o in service.list_opportunities(session, owner_id="U-AE")] != [first.id]
        assert len(service.list_opportunities(session, stage=OpportunityStage.QUALIFIED)) == 1
        assert len(service.list_opportunities(session, account_id="ACCT-2001", open_only=True)) == 2
