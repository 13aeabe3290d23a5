"""`account-intel users`: the vendor's people who own accounts, act and approve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from account_intel.cli.common import DbOption, JsonOption, console, open_store, print_json
from account_intel.domain.enums import UserRole

app = typer.Typer(help="The vendor's users: AEs, CSMs, AMs and managers.", no_args_is_help=True)


@app.command("list")
def list_command(
    role: Annotated[UserRole | None, typer.Option("--role", help="Only this role.", case_sensitive=False)] = None,
    active_only: Annotated[bool, typer.Option("--active", help="Only active users.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List users: name, email, role, manager and whether they are active."""
    from account_intel.queries.user_list import list_users

    store, _ = open_store(db)
    with store.transaction() as session:
        rows = list_users(session, role=role, active_only=active_only)
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"Users ({len(rows)})")
    for column in ("Id", "Name", "Email", "Role", "Manager", "Active"):
        table.add_column(column)
    for u in rows:
        table.add_row(u.id, u.name, u.email, u.role.value, u.manager or "-", "yes" if u.active else "no")
    console.print(table)
