"""Health score configuration: the YAML schema (weights, bands, thresholds) and where named weight sets live.

Resolution: an explicit path, else `<ACCOUNT_INTEL_HOME>/health.yaml` when present, else the packaged default.
Named sets (for example those a future `backtest --fit` saves) live in `<ACCOUNT_INTEL_HOME>/weights/<name>.yaml`
with the same schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, PrivateAttr, model_validator

from account_intel.analytics.config_loader import (
    ConfigSection,
    NonNegative,
    WeightSection,
    digest,
    home_folder,
    packaged_file,
    parse_model,
    read_yaml,
    resolve_file,
)
from account_intel.errors import NotFoundError, ValidationFailed

HEALTH_FILE = "health.yaml"
WEIGHTS_DIR = "weights"
DEFAULT_NAME = "default"
COMPONENTS = (
    "usage",
    "adoption",
    "support",
    "sentiment",
    "engagement",
    "relationship",
    "tenure",
    "term",
    "commercial",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

Share = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]


_Section = ConfigSection


class Bands(_Section):
    """Score thresholds of the bands: Green at or above `green`, Yellow at or above `yellow`, else Red."""

    green: float = Field(default=70, ge=0, le=100)
    yellow: float = Field(default=60, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.yellow > self.green:
            raise ValueError("bands.yellow must not be above bands.green")
        return self


class Weights(WeightSection):
    """Relative weight of each component (>= 0, normalised to sum 1)."""

    ORDER = COMPONENTS
    usage: NonNegative = 0.16
    adoption: NonNegative = 0.12
    support: NonNegative = 0.10
    sentiment: NonNegative = 0.14
    engagement: NonNegative = 0.10
    relationship: NonNegative = 0.08
    tenure: NonNegative = 0.12
    term: NonNegative = 0.10
    commercial: NonNegative = 0.08


class UsageRules(_Section):
    """Usage trend and utilisation of plan limits."""

    prior_months: int = Field(default=3, ge=1, le=5)
    trend_zero: float = -0.25
    trend_full: float = 0.10
    utilisation_full: Positive = 0.70
    trend_share: Share = 0.5
    exclude_metrics: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _span(self) -> UsageRules:
        if self.trend_full <= self.trend_zero:
            raise ValueError("usage.trend_full must be above usage.trend_zero")
        return self


class AdoptionRules(_Section):
    """Breadth of feature and integration use."""

    window_days: int = Field(default=90, ge=1, le=180)
    full_ratio: Share = 0.70


class SupportRules(_Section):
    """Ticket load and trend."""

    window_days: int = Field(default=90, ge=1, le=90)
    severity_points: dict[str, NonNegative] = Field(
        default_factory=lambda: {"low": 1.0, "medium": 2.0, "high": 4.0, "urgent": 8.0}
    )
    escalation_points: NonNegative = 4
    load_zero: Positive = 24
    trend_zero: Positive = 12
    trend_share: Share = 0.25
    no_tickets_is_missing: bool = False

    @model_validator(mode="after")
    def _severities(self) -> SupportRules:
        unknown = set(self.severity_points) - {"low", "medium", "high", "urgent"}
        if unknown:
            raise ValueError(f"support.severity_points has unknown severities: {', '.join(sorted(unknown))}")
        return self


class SentimentRules(_Section):
    """NPS and CSAT."""

    nps_window_days: int = Field(default=365, ge=1, le=400)
    nps_zero: float = Field(default=3, ge=0, le=10)
    nps_full: float = Field(default=9, ge=0, le=10)
    nps_trend_span: Positive = 3
    nps_trend_share: Share = 0.2
    csat_window_days: int = Field(default=180, ge=1, le=400)
    csat_zero: float = Field(default=2.0, ge=0, le=5)
    csat_full: float = Field(default=4.5, ge=0, le=5)
    nps_share: Share = 0.7

    @model_validator(mode="after")
    def _spans(self) -> SentimentRules:
        if self.nps_full <= self.nps_zero or self.csat_full <= self.csat_zero:
            raise ValueError("sentiment: each *_full must be above its *_zero")
        return self


class EngagementRules(_Section):
    """Activity recency, executive touch and activity sentiment."""

    recency_full_days: int = Field(default=14, ge=0)
    recency_zero_days: int = Field(default=90, ge=1)
    exec_full_days: int = Field(default=90, ge=0)
    exec_zero_days: int = Field(default=270, ge=1)
    sentiment_window_days: int = Field(default=90, ge=1, le=180)
    recency_share: NonNegative = 0.5
    exec_share: NonNegative = 0.25
    sentiment_share: NonNegative = 0.25

    @model_validator(mode="after")
    def _spans(self) -> EngagementRules:
        if self.recency_zero_days <= self.recency_full_days or self.exec_zero_days <= self.exec_full_days:
            raise ValueError("engagement: each *_zero_days must be above its *_full_days")
        if self.recency_share + self.exec_share + self.sentiment_share <= 0:
            raise ValueError("engagement: at least one share must be above 0")
        return self


class RelationshipRules(_Section):
    """Champion and multi-threading."""

    contacts_target: int = Field(default=3, ge=1)
    champion_share: Share = 0.5


class TenureRules(_Section):
    """Customer age: months since the account became a customer."""

    zero_months: NonNegative = 0
    full_months: Positive = 36

    @model_validator(mode="after")
    def _span(self) -> TenureRules:
        if self.full_months <= self.zero_months:
            raise ValueError("tenure.full_months must be above tenure.zero_months")
        return self


class TermRules(_Section):
    """Commitment: the longest term (start to end, in months) of the contract lines in force."""

    zero_months: NonNegative = 1
    full_months: Positive = 24

    @model_validator(mode="after")
    def _span(self) -> TermRules:
        if self.full_months <= self.zero_months:
            raise ValueError("term.full_months must be above term.zero_months")
        return self


class CommercialRules(_Section):
    """Renewal proximity."""

    renewal_window_days: int = Field(default=90, ge=1)


class HealthConfig(_Section):
    """Everything the health score is computed with; `name` and `source` say which set it is."""

    bands: Bands = Field(default_factory=Bands)
    weights: Weights = Field(default_factory=Weights)
    usage: UsageRules = Field(default_factory=UsageRules)
    adoption: AdoptionRules = Field(default_factory=AdoptionRules)
    support: SupportRules = Field(default_factory=SupportRules)
    sentiment: SentimentRules = Field(default_factory=SentimentRules)
    engagement: EngagementRules = Field(default_factory=EngagementRules)
    relationship: RelationshipRules = Field(default_factory=RelationshipRules)
    tenure: TenureRules = Field(default_factory=TenureRules)
    term: TermRules = Field(default_factory=TermRules)
    commercial: CommercialRules = Field(default_factory=CommercialRules)

    _name: str = PrivateAttr(default=DEFAULT_NAME)
    _source: str = PrivateAttr(default="built-in")
    _digest: str | None = PrivateAttr(default=None)

    @property
    def name(self) -> str:
        """The weight set's name (`default`, a saved name, or a file's stem)."""
        return self._name

    @property
    def source(self) -> str:
        """Where the set was read from."""
        return self._source

    @property
    def shares(self) -> dict[str, float]:
        """Normalised weights."""
        return self.weights.normalised()

    @property
    def digest(self) -> str:
        """Fingerprint of the values (a stored snapshot says which values produced it)."""
        if self._digest is None:
            self._digest = digest(self.model_dump(mode="json"))
        return self._digest

    def band_for(self, score: float) -> str:
        """Green, Yellow or Red for a score."""
        if score >= self.bands.green:
            return "Green"
        if score >= self.bands.yellow:
            return "Yellow"
        return "Red"

    def named(self, name: str, source: str) -> HealthConfig:
        """A copy of this configuration labelled with a name and source."""
        copy = self.model_copy()
        copy._name, copy._source = name, source
        return copy


def parse_health_config(data: dict[str, object], *, source: str, name: str = DEFAULT_NAME) -> HealthConfig:
    """Validate a mapping as a health configuration (unknown keys are refused with their names)."""
    return parse_model(HealthConfig, data, source=source).named(name, source)


def read_health_config(path: Path, *, name: str | None = None) -> HealthConfig:
    """Read one health YAML file."""
    return parse_health_config(read_yaml(path), source=str(path), name=name or path.stem)


def weights_path(name: str, *, home: Path | None = None) -> Path:
    """Where the named weight set lives: `<home>/weights/<name>.yaml`."""
    if not _NAME.match(name):
        raise ValidationFailed(f"Weight set name '{name}' may use letters, digits, '.', '_' and '-' only.")
    return home_folder(home) / WEIGHTS_DIR / f"{name}.yaml"


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


def load_weights(name_or_path: str | Path | None = None, *, home: Path | None = None) -> HealthConfig:
    """The health configuration: a path, a set named in `<home>/weights/`, or (None, `default`) home's or packaged."""
    if name_or_path is None or name_or_path == DEFAULT_NAME:
        path = resolve_file(HEALTH_FILE, home=home)
        return read_health_config(path, name=DEFAULT_NAME)
    if isinstance(name_or_path, Path) or _looks_like_path(name_or_path):
        return read_health_config(resolve_file(HEALTH_FILE, path=Path(name_or_path)))
    path = weights_path(name_or_path, home=home)
    if not path.is_file():
        known = ", ".join(available_weights(home=home)) or "none saved yet"
        raise NotFoundError(f"Weight set '{name_or_path}' not found in {path.parent} (known: {known}).")
    return read_health_config(path, name=name_or_path)


def available_weights(*, home: Path | None = None) -> list[str]:
    """Names of the saved weight sets."""
    folder = home_folder(home) / WEIGHTS_DIR
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def save_weights(config: HealthConfig, name: str, *, home: Path | None = None, comment: str | None = None) -> Path:
    """Write a configuration as the named weight set (same schema as health.yaml); return its path."""
    path = weights_path(name, home=home)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "".join(f"# {line}\n" for line in (comment or f"Health weight set '{name}'.").splitlines())
    body = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    path.write_text(header + body, encoding="utf-8")
    return path


def default_health_config() -> HealthConfig:
    """The packaged default (ignores any user copy)."""
    return read_health_config(packaged_file(HEALTH_FILE), name=DEFAULT_NAME)
