"""`account-intel health`: an account's health score, why it moved, weekly snapshots and manual overrides.

`health` is a command group whose default command is `show`: `account-intel health ACCOUNT` is
`account-intel health show ACCOUNT`; `health override ACCOUNT ...` and `health clear-override ACCOUNT ...` are its
other commands (an account literally named "override" is reached with `health show override`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from account_intel.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    action_day,
    as_of_for,
    clock_for,
    console,
    open_store,
    parse_date,
    print_json,
)
from account_intel.cli.pipeline_options import signed_in
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.analytics.health.account import HealthReport
    from account_intel.analytics.health.models import HealthResult, RawValue


class _ShowByDefault(TyperGroup):
    """A group that runs `show` when the first argument is not one of its commands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: typer vendors its own click Context
        """Prepend `show` unless a subcommand or help is asked for."""
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_ShowByDefault,
    help="Account health: score, band, components, why it moved, snapshots and overrides.",
    no_args_is_help=True,
)

AccountArg = Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")]
WeightsOption = Annotated[
    str | None,
    typer.Option("--weights", help="Weight set: a name saved under ACCOUNT_INTEL_HOME/weights, or a YAML path."),
]


def _raw(raw: dict[str, RawValue], limit: int = 4) -> str:
    return ", ".join(f"{key}={'-' if value is None else value}" for key, value in list(raw.items())[:limit])


def _ids(ids: list[str], limit: int = 3) -> str:
    return ", ".join(ids[:limit]) + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def render_health(out: Console, report: HealthReport, names: dict[str, str] | None = None) -> None:
    """Print the score, the component table, the override (its setter by name) and why the score moved."""
    from account_intel.analytics.health.delta import week_start

    h: HealthResult = report.health
    title = Text(f"{h.account_name} ({h.account_id}) health on {h.as_of}: ")
    title.append(f"{h.score:.1f}/100 {h.band.value}", style="bold")
    title.append(f"  [weights: {h.weights_name}]", style="dim")
    out.print(title)
    if h.override is not None:
        o = h.override
        line = Text(f"Override in force: {h.effective_score:.0f} {h.effective_band.value} ", style="bold yellow")
        by = (names or {}).get(o.set_by, o.set_by)
        line.append(f"by {by} on {o.set_at.date()}" + (f", expires {o.expires_on}" if o.expires_on else ""))
        line.append(" - reason: ")
        line.append(o.reason)
        out.print(line)
    table = Table(title="Components")
    for column in ("Component", "Weight", "Sub-score", "Contribution", "Raw", "Evidence"):
        table.add_column(column, justify="right" if column in ("Weight", "Sub-score", "Contribution") else "left")
    for c in h.components:
        missing = c.sub_score is None
        table.add_row(
            c.name,
            f"{c.weight_share:.0%}" + ("" if abs(c.weight_share - c.weight) < 1e-4 else f" ({c.weight:.0%})"),
            "missing" if missing else f"{c.sub_score:.2f}",
            f"{c.contribution:.1f}",
            Text((c.note or "") if missing else _raw(c.raw)),
            Text(_ids(c.evidence_ids)),
        )
    out.print(table)
    for note in h.notes:
        out.print(Text(f"Missing {note}."))
    if report.delta is None:
        out.print(Text("Why it moved: no earlier weekly snapshot to compare with (store one with --snapshot).", "dim"))
    else:
        d = report.delta
        head = f"Why it moved since the week of {d.previous_week}: {d.previous_score:.1f} -> {d.current_score:.1f}"
        head += f" ({d.score_delta:+.1f})" + (
            f", {d.previous_band.value} -> {d.current_band.value}" if d.previous_band != d.current_band else ""
        )
        head += ", weights changed" if d.weights_changed else ""
        out.print(Text(head + ("" if d.components else "; no component moved")))
        for move in d.components:
            out.print(Text(f"  {move.reason}"))
    if report.snapshot_stored:
        out.print(Text(f"Snapshot stored for the week of {week_start(h.as_of)} ({h.weights_name}).", "dim"))


@app.command("show")
def show_command(
    account: AccountArg,
    as_of: AsOfOption = None,
    weights: WeightsOption = None,
    snapshot: Annotated[bool, typer.Option("--snapshot", help="Store this week's snapshot.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show an account's health: score, band, components, the override in force and why it moved."""
    from account_intel.analytics.health.account import health_report
    from account_intel.analytics.health.config import load_weights
    from account_intel.queries.names import user_names
    from account_intel.store.accounts import find_account

    store, settings = open_store(db, Intent.USE if snapshot else Intent.READ)
    day = as_of_for(as_of, store, quiet=json_out)
    config = load_weights(weights, home=settings.home)
    with store.transaction() as session:
        account_id = find_account(session, account).id
        report = health_report(
            session,
            account_id=account_id,
            as_of=day,
            config=config,
            store_snapshot=snapshot,
            at=clock_for(day).now(),
        )
        override = report.health.override
        names = user_names(session, ids=[override.set_by if override else None])
    if json_out:
        print_json(report)
        return
    render_health(console, report, names)


@app.command("override")
def override_command(
    account: AccountArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept with the override).")],
    score: Annotated[int | None, typer.Option("--score", min=0, max=100, help="Score to show instead.")] = None,
    band: Annotated[str | None, typer.Option("--band", help="Band to show instead: Green, Yellow or Red.")] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="First day it no longer applies (YYYY-MM-DD).", metavar="DATE")
    ] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set a manual score or band with its reason; recomputes never remove it; it stops at --expires or a clear."""
    from account_intel.analytics.health.overrides import override_info, set_override
    from account_intel.auth.permissions import Action
    from account_intel.store.accounts import find_account

    store, settings = open_store(db)
    at = clock_for(action_day(as_of, store, quiet=json_out, option="--as-of")).now()
    with store.transaction() as session:
        found = find_account(session, account)
        account_id, account_name = found.id, found.name
        setter = signed_in(session, settings, Action.HEALTH, found)
        user, user_name = setter.id, setter.name
        row = set_override(
            session,
            account_id=account_id,
            score=score,
            band=band,
            reason=reason,
            set_by=user,
            at=at,
            expires_on=parse_date(expires, option="--expires"),
        )
        info = override_info(row)
    if json_out:
        print_json(info)
        return
    shown = " ".join(str(v) for v in (info.score, info.band.value if info.band else None) if v is not None)
    console.print(Text(f"Override set on {account_name}: {shown} by {user_name} - reason: {info.reason}"))


@app.command("clear-override")
def clear_override_command(account: AccountArg, as_of: AsOfOption = None, db: DbOption = None) -> None:
    """Clear the override in force; the computed score shows again."""
    from account_intel.analytics.health.overrides import clear_override
    from account_intel.auth.permissions import Action
    from account_intel.store.accounts import find_account

    store, settings = open_store(db)
    at = clock_for(action_day(as_of, store, option="--as-of")).now()
    with store.transaction() as session:
        found = find_account(session, account)
        account_id, account_name = found.id, found.name
        clearer = signed_in(session, settings, Action.HEALTH, found)
        row = clear_override(session, account_id=account_id, cleared_by=clearer.id, at=at)
        reason = row.reason
    console.print(Text(f"Override cleared on {account_name} (it said: {reason})."))
