"""Expansion propensity configuration: the YAML schema (`config/propensity.yaml`) and its vocabulary.

Resolution as for health.yaml: an explicit path, else `<ACCOUNT_INTEL_HOME>/propensity.yaml` when present, else the
packaged default. Unknown keys are refused with their names.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from account_intel.analytics.config_loader import (
    ConfigSection,
    NonNegative,
    WeightSection,
    digest,
    packaged_file,
    parse_model,
    read_yaml,
    resolve_file,
)

PROPENSITY_FILE = "propensity.yaml"
FACTORS = (
    "signal_strength",
    "whitespace_level",
    "motion",
    "health",
    "adoption",
    "champion",
    "engagement",
    "prior_expansions",
)

Share = Annotated[float, Field(ge=0, le=1)]


class ExpansionType(StrEnum):
    """Expansion types of a candidate, with rate increase and contract extension at renewal."""

    SEAT_EXPANSION = "seat_expansion"
    TIER_UPGRADE = "tier_upgrade"
    CROSS_SELL = "cross_sell"
    GEOGRAPHIC_EXPANSION = "geographic_expansion"
    NEW_SERVICE = "new_service"
    VOLUME_INCREASE = "volume_increase"
    RATE_INCREASE = "rate_increase"
    CONTRACT_EXTENSION = "contract_extension"


class ReadinessBucket(StrEnum):
    """When the customer can buy: now, in 30-60, 60-90 or more than 90 days."""

    IMMEDIATE = "immediate"
    D30_60 = "30-60"
    D60_90 = "60-90"
    D90_PLUS = "90+"

    @property
    def window(self) -> tuple[int, int]:
        """The bucket's days from today (start, end)."""
        return {"immediate": (0, 30), "30-60": (30, 60), "60-90": (60, 90), "90+": (90, 120)}[self.value]

    def later(self, steps: int = 1) -> ReadinessBucket:
        """The bucket `steps` later (90+ at most)."""
        order = _BUCKETS
        return order[min(len(order) - 1, order.index(self) + steps)]


_BUCKETS = tuple(ReadinessBucket)
Effort = Literal["low", "medium", "high"]
PlayKey = Literal["seat_expansion", "tier_upgrade", "cross_sell", "renewal", "rescue"]


_Section = ConfigSection


class PropensityWeights(WeightSection):
    """Relative weight of each factor (>= 0, normalised to sum 1)."""

    ORDER = FACTORS
    signal_strength: NonNegative = 0.30
    whitespace_level: NonNegative = 0.25
    motion: NonNegative = 0.10
    health: NonNegative = 0.12
    adoption: NonNegative = 0.06
    champion: NonNegative = 0.06
    engagement: NonNegative = 0.06
    prior_expansions: NonNegative = 0.05


class LevelScores(_Section):
    """Sub-score of each whitespace level."""

    HIGH: Share = 1.0
    MED: Share = 0.55
    LOW: Share = 0.15


def _per_type(values: dict[str, float]) -> dict[ExpansionType, float]:
    return {ExpansionType(k): v for k, v in values.items()}


class PriorExpansions(_Section):
    """Expansions won before the as-of date."""

    window_days: int = Field(default=365, ge=1)
    full_at: int = Field(default=2, ge=1)


class ProbabilityRules(_Section):
    """Close probability from propensity (piecewise linear) and readiness (a factor)."""

    points: list[tuple[float, Share]] = Field(
        default_factory=lambda: [(0, 0.02), (30, 0.15), (45, 0.42), (70, 0.58), (85, 0.75), (100, 0.85)]
    )
    readiness_factor: dict[ReadinessBucket, Share] = Field(
        default_factory=lambda: {
            ReadinessBucket.IMMEDIATE: 1.0,
            ReadinessBucket.D30_60: 1.0,
            ReadinessBucket.D60_90: 0.95,
            ReadinessBucket.D90_PLUS: 0.9,
        }
    )

    @model_validator(mode="after")
    def _shape(self) -> ProbabilityRules:
        xs = [x for x, _ in self.points]
        if len(xs) < 2 or xs[0] != 0 or xs[-1] != 100 or any(b <= a for a, b in pairwise(xs)):
            raise ValueError("probability.points must run from propensity 0 to 100 in increasing order")
        if set(self.readiness_factor) != set(ReadinessBucket):
            raise ValueError("probability.readiness_factor needs immediate, 30-60, 60-90 and 90+")
        return self


