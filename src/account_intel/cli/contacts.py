"""`account-intel contacts`: add and list a customer's contacts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from account_intel.cli.common import DbOption, JsonOption, console, open_store, print_json
from account_intel.cli.pipeline_options import AtOption, moment, signed_in
from account_intel.domain.enums import MeddiccRole
from account_intel.errors import ValidationFailed
from account_intel.store.probe import Intent

app = typer.Typer(help="Customer contacts.", no_args_is_help=True)

AccountArg = Annotated[
    str | None, typer.Argument(help="Account id or an unambiguous part of its name.", metavar="ACCOUNT")
]
OldAccountOption = Annotated[str | None, typer.Option("--account", hidden=True, help="Old spelling of ACCOUNT.")]


def _account(argument: str | None, option: str | None) -> str:
    """The account given as the argument (or the old --account option); one of them is required."""
    if argument and option and argument != option:
        raise ValidationFailed(f"Two accounts given: '{argument}' and --account '{option}'; give the account once.")
    value = argument or option
    if not value:
        raise ValidationFailed("Name the account (its id or part of its name) as the first argument.")
    return value


@app.command("add")
def add_command(
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    account: AccountArg = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    department: Annotated[
        str | None, typer.Option("--department", help="One of the account's departments (see `accounts show`).")
    ] = None,
    new_department: Annotated[
        bool, typer.Option("--new-department", help="Add --department to the account if it is not there yet.")
    ] = False,
    email: Annotated[str | None, typer.Option("--email")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    role: Annotated[
        MeddiccRole | None, typer.Option("--role", help="Buying role (MEDDICC).", case_sensitive=False)
    ] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
    account_option: OldAccountOption = None,
) -> None:
    """Add a contact to an account."""
    from account_intel.auth.permissions import Action
    from account_intel.pipeline.contacts import UnknownDepartment, add_contact
    from account_intel.store.accounts import find_account

    account = _account(account, account_option)
    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = signed_in(session, settings, Action.PIPELINE, find_account(session, account)).id
        try:
            view = add_contact(
                session,
                account=account,
                name=name,
                title=title,
                department=department,
                new_department=new_department,
                email=email,
                phone=phone,
                role=role,
                at=when,
                actor=actor,
            )
        except UnknownDepartment as exc:
            raise UnknownDepartment(exc.name, exc.known, hint="pass --new-department to add it") from None
    if json_out:
        print_json(view)
        return
    new = " (new department)" if view.new_department else ""
    console.print(
        f"Contact added: {view.name} ({view.id}), {view.title or '-'}, {view.department or '-'}{new}", markup=False
    )


@app.command("list")
def list_command(
    account: AccountArg = None,
    db: DbOption = None,
    json_out: JsonOption = False,
    account_option: OldAccountOption = None,
) -> None:
    """List an account's contacts."""
    from account_intel.pipeline.contacts import list_contacts

    account = _account(account, account_option)
    store, _ = open_store(db, Intent.READ)
    with store.transaction() as session:
        rows = list_contacts(session, account=account)
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"Contacts ({len(rows)})")
    for column in ("Name", "Title", "Department", "Email", "Role", "Flags", "Id"):
        table.add_column(column)
    for c in rows:
        flags = ", ".join(f for f, on in (("inactive", not c.active), ("do-not-contact", c.do_not_contact)) if on)
        table.add_row(
            c.name, c.title or "-", c.department or "-", c.email or "-", c.role.value if c.role else "-", flags, c.id
        )
    console.print(table)
