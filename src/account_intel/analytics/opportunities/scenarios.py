"""Expansion scenarios and NRR impact ("Expected Outcomes (90 Days)") as functions.

An item is (name, potential, probability, close_day, timing_factor, committed):

- conservative(window) = Σ potential × probability × timing, where timing is the item's `timing_factor` (the share
  of its closing chance that falls inside the window) or, when not given, 1 if close_day <= window else 0.
  E.g. for TechFlow: Marketing $18K × 0.75 = $13.5K; Compliance $15K × 0.55 = $8.25K; Premium upgrade $24K × 0.60 × 0.50
  timing = $7.2K (close Day 120, half a chance to land by Day 90); EU (Day 120) 0 → $28.95K.
- base(window) = Σ potential of committed items with close_day <= window. TechFlow: $33K in 90 days, $57K in 180.
- upside(window) = Σ potential of every item with close_day <= window. TechFlow: $62K in 120 days.
- nrr = (starting ARR + expansion − contraction − churn) / starting ARR; grr = (start − contraction − churn) / start.
- phase_totals: Σ potential by close-day phase. TechFlow's plan: Days 0-60 $33K, 60-90 $24K, 90-120 $5K.
- `summarise` orders the cases: conservative <= base (each window) <= upside (the longest window), each case at
  least the one below it; all are sums over the same items, so none exceeds their total potential.

TechFlow's written plan is not self-consistent, and the tests reproduce it as written:
- its NRR line uses "Expansion: +$38,000 (base case, 90 days)", which is its "Recommended Expansion Target (90 days)";
  its own base-case list sums to $33K in 90 days. (85,000 + 38,000) / 85,000 = 144.7% → 145%; with the base case's
  $33K it would be 138.8% → 139%.
- the Premium upgrade closes on Day 90 in the execution plan and phases ("target commit: Day 75, close: Day 90"),
  but on Day 120 in the base case ("Committed, close Day 120"); the conservative case gives it a 50% timing factor.
- the conservative heading says "60% success rate", which no line of it uses.
Money is Decimal rounded to cents; percentages are Decimal rounded half up to whole percent by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, Field

from account_intel.analytics.opportunities.sizing import money, percent
from account_intel.analytics.portfolio.forecast import retained


class ScenarioItem(BaseModel):
    """One expansion opportunity as the scenarios see it."""

    name: str
    potential: Decimal = Field(description="ARR if won, at list price.")
    probability: Decimal = Field(ge=0, le=1, description="Chance to close, 0-1.")
    close_day: int = Field(ge=0, description="Days from today to the expected close.")
    timing_factor: Decimal | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Share of the closing chance inside the conservative window (default 1 or 0).",
    )
    committed: bool = Field(default=True, description="Counted in the base case (False: upside only).")


class ScenarioSummary(BaseModel):
    """The three scenarios (conservative, base, upside) and the NRR they imply."""

    conservative: Decimal
    conservative_window_days: int
    base: dict[int, Decimal] = Field(description="Base case by window in days.")
    upside: Decimal
    upside_window_days: int
    starting_arr: Decimal
    nrr_pct: Decimal = Field(description="NRR of the base case in the first base window, percent.")


def item(
    name: str,
    potential: Decimal | int,
    probability: Decimal | str,
    close_day: int,
    timing_factor: Decimal | str | None = None,
    *,
    committed: bool = True,
) -> ScenarioItem:
    """Build an item from the tuple-like (name, potential, probability, close_day, timing_factor)."""
    return ScenarioItem(
        name=name,
        potential=Decimal(potential),
        probability=Decimal(probability),
        close_day=close_day,
        timing_factor=None if timing_factor is None else Decimal(timing_factor),
        committed=committed,
    )


def timing(entry: ScenarioItem, window_days: int) -> Decimal:
    """The item's timing factor in a window: given, or 1 if it closes inside the window, else 0."""
    if entry.timing_factor is not None:
        return entry.timing_factor
    return Decimal(1) if entry.close_day <= window_days else Decimal(0)


def conservative(items: Sequence[ScenarioItem], window_days: int = 90) -> Decimal:
    """Σ potential × probability × timing factor (probability-weighted, timing-discounted)."""
    return money(sum((i.potential * i.probability * timing(i, window_days) for i in items), Decimal(0)))


def base(items: Sequence[ScenarioItem], window_days: int = 90) -> Decimal:
    """Σ potential of committed items closing within the window."""
    return money(sum((i.potential for i in items if i.committed and i.close_day <= window_days), Decimal(0)))


def upside(items: Sequence[ScenarioItem], window_days: int = 120) -> Decimal:
    """Σ potential of every item (committed or not) closing within the window."""
    return money(sum((i.potential for i in items if i.close_day <= window_days), Decimal(0)))


def phase_totals(items: Sequence[ScenarioItem], boundaries: Sequence[int] = (60, 90, 120)) -> list[Decimal]:
    """Σ potential per phase: close_day in (previous boundary, boundary]; the first phase starts at day 0."""
    totals = [Decimal(0)] * len(boundaries)
    for entry in items:
        for index, end in enumerate(boundaries):
            if entry.close_day <= end:
                totals[index] += entry.potential
                break
    return [money(t) for t in totals]


def nrr(
    starting_arr: Decimal,
    expansion: Decimal,
    churn: Decimal = Decimal(0),
    contraction: Decimal = Decimal(0),
    places: int = 0,
) -> Decimal:
    """Net revenue retention in percent: (start + expansion − contraction − churn) / start × 100."""
    return percent(retained(starting_arr, expansion, churn, contraction)[1], starting_arr, places)


def grr(
    starting_arr: Decimal, churn: Decimal = Decimal(0), contraction: Decimal = Decimal(0), places: int = 0
) -> Decimal:
    """Gross revenue retention in percent: (start − contraction − churn) / start × 100."""
    return percent(retained(starting_arr, Decimal(0), churn, contraction)[0], starting_arr, places)


def growth_pct(expansion: Decimal, starting_arr: Decimal, places: int = 0) -> Decimal:
    """Expansion as a share of starting ARR, percent (e.g. $62K on $85K is +73%)."""
    return percent(expansion, starting_arr, places)


def summarise(
    items: Sequence[ScenarioItem],
    starting_arr: Decimal,
    *,
    conservative_window: int = 90,
    base_windows: Sequence[int] = (90, 180),
    upside_window: int = 180,
    churn: Decimal = Decimal(0),
) -> ScenarioSummary:
    """All three scenarios, ordered (conservative <= base <= upside), and the base case's NRR for one account."""
    floor = conservative(items, conservative_window)
    bases: dict[int, Decimal] = {}
    for window in sorted(base_windows):
        floor = bases[window] = max(floor, base(items, window))
    return ScenarioSummary(
        conservative=conservative(items, conservative_window),
        conservative_window_days=conservative_window,
        base=bases,
        upside=max(floor, upside(items, upside_window)),
        upside_window_days=upside_window,
        starting_arr=money(starting_arr),
        nrr_pct=nrr(starting_arr, bases[base_windows[0]], churn),
    )
