"""Pipeline preconditions: the account is Active, its health is at least Yellow, and it is 3+ months old.

Health comes from an injected `HealthBandProvider` so the pipeline does not depend on the health scoring
being built elsewhere; the default provider knows nothing (None), which passes with a recorded warning.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from account_intel.domain.enums import AccountStatus
from account_intel.store.models import Account

HealthBandProvider = Callable[[Session, str, date], str | None]
"""(session, account id, day) -> "Green", "Yellow", "Red", or None when the health is unknown."""

_BANDS = {"green": 2, "yellow": 1, "red": 0}


def unknown_health(session: Session, account_id: str, day: date) -> str | None:
    """The default provider: health unknown."""
    return None


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (Nov 30 + 3 months = Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class PreconditionReport:
    """Which preconditions failed, and what was only a warning (unknown health)."""

    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    health_band: str | None = None

    @property
    def passed(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def check_preconditions(
    session: Session, account: Account, *, day: date, health: HealthBandProvider, min_months: int = 3
) -> PreconditionReport:
    """Check the three account preconditions of an expansion opportunity on `day`."""
    report = PreconditionReport()
    if account.status != AccountStatus.ACTIVE:
        report.failures.append(f"the account is {account.status.value}, not Active")
    band = health(session, account.id, day)
    report.health_band = band
    if band is None:
        report.warnings.append("account health is unknown; the health precondition was not checked")
    elif band.strip().lower() not in _BANDS:
        report.warnings.append(f"account health band '{band}' is not Green, Yellow or Red; it was not checked")
    elif _BANDS[band.strip().lower()] < _BANDS["yellow"]:
        report.failures.append(f"account health is {band.strip().capitalize()} (at least Yellow is required)")
    since = account.customer_since or (account.created_at.date() if account.created_at else None)
    if since is None:
        report.failures.append(f"the account's start date is unknown ({min_months}+ months active are required)")
    elif add_months(since, min_months) > day:
        report.failures.append(
            f"the account has been active only since {since.isoformat()} (at least {min_months} months are required)"
        )
    return report
