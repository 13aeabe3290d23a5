"""`account-intel signals`: an account's expansion and risk signals with their strength and evidence."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import AsOfOption, DbOption, JsonOption, as_of_for, console, open_store, print_json
from account_intel.store.probe import Intent


def signals_command(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    as_of: AsOfOption = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Health weight set for the health-decline signal (name or path).")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List an account's signals (kind, date, strength, summary, evidence ids), strongest first."""
    from account_intel.analytics.health.account import account_signals
    from account_intel.analytics.health.config import load_weights
    from account_intel.analytics.signals.models import load_signal_config
    from account_intel.analytics.signals.text_matcher import default_matcher
    from account_intel.store.accounts import find_account

    store, settings = open_store(db, Intent.READ)
    day = as_of_for(as_of, store, quiet=json_out)
    health_config = load_weights(weights, home=settings.home)
    config = load_signal_config(home=settings.home)
    matcher = default_matcher(home=settings.home)
    with store.transaction() as session:
        account_row = find_account(session, account)
        found = account_signals(
            session, account_id=account_row.id, as_of=day, config=config, health_config=health_config, matcher=matcher
        )
        name = account_row.name
    if json_out:
        print_json([s.model_dump(mode="json") for s in found])
        return
    table = Table(title=f"Signals for {name} ({account_row.id}) on {day}: {len(found)}")
    for column in ("Kind", "Date", "Strength", "Summary", "Evidence"):
        table.add_column(column, justify="right" if column == "Strength" else "left")
    for s in found:
        ids = s.evidence_ids
        shown = ", ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")
        table.add_row(s.kind.value, str(s.date), f"{s.strength:.2f}", Text(s.summary), Text(shown))
    console.print(table)
