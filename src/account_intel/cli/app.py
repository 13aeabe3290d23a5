"""The `account-intel` command line: Typer commands over the service layer; domain errors become one line."""

from __future__ import annotations

import sys

import typer

from account_intel.cli import accounts, db, demo, importer
from account_intel.cli.common import err_console
from account_intel.errors import DomainError

app = typer.Typer(
    name="account-intel",
    help="Account intelligence: find, size and help close expansion revenue inside existing customer accounts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(accounts.app, name="accounts")
app.command("demo")(demo.demo)
app.command("import")(importer.import_command)


def main() -> None:
    """Console entry point: run the app and turn domain errors into a one-line message and exit code 1."""
    try:
        app(standalone_mode=False)
    except DomainError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except Exception as exc:  # click usage errors carry their own exit codes
        from click.exceptions import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
