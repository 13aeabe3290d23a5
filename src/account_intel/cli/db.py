"""`account-intel db`: schema migrations."""

from __future__ import annotations

import typer

from account_intel.cli.common import DbOption, JsonOption, console, print_json, settings_for
from account_intel.store.probe import Found, Intent, probe, require

app = typer.Typer(help="Store schema: upgrade and status.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(db: DbOption = None) -> None:
    """Create the store, or apply every pending migration to it; another application's database is refused."""
    from account_intel.store.engine import Store, upgrade

    url = settings_for(db).resolved_db_url
    found = probe(url)
    require(found, Intent.UPGRADE)
    store = Store(url, migrate=False)
    try:
        after = upgrade(store.engine)
    finally:
        store.dispose()
    console.print(f"Store {found.where}: {found.revision or 'empty'} -> {after}", soft_wrap=True, markup=False)


@app.command("status")
def status_command(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Show the store's revision and the newest one this version knows."""
    url = settings_for(db).resolved_db_url
    found = probe(url)
    require(found, Intent.USE if found.found is Found.MISSING else Intent.UPGRADE)
    up_to_date = found.found is Found.CURRENT
    day = source = None
    if up_to_date:
        from account_intel.store.data_date import data_as_of, data_as_of_source
        from account_intel.store.engine import Store

        store = Store(url, migrate=False, read_only=True)
        with store.transaction() as session:
            day, source = data_as_of(session), data_as_of_source(session)
        store.dispose()
    if json_out:
        print_json(
            {
                "store": found.where,
                "revision": found.revision,
                "head": found.head,
                "up_to_date": up_to_date,
                "data_as_of": day.isoformat() if day else None,
                "data_as_of_source": source,
            }
        )
        return
    state = "up to date" if up_to_date else "needs `account-intel db upgrade`"
    console.print(f"revision {found.revision or 'empty'}; head {found.head}; {state}", markup=False)
    if not up_to_date:
        return
    if day is None:
        console.print("data date: none recorded; commands run as of today without --as-of")
    else:
        console.print(f"data date: {day.isoformat()} (from the {source}); commands run as of it without --as-of")
