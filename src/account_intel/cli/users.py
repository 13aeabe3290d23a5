"""`account-intel users`: the vendor's people who own accounts, act and approve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from account_intel.cli.common import DbOption, JsonOption, console, open_store, print_json
from account_intel.domain.enums import UserRole
from account_intel.store.probe import Intent

app = typer.Typer(help="The vendor's users (admins, managers, AEs, AMs, CSMs) and their tokens.", no_args_is_help=True)


@app.command("list")
def list_command(
    role: Annotated[UserRole | None, typer.Option("--role", help="Only this role.", case_sensitive=False)] = None,
    active_only: Annotated[bool, typer.Option("--active", help="Only active users.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List users: name, email, role, manager and whether they are active."""
    from account_intel.queries.user_list import list_users

    store, _ = open_store(db, Intent.READ)
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


@app.command("add")
def add_command(
    user_id: Annotated[str, typer.Option("--id", help="The new user's id, e.g. u-ae-21.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    email: Annotated[str, typer.Option("--email", help="Work email address.")],
    role: Annotated[UserRole, typer.Option("--role", help="admin, manager, ae, am or csm.", case_sensitive=False)],
    manager: Annotated[str | None, typer.Option("--manager", help="Their manager (id, email or name).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a user (needs an admin's token; a store with no admin yet accepts its first admin from anyone)."""
    from account_intel.auth.admin import add_user
    from account_intel.clock import SystemClock

    store, settings = open_store(db)
    with store.transaction() as session:
        user = add_user(
            session,
            settings,
            user_id=user_id,
            name=name,
            email=email,
            role=role,
            manager=manager,
            at=SystemClock().now(),
        )
        shown = {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value}
    if json_out:
        print_json(shown)
        return
    console.print(f"Added {shown['name']} ({shown['id']}, {shown['role']}).")


@app.command("deactivate")
def deactivate_command(
    user: Annotated[str, typer.Argument(help="The user (id, email or name).")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the record.")],
    db: DbOption = None,
) -> None:
    """Deactivate a user: their tokens stop working and they can no longer decide on outreach (admin only)."""
    from account_intel.auth.admin import deactivate_user
    from account_intel.clock import SystemClock

    store, settings = open_store(db)
    with store.transaction() as session:
        done = deactivate_user(session, settings, user_ref=user, reason=reason, at=SystemClock().now())
        name = done.name
    console.print(f"{name} is deactivated.")


@app.command("password")
def password_command(
    user: Annotated[str, typer.Argument(help="The user (id, email or name).")],
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from standard input (scripts).")] = False,
    db: DbOption = None,
) -> None:
    """Set a user's password for the web app (`account-intel serve`): your own, or anyone's as an admin. It signs
    them out of every browser. Without --stdin it is asked for twice, hidden."""
    import sys

    from account_intel.auth.admin import set_user_password
    from account_intel.clock import SystemClock

    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    store, settings = open_store(db)
    with store.transaction() as session:
        done = set_user_password(session, settings, user_ref=user, password=password, at=SystemClock().now())
        name, email = done.name, done.email
    console.print(f"{name} can sign in to the web app as {email}.")


token_app = typer.Typer(help="Personal API tokens: what proves who you are.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create_command(
    user: Annotated[str, typer.Option("--user", help="Whose token (id, email or name).")],
    name: Annotated[str, typer.Option("--name", help="A label, e.g. the laptop it lives on.")] = "cli",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Issue a personal token (admin only; the first admin may issue their own). It is shown once."""
    from account_intel.auth.admin import create_token
    from account_intel.auth.principal import credentials_path
    from account_intel.clock import SystemClock

    store, settings = open_store(db)
    with store.transaction() as session:
        row, plaintext = create_token(session, settings, user_ref=user, name=name, at=SystemClock().now())
        shown = {"token_id": row.id, "user_id": row.user_id, "name": row.name, "token": plaintext}
    if json_out:
        print_json(shown)
        return
    console.print(f"Token {shown['token_id']} for {shown['user_id']} (shown once; only its hash is stored):")
    console.print(plaintext, soft_wrap=True, highlight=False)
    path = credentials_path(settings)
    console.print(
        f"Give it to its owner: they set ACCOUNT_INTEL_TOKEN, or save it in {path} with `chmod 600 {path}`.",
        soft_wrap=True,
    )


@token_app.command("list")
def token_list_command(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Tokens by id, owner, label and state; never their secrets (admin only)."""
    from account_intel.auth.admin import list_tokens

    store, settings = open_store(db, Intent.READ)
    with store.transaction() as session:
        rows = list_tokens(session, settings, user_ref=user)
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"Tokens ({len(rows)})")
    for column in ("Id", "User", "Label", "Created", "Revoked"):
        table.add_column(column)
    for t in rows:
        table.add_row(t.id, t.user_name, t.name, f"{t.created_at:%Y-%m-%d %H:%M}", t.revoked or "-")
    console.print(table)


@token_app.command("revoke")
def token_revoke_command(
    token_id: Annotated[str, typer.Argument(help="The token's id (tok_...).")],
    db: DbOption = None,
) -> None:
    """Revoke a token: it proves nothing from now on (admin only, or the token's own holder)."""
    from account_intel.auth.admin import revoke
    from account_intel.clock import SystemClock

    store, settings = open_store(db)
    with store.transaction() as session:
        row = revoke(session, settings, token_id=token_id, at=SystemClock().now())
        shown = row.id
    console.print(f"Token {shown} is revoked.")
