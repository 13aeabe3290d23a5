"""Timing windows such as '30-45 days' or '90+ days', put in the order a plan reads: by start day, then end day."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DAYS = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")


def window_key(window: str) -> tuple[int, int, str]:
    """Sort key of a window: its start day, its end day (open-ended last), then the text."""
    match = _DAYS.search(window)
    if match is None:
        return (10**6, 10**6, window)
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else 10**6 if "+" in window else start
    return (start, end, window)


def by_start_day(windows: Iterable[str]) -> list[str]:
    """The windows sorted by start day, then end day."""
    return sorted(windows, key=window_key)
