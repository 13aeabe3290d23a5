"""The white-space map's result types: one row per catalog item and scope, and the map around them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from account_intel.analytics.evidence import Evidence
from account_intel.analytics.opportunities.sizing import Sized
from account_intel.analytics.whitespace.demand import Level
from account_intel.analytics.whitespace.penetration import Penetration
from account_intel.domain.enums import OpportunityType


class Status(StrEnum):
    """Current status of a catalog item on the account."""

    ACTIVE = "active"
    PARTIAL = "partial"
    NONE = "none"


class Play(StrEnum):
    """The kind of expansion a row sizes; each is a formula of `analytics.sizing`."""

    SEAT_EXPANSION = "seat_expansion"
    GEOGRAPHIC_EXPANSION = "geographic_expansion"
    TIER_UPGRADE = "tier_upgrade"
    CROSS_SELL = "cross_sell"
    NEW_SERVICE = "new_service"
    VOLUME_INCREASE = "volume_increase"


class WhitespaceItem(BaseModel):
    """One catalog item on one scope (the account, a department or a location) with its opportunity."""

    key: str = Field(description="Stable row key: product id, or product@department:<id> / product@geography:<id>.")
    product_id: str
    product: str = Field(description="Catalog name.")
    kind: str = Field(description="plan, product, module or service.")
    scope: Literal["account", "department", "geography"] = "account"
    scope_id: str | None = None
    scope_name: str | None = None
    status: Status
    utilisation: Decimal | None = Field(default=None, description="Use of capacity, 0-1+ (two places).")
    utilisation_metric: str | None = Field(default=None, description="Metric of the utilisation, e.g. api_calls.")
    capacity: str = Field(default="", description="What is owned and how much is used, e.g. 'Usage at 40% capacity'.")
    level: Level | None = Field(default=None, description="HIGH, MED or LOW; None when fully active and well used.")
    play: Play | None = None
    opportunity_type: OpportunityType | None = Field(default=None, description="Pipeline type, where one fits.")
    headline: str = Field(default="", description="What the opportunity is, e.g. 'Marketing (15 people) needs it'.")
    signals: list[str] = Field(default_factory=list, description="Short labels of the signals behind the level.")
    sizing: Sized | None = Field(default=None, description="The opportunity at list price, with formula and inputs.")
    counted: Sized | None = Field(default=None, description="What this row adds to the total potential.")
    note: str | None = Field(default=None, description="Why a sized row is not (fully) counted.")
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def opportunity(self) -> str:
        """The map's 'Expansion Opportunity' cell: level, headline and signals, or the capacity."""
        if self.level is None:
            return self.capacity
        text = f"{self.level.value}: {self.headline or 'no signal yet'}"
        if self.signals:
            text += f" ({'; '.join(self.signals)})"
        return text


class WhitespaceMap(BaseModel):
    """The White-Space Map of one account, with its penetration and untapped potential."""

    account_id: str
    account_name: str
    as_of: date
    tier: str
    segment: str
    plan: str | None = Field(description="Current plan tier, if any.")
    acv: Sized = Field(description="Current ACV: Σ quantity × unit price over lines in force.")
    potential: Sized = Field(description="White-space potential at list price: Σ of counted rows.")
    potential_by_level: dict[str, Decimal] = Field(description="Counted potential per level.")
    untapped_seats: Sized = Field(description="Seats counted once (seat_whitespace).")
    t1_entry_threshold: Sized = Field(description="ACV × 50%: the T1 play's entry threshold.")
    meets_t1_entry_rule: bool = Field(description="ACV > 0 and potential >= threshold.")
    items: list[WhitespaceItem]
    penetration: Penetration
    evidence: list[Evidence] = Field(description="Evidence of the ACV: the lines in force and the account's ARR.")
