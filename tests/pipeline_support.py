"""Shared setup for the pipeline tests: a RetailCo-like account with its people, and short-hand services."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from account_intel.domain.enums import MeddiccRole, SurveyKind, UserRole
from account_intel.pipeline import service
from account_intel.pipeline.errors import CREATE_FAILED
from account_intel.pipeline.preconditions import HealthBandProvider, unknown_health
from account_intel.pipeline.schemas import OpportunityCreate, StageMove, parse
from account_intel.pipeline.views import OpportunityView
from account_intel.store.engine import Store
from account_intel.store.models import Contract, Department, SurveyResponse
from tests.factories import add_account, add_contact, add_user

CREATED = datetime(2024, 11, 30, 12, tzinfo=UTC)


def day(month: int, d: int, year: int = 2024) -> datetime:
    """Noon UTC on a day of the story."""
    return datetime(year, month, d, 12, tzinfo=UTC)


def seed_retailco(store: Store, *, arr: str = "340000", account_id: str = "ACCT-2001", name: str = "RetailCo") -> None:
    """RetailCo: $340K, T2, AE and AM, Tom Wilson (champion), Jennifer Martinez (decision maker), IT and
    Marketing departments, Net 30 monthly contract terms and two NPS answers."""
    with store.transaction() as session:
        _people(session)
        account = add_account(session, account_id, arr=Decimal(arr), name=name, ae_id="U-AE")
        account.am_id = "U-AM"
        account.customer_since = date(2023, 5, 30)
        contract = session.get(Contract, f"C-{account_id}")
        assert contract is not None
        contract.payment_terms, contract.billing_frequency = "Net 30", "monthly"
        session.add(Department(id=f"{account_id}-IT", account_id=account_id, name="IT", headcount=60))
        session.add(Department(id=f"{account_id}-MKT", account_id=account_id, name="Marketing", headcount=45))
        tom = add_contact(session, f"{account_id}-TOM", account_id)
        tom.name, tom.title, tom.email = "Tom Wilson", "IT Director", f"twilson@{account_id.lower()}.test"
        jen = add_contact(session, f"{account_id}-JEN", account_id, role=MeddiccRole.DECISION_MAKER)
        jen.name, jen.title, jen.email = "Jennifer Martinez", "VP Marketing", f"jmartinez@{account_id.lower()}.test"
        for i, score in enumerate((10, 9, 7)):
            session.add(
                SurveyResponse(
                    id=f"{account_id}-NPS{i}",
                    account_id=account_id,
                    kind=SurveyKind.NPS,
                    score=score,
                    responded_on=date(2024, 9, 1 + i),
                )
            )


def _people(session: Session) -> None:
    from account_intel.store.models import User

    for user_id, role, name in (
        ("U-AE", UserRole.AE, "Avery Stone"),
        ("U-AM", UserRole.AM, "Sam Rivera"),
        ("U-MGR", UserRole.MANAGER, "Morgan Lee"),
        ("U-CSM", UserRole.CSM, "Casey Kim"),
    ):
        if session.get(User, user_id) is None:
            add_user(session, user_id, role, name)
    session.flush()


def create(
    store: Store,
    *,
    at: datetime = CREATED,
    actor: str | None = "U-AM",
    health: HealthBandProvider = unknown_health,
    **fields: Any,
) -> OpportunityView:
    """Create an opportunity with RetailCo defaults overridden by `fields`."""
    data: dict[str, Any] = {
        "account": "RetailCo",
        "name": "Marketing Department Staffing",
        "type": "new_department",
        "estimated_value": "150000",
        "source": "client_mention",
        "source_contact": "Tom Wilson",
        "champion": "Tom Wilson",
        "decision_maker": "TBD",
        "target_departments": ["Marketing"],
        "expected_close_date": date(2024, 12, 31),
    }
    data.update(fields)
    with store.transaction() as session:
        return service.create_opportunity(
            session, data=parse(OpportunityCreate, CREATE_FAILED, **data), at=at, actor=actor, health=health
        )


def move(
    store: Store, opportunity_id: str, stage: str, at: datetime, probability: int | None = None
) -> OpportunityView:
    """Move an opportunity through the service."""
    with store.transaction() as session:
        return service.move_stage(
            session,
            opportunity_id=opportunity_id,
            move=StageMove(stage=stage, probability=probability),
            at=at,
            actor="U-AM",
        )


def walk_to(store: Store, opportunity_id: str, stages: list[str]) -> None:
    """Move through `stages` one day apart."""
    for offset, stage in enumerate(stages, start=1):
        move(store, opportunity_id, stage, day(12, offset))