class ReadinessRules(_Section):
    """Windows of the readiness rules, in days."""

    voiced_days: int = Field(default=30, ge=1)
    budget_days: int = Field(default=90, ge=1)
    renewal_days: int = Field(default=90, ge=1)
    fresh_fiscal_days: int = Field(default=90, ge=0)


class RenewalRules(_Section):
    """Renewal-time opportunities: rate increase and contract extension."""

    window_days: int = Field(default=180, ge=1)
    rate_uplift: float = Field(default=0.05, gt=0, le=1)
    extension_months: int = Field(default=12, ge=1, le=60)


class SizingRules(_Section):
    """How people without a seat are sized (the addressable cap, docs/data-model.md)."""

    adoption_share: Decimal = Field(default=Decimal("0.25"), ge=0, le=1)


class PlaySpec(_Section):
    """A play: its name and steps."""

    name: str
    steps: list[str] = Field(default_factory=list)


class PropensityConfig(_Section):
    """Everything propensity, readiness, probability, timeline, effort and plays are computed with."""

    weights: PropensityWeights = Field(default_factory=PropensityWeights)
    levels: LevelScores = Field(default_factory=LevelScores)
    motion: dict[ExpansionType, Share]
    prior_expansions: PriorExpansions = Field(default_factory=PriorExpansions)
    probability: ProbabilityRules = Field(default_factory=ProbabilityRules)
    readiness: ReadinessRules = Field(default_factory=ReadinessRules)
    cycle_days: dict[ExpansionType, tuple[int, int]]
    effort: dict[ExpansionType, Effort]
    renewal: RenewalRules = Field(default_factory=RenewalRules)
    sizing: SizingRules = Field(default_factory=SizingRules)
    plays: dict[PlayKey, PlaySpec]

    _source: str = PrivateAttr(default="built-in")
    _digest: str | None = PrivateAttr(default=None)
    _shares: dict[str, float] | None = PrivateAttr(default=None)

    @field_validator("motion", "cycle_days", "effort")
    @classmethod
    def _every_type(cls, value: dict[ExpansionType, object]) -> dict[ExpansionType, object]:
        missing = [t.value for t in ExpansionType if t not in value]
        if missing:
            raise ValueError(f"missing types: {', '.join(missing)}")
        return value

    @field_validator("cycle_days")
    @classmethod
    def _ordered_cycles(cls, value: dict[ExpansionType, tuple[int, int]]) -> dict[ExpansionType, tuple[int, int]]:
        for kind, (start, end) in value.items():
            if start < 0 or end < start:
                raise ValueError(f"{kind.value}: a cycle is [start, end] days with 0 <= start <= end")
        return value

    @field_validator("plays")
    @classmethod
    def _every_play(cls, value: dict[str, PlaySpec]) -> dict[str, PlaySpec]:
        missing = [p for p in ("seat_expansion", "tier_upgrade", "cross_sell", "renewal", "rescue") if p not in value]
        if missing:
            raise ValueError(f"missing plays: {', '.join(missing)}")
        return value

    @property
    def source(self) -> str:
        """Where the configuration was read from."""
        return self._source

    @property
    def shares(self) -> dict[str, float]:
        """Normalised factor weights (cached)."""
        if self._shares is None:
            self._shares = self.weights.normalised()
        return self._shares

    @property
    def digest(self) -> str:
        """Fingerprint of the values."""
        if self._digest is None:
            self._digest = digest(self.model_dump(mode="json"))
        return self._digest

    def level_score(self, level: str | None) -> float:
        """Sub-score of a whitespace level (LOW when none)."""
        return float(getattr(self.levels, level or "LOW"))


def read_propensity_config(path: Path) -> PropensityConfig:
    """Read one propensity YAML file."""
    config = parse_model(PropensityConfig, read_yaml(path), source=str(path))
    config._source = str(path)
    return config


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float) -> PropensityConfig:
    return read_propensity_config(Path(path))


def load_propensity_config(path: Path | None = None, *, home: Path | None = None) -> PropensityConfig:
    """The configuration from an explicit path, else `<home>/propensity.yaml`, else the packaged default.

    Parsed once per file and modification time (the object is frozen: callers share it)."""
    source = resolve_file(PROPENSITY_FILE, path=path, home=home)
    return _cached(str(source), source.stat().st_mtime)


_DEFAULT: PropensityConfig | None = None


def default_propensity_config() -> PropensityConfig:
    """The packaged default (ignores any user copy), read once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = read_propensity_config(packaged_file(PROPENSITY_FILE))
    return _DEFAULT
