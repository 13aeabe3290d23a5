"""The `account-intel` command line: Typer commands over the service layer; domain errors become one line."""

from __future__ import annotations

import sys

import typer

from account_intel.cli import accounts, approvals, contacts, db, demo, importer, opp, users
from account_intel.cli import backtest as backtest_cli
from account_intel.cli import brief as brief_cli
from account_intel.cli import evals as evals_cli
from account_intel.cli import health as health_cli
from account_intel.cli import portfolio as portfolio_cli
from account_intel.cli import run as run_cli
from account_intel.cli import signals as signals_cli
from account_intel.cli import whitespace as whitespace_cli
from account_intel.cli.common import print_error
from account_intel.errors import DomainError

app = typer.Typer(
    name="account-intel",
    help="Account intelligence: find, size and help close expansion revenue inside existing customer accounts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(accounts.app, name="accounts")
app.add_typer(opp.app, name="opp")
app.add_typer(contacts.app, name="contacts")
app.add_typer(users.app, name="users")
app.add_typer(approvals.app, name="approvals")
app.command("demo")(demo.demo)
app.command("import")(importer.import_command)
app.command("whitespace")(whitespace_cli.whitespace)
app.add_typer(health_cli.app, name="health")
app.command("signals")(signals_cli.signals_command)
app.command("portfolio")(portfolio_cli.portfolio)
app.command("backtest")(backtest_cli.backtest)
app.add_typer(evals_cli.app, name="eval")
app.command("brief")(brief_cli.brief)
app.command("qbr")(brief_cli.qbr)
app.add_typer(run_cli.app, name="run")


def main() -> None:
    """Console entry point: usage errors exit 2 (Typer); domain errors become one line on stderr and exit 1."""
    try:
        app()
    except DomainError as exc:
        print_error(str(exc))
        sys.exit(1)
    except Exception as exc:
        message = database_failure(exc)
        if message is None:
            raise
        print_error(message)
        sys.exit(1)


def database_failure(exc: Exception) -> str | None:
    """One line for a database that failed under a command (locked, unreachable, read-only); None for other errors."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.OperationalError):
        return None
    detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return f"The store could not be used: {detail}. Check --db, and that no other program holds it."
