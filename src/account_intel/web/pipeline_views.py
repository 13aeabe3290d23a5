"""What the pipeline pages and the pipeline API need around the pipeline service: when an action happens, the
filters, the board's columns, and the choices the forms offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.auth.permissions import ALLOWED, Action
from account_intel.clock import FixedClock
from account_intel.domain.enums import OpportunityStage, OpportunityType
from account_intel.errors import NotFoundError
from account_intel.pipeline.fields import enum_value, parse
from account_intel.pipeline.people import find_user
from account_intel.pipeline.service import get_opportunity
from account_intel.pipeline.stages import OPEN_STAGES, STAGE_NAME
from account_intel.pipeline.views import OpportunityView
from account_intel.queries.user_list import UserRow, list_users
from account_intel.store.data_date import data_as_of
from account_intel.store.models import Account, Contact

FILTER_FAILED = "Invalid filter."
BOARD_STAGES: tuple[OpportunityStage, ...] = (*OPEN_STAGES, OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)


def action_time(session: Session, requested: date | None, now: datetime) -> datetime:
    """When a pipeline action happens, as the CLI's `--at` decides it: noon UTC on the day asked for, else on the
    store's data date (so an entry lands on the store's timeline), else now."""
    day = requested or data_as_of(session)
    return FixedClock.on(day).now() if day is not None else now


def opportunity_account(session: Session, opportunity_id: str) -> Account:
    """The account of an opportunity (whose pipeline a user must be allowed to work); unknown ids are a 404."""
    account = session.get(Account, get_opportunity(session, opportunity_id).account_id)
    assert account is not None  # an opportunity's account is a foreign key
    return account


class OpportunityFilter(BaseModel):
    """The filters of the board and the list: a stage and a type, given by their values (case and dashes forgiven)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: OpportunityStage | None = None
    type: OpportunityType | None = None

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> Any:
        return enum_value(OpportunityStage, "Stage", value) if value not in ("", None) else None

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return enum_value(OpportunityType, "Type", value) if value not in ("", None) else None


def opportunity_filter(*, stage: str | None = None, opportunity_type: str | None = None) -> OpportunityFilter:
    """The filters as given, or a 422 naming the filter ('Invalid filter. Type must be one of ...')."""
    return parse(OpportunityFilter, FILTER_FAILED, stage=stage, type=opportunity_type)


def owner_id(session: Session, value: str | None) -> str | None:
    """The user id an owner filter names (id, email or full name), None for no filter; an unknown one is a 404."""
    if not value or not value.strip():
        return None
    try:
        return find_user(session, value).id
    except NotFoundError:
        raise NotFoundError(f"Owner '{value}': no user has that id, email or full name.") from None


@dataclass(frozen=True, slots=True)
class BoardColumn:
    """One stage of the board: its opportunities and what they add up to."""

    stage: OpportunityStage
    name: str
    cards: list[OpportunityView]

    @property
    def total(self) -> Decimal:
        """The column's value: closed value where closed, else the estimate."""
        return sum((card.closed_value or card.estimated_value for card in self.cards), Decimal("0"))


def board(rows: list[OpportunityView]) -> list[BoardColumn]:
    """The opportunities in one column per stage, in the pipeline's order (open stages, then won, then lost)."""
    return [BoardColumn(stage, STAGE_NAME[stage], [r for r in rows if r.stage == stage]) for stage in BOARD_STAGES]


def pipeline_users(session: Session) -> list[UserRow]:
    """The active users who may work the pipeline: who an opportunity can be owned by."""
    return [row for row in list_users(session, active_only=True) if Action.PIPELINE in ALLOWED.get(row.role, ())]


def contact_names(session: Session, account_id: str) -> list[str]:
    """The names of an account's active contacts, for the form's suggestions."""
    stmt = select(Contact.name).where(Contact.account_id == account_id, Contact.active.is_(True)).order_by(Contact.name)
    return list(dict.fromkeys(session.scalars(stmt)))
