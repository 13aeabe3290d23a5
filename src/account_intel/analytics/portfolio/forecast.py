"""Forecast arithmetic: retention (GRR/NRR), expected churn from health bands, expected expansion from pipeline.

Pure `Decimal` functions. Money is rounded to two places and percentages to one place, both ROUND_HALF_UP, and only
when a result is built: annualised figures are computed from the unrounded period ratio.

Formulas (S = starting ARR of the period; churn, contraction and expansion are non-negative amounts):

    GRR = (S - churn - contraction) / S                 (never above 100%)
    NRR = (S + expansion - churn - contraction) / S
    ending ARR = S + expansion - churn - contraction

A forecast is stated for the period it is computed on (a quarter: the next 90 days) and is never annualised: a
quarter's projected expansion compounded four times is not a forecast of the year. `annualise` keeps the two
conventions for a measured ratio (compounded r ** p, simple 1 + p * (r - 1)).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from account_intel.domain.json_forms import Measure
from account_intel.domain.json_forms import Money as MoneyJSON
from account_intel.errors import ValidationFailed

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def _decimal(value: Decimal | int | float) -> Decimal:
    # a float goes through its shortest repr, so 0.1 becomes Decimal("0.1") and not its binary expansion
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def round_money(amount: Decimal) -> Decimal:
    """Money to two places, half up."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def round_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """Round to a multiple of `step` (e.g. 1000 for "$185K" in reports), half up."""
    return (Decimal(amount) / step).quantize(ONE, rounding=ROUND_HALF_UP) * step


def to_percent(ratio: Decimal) -> Decimal:
    """A ratio as a percentage with one place, half up (0.91339 -> 91.3)."""
    return (Decimal(ratio) * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)


class Annualisation(StrEnum):
    """How a period ratio becomes a yearly one."""

    COMPOUNDED = "compounded"
    SIMPLE = "simple"


def annualise(
    ratio: Decimal, periods_per_year: int = 4, convention: Annualisation = Annualisation.COMPOUNDED
) -> Decimal:
    """Annual ratio from a period ratio: r ** p (compounded) or 1 + p * (r - 1) (simple); not rounded."""
    if periods_per_year < 1:
        raise ValidationFailed("periods_per_year must be at least 1.")
    if convention is Annualisation.COMPOUNDED:
        return Decimal(ratio) ** periods_per_year
    return ONE + periods_per_year * (Decimal(ratio) - ONE)


Money = Annotated[MoneyJSON, Field(ge=0)]
Percent = Annotated[Measure, Field(description="Percentage, one decimal place.")]


class RetentionForecast(BaseModel):
    """GRR and NRR of one period (not annualised)."""

    model_config = ConfigDict(frozen=True)

    starting_arr: Money = Field(description="ARR at the start of the period.")
    expansion: Money = Field(description="ARR added by expansion during the period.")
    churn: Money = Field(description="ARR lost to churned accounts during the period.")
    contraction: Money = Field(description="ARR lost to downgrades during the period.")
    ending_arr: Decimal = Field(description="starting + expansion - churn - contraction.")
    periods_per_year: int = Field(description="4 for a quarter, 12 for a month.")
    grr_pct: Percent = Field(description="Gross revenue retention of the period, %, at most 100.")
    nrr_pct: Percent = Field(description="Net revenue retention of the period, %.")


def retained(
    starting_arr: Decimal, expansion: Decimal, churn: Decimal, contraction: Decimal
) -> tuple[Decimal, Decimal]:
    """ARR kept after a period: gross (start - churn - contraction, GRR's numerator) and net (plus expansion, NRR's).

    The one place the retention arithmetic lives: `retention_forecast` divides it by the start, and the per-account
    scenarios (`analytics.scenarios.nrr`, `grr`) give it as a rounded percent."""
    gross = starting_arr - churn - contraction
    return gross, gross + expansion


def retention_forecast(
    starting_arr: Decimal,
    *,
    expansion: Decimal = ZERO,
    churn: Decimal = ZERO,
    contraction: Decimal = ZERO,
    periods_per_year: int = 4,
) -> RetentionForecast:
    """GRR/NRR of one period from its starting ARR and non-negative expansion, churn and contraction amounts."""
    start, gained, lost, shrunk = (_decimal(x) for x in (starting_arr, expansion, churn, contraction))
    if start <= 0:
        raise ValidationFailed("Starting ARR must be positive to compute retention.")
    if min(gained, lost, shrunk) < 0:
        raise ValidationFailed("Expansion, churn and contraction are amounts: give them as non-negative numbers.")
    if lost + shrunk > start:
        raise ValidationFailed("Churn plus contraction cannot exceed starting ARR.")
    gross, net = retained(start, gained, lost, shrunk)
    grr, nrr = gross / start, net / start
    return RetentionForecast(
        starting_arr=round_money(start),
        expansion=round_money(gained),
        churn=round_money(lost),
        contraction=round_money(shrunk),
        ending_arr=round_money(net),
        periods_per_year=periods_per_year,
        grr_pct=to_percent(grr),
        nrr_pct=to_percent(nrr),
    )


# --- expected churn ------------------------------------------------------------------------------------------------

HealthBand = Literal["Green", "Yellow", "Red"]
Probability = Annotated[Measure, Field(ge=0, le=1)]


def _band(value: object) -> object:
    return value.capitalize() if isinstance(value, str) else value


class ChurnProbabilities(BaseModel):
    """Probability that an account of each health band churns within one quarter.

    The defaults are planning assumptions, not measurements: Red 35%, Yellow 12%, Green 3% a quarter. Replace them
    with rates observed in a backtest of the portfolio's own history when one is available.
    """

    model_config = ConfigDict(frozen=True)

    green: Probability = Field(default=Decimal("0.03"), description="Quarterly churn probability of a Green account.")
    yellow: Probability = Field(default=Decimal("0.12"), description="Quarterly churn probability of a Yellow account.")
    red: Probability = Field(default=Decimal("0.35"), description="Quarterly churn probability of a Red account.")

    def for_band(self, band: HealthBand) -> Decimal:
        """The probability of one band."""
        return {"Green": self.green, "Yellow": self.yellow, "Red": self.red}[band]


DEFAULT_CHURN_PROBABILITIES = ChurnProbabilities()


class ChurnExposure(BaseModel):
    """One account's ARR and what says how likely it is to churn: its band, or an explicit probability."""

    model_config = ConfigDict(frozen=True)

    account_id: str = Field(description="Account id.")
    arr: Money = Field(description="ARR at risk.")
    band: Annotated[HealthBand | None, BeforeValidator(_band)] = Field(default=None, description="Health band.")
    churn_probability: Probability | None = Field(default=None, description="Overrides the band's probability.")

    @model_validator(mode="after")
    def _has_a_source(self) -> ChurnExposure:
        if self.band is None and self.churn_probability is None:
            raise ValueError(f"account {self.account_id} needs a health band or a churn probability")
        return self


