"""Calendar arithmetic for mappings: months keep the day of the month, clamped to the end of a shorter month."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` (negative: back); 2024-01-31 + 1 = 2024-02-29, 2024-03-31 - 1 = 2024-02-29.

    Raises OverflowError outside years 1-9999."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_days(day: date, days: int) -> date:
    """`day` moved by `days` (negative: back); raises OverflowError outside years 1-9999."""
    try:
        return day + timedelta(days=days)
    except (OverflowError, ValueError):
        raise OverflowError("date out of range") from None
