"""`account-intel import`: load CSV exports through a mapping file, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_store,
    parse_date,
    print_error,
    print_json,
)
from account_intel.clock import SystemClock
from account_intel.domain.tiering import Thresholds
from account_intel.domain.wording import count
from account_intel.errors import DomainError, ValidationFailed
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.importer import ImportReport
    from account_intel.settings import Settings
    from account_intel.store.engine import Store

SHOWN_ERRORS = 50


class _RichProgress:
    """One Rich progress bar per import step (reading a file, writing the store)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.total = 0

    def begin(self, label: str, total: int) -> None:
        """Start a bar for one step."""
        self.total = total
        self.task = self.progress.add_task(label, total=total or None)

    def advance(self, units: int) -> None:
        """Move the current bar on."""
        if self.task is not None:
            self.progress.advance(self.task, units)

    def end(self) -> None:
        """Fill the current bar."""
        if self.task is not None:
            self.progress.update(self.task, completed=self.total)
        self.task = None


def import_command(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Folder holding the CSV files.", metavar="DIR", exists=True, file_okay=False, resolve_path=True
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            "-m",
            help="YAML mapping from the source files to canonical entities (default: canonical file names).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report what would be created/updated; write nothing.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--snapshot-date",
            "--as-of",
            help="The date the export was taken (YYYY-MM-DD): ARR, tier and segment are derived on it, it becomes"
            " the store's data date, and a mapping's date_offset with `snapshot: true` counts from it;"
            " default: the latest date in the data.",
            metavar="DATE",
        ),
    ] = None,
    safety_reason: Annotated[
        str | None,
        typer.Option(
            "--safety-reason",
            help="Why this import may clear do-not-contact flags or demote T1 accounts; needs the token of a"
            " manager or an admin (ACCOUNT_INTEL_TOKEN). Without it such rows are refused.",
        ),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import CSV files into the store, all or nothing: one wrong row and nothing is written; every error is listed."""
    from account_intel.importer import identity_mapping, load_mapping, run_import
    from account_intel.importer.safety import SafetyApproval

    try:
        day = parse_date(as_of, option="--snapshot-date")
        plan = load_mapping(mapping) if mapping is not None else identity_mapping(directory)
        store, settings = open_store(db, Intent.CREATE)
        approval = None
        if safety_reason is not None:
            if not safety_reason.strip():
                raise ValidationFailed("--safety-reason: say why the flags may be lifted.")
            approval = SafetyApproval(user_id=_authenticated(store, settings), reason=safety_reason.strip())
    except DomainError as exc:
        if json_out:
            print_json({"ok": False, "error_count": 1, "errors": [{"message": str(exc)}]})
        else:
            print_error(str(exc))
        raise typer.Exit(1) from None

    def run(progress: _RichProgress | None) -> ImportReport:
        return run_import(
            store,
            directory=directory,
            mapping=plan,
            mapping_label=mapping.name if mapping is not None else None,
            thresholds=Thresholds.from_settings(settings),
            clock=SystemClock(),
            as_of=day,
            dry_run=dry_run,
            progress=progress,
            safety_approval=approval,
        )

    try:
        if json_out or not console.is_terminal:
            report = run(None)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                report = run(_RichProgress(bar))
    finally:
        store.dispose()
    if json_out:
        print_json(report)
    else:
        render_report(console, report)
        if not report.ok:
            render_errors(err_console, report)
    if not report.ok:
        raise typer.Exit(1)


def render_report(out: Console, report: ImportReport) -> None:
    """The summary as Rich tables: counts per entity, quirks handled, warnings and the as-of date."""
    verb = "Would import" if report.dry_run else ("Imported" if report.written else "Checked")
    # every text that comes from the files, their names or the mapping is shown as written, never read as markup
    # or as an emoji code such as :smile:
    title = f"{verb} {report.directory}" + (f" with {report.mapping}" if report.mapping else "")
    table = Table(title=Text(title))
    for column in ("Entity", "Table", "Rows read", "Created", "Updated", "Skipped", "Filtered out"):
        table.add_column(column, justify="left" if column in ("Entity", "Table") else "right")
    for entity in report.entities:
        table.add_row(
            entity.entity,
            entity.table,
            f"{entity.rows_read:,}",
            f"{entity.created:,}",
            f"{entity.updated:,}",
            f"{entity.skipped:,}",
            f"{entity.filtered:,}",
        )
    out.print(table)
    if report.quirks:
        quirks = Table(title="Quirks handled")
        for column in ("Quirk", "Count", "What was found", "Handling"):
            quirks.add_column(column, justify="right" if column == "Count" else "left", overflow="fold")
        for quirk in report.quirks:
            quirks.add_row(quirk.code, f"{quirk.count:,}", Text(quirk.description), Text(quirk.handling))
        out.print(quirks)
    for warning in report.warnings:
        out.print(Text.assemble(("Warning:", "yellow"), " ", warning), highlight=False)
    out.print(Text(f"As of {report.as_of.isoformat()}: {report.as_of_source}."), highlight=False)
    if report.written:
        out.print(
            f"The store's data date is now {report.as_of.isoformat()}: commands run as of it without --as-of.",
            highlight=False,
        )
    if report.accounts is not None:
        accounts = report.accounts
        tiers = ", ".join(f"{tier} {n}" for tier, n in accounts.by_tier.items())
        statuses = ", ".join(f"{status} {n}" for status, n in accounts.by_status.items())
        out.print(
            f"{count(accounts.recalculated, 'account', zero='0')} derived "
            f"(ARR ${accounts.arr_total:,.0f}; {tiers}; {statuses}); "
            f"{accounts.changed} changed.",
            highlight=False,
        )
    if report.dry_run and report.ok:
        out.print("Dry run: nothing was written.")
    out.print(f"Done in {report.seconds:.1f} s.", highlight=False)


def render_errors(out: Console, report: ImportReport) -> None:
    """The first errors, one per line, and how many more there are."""
    failed = f"Import failed with {count(report.error_count, 'error', zero='0')}; nothing was written."
    out.print(Text(failed, "bold red"))
    for issue in report.errors[:SHOWN_ERRORS]:
        out.print(issue.message, highlight=False, markup=False, emoji=False, soft_wrap=True)
    if report.error_count > SHOWN_ERRORS:
        out.print(f"... and {report.error_count - SHOWN_ERRORS} more.", highlight=False)


def _authenticated(store: Store, settings: Settings) -> str:
    """The id of the user the presented token proves."""
    from account_intel.auth.principal import current_user

    with store.sessions() as session:
        return current_user(session, settings).id
