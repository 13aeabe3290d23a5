"""Time as an input: services take a clock instead of reading the system time deep in the code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The machine's clock, used only at the edges (CLI, server)."""

    def now(self) -> datetime:
        """Return the machine's current UTC time."""
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant: for `--as-of` runs and tests."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._instant = instant.astimezone(UTC)

    @classmethod
    def on(cls, day: date, hour: int = 12) -> FixedClock:
        """A clock fixed at `hour`:00 UTC on `day`."""
        return cls(datetime.combine(day, time(hour=hour), tzinfo=UTC))

    def now(self) -> datetime:
        """Return the fixed instant."""
        return self._instant

    def advance(self, **delta: float) -> None:
        """Move the clock forward (tests of multi-day flows)."""
        from datetime import timedelta

        self._instant = self._instant + timedelta(**delta)
