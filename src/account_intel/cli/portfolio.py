"""`account-intel portfolio`: the portfolio expansion pipeline and the campaign target list."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    as_of_for,
    console,
    err_console,
    open_store,
    print_json,
    thresholds_for,
)
from account_intel.cli.whitespace import k
from account_intel.domain.pipeline_priority import priority_code, priority_label
from account_intel.domain.wording import count, label
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.analytics.portfolio.pipeline import PortfolioReport

PROGRESS_FROM = 2_000  # accounts: smaller portfolios finish before a bar is worth drawing
PARALLEL_FROM = 5_000  # accounts: below this, worker processes cost more than they save


def _workers(requested: int, accounts: int) -> int:
    if requested > 0:
        return requested
    return min(os.cpu_count() or 1, 4) if accounts >= PARALLEL_FROM else 1


def portfolio(
    segment: Annotated[
        str | None,
        typer.Option(
            "--segment",
            metavar="EXPR",
            help="Only accounts matching a segment expression, e.g. 'segment == \"Enterprise\" and health >= 70'.",
        ),
    ] = None,
    as_of: AsOfOption = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Health weight set (a name under ACCOUNT_INTEL_HOME/weights).")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Target list rows to show.")] = 15,
    workers: Annotated[
        int, typer.Option("--workers", min=0, help="Worker processes (0: one per CPU for large portfolios).")
    ] = 0,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Scan every account: pipeline by priority, type and segment; GRR/NRR forecast; campaign target list."""
    from sqlalchemy import func, select

    from account_intel.analytics.health.config import load_weights
    from account_intel.analytics.portfolio.pipeline import portfolio_report
    from account_intel.analytics.signals.mention_store import refresh_mentions
    from account_intel.queries.names import user_names
    from account_intel.store.models import Account

    store, settings = open_store(db, Intent.READ)
    day = as_of_for(as_of, store, quiet=json_out)
    config = load_weights(weights, home=settings.home)
    refresh_mentions(store, home=settings.home)
    with store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(Account)) or 0
        kwargs = {
            "segment": segment,
            "health_config": config,
            "thresholds": thresholds_for(settings),
            "url": settings.resolved_db_url,
            "workers": _workers(workers, total),
        }
        if json_out or total < PROGRESS_FROM:
            report = portfolio_report(session, day, **kwargs)  # type: ignore[arg-type]
        else:
            bar = Progress(
                TextColumn("Scanning accounts"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            with bar:
                task = bar.add_task("scan", total=total)
                report = portfolio_report(
                    session,
                    day,
                    on_progress=lambda n: bar.advance(task, n),
                    **kwargs,  # type: ignore[arg-type]
                )
    if json_out:
        print_json(report)
        return
    with store.sessions() as session:
        owners = user_names(session, ids=[row.owner_id for row in report.target_list[:top]] + list(report.owner_load))
    render_portfolio(console, report, top=top, owner_names=owners)


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


def render_portfolio(
    out: Console, r: PortfolioReport, *, top: int = 15, owner_names: dict[str, str] | None = None
) -> None:
    """Print the summary, pipeline priorities, types, segments, retention and the target list as tables."""
    named = owner_names or {}
    f = r.retention.forecast
    where = f" (segment: {r.segment_expression})" if r.segment_expression else ""
    out.print(Text(f"Portfolio Expansion Pipeline Analysis - as of {r.as_of}{where}", style="bold"))
    out.print(
        f"Total expansion pipeline: [bold]{k(r.total_potential)}[/] ARR (expected {k(r.expected_value)})", markup=True
    )
    out.print(
        f"Realistic 90-day target: [bold]{k(r.retention.expansion.conservative)}[/] "
        f"(70% of {k(r.retention.expansion.expected)} expected within 90 days)",
        markup=True,
    )
    if f is not None:
        period = f"{r.retention.period_start} to {r.retention.period_end}"
        out.print(f"Net revenue retention projection: [bold]{f.nrr_pct}%[/] for the quarter {period}", markup=True)
    share = f"{r.accounts_with_opportunities / r.active_accounts:.0%}" if r.active_accounts else "-"
    out.print(
        f"Accounts: {r.accounts_scanned:,} scanned, {r.active_accounts:,} active in scope "
        f"({k(r.retention.starting_arr)} ARR), {r.accounts_with_opportunities:,} with an opportunity ({share}), "
        f"{r.rescue_accounts:,} Red (rescue play), {r.churned_accounts:,} churned, "
        f"{count(r.prospect_accounts, 'prospect', zero='0')}; "
        f"average potential {k(r.average_potential)} per account; {r.seconds:.1f} s",
        soft_wrap=True,
    )
    tiers = Table(title="Pipeline by priority (accounts)")
    for col in ("Priority", "Accounts", "Potential", "Avg/account", "Propensity", "Expected"):
        tiers.add_column(col, justify="left" if col == "Priority" else "right")
    for t in r.tiers:
        tiers.add_row(
            priority_label(t.tier),
            f"{t.accounts:,}",
            k(t.total_potential),
            k(t.average_potential),
            f"{t.average_propensity:.0f}",
            k(t.expected),
        )
    tiers.add_row("Total", f"{r.accounts_with_opportunities:,}", k(r.total_potential), "", "", k(r.expected_value))
    out.print(tiers)
    types = Table(title="By type (counted opportunities)")
    for col in ("Type", "Opportunities", "Potential", "Share", "Expected", "Propensity"):
        types.add_column(col, justify="left" if col == "Type" else "right")
    for t in r.types:
        types.add_row(
            t.type,
            f"{t.opportunities:,}",
            k(t.total_potential),
            _pct(t.share_pct),
            k(t.expected),
            f"{t.average_propensity:.0f}",
        )
    types.add_row("Total", f"{r.opportunities:,}", k(r.total_potential), "100%", k(r.expected_value), "")
    out.print(types)
    segments = Table(title="By segment (ARR as of the date)")
    for col in ("Segment", "Accounts", "ARR", "With opp.", "Potential", "Share", "Avg/account", "Propensity"):
        segments.add_column(col, justify="left" if col == "Segment" else "right")
    for s in r.segments:
        segments.add_row(
            s.segment,
            f"{s.accounts:,}",
            k(s.arr),
            f"{s.accounts_with_opportunities:,}",
            k(s.total_potential),
            _pct(s.share_pct),
            k(s.average_potential),
            f"{s.average_propensity:.0f}",
        )
    segments.add_row(
        "Total",
        f"{r.active_accounts:,}",
        k(r.retention.starting_arr),
        f"{r.accounts_with_opportunities:,}",
        k(r.total_potential),
        "100%",
        k(r.average_potential),
        "",
    )
    out.print(segments)
    ret = r.retention
    churn = ret.churn
    out.print(
        f"Retention for the quarter {ret.period_start} to {ret.period_end}: starting ARR {k(ret.starting_arr)}; "
        f"expected churn {k(churn.expected_churn)} "
        f"(Red {k(churn.by_band['Red'])}, Yellow {k(churn.by_band['Yellow'])}, Green {k(churn.by_band['Green'])}); "
        f"expansion {k(ret.expansion.conservative)} (conservative)"
        + (f" -> GRR {f.grr_pct}%, NRR {f.nrr_pct}% (quarter, not annualised)" if f else ""),
        soft_wrap=True,
    )
    campaign = " | ".join(
        f"{label(c.campaign_tier.value)}: {c.opportunities:,} ({k(c.total_potential)})" for c in r.campaign
    )
    out.print(f"Campaign lists: {campaign}")
    if top:
        table = Table(title=f"Campaign target list (top {min(top, len(r.target_list))} of {len(r.target_list)})")
        for col in (
            "Account",
            "Opportunity",
            "Campaign",
            "Priority",
            "Prop.",
            "Potential",
            "Prob.",
            "Weighted",
            "Owner",
        ):
            table.add_column(col, justify="right" if col in ("Prop.", "Potential", "Prob.", "Weighted") else "left")
        for row in r.target_list[:top]:
            table.add_row(
                Text(row.account_name),
                Text(f"{label(row.type)}: {row.target}"),
                label(row.campaign_tier.value),
                priority_code(row.pipeline_tier),
                f"{row.propensity:.0f}",
                k(row.potential),
                f"{row.probability:.0%}",
                k(row.priority),
                named.get(row.owner_id, row.owner_id) if row.owner_id else "-",
            )
        out.print(table)
    load = ", ".join(f"{named.get(owner, owner)} {count}" for owner, count in sorted(r.owner_load.items()))
    out.print(Text(f"Owner load after assignment: {load or 'no owners'}; unassigned: {r.unassigned}"))
