"""`account-intel contacts`: add and list a customer's contacts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from account_intel.cli.common import DbOption, JsonOption, console, open_store, print_json
from account_intel.cli.pipeline_options import AsUserOption, AtOption, acting_user, moment
from account_intel.domain.enums import MeddiccRole
from account_intel.pipeline.contacts import add_contact, list_contacts
from account_intel.store.accounts import find_account

app = typer.Typer(help="Customer contacts.", no_args_is_help=True)


@app.command("add")
def add_command(
    account: Annotated[str, typer.Option("--account", help="Account id or name.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    department: Annotated[str | None, typer.Option("--department", help="Department (added if new).")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    role: Annotated[MeddiccRole | None, typer.Option("--role", help="Buying role (MEDDICC).")] = None,
    db: DbOption = None,
    as_user: AsUserOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a contact to an account."""
    store, _ = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = acting_user(session, as_user, find_account(session, account))
        view = add_contact(
            session,
            account=account,
            name=name,
            title=title,
            department=department,
            email=email,
            phone=phone,
            role=role,
            at=when,
            actor=actor,
        )
    if json_out:
        print_json(view)
        return
    new = " (new department)" if view.new_department else ""
    console.print(f"Contact {view.id} added: {view.name}, {view.title or '-'}, {view.department or '-'}{new}")


@app.command("list")
def list_command(
    account: Annotated[str, typer.Argument(help="Account id or name.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List an account's contacts."""
    store, _ = open_store(db)
    with store.transaction() as session:
        rows = list_contacts(session, account=account)
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"Contacts ({len(rows)})")
    for column in ("Id", "Name", "Title", "Department", "Email", "Role", "Flags"):
        table.add_column(column)
    for c in rows:
        flags = ", ".join(f for f, on in (("inactive", not c.active), ("do-not-contact", c.do_not_contact)) if on)
        table.add_row(
            c.id, c.name, c.title or "-", c.department or "-", c.email or "-", c.role.value if c.role else "-", flags
        )
    console.print(table)
