"""Result models of the health score: components, the score with its band, overrides, snapshots and deltas."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from account_intel.analytics.evidence import Evidence

RawValue = float | int | None


class Band(StrEnum):
    """Health bands, best first."""

    GREEN = "Green"
    YELLOW = "Yellow"
    RED = "Red"

    @property
    def rank(self) -> int:
        """2 for Green, 1 for Yellow, 0 for Red (a drop is a lower rank)."""
        return {"Green": 2, "Yellow": 1, "Red": 0}[self.value]


class ComponentStatus(StrEnum):
    """Whether a component had data."""

    OK = "ok"
    MISSING = "missing"


class HealthComponent(BaseModel):
    """One component of the score with its numbers and the data behind them."""

    name: str = Field(
        description="Component: usage, adoption, support, sentiment, engagement, relationship, commercial."
    )
    status: ComponentStatus = Field(description="`missing` when there was no data; its weight went to the others.")
    weight: float = Field(description="Configured weight, normalised over all components (0-1).")
    weight_share: float = Field(description="Weight actually applied after missing components were shared out (0-1).")
    raw: dict[str, RawValue] = Field(description="Raw measurements, e.g. tickets_90d or nps_latest.")
    sub_score: float | None = Field(description="Normalised 0-1 sub-score; None when missing.")
    contribution: float = Field(description="weight_share x sub_score x 100, in score points.")
    note: str | None = Field(default=None, description="Why the component is missing, when it is.")
    evidence: list[Evidence] = Field(default_factory=list, description="Rows behind the raw values.")

    @property
    def evidence_ids(self) -> list[str]:
        """Ids of the evidence items."""
        return [item.id for item in self.evidence]


class HealthOverrideInfo(BaseModel):
    """A manual override in force: it replaces the score or band shown, never the computed one."""

    id: int = Field(description="Override row id.")
    score: int | None = Field(description="Overriding score, when one was set.")
    band: Band | None = Field(description="Overriding band (set, or derived from the overriding score).")
    reason: str = Field(description="Why the override was set (data, as typed by its author).")
    set_by: str = Field(description="Who set it.")
    set_at: datetime = Field(description="When it was set (UTC).")
    expires_on: date | None = Field(description="First day on which it no longer applies; None: until cleared.")


class HealthResult(BaseModel):
    """An account's computed health on one date, with an override when one applies."""

    account_id: str
    account_name: str
    as_of: date
    score: float = Field(description="Computed score 0-100 (one decimal).")
    band: Band = Field(description="Band of the computed score.")
    components: list[HealthComponent]
    missing: list[str] = Field(description="Components without data; their weight was shared out over the others.")
    notes: list[str] = Field(default_factory=list, description="Why each missing component is missing.")
    weights_name: str = Field(description="Weight set used.")
    config_digest: str = Field(description="Fingerprint of the weights and thresholds used.")
    override: HealthOverrideInfo | None = Field(default=None, description="Manual override in force, if any.")
    effective_score: float = Field(description="The override's score when it sets one, else the computed score.")
    effective_band: Band = Field(description="The override's band when it sets one, else the computed band.")

    def component(self, name: str) -> HealthComponent:
        """One component by name."""
        return next(c for c in self.components if c.name == name)

    @property
    def evidence(self) -> list[Evidence]:
        """Every evidence item of every component."""
        return [item for c in self.components for item in c.evidence]


class QuickHealth(NamedTuple):
    """Score-only result for portfolio scans: no evidence, no pydantic."""

    score: float
    band: str
    sub_scores: dict[str, float | None]
    raw: dict[str, dict[str, RawValue]]


class ComponentSnapshot(BaseModel):
    """A component as stored in a weekly snapshot (evidence by id only)."""

    name: str
    status: ComponentStatus
    weight_share: float
    raw: dict[str, RawValue]
    sub_score: float | None
    contribution: float
    evidence_ids: list[str] = Field(default_factory=list)


class HealthSnapshotData(BaseModel):
    """A stored weekly health snapshot."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    week: date = Field(description="ISO week start (Monday).")
    as_of: date
    score: float
    band: Band
    weights_name: str
    config_digest: str
    components: list[ComponentSnapshot]

    def component(self, name: str) -> ComponentSnapshot | None:
        """One component by name, if stored."""
        return next((c for c in self.components if c.name == name), None)


class RawChange(BaseModel):
    """A raw value that changed between two snapshots."""

    key: str
    old: RawValue
    new: RawValue


class ComponentDelta(BaseModel):
    """How one component moved against the previous snapshot, with the data that moved it."""

    component: str
    old_contribution: float
    new_contribution: float
    delta: float = Field(description="new - old contribution, in score points.")
    old_status: ComponentStatus | None
    new_status: ComponentStatus
    raw_changes: list[RawChange] = Field(description="Raw values that changed, largest relative change first.")
    evidence_ids: list[str] = Field(description="Evidence of the current component.")
    added_evidence: list[str] = Field(description="Evidence ids present now and not in the previous snapshot.")
    removed_evidence: list[str] = Field(description="Evidence ids of the previous snapshot no longer present.")
    reason: str = Field(description="Short reason built from the data, e.g. 'support -6.2: escalated_90d 0->3 (...)'.")


class HealthDelta(BaseModel):
    """Why the score moved: the components' deltas against the previous weekly snapshot."""

    account_id: str
    previous_week: date
    previous_as_of: date
    previous_score: float
    current_score: float
    score_delta: float
    previous_band: Band
    current_band: Band
    band_dropped: bool
    weights_changed: bool = Field(description="The weights or thresholds differ from the previous snapshot's.")
    components: list[ComponentDelta] = Field(description="Components that moved, largest move first.")
    reason: str = Field(description="One line built from the data.")