class ExpectedChurn(BaseModel):
    """Expected churned ARR of a set of accounts: the sum of ARR times churn probability."""

    model_config = ConfigDict(frozen=True)

    accounts: int = Field(description="Accounts counted.")
    arr: Money = Field(description="Total ARR of those accounts.")
    expected_churn: Money = Field(description="Sum of ARR x churn probability.")
    by_band: dict[str, Decimal] = Field(description="Expected churn per band; 'explicit' for given probabilities.")
    probabilities: ChurnProbabilities = Field(description="Band probabilities used.")


def expected_churn(
    exposures: Iterable[ChurnExposure], probabilities: ChurnProbabilities = DEFAULT_CHURN_PROBABILITIES
) -> ExpectedChurn:
    """Expected churned ARR: sum over accounts of ARR x (explicit probability, else the band's probability)."""
    by_band: dict[str, Decimal] = {"Red": ZERO, "Yellow": ZERO, "Green": ZERO, "explicit": ZERO}
    count, arr = 0, ZERO
    for item in exposures:
        count += 1
        arr += item.arr
        if item.churn_probability is not None:
            by_band["explicit"] += item.arr * item.churn_probability
        else:
            assert item.band is not None  # guaranteed by ChurnExposure's validator
            by_band[item.band] += item.arr * probabilities.for_band(item.band)
    return ExpectedChurn(
        accounts=count,
        arr=round_money(arr),
        expected_churn=round_money(sum(by_band.values(), ZERO)),
        by_band={band: round_money(value) for band, value in by_band.items()},
        probabilities=probabilities,
    )


# --- expected expansion --------------------------------------------------------------------------------------------


class PipelineItem(BaseModel):
    """An open expansion opportunity: its potential ARR, close probability and expected close date."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Opportunity id.")
    potential: Money = Field(description="ARR if won.")
    probability: Probability = Field(description="Probability of closing won.")
    expected_close: date | None = Field(default=None, description="Expected close date, if known.")


class ExpectedExpansion(BaseModel):
    """Probability-weighted expansion closing inside a window, and a conservative target below it."""

    model_config = ConfigDict(frozen=True)

    window_end: date = Field(description="Last day of the window (as-of + window days).")
    included: int = Field(description="Opportunities counted: expected close on or before the window end.")
    overdue: int = Field(description="Of those, expected close before the as-of date (still open, still counted).")
    excluded_later: int = Field(description="Expected to close after the window.")
    excluded_undated: int = Field(description="Without an expected close date (unless include_undated).")
    total_potential: Money = Field(description="Sum of potential of the counted opportunities.")
    expected: Money = Field(description="Sum of potential x probability of the counted opportunities.")
    conservative_factor: Probability = Field(description="Share of the expected value taken as the target.")
    conservative: Money = Field(description="expected x conservative_factor.")


def expected_expansion(
    items: Iterable[PipelineItem],
    *,
    as_of: date,
    window_days: int = 90,
    include_undated: bool = False,
    conservative_factor: Decimal = Decimal("0.70"),
) -> ExpectedExpansion:
    """Sum of potential x probability over opportunities expected to close by as_of + window_days.

    Overdue opportunities (expected close already passed, still open) are counted; undated ones only when
    `include_undated`. The conservative target is the expected value times `conservative_factor` (70% by default).
    """
    end = as_of + timedelta(days=window_days)
    included = overdue = later = undated = 0
    potential = weighted = ZERO
    for item in items:
        if item.expected_close is None and not include_undated:
            undated += 1
            continue
        if item.expected_close is not None and item.expected_close > end:
            later += 1
            continue
        included += 1
        overdue += item.expected_close is not None and item.expected_close < as_of
        potential += item.potential
        weighted += item.potential * item.probability
    return ExpectedExpansion(
        window_end=end,
        included=included,
        overdue=overdue,
        excluded_later=later,
        excluded_undated=undated,
        total_potential=round_money(potential),
        expected=round_money(weighted),
        conservative_factor=conservative_factor,
        conservative=round_money(weighted * conservative_factor),
    )
