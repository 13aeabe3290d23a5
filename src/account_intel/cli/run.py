"""`account-intel run weekly` and `account-intel run triggers`: the scheduled runs (cron; see docs/operations.md).

Exit codes: 0 done; 1 a domain error (bad segment expression, unknown store...); 2 a usage error; 3 the run finished
but some accounts or actions failed (they are recorded; rerunning retries only those).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from account_intel.cli.brief import BrainOption, brain_choice
from account_intel.cli.common import AsOfOption, DbOption, JsonOption, as_of_for, console, err_console, open_store
from account_intel.cli.common import print_json as print_model
from account_intel.clock import SystemClock
from account_intel.domain.wording import count
from account_intel.graph.concurrency import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from account_intel.runs.triggers import TriggerScanSummary
    from account_intel.runs.weekly import WeeklySummary
    from account_intel.store.engine import Store

app = typer.Typer(help="Scheduled runs: the weekly portfolio run and the daily trigger scan.", no_args_is_help=True)

SegmentOption = Annotated[
    str | None,
    typer.Option(
        "--segment",
        metavar="EXPR",
        help="Only accounts matching a segment expression, e.g. 'tier == \"T1\" and health >= 60'.",
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        min=1,
        envvar="ACCOUNT_INTEL_RUN_CONCURRENCY",
        help=f"Accounts run at once (LangGraph max_concurrency); default 1 on the rules brain, "
        f"{DEFAULT_CONCURRENCY} on llm.",
        show_default=False,
    ),
]
PHASES = {
    "snapshots": "Health snapshots",
    "accounts": "Accounts",
    "report": "Portfolio report",
    "scan": "Scanning",
    "actions": "Trigger actions",
}


class _Bar:
    """Rich progress on stderr, one bar per phase; nothing at all when the output is JSON."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        """Finish the current bar and start the next phase's."""
        if self.progress is None:
            return
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(PHASES.get(name, name), total=total or None)

    def advance(self, n: int) -> None:
        """Advance the current bar."""
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, n)


