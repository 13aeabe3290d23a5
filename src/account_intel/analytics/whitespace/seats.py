"""The seat rows of a seat product, decided once for the map and the portfolio scan.

For each department and location the rules decide whether it is fully seated (or served), its level, its signals,
its addressable gap and how many of those seats count once the untapped seats are allocated (`allocation_order`).
The map (`rows.RowBuilder.seats`) adds evidence, headlines and notes to these rows; the scan
(`opportunities.candidates_fast`) sizes them as plain rows. Neither restates a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from account_intel.analytics.facts import AccountFacts, DepartmentFact, GeographyFact, UsagePoint
from account_intel.analytics.opportunities.sizing import seat_whitespace
from account_intel.analytics.whitespace.demand import (
    Level,
    Rules,
    Signal,
    TextIndex,
    department_signals,
    geography_signals,
    level_for,
)
from account_intel.analytics.whitespace.penetration import SEAT_METRIC, Coverage, utilisation
from account_intel.analytics.whitespace.potential import (
    Reach,
    allocation_order,
    dept_gap,
    geo_gap,
    seat_gaps,
    unallocated_gap,
)

Scope = Literal["department", "geography", "account"]


@dataclass(slots=True)
class SeatRow:
    """One department, location, or the employees without a seat (scope `account`), as the rules decide it."""

    scope: Scope
    department: DepartmentFact | None = None
    geography: GeographyFact | None = None
    active: bool = False  # fully seated department, or a served location with no one left: nothing to sell
    level: Level = Level.LOW
    signals: list[Signal] = field(default_factory=list)
    remainder: bool = False  # a department with seats already: its remainder is a volume increase
    opening: bool = False  # the location's office is opening
    gap: int = 0  # addressable people without a seat (0: no size)
    take: int = 0  # of the gap, the seats counted once the untapped seats are allocated

    @property
    def is_location(self) -> bool:
        """A location row (counted after the departments at one level, unless signalled)."""
        return self.scope == "geography"


@dataclass(slots=True)
class SeatPlan:
    """The seat rows of one seat product, the reach they leave (signalled rows added) and the seat usage."""

    departments: list[SeatRow]  # every department, then the employees without a seat when no headcount is known
    locations: list[SeatRow]
    reach: Reach
    last: UsagePoint | None  # the latest seat-usage point with a limit
    seat_use: Decimal | None  # its utilisation


def _signalled(where: Reach, *, department_id: str | None = None, geography_id: str | None = None) -> Reach:
    """A row with a signal (text included) is sized at its full gap: add it to the reach."""
    return replace(
        where,
        departments=where.departments | ({department_id} if department_id else set()),
        geographies=where.geographies | ({geography_id} if geography_id else set()),
    )


def _department(
    facts: AccountFacts,
    cov: Coverage,
    dept: DepartmentFact,
    text: TextIndex,
    rules: Rules,
    seat_point: tuple[UsagePoint, Decimal] | None,
    where: Reach,
) -> tuple[SeatRow, Reach]:
    seats = cov.seats_by_dept.get(dept.id, 0)
    people = max(0, (dept.headcount or 0) - seats)
    if people == 0 and seats:
        return SeatRow("department", department=dept, active=True), where
    remainder = seats > 0
    signals = department_signals(facts, dept, text, served_remainder=remainder, seat_use=seat_point, rules=rules)
    level = level_for(signals, rules)
    if level != Level.HIGH:
        level = Level.MED if people >= rules.min_headcount else Level.LOW
    else:
        where = _signalled(where, department_id=dept.id)
    row = SeatRow("department", department=dept, level=level, signals=signals, remainder=remainder)
    row.gap = dept_gap(dept, cov, where)
    return row, where


def _location(
    facts: AccountFacts, cov: Coverage, geo: GeographyFact, text: TextIndex, rules: Rules, where: Reach
) -> tuple[SeatRow, Reach]:
    if geo_gap(geo, cov, where) == 0:
        return SeatRow("geography", geography=geo, active=True), where
    signals, opening = geography_signals(facts, geo, text)
    level = Level.MED if opening else level_for(signals, rules)
    if signals:
        where = _signalled(where, geography_id=geo.id)
    row = SeatRow("geography", geography=geo, level=level, signals=signals, opening=opening)
    row.gap = geo_gap(geo, cov, where)
    return row, where


def seat_plan(facts: AccountFacts, cov: Coverage, text: TextIndex, rules: Rules, where: Reach) -> SeatPlan:
    """Decide every seat row of the account (departments first: their signals widen the reach the later rows
    and the allocation read), then count the untapped seats once over departments and locations."""
    points = facts.usage.get(SEAT_METRIC) or []
    last = points[-1] if points and points[-1].limit else None
    seat_use = utilisation(last.value, last.limit or 0) if last else None
    seat_point = (last, seat_use) if last is not None and seat_use is not None else None
    departments: list[SeatRow] = []
    for dept in facts.departments:
        row, where = _department(facts, cov, dept, text, rules, seat_point, where)
        departments.append(row)
    if not any(d.headcount for d in facts.departments) and unallocated_gap(cov, where) > 0:
        level = Level.MED if cov.eligible - cov.seats_total >= rules.min_headcount else Level.LOW
        departments.append(SeatRow("account", level=level, remainder=True, gap=unallocated_gap(cov, where)))
    locations: list[SeatRow] = []
    for geo in facts.geographies:
        row, where = _location(facts, cov, geo, text, rules, where)
        locations.append(row)
    _allocate(departments + locations, seat_whitespace(*seat_gaps(facts, cov, where)))
    return SeatPlan(departments, locations, where, last, seat_use)


def _allocate(rows: list[SeatRow], left: int) -> None:
    """Count rows by `allocation_order` until the untapped seats are used up."""
    sized = [r for r in rows if not r.active and r.gap > 0]
    for row in sorted(sized, key=lambda r: allocation_order(r.level.value, r.is_location, bool(r.signals), r.gap)):
        row.take = min(row.gap, left)
        left -= row.take
