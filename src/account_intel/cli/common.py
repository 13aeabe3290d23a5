"""Shared pieces of the command line: options, opening the store, dates, JSON output and error handling."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from account_intel.cli.tables import WholeNumbersConsole
from account_intel.clock import FixedClock, SystemClock
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.settings import Settings, load_settings
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
    str | None, typer.Option("--as-of", help="Run as of this date (YYYY-MM-DD); default: today.", metavar="DATE")
]


def settings_for(db: str | None) -> Settings:
    """Settings from the environment with the `--db` option on top."""
    return load_settings(db_url=db)


def open_store(db: str | None) -> tuple[Store, Settings]:
    """Open (and migrate on first use) the store named by `--db` or the settings."""
    settings = settings_for(db)
    return Store(settings.resolved_db_url), settings


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


def as_of_or_today(value: str | None) -> date:
    """The `--as-of` date, or today's date read once at the edge."""
    return parse_date(value) or SystemClock().now().date()


def clock_for(as_of: date | None) -> FixedClock | SystemClock:
    """A clock fixed at the as-of date for reproducible runs, or the system clock."""
    return FixedClock.on(as_of) if as_of else SystemClock()


def print_json(data: Any) -> None:
    """Print pydantic models, lists of them or plain data as JSON on stdout."""
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
