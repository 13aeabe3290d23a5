"""Typed inputs of the pipeline services; their validators produce the form's field messages.

Validate with `parse(Model, lead, **data)` (from `fields`, re-exported here) to get one `FieldProblems` error.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from account_intel.analytics.evidence import Evidence
from account_intel.domain.enums import (
    ActivityKind,
    OpportunitySource,
    OpportunityStage,
    OpportunityType,
    Sentiment,
)
from account_intel.pipeline.errors import CREATE_FAILED
from account_intel.pipeline.fields import choices, enum_value, money_value, parse, probability_value
from account_intel.pipeline.stages import DEFAULT_PROBABILITY

NAME_MAX = 100
NOTES_MAX = 1000
LOSS_FOLLOW_UP_MIN, LOSS_FOLLOW_UP_MAX = 90, 180
_TBD = re.compile(r"^\s*tbd\b[\s:\-–]*(?P<note>.*)$", re.IGNORECASE | re.DOTALL)


class LossReason(StrEnum):
    """Why an expansion was lost."""

    BUDGET = "budget"
    TIMING = "timing"
    COMPETITOR = "competitor"
    NO_DECISION = "no_decision"
    OTHER = "other"


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)


class OpportunityCreate(_Input):
    """The opportunity creation form, plus CS-driven evidence and a precondition override."""

    LABELS: ClassVar[dict[str, str]] = {
        "name": "Name",
        "type": "Type",
        "estimated_value": "Estimated value",
        "probability": "Probability",
    }

    account: str = Field(description="Account id or name.")
    name: str = Field(description="Opportunity name, at most 100 characters.")
    type: OpportunityType = Field(description="Expansion type.")
    target_departments: list[str] = Field(default_factory=list, description="Target departments or areas.")
    estimated_value: Decimal = Field(description="Estimated annual value in dollars, 0 < value <= 9,999,999.")
    probability: int = Field(default=DEFAULT_PROBABILITY, description="One of 10, 25, 40, 60, 75, 90.")
    expected_close_date: date | None = None
    source: OpportunitySource | None = Field(default=None, description="How the opportunity was discovered.")
    source_contact: str | None = Field(default=None, description="Contact id, name or email.")
    discovery_notes: str | None = Field(default=None, description="At most 1,000 characters.")
    champion: str | None = None
    decision_maker: str | None = Field(default=None, description="A contact, or 'TBD' with a note.")
    decision_maker_note: str | None = None
    influencers: list[str] = Field(default_factory=list)
    owner: str | None = Field(default=None, description="User id, name or email; default: the acting user.")
    client_initiated: bool = Field(default=False, description="The client asked; starts at qualified.")
    evidence: list[Evidence] = Field(default_factory=list, description="Analytics evidence (CS-driven).")
    recommendation_id: str | None = Field(default=None, description="The analytics recommendation it came from.")
    override_reason: str | None = Field(default=None, description="Why to create despite failed preconditions.")

    @field_validator("account", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
        if value is None or not str(value).strip():
            raise ValueError("Account is required.")
        return value

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError("Name is required.")
        if len(text) > NAME_MAX:
            raise ValueError(f"Name must be at most {NAME_MAX} characters (got {len(text)}).")
        return text

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("Type is required.")
        return enum_value(OpportunityType, "Type", value)

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: Any) -> Any:
        return enum_value(OpportunitySource, "Source", value) if value not in ("", None) else None

    @field_validator("estimated_value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Any:
        return money_value(value, "Estimated value")

    @field_validator("probability", mode="before")
    @classmethod
    def _probability(cls, value: Any) -> Any:
        number = probability_value(value)
        return DEFAULT_PROBABILITY if number is None else number

    @field_validator("discovery_notes", mode="before")
    @classmethod
    def _notes(cls, value: Any) -> Any:
        if value is not None and len(str(value)) > NOTES_MAX:
            raise ValueError(f"Discovery notes must be at most 1,000 characters (got {len(str(value)):,}).")
        return value or None

    @field_validator("decision_maker_note", mode="before")
    @classmethod
    def _dm_note(cls, value: Any) -> Any:
        if value is not None and len(str(value)) > 200:
            raise ValueError("Decision maker note must be at most 200 characters.")
        return value or None

    @field_validator("target_departments", "influencers", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        items = [value] if isinstance(value, str) else list(value or [])
        seen: list[str] = []
        for item in items:
            text = str(item).strip()
            if text and text.lower() not in {s.lower() for s in seen}:
                seen.append(text)
        return seen

    @field_validator("override_reason", "source_contact", "champion", "owner", "recommendation_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value is None or not str(value).strip() else value

    @model_validator(mode="before")
    @classmethod
    def _tbd(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("decision_maker"), str):
            match = _TBD.match(data["decision_maker"])
            if match:
                data = {**data, "decision_maker": None}
                data["decision_maker_note"] = data.get("decision_maker_note") or match["note"].strip() or "TBD"
        return data

    @property
    def start_stage(self) -> OpportunityStage:
        """Identified; qualified when the client asked or Customer Success drove it (a CS-driven expansion)."""
        if self.client_initiated or self.source == OpportunitySource.CS_DRIVEN_EXPANSION:
            return OpportunityStage.QUALIFIED
        return OpportunityStage.IDENTIFIED


class StageMove(_Input):
    """A move to another open stage, with an optional probability chosen by the user."""

    stage: OpportunityStage
    probability: int | None = None
    note: str | None = None

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> Any:
        return enum_value(OpportunityStage, "Stage", value)

    @field_validator("probability", mode="before")
    @classmethod
    def _probability(cls, value: Any) -> Any:
        return probability_value(value)


class WinInput(_Input):
    """Closing as won: the closed annual value (default: the estimate) and the close date (default: today)."""

    closed_value: Decimal | None = None
    close_date: date | None = None
    product_id: str | None = Field(default=None, description="Catalog item for the contract line.")

    @field_validator("closed_value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Any:
        return money_value(value, "Closed value", required=False)


class LossInput(_Input):
    """Closing as lost: a reason, a note, and when to follow up (90 to 180 days)."""

    reason: LossReason
    note: str | None = None
    follow_up_days: int | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> Any:
        if value is None or not str(value).strip():
            raise ValueError(f"A loss reason is required: one of {choices(LossReason)}.")
        return enum_value(LossReason, "Loss reason", value)

    @field_validator("follow_up_days")
    @classmethod
    def _days(cls, value: int | None) -> int | None:
        if value is not None and not LOSS_FOLLOW_UP_MIN <= value <= LOSS_FOLLOW_UP_MAX:
            raise ValueError(f"Follow-up must be 90 to 180 days out (3-6 months); got {value}.")
        return value

    @model_validator(mode="after")
    def _other_needs_text(self) -> LossInput:
        if self.reason == LossReason.OTHER and not self.note:
            raise ValueError("A loss reason of 'other' needs a note saying why.")
        return self


class TaskInput(_Input):
    """A task on an opportunity: title, due date and assignee (default: the opportunity's owner)."""

    title: str
    due_date: date | None = None
    assignee: str | None = None
    kind: str = "task"

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> Any:
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError("Task title is required.")
        if len(text) > 200:
            raise ValueError(f"Task title must be at most 200 characters (got {len(text)}).")
        return text


class ActivityInput(_Input):
    """A logged call, email, meeting or note; it may also move the stage and refine the value."""

    kind: ActivityKind
    contacts: list[str] = Field(default_factory=list)
    subject: str | None = None
    notes: str | None = None
    outcome: str | None = None
    sentiment: Sentiment | None = None
    duration_minutes: int | None = Field(default=None, ge=0)
    stage: OpportunityStage | None = None
    probability: int | None = None
    estimated_value: Decimal | None = None
    expected_close_date: date | None = None
    tasks: list[TaskInput] = Field(default_factory=list)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return enum_value(ActivityKind, "Activity kind", value)

    @field_validator("sentiment", mode="before")
    @classmethod
    def _sentiment(cls, value: Any) -> Any:
        return enum_value(Sentiment, "Sentiment", value) if value not in ("", None) else None

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> Any:
        return enum_value(OpportunityStage, "Stage", value) if value not in ("", None) else None

    @field_validator("probability", mode="before")
    @classmethod
    def _probability(cls, value: Any) -> Any:
        return probability_value(value)

    @field_validator("estimated_value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Any:
        return money_value(value, "Estimated value", required=False)

    @field_validator("subject", "outcome", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        if value is not None and len(str(value)) > 200:
            raise ValueError("Subject and outcome must be at most 200 characters.")
        return value or None


class ScopeLine(_Input):
    """One line of a proposal's scope: a role or product, its volume and its annual value."""

    description: str = Field(min_length=1, max_length=200)
    volume: str | None = None
    value: Decimal

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Any:
        return money_value(value, "Scope line value", allow_zero=True)


class ProposalRequest(_Input):
    """What to propose: one opportunity, or a bundle of several with a package discount in percent."""

    opportunity_id: str
    bundle: list[str] = Field(default_factory=list)
    discount_pct: Decimal = Decimal("0")
    scope: list[ScopeLine] = Field(default_factory=list)

    @field_validator("discount_pct", mode="before")
    @classmethod
    def _discount(cls, value: Any) -> Any:
        try:
            pct = Decimal(str(value if value is not None else 0).rstrip("%").strip())
        except InvalidOperation:
            raise ValueError(f"Discount must be a percentage between 0 and 50 (got '{value}').") from None
        if not pct.is_finite() or not Decimal("0") <= pct <= Decimal("50"):
            raise ValueError(f"Discount must be a percentage between 0 and 50 (got {value}).")
        if pct != pct.quantize(Decimal("0.01")):
            raise ValueError("Discount must have at most two decimal places.")
        return pct


__all__ = [
    "CREATE_FAILED",
    "ActivityInput",
    "LossInput",
    "LossReason",
    "OpportunityCreate",
    "ProposalRequest",
    "ScopeLine",
    "StageMove",
    "TaskInput",
    "WinInput",
    "parse",
]
