"""Signals: kinds, the result model and the thresholds file (`config/signals.yaml`)."""

from __future__ import annotations

from datetime import date as Date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from account_intel.analytics.config_loader import parse_model, read_yaml, resolve_file
from account_intel.analytics.evidence import Evidence

SIGNALS_FILE = "signals.yaml"
Strength = Annotated[float, Field(ge=0, le=1)]
DataValue = str | int | float | None


class SignalKind(StrEnum):
    """What triggered a signal."""

    USAGE_LIMIT = "usage_limit"
    USAGE_SPIKE = "usage_spike"
    NEW_DEPARTMENT_CONTACT = "new_department_contact"
    NPS_PROMOTER = "nps_promoter"
    CSAT_RISE = "csat_rise"
    RENEWAL_WINDOW = "renewal_window"
    QBR_UPCOMING = "qbr_upcoming"
    ORG_CHANGE = "org_change"
    WHITESPACE_DETECTED = "whitespace_detected"
    HEALTH_DECLINE = "health_decline"
    TEXT_DEPARTMENT_MENTION = "text_department_mention"
    TEXT_LOCATION_MENTION = "text_location_mention"
    TEXT_INITIATIVE = "text_initiative"
    TEXT_VENDOR_PAIN = "text_vendor_pain"
    TEXT_GROWTH = "text_growth"


class Signal(BaseModel):
    """One expansion or risk signal with the data behind it."""

    kind: SignalKind
    date: Date = Field(description="Date of the fact behind the signal (month, answer, contact, event, renewal...).")
    strength: float = Field(ge=0, le=1, description="0-1; how strongly the data supports the signal.")
    summary: str = Field(description="Short summary built from the data.")
    department: str | None = Field(default=None, description="Department concerned, when there is one.")
    geography: str | None = Field(default=None, description="Location concerned, when there is one.")
    product: str | None = Field(default=None, description="Catalog product concerned, when there is one.")
    feature: str | None = Field(default=None, description="Catalog feature concerned, when there is one.")
    data: dict[str, DataValue] = Field(default_factory=dict, description="The numbers behind the summary.")
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def evidence_ids(self) -> list[str]:
        """Ids of the evidence items."""
        return [item.id for item in self.evidence]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UsageLimitRule(_Section):
    """Usage at 80/90/95% of a plan limit."""

    levels: dict[int, Strength] = Field(default_factory=lambda: {80: 0.6, 90: 0.8, 95: 1.0})
    exclude_metrics: tuple[str, ...] = ()

    @field_validator("levels")
    @classmethod
    def _some(cls, levels: dict[int, float]) -> dict[int, float]:
        if not levels or any(level <= 0 for level in levels):
            raise ValueError("usage_limit.levels needs at least one level above 0 percent")
        return dict(sorted(levels.items()))


class UsageSpikeRule(_Section):
    """Quarter-over-quarter growth per feature or metric."""

    threshold_pct: int = Field(default=30, gt=0)
    months: int = Field(default=3, ge=1, le=3)
    exclude_metrics: tuple[str, ...] = ("seats_used",)


class NewDepartmentRule(_Section):
    """First contact from a department not yet served."""

    window_days: int = Field(default=90, ge=1)
    strength: Strength = 0.6
    executive_strength: Strength = 0.8


class SatisfactionRule(_Section):
    """NPS promoters and CSAT rises."""

    window_days: int = Field(default=90, ge=1)
    nps_min: int = Field(default=8, ge=0, le=10)


class WindowRule(_Section):
    """A date within a window of days."""

    window_days: int = Field(ge=1)


class OrgChangeRule(_Section):
    """Changes in the customer's organisation."""

    window_days: int = Field(default=90, ge=1)
    strengths: dict[str, Strength] = Field(
        default_factory=lambda: {
            "executive_change": 0.6,
            "funding": 0.8,
            "acquisition": 0.7,
            "new_office": 0.7,
            "hiring": 0.6,
            "new_budget": 0.8,
            "department_created": 0.7,
        },
        description="Strength per org event kind; kinds not listed get 0.5.",
    )


class WhitespaceRule(_Section):
    """Whitespace potential against ACV."""

    full_ratio: float = Field(default=1.0, gt=0)


class HealthDeclineRule(_Section):
    """Drop against the previous weekly snapshot."""

    points: float = Field(default=10, gt=0)
    strength: Strength = 0.8
    band_drop_strength: Strength = 0.9


class SignalConfig(_Section):
    """All signal thresholds."""

    usage_limit: UsageLimitRule = Field(default_factory=UsageLimitRule)
    usage_spike: UsageSpikeRule = Field(default_factory=UsageSpikeRule)
    new_department_contact: NewDepartmentRule = Field(default_factory=NewDepartmentRule)
    satisfaction: SatisfactionRule = Field(default_factory=SatisfactionRule)
    renewal: WindowRule = Field(default_factory=lambda: WindowRule(window_days=180))
    qbr: WindowRule = Field(default_factory=lambda: WindowRule(window_days=30))
    org_change: OrgChangeRule = Field(default_factory=OrgChangeRule)
    whitespace: WhitespaceRule = Field(default_factory=WhitespaceRule)
    health_decline: HealthDeclineRule = Field(default_factory=HealthDeclineRule)
    text: WindowRule = Field(default_factory=lambda: WindowRule(window_days=90))


def load_signal_config(path: Path | None = None, *, home: Path | None = None) -> SignalConfig:
    """Signal thresholds from an explicit path, else `<home>/signals.yaml`, else the packaged default."""
    source = resolve_file(SIGNALS_FILE, path=path, home=home)
    return parse_model(SignalConfig, read_yaml(source), source=str(source))
