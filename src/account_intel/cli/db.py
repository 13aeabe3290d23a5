"""`account-intel db`: schema migrations."""

from __future__ import annotations

import typer

from account_intel.cli.common import DbOption, console, settings_for
from account_intel.store.data_date import data_as_of, data_as_of_source
from account_intel.store.engine import Store, current_revision, head_revision, upgrade

app = typer.Typer(help="Store schema: upgrade and status.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(db: DbOption = None) -> None:
    """Apply every pending migration to the store."""
    settings = settings_for(db)
    store = Store(settings.resolved_db_url, migrate=False)
    before = current_revision(store.engine)
    after = upgrade(store.engine)
    console.print(
        f"Store {store.engine.url.render_as_string(hide_password=True)}: {before or 'empty'} -> {after}", soft_wrap=True
    )


@app.command("status")
def status_command(db: DbOption = None) -> None:
    """Show the store's revision, the newest one this version knows, and the store's data date."""
    settings = settings_for(db)
    store = Store(settings.resolved_db_url, migrate=False)
    current, head = current_revision(store.engine), head_revision(store.engine)
    state = "up to date" if current == head else "needs `account-intel db upgrade`"
    console.print(f"revision {current or 'empty'}; head {head}; {state}")
    if current != head:
        return
    with store.transaction() as session:
        day, source = data_as_of(session), data_as_of_source(session)
    if day is None:
        console.print("data date: none recorded; commands run as of today without --as-of")
    else:
        console.print(f"data date: {day.isoformat()} (from the {source}); commands run as of it without --as-of")
