"""`account-intel demo`: build a fresh demo store and print the portfolio summary."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    money,
    parse_date,
    print_json,
    settings_for,
    thresholds_for,
)
from account_intel.demo.catalog import VENDOR_NAME
from account_intel.demo.spec import DEFAULT_ACCOUNTS, DEFAULT_AS_OF, DEFAULT_SEED, MAX_ACCOUNTS, DemoSpec
from account_intel.domain.enums import Segment, Tier
from account_intel.domain.wording import count

if TYPE_CHECKING:
    from account_intel.auth.demo_access import DemoAccess, WebLogin
    from account_intel.demo.build import DemoReport
    from account_intel.settings import Settings


def demo(
    accounts: Annotated[
        int,
        typer.Option("--accounts", min=1, max=MAX_ACCOUNTS, help="How many accounts, the two story accounts included."),
    ] = DEFAULT_ACCOUNTS,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same portfolio.")
    ] = DEFAULT_SEED,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help=f"History ends on this date, which becomes the store's data date (default {DEFAULT_AS_OF}).",
        ),
    ] = None,
    plant: Annotated[
        bool,
        typer.Option(
            "--plant-outcomes",
            help="Plant churn and expansion with known drivers in the two windows of --plant-horizon days before the "
            "data date, to check `backtest --fit` against a known truth (docs/backtest.md).",
        ),
    ] = False,
    plant_horizon: Annotated[
        int, typer.Option("--plant-horizon", metavar="DAYS", help="Window of --plant-outcomes, in days (30-365).")
    ] = 180,
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a store that holds non-demo accounts.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Build a FRESH demo store: a deterministic portfolio with TechFlow and RetailCo, then print its summary.

    The target store (by default the configured one) is wiped first; a store holding non-demo accounts is
    refused unless --force.
    """
    from account_intel.demo.build import build_demo
    from account_intel.store.probe import parse_url

    spec = DemoSpec(
        accounts=accounts,
        seed=seed,
        as_of=parse_date(as_of) or DEFAULT_AS_OF,
        plant_horizon=plant_horizon if plant else None,
    )
    settings = settings_for(db)
    parse_url(settings.resolved_db_url)
    thresholds = thresholds_for(settings)
    if json_out:
        report = build_demo(settings.resolved_db_url, spec, thresholds=thresholds, force=force, db_option=db)
        access = _sign_in(settings, db)
        print_json({**report.model_dump(mode="json"), "signed_in": access.model_dump(mode="json")})
        return
    progress = Progress(
        TextColumn("Generating {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task(f"{VENDOR_NAME} accounts", total=spec.total)
        report = build_demo(
            settings.resolved_db_url,
            spec,
            thresholds=thresholds,
            force=force,
            db_option=db,
            on_progress=lambda n: progress.advance(task, n),
        )
    render_report(report)
    access = _sign_in(settings, db)
    if access.credentials_file:
        console.print(
            f"Signed in as {access.user_name} (a manager) with a token in {access.credentials_file}: "
            "`account-intel approvals list` shows what waits for you.",
            soft_wrap=True,
        )
    else:
        console.print(f"Token for {access.user_name} (a manager), shown once:", highlight=False)
        console.print(f"export ACCOUNT_INTEL_TOKEN={access.token}", soft_wrap=True, highlight=False)
    logins = _web_logins(settings)
    if logins:
        console.print("Web app (`account-intel serve`, then http://127.0.0.1:8000/), demo sign-ins:", highlight=False)
        for login in logins:
            console.print(
                f"  {login.role}: {login.name} <{login.email}>, password {login.password}",
                highlight=False,
                soft_wrap=True,
            )


def _sign_in(settings: Settings, db: str | None) -> DemoAccess:
    """Sign in as the demo's first manager: the token goes to HOME/credentials for the default store."""
    from account_intel.auth.demo_access import sign_in_demo
    from account_intel.clock import SystemClock
    from account_intel.store.engine import Store

    store = Store(settings.resolved_db_url)
    try:
        return sign_in_demo(store, settings, write_file=db is None, at=SystemClock().now())
    finally:
        store.dispose()


def _web_logins(settings: Settings) -> list[WebLogin]:
    """Passwords for the story account's AE and CSM and the first manager."""
    from account_intel.auth.demo_access import demo_web_logins
    from account_intel.clock import SystemClock
    from account_intel.demo.stories import RETAILCO_ID
    from account_intel.store.engine import Store

    store = Store(settings.resolved_db_url)
    try:
        return demo_web_logins(store, at=SystemClock().now(), story_account=RETAILCO_ID)
    finally:
        store.dispose()


def render_report(report: DemoReport) -> None:
    """Print where the store is, the portfolio by account tier and segment, the near-term count and the stories."""
    s = report.summary
    console.print(Text.assemble("Demo store: ", (str(report.store), "bold")))
    console.print(
        f"As of {report.as_of}, random seed {report.seed}: {count(s.accounts, 'account', zero='0')} "
        f"({s.active_accounts:,} active, {s.churned_accounts:,} churned, "
        f"{count(s.prospect_accounts, 'prospect', zero='0')}), "
        f"{count(report.total_rows, 'row', zero='0')} in {report.seconds:.1f} s"
    )
    table = Table(title=f"{VENDOR_NAME} portfolio: active accounts · ARR")
    table.add_column("Account tier")
    for segment in Segment:
        table.add_column(segment.value, justify="right")
    table.add_column("Total", justify="right", style="bold")
    cells = {(c.tier, c.segment): c for c in s.cells}
    for tier, total in zip(Tier, s.tiers, strict=True):
        row = [_cell(cells[(tier, segment)].accounts, cells[(tier, segment)].arr) for segment in Segment]
        table.add_row(tier.value, *row, _cell(total.accounts, total.arr))
    table.add_row(
        "Total",
        *[_cell(total.accounts, total.arr) for total in s.segments],
        _cell(s.active_accounts, s.total_arr),
        style="bold",
    )
    console.print(table)
    console.print(
        f"Near: {count(s.near, 'active account', zero='0')} {'has' if s.near == 1 else 'have'} a QBR within 30 days "
        f"or a renewal within 90 days ({count(s.qbr_within_30_days, 'QBR', zero='0')}, "
        f"{count(s.renewal_within_90_days, 'renewal', zero='0')})."
    )
    names = " and ".join(story.name for story in report.stories)
    console.print(
        Text.assemble(f"Story accounts: {names}. Try: ", (report.stories[0].try_command, "bold")), soft_wrap=True
    )
    if report.planted is not None:
        p = report.planted
        drivers = ", ".join(f"{k} {v:+g}" for k, v in {**p.churn_drivers}.items())
        growth = ", ".join(f"{k} {v:+g}" for k, v in p.expansion_drivers.items())
        for w in p.windows:
            console.print(
                f"Planted {w.starts} to {w.ends}: of {w.customers:,} customers, {w.churned:,} churned and "
                f"{w.expanded:,} won an expansion.",
                highlight=False,
            )
        console.print(
            Text.assemble(
                f"Known drivers (log-odds per unit): churn {drivers}; expansion {growth}. Check a fit: ",
                (p.backtest, "bold"),
            ),
            soft_wrap=True,
        )


def _cell(accounts: int, arr: Decimal) -> str:
    return f"{accounts:,} · {_short_money(arr)}" if accounts else "-"


def _short_money(value: Decimal) -> str:
    """$8.91M, $618K or $950: whole-table readability; --json has the exact amounts."""
    if value >= 1_000_000:
        return f"${value / 1_000_000:,.2f}M"
    if value >= 10_000:
        return f"${value / 1_000:,.0f}K"
    return money(value)
