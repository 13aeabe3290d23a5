"""`account-intel accounts`: list and show accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from account_intel.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    as_of_for,
    console,
    money,
    open_store,
    print_json,
)
from account_intel.domain.enums import Segment, Tier
from account_intel.store.probe import Intent

app = typer.Typer(help="Browse customer accounts.", no_args_is_help=True)


@app.command("list")
def list_command(
    tier: Annotated[
        Tier | None, typer.Option("--tier", help="Only this account tier (T1, T2, T3).", case_sensitive=False)
    ] = None,
    segment: Annotated[
        Segment | None, typer.Option("--segment", help="Only this segment.", case_sensitive=False)
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only accounts this user (id, name or email) owns.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many rows.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List accounts by ARR, with account tier, segment, owners and dates."""
    from account_intel.cli.pipeline_options import named_user
    from account_intel.queries.account_list import list_accounts

    store, _ = open_store(db, Intent.READ)
    with store.transaction() as session:
        owner_id = named_user(session, owner, option="--owner").id if owner else None
        rows = list_accounts(session, tier=tier, segment=segment, owner=owner_id, limit=limit)
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"Accounts ({len(rows)})")
    for column in ("Id", "Name", "Status", "Account tier", "Segment", "ARR", "AE", "Renewal", "Next QBR"):
        table.add_column(column, justify="right" if column == "ARR" else "left")
    for row in rows:
        table.add_row(
            row.id,
            row.name,
            row.status.value,
            row.tier.value,
            row.segment.value,
            money(row.arr),
            row.ae or "-",
            str(row.renewal_date or "-"),
            str(row.next_qbr_date or "-"),
        )
    console.print(table)


@app.command("show")
def show_command(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one account: contract, departments, usage, adoption, tickets, contacts, opportunities and events."""
    from account_intel.cli.render_profile import render_profile
    from account_intel.queries.account_profile import build_account_profile
    from account_intel.store.accounts import find_account

    store, _ = open_store(db, Intent.READ)
    day = as_of_for(as_of, store, quiet=json_out)
    with store.transaction() as session:
        profile = build_account_profile(session, find_account(session, account), day)
    if json_out:
        print_json(profile)
        return
    render_profile(console, profile)


@app.command("set-language")
def set_language_command(
    account: Annotated[str, typer.Argument(help="Account id or name.")],
    language: Annotated[
        str, typer.Argument(help="Language tag to write to the customer in (en, de, fr, es, pt-BR, ...), or 'default'.")
    ],
    db: DbOption = None,
) -> None:
    """Set the language drafts and proposal emails to this customer are written in ('default': the setting)."""
    from account_intel.auth.permissions import Action
    from account_intel.cli.pipeline_options import signed_in
    from account_intel.clock import SystemClock
    from account_intel.store.account_language import set_language
    from account_intel.store.accounts import find_account

    store, settings = open_store(db)
    with store.transaction() as session:
        found = find_account(session, account)
        user = signed_in(session, settings, Action.PIPELINE, found)
        change = set_language(
            session,
            account=found,
            language=None if language.strip().lower() == "default" else language,
            actor=user.id,
            at=SystemClock().now(),
        )
    shown = change.language or f"the default ({settings.default_language})"
    console.print(f"{change.account_name} is written to in {shown}.", highlight=False, markup=False)
