"""Shared pieces of the command line: options, opening the store, dates, JSON output and error handling."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from account_intel.cli.tables import WholeNumbersConsole
from account_intel.clock import FixedClock, SystemClock
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.settings import Settings
    from account_intel.store.engine import Store

console = WholeNumbersConsole()
err_console = WholeNumbersConsole(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Store URL (default: ACCOUNT_INTEL_DB_URL, else a SQLite file under ACCOUNT_INTEL_HOME)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Run as of this date (YYYY-MM-DD); default: the store's data date (see `db status`), else today.",
        metavar="DATE",
    ),
]


def settings_for(db: str | None) -> Settings:
    """Settings from the environment with the `--db` option on top."""
    from account_intel.settings import load_settings

    return load_settings(db_url=db)


def open_store(db: str | None, intent: Intent = Intent.USE) -> tuple[Store, Settings]:
    """Open the store named by `--db` or the settings as `intent` allows (by default: an existing, current one)."""
    from account_intel.store.engine import Store

    settings = settings_for(db)
    return Store.open(settings.resolved_db_url, intent, busy_timeout=settings.db_busy_timeout_seconds), settings


def print_error(message: str) -> None:
    """One error line on stderr; the message is shown as written, never read as markup or emoji codes."""
    err_console.print("Error:", style="bold red", end=" ", highlight=False)
    err_console.print(message, markup=False, emoji=False, highlight=False, soft_wrap=True)


def thresholds_for(settings: Settings) -> Thresholds:
    """Tier and segment thresholds from settings."""
    return Thresholds.from_settings(settings)


def parse_date(value: str | None, *, option: str = "--as-of") -> date | None:
    """Parse a YYYY-MM-DD option value, naming the option in the error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{option} '{value}' is not a date; use YYYY-MM-DD, for example 2024-11-30.") from None


def default_day(store: Store) -> tuple[date, str]:
    """The day a command runs on without a date option: the store's data date, else today; and which it is."""
    from account_intel.store.data_date import data_as_of

    with store.transaction() as session:
        recorded = data_as_of(session)
    if recorded is not None:
        return recorded, "the store's data date"
    return SystemClock().now().date(), "today"


def as_of_for(value: str | None, store: Store, *, quiet: bool = False, option: str = "--as-of") -> date:
    """The `--as-of` date, else the store's data date (announced on stderr unless quiet), else today."""
    day = parse_date(value, option=option)
    if day is not None:
        return day
    day, what = default_day(store)
    if not quiet and what != "today":
        err_console.print(f"As of {day.isoformat()}, {what} ({option} to change)", style="dim", highlight=False)
    return day


def action_day(value: str | None, store: Store, *, quiet: bool = False, option: str = "--at") -> date | None:
    """The day a write happens: the date option, else the store's data date (announced unless quiet), else None
    (now), so that an entry by hand on a demo store lands on the demo's timeline."""
    day = parse_date(value, option=option)
    if day is not None:
        return day
    recorded, what = default_day(store)
    if what == "today":
        return None
    if not quiet:
        err_console.print(f"At {recorded.isoformat()}, {what} ({option} to change)", style="dim", highlight=False)
    return recorded


def clock_for(as_of: date | None) -> FixedClock | SystemClock:
    """A clock fixed at the as-of date for reproducible runs, or the system clock."""
    return FixedClock.on(as_of) if as_of else SystemClock()


def print_json(data: Any) -> None:
    """Print pydantic models, lists of them or plain data as JSON on stdout."""
    from pydantic import BaseModel

    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    elif isinstance(data, list) and data and all(isinstance(item, BaseModel) for item in data):
        text = json.dumps([item.model_dump(mode="json") for item in data], indent=2)
    else:
        text = json.dumps(data, indent=2, default=str)
    typer.echo(text)


def money(value: Any) -> str:
    """Format a Decimal amount as $1,234 (whole dollars) for tables."""
    return f"${value:,.0f}"