@contextmanager
def _progress(enabled: bool) -> Iterator[_Bar]:
    if not enabled:
        yield _Bar(None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        yield _Bar(progress)


@app.command("weekly")
def weekly(
    segment: SegmentOption = None,
    as_of: AsOfOption = None,
    brain: BrainOption = "auto",
    concurrency: ConcurrencyOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run every account in scope through the graph once this ISO week, then write the portfolio report."""
    from account_intel.runs.engine import resolve_brain
    from account_intel.runs.weekly import WeeklyHooks, run_weekly

    store, settings = open_store(db)
    day = as_of_for(as_of, store, quiet=json_out)
    with _progress(not json_out) as bar:
        summary = run_weekly(
            store=store,
            settings=settings,
            as_of=day,
            brain=resolve_brain(brain_choice(brain), settings),
            clock=SystemClock(),
            segment=segment,
            concurrency=concurrency,
            hooks=WeeklyHooks(phase=bar.phase, advance=bar.advance),
        )
    if json_out:
        print_model(summary)
    else:
        _show_weekly(summary, _account_names(store, [f.account_id for f in summary.failures]))
    raise typer.Exit(summary.exit_code)


def _account_names(store: Store, ids: list[str]) -> dict[str, str]:
    """Names of the accounts a run's output speaks of (an id stays when the account is gone)."""
    from account_intel.queries.names import account_names

    if not ids:
        return {}
    with store.sessions() as session:
        return account_names(session, ids=ids)


def _show_weekly(s: WeeklySummary, names: dict[str, str]) -> None:
    where = f" · segment {s.segment}" if s.segment else ""
    console.print(Text(f"Weekly run {s.iso_week} (as of {s.as_of}){where} · brain {s.brain}", style="bold"))
    table = Table(show_header=True)
    for column in ("Status", "This run", "This week"):
        table.add_column(column, justify="left" if column == "Status" else "right")
    for status in ("completed", "awaiting_approval", "failed", "skipped", "claimed", "unfinished"):
        table.add_row(status, str(s.counts.get(status, "-")), str(s.week_counts.get(status, "-")))
    console.print(table)
    console.print(
        f"{count(s.accounts, 'account', zero='0')} in scope · "
        f"{count(s.snapshots_stored, 'health snapshot', zero='0')} · "
        f"model calls {s.tokens.get('calls', 0)}, "
        f"tokens {s.tokens.get('input_tokens', 0)} in / {s.tokens.get('output_tokens', 0)} out · "
        f"{count(s.fallbacks, 'fallback', zero='0')} to rules · "
        f"{count(s.queued_triggers_done, 'queued trigger', zero='0')} covered · {s.seconds} s",
        soft_wrap=True,
    )
    if s.drafts_awaiting:
        console.print(
            f"{count(len(s.drafts_awaiting), 'draft')} {'awaits' if len(s.drafts_awaiting) == 1 else 'await'} "
            "approval (`account-intel approvals list`), e.g. " + ", ".join(d.message_id for d in s.drafts_awaiting[:5])
        )
    for f in s.failures:
        console.print(Text(f"FAILED {names.get(f.account_id, f.account_id)} ({f.thread_id}): {f.error}", style="red"))
    if s.failures:
        console.print("Rerun the same command to retry only the failed accounts.")
    if s.claimed_elsewhere:
        console.print(
            f"{count(len(s.claimed_elsewhere), 'account')} skipped: another run of this week is working on "
            f"{'it' if len(s.claimed_elsewhere) == 1 else 'them'} now and reports "
            f"{'it' if len(s.claimed_elsewhere) == 1 else 'them'}."
        )
    console.print(f"Portfolio report: {s.report_md} and {s.report_json}")


@app.command("triggers")
def triggers(
    as_of: AsOfOption = None,
    brain: BrainOption = "auto",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Daily trigger scan: QBR D-30 packets (ready by D-7), health decline, T1 plays; each trigger fires once."""
    from account_intel.runs.engine import resolve_brain
    from account_intel.runs.triggers import ScanHooks, run_triggers

    store, settings = open_store(db)
    day = as_of_for(as_of, store, quiet=json_out)
    with _progress(not json_out) as bar:
        summary = run_triggers(
            store=store,
            settings=settings,
            day=day,
            brain=resolve_brain(brain_choice(brain), settings),
            clock=SystemClock(),
            hooks=ScanHooks(phase=bar.phase, advance=bar.advance),
        )
    if json_out:
        print_model(summary)
    else:
        ids = [f.account_id for f in summary.fired if f.action != "next_weekly"] + [x.account_id for x in summary.late]
        _show_triggers(summary, _account_names(store, ids))
    raise typer.Exit(summary.exit_code)


def _show_triggers(s: TriggerScanSummary, names: dict[str, str]) -> None:
    scanned = count(s.accounts_scanned, "active account", zero="0")
    console.print(Text(f"Trigger scan {s.day}: {scanned}, {s.seconds} s", style="bold"))
    new = ", ".join(f"{name} {n}" for name, n in s.by_trigger.items()) or "none"
    console.print(f"New firings: {new}")
    acted = [f for f in s.fired if f.action != "next_weekly"]
    if acted:
        table = Table(show_header=True)
        for column in ("Trigger", "Account", "Action", "Status", "Result"):
            table.add_column(column)
        for f in acted:
            shown = f.error if f.status == "failed" else f.result
            status = f.status + ("" if f.new else " (retry)")
            table.add_row(f.trigger, names.get(f.account_id, f.account_id), f.action, status, Text(shown or ""))
        console.print(table)
    queued = [f for f in s.fired if f.action == "next_weekly"]
    if queued:
        accounts = count(len({f.account_id for f in queued}), "account")
        console.print(f"{count(len(queued), 'firing')} on {accounts} queued for the next weekly brief.")
    for late in s.late:
        console.print(
            Text(
                f"LATE QBR packet: {names.get(late.account_id, late.account_id)}, QBR on {late.qbr_date} "
                f"({late.thread_id}): {late.reason}",
                style="yellow",
            )
        )
