"""The charts of the pages, as data: every figure is computed here (from the report the table beside it shows), so
the browser only draws. A chart travels as JSON in its canvas's `data-chart` attribute; `static/charts.js` reads it.

Figures are decimal text: money with two decimals (the JSON form of money everywhere in the product), counts and
scores as written; `shown` holds the same figures as the page's tables print them, for the tooltips.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from account_intel.analytics.health.models import HealthSnapshotData
from account_intel.analytics.portfolio.pipeline import PortfolioReport
from account_intel.deliverables.whitespace_text import short_money
from account_intel.domain.json_forms import money_text
from account_intel.domain.wording import label

Unit = Literal["money", "count", "score"]


class Series(BaseModel):
    """One row of figures, one per label."""

    name: str
    values: list[str] = Field(description="Each figure as decimal text (money with two decimals).")
    shown: list[str] = Field(description="The same figures as the page's tables print them.")
    bands: list[str] | None = Field(default=None, description="Health band of each point (Green, Yellow, Red).")


class Chart(BaseModel):
    """A bar or line chart: labels along the axis, one or more series, and the axis's bounds when fixed."""

    kind: Literal["bar", "line"]
    title: str = Field(description="What the chart shows, also its accessible name.")
    unit: Unit
    labels: list[str]
    series: list[Series]
    y_min: float | None = None
    y_max: float | None = None
    signed: bool = Field(default=False, description="Bars below zero are losses (drawn in the loss colour).")


def signed_money(value: Decimal) -> str:
    """Money in the short format, a loss with a leading minus: '-$8.4K'."""
    return short_money(value) if value >= 0 else f"-{short_money(-value)}"


def _money(values: list[Decimal], name: str) -> Series:
    return Series(name=name, values=[money_text(v) for v in values], shown=[signed_money(v) for v in values])


def _count(values: list[int], name: str) -> Series:
    return Series(name=name, values=[str(v) for v in values], shown=[f"{v:,}" for v in values])


def pipeline_by_type(report: PortfolioReport) -> Chart:
    """Counted potential and expected value of each opportunity type (the 'Pipeline by type' table)."""
    return Chart(
        kind="bar",
        title="Pipeline by type: potential and expected value",
        unit="money",
        labels=[label(row.type) for row in report.types],
        series=[
            _money([row.total_potential for row in report.types], "Potential"),
            _money([row.expected for row in report.types], "Expected"),
        ],
    )


def accounts_by_segment(report: PortfolioReport) -> Chart:
    """Active accounts and those with an opportunity, per segment (the 'By segment' table)."""
    return Chart(
        kind="bar",
        title="Accounts by segment",
        unit="count",
        labels=[row.segment for row in report.segments],
        series=[
            _count([row.accounts for row in report.segments], "Accounts"),
            _count([row.accounts_with_opportunities for row in report.segments], "With an opportunity"),
        ],
    )


def retention_movement(report: PortfolioReport) -> Chart | None:
    """The quarter's expected ARR movement: expansion, churn and contraction (losses below zero) and the net change
    from starting to ending ARR; None without a forecast (no ARR)."""
    forecast = report.retention.forecast
    if forecast is None:
        return None
    moves = [forecast.expansion, -forecast.churn, -forecast.contraction, forecast.ending_arr - forecast.starting_arr]
    return Chart(
        kind="bar",
        title="Expected ARR movement in the quarter",
        unit="money",
        labels=["Expansion", "Churn", "Contraction", "Net change"],
        series=[_money(moves, "ARR")],
        signed=True,
    )


def health_history(snapshots: list[HealthSnapshotData]) -> Chart:
    """The weekly health snapshots' scores, oldest week first, each point with its band."""
    return Chart(
        kind="line",
        title="Health score by week",
        unit="score",
        labels=[s.week.isoformat() for s in snapshots],
        series=[
            Series(
                name="Health score",
                values=[f"{s.score:.1f}" for s in snapshots],
                shown=[f"{s.score:.1f} ({s.band.value})" for s in snapshots],
                bands=[s.band.value for s in snapshots],
            )
        ],
        y_min=0,
        y_max=100,
    )
