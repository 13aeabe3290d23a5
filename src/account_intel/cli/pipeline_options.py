"""Options shared by the pipeline commands: who acts (the signed-in user), when (`--at DATE`, alias `--as-of`),
lists given as repeated or comma-separated options, and text read from files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from account_intel.cli.common import action_day, parse_date
from account_intel.clock import FixedClock, SystemClock
from account_intel.errors import NotFoundError, ValidationFailed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from account_intel.auth.permissions import Action
    from account_intel.settings import Settings
    from account_intel.store.engine import Store
    from account_intel.store.models import Account, User

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        "--as-of",
        help="When it happens (YYYY-MM-DD); default: the store's data date (see `db status`), else now.",
        metavar="DATE",
    ),
]


def moment(at: str | None, store: Store | None = None, *, quiet: bool = False) -> datetime:
    """The time of the action: noon UTC on `--at`, else on the store's data date (`action_day`), else the system
    time read once here at the edge. Without a store (decisions, deliveries): `--at` or now."""
    day = action_day(at, store, quiet=quiet) if store is not None else parse_date(at, option="--at")
    return FixedClock.on(day).now() if day else SystemClock().now()


def signed_in(session: Session, settings: Settings, action: Action, account: Account | None = None) -> User:
    """The user this command's token proves, refused in one line unless they may take this action (on this account)."""
    from account_intel.auth.permissions import authorize
    from account_intel.auth.principal import current_user

    user = current_user(session, settings)
    authorize(user, action, account)
    return user


def named_user(session: Session, value: str, *, option: str) -> User:
    """The user an option names; an unknown one is an error naming the option and how to list the users."""
    from account_intel.pipeline.people import find_user

    try:
        return find_user(session, value)
    except NotFoundError:
        raise NotFoundError(
            f"{option} '{value}': no user has that id, email or full name. `account-intel users list` shows them."
        ) from None


def home_of(settings: Settings) -> Path:
    """The data folder (`ACCOUNT_INTEL_HOME`): outbox and proposals live under it."""
    return settings.home.expanduser()


def read_file(path: Path | None) -> str | None:
    """The text of a file named by an option, or None; an unreadable file is a one-line error."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(f"Cannot read {path}: {exc.strerror}.") from None


def split_values(values: list[str] | None) -> list[str]:
    """Repeated options, each possibly comma-separated, as one list of trimmed values."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def opportunity_account(session: Session, opportunity_id: str) -> Account | None:
    """The account of an opportunity, whose AM (else AE) acts by default."""
    from account_intel.pipeline.service import get_opportunity
    from account_intel.store.models import Account

    return session.get(Account, get_opportunity(session, opportunity_id).account_id)
