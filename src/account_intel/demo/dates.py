"""Calendar arithmetic for the generators: month starts, whole-year steps, aware UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the last day of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot move {day} by {months} months")  # pragma: no cover


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years (29 February becomes 28 February)."""
    return add_months(day, 12 * years)


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def month_starts(first: date, last: date) -> list[date]:
    """First days of every month from `first`'s month to `last`'s month, inclusive."""
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """An aware UTC instant on `day`."""
    return datetime.combine(day, time(hour % 24, minute % 60), tzinfo=UTC)


def days(n: int) -> timedelta:
    """A span of `n` days."""
    return timedelta(days=n)
