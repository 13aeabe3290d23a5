"""`account-intel whitespace ACCOUNT`: the White-Space Map table, then the penetration lines."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import AsOfOption, DbOption, JsonOption, as_of_for, console, open_store, print_json
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.analytics.whitespace.map import WhitespaceItem, WhitespaceMap

STATUS_MARK = {"active": "✅ Active", "partial": "◐ Partial", "none": "❌ None"}
LEVEL_STYLE = {"HIGH": "bold green", "MED": "yellow", "LOW": "dim"}


def whitespace(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show the white-space map: catalog × account, status, use, opportunity level and untapped potential."""
    from account_intel.analytics.facts import load_catalog, load_facts
    from account_intel.analytics.signals.text_matcher import account_mentions, default_matcher
    from account_intel.analytics.whitespace.map import build_whitespace_map
    from account_intel.store.accounts import find_account

    store, _ = open_store(db, Intent.READ)
    day = as_of_for(as_of, store, quiet=json_out)
    with store.transaction() as session:
        account_id = find_account(session, account).id
        catalog = load_catalog(session)
        facts = load_facts(session, day, [account_id])[account_id]
    mentions = [(m.kind.value, m.value, m.source_id) for m in account_mentions(facts, default_matcher())]
    result = build_whitespace_map(facts, catalog, mentions)
    if json_out:
        print_json(result)
        return
    render_whitespace(console, result)


def k(value: Decimal | int) -> str:
    """$85K / $8.4K / $2.05M: the short money format of every deliverable."""
    amount = Decimal(value) / 1000
    if amount >= 1000:
        return f"${amount / 1000:,.2f}M"
    return f"${amount:,.0f}K" if amount == amount.to_integral_value() else f"${amount:,.1f}K"


def _name(item: WhitespaceItem) -> str:
    return f"  · {item.scope_name}" if item.scope != "account" or item.scope_id else item.product


def _opportunity(item: WhitespaceItem) -> Text | str:
    if item.level is None:
        return item.capacity
    text = Text.assemble((item.level.value, LEVEL_STYLE[item.level.value]), f": {item.headline}")
    if item.sizing is not None:
        text.append(f" (+{k(item.sizing.value)})")
    if item.signals:
        text.append(f" — {'; '.join(item.signals)}", "dim")
    if item.note and item.counted != item.sizing:
        text.append(f" ({item.note})", "dim")
    return text


def render_whitespace(out: Console, ws: WhitespaceMap) -> None:
    """Print the map as a table titled '<Account> White-Space Map' with an ACV / potential footer."""
    footer = f"Current ACV: {k(ws.acv.value)} | White-Space Potential: {k(ws.potential.value)}"
    table = Table(
        title=f"{ws.account_name} White-Space Map", caption=footer, caption_justify="left", caption_style="bold"
    )
    table.add_column("Product/Service", no_wrap=True)
    table.add_column("Current Status", no_wrap=True)
    table.add_column("Expansion Opportunity", overflow="fold")
    for item in ws.items:
        table.add_row(_name(item), STATUS_MARK[item.status.value], _opportunity(item))
    out.print(table)
    levels = " | ".join(f"{level} {k(value)}" for level, value in ws.potential_by_level.items())
    rule = "meets" if ws.meets_t1_entry_rule else "below"
    out.print(
        f"By level: {levels} | T1 entry rule (potential >= 50% of ACV = {k(ws.t1_entry_threshold.value)}): {rule}"
    )
    p = ws.penetration
    out.print(Text("Current Penetration:", "bold"))
    out.print(f"- Departments: {p.departments.part} of {p.departments.whole} ({p.departments.detail})")
    out.print(f"- Seats: {p.seats.part} of {p.seats.whole} employees ({p.seats.pct}% penetration)")
    if p.seat_usage is not None:
        out.print(f"- Seat usage: {p.seat_usage.part} of {p.seat_usage.whole} seats used ({p.seat_usage.pct}%)")
    out.print(f"- Features: {p.features.part} of {p.features.whole} available ({p.features.pct}% adoption)")
    out.print(f"- Integrations: {p.integrations.part} of {p.integrations.whole} available")
    out.print(f"- Geographies: {p.geographies.part} of {p.geographies.whole} ({p.geographies.detail})")
    out.print(f"Untapped seats: {ws.untapped_seats.value} (counted once over departments and locations)")
