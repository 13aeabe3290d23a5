"""Running an import: read and validate every source, check keys and references, then write everything in one
transaction and derive ARR, tier and segment for the imported accounts. Any error means nothing is written."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from account_intel.analytics.signals.mention_store import derive_mentions
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.clock import Clock
from account_intel.domain.tiering import Thresholds
from account_intel.importer import consistency, history, references, safety
from account_intel.importer.entities import BY_NAME, ENTITIES
from account_intel.importer.issues import ImportIssue, Issues, QuirkLog
from account_intel.importer.mapping import KeyDateTransform, LookupTransform, MappingFile
from account_intel.importer.reader import count_records, uses_crlf
from account_intel.importer.report import AccountSummary, EntityCounts, ImportReport
from account_intel.importer.sources import SourceResult, read_inline, read_source, report_cell_quirks
from account_intel.importer.transforms import TransformContext
from account_intel.importer.writer import write_all
from account_intel.store.accounts import recalculate_accounts
from account_intel.store.data_date import record_data_as_of
from account_intel.store.engine import Store
from account_intel.store.events import record_event
from account_intel.store.models import Account


class Progress(Protocol):
    """Where an import reports progress (a Rich progress bar in the CLI)."""

    def begin(self, label: str, total: int) -> None:
        """A new step of `total` units starts."""

    def advance(self, units: int) -> None:
        """`units` more are done."""

    def end(self) -> None:
        """The step is finished."""


class _Silent:
    def begin(self, label: str, total: int) -> None:
        pass

    def advance(self, units: int) -> None:
        pass

    def end(self) -> None:
        pass


class _Rollback(Exception):
    """Leave the transaction without writing (validation errors or a dry run)."""


def run_import(
    store: Store,
    *,
    directory: Path,
    mapping: MappingFile,
    mapping_label: str | None,
    thresholds: Thresholds,
    clock: Clock,
    as_of: date | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    safety_approval: safety.SafetyApproval | None = None,
) -> ImportReport:
    """Import the files of `directory` through `mapping`; the report's `errors` say why nothing was written."""
    started = time.perf_counter()
    progress = progress or _Silent()
    ctx = TransformContext(directory=directory, quirks=QuirkLog(), snapshot=as_of)
    issues = Issues()
    results = _read_all(directory, mapping, mapping_label, ctx, issues, progress)
    by_entity: dict[str, list[SourceResult]] = defaultdict(list)
    for result in results:
        if result.usable:
            by_entity[result.spec.name].append(result)
    day, day_source = _as_of(by_entity, as_of, clock)
    for result in results:
        for executor in result.executors:
            executor.finish(result.records, day)
    keyed = references.check_keys(by_entity, issues)
    consistency.fill_churned_on(by_entity, ctx.quirks)
    consistency.report_churn_agreement(by_entity, ctx.quirks)
    consistency.report_before_customer_since(by_entity, ctx.quirks)
    report = ImportReport(
        ok=False,
        dry_run=dry_run,
        written=False,
        directory=str(directory),
        mapping=mapping_label,
        as_of=day,
        as_of_source=day_source,
        warnings=_warnings(directory, mapping, results),
    )
    existing: dict[str, set[tuple[Any, ...]]] = {}
    try:
        with store.transaction() as session:
            references.check_unique_in_store(session, by_entity, issues)
            unreadable = {r.spec.name for r in results if not r.usable and not r.source.optional}
            references.check_references(session, by_entity, keyed, issues, unreadable=unreadable)
            existing = {name: references.existing_keys(session, name, rows) for name, rows in keyed.items()}
            before = history.values_before(session, keyed, existing)
            lifted = safety.lifts(session, keyed, before)
            if lifted and not _may_lift(session, safety_approval):
                for lift in lifted:
                    issues.add(lift.issue())
            if issues or dry_run:
                raise _Rollback
            progress.begin("Writing", sum(len(rows) for rows in keyed.values()))
            write_all(session, keyed, existing, at=clock.now(), advance=progress.advance)
            if lifted and safety_approval is not None:
                safety.record_lifts(session, lifted, safety_approval, at=clock.now())
            history.record_changes(session, keyed, before, day=day, at=clock.now())
            progress.end()
            accounts = _derive_accounts(session, keyed, day, thresholds, clock)
            derive_mentions(session, default_matcher())
            record_data_as_of(session, day=day, source="import", at=clock.now())
            _record_import(session, report, keyed, existing, clock)
        report.accounts, report.written = accounts, True  # reached only once the transaction has committed
    except _Rollback:
        pass
    except (IntegrityError, DBAPIError) as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        issues.add(ImportIssue(file="(store)", rule=f"the store refused the rows, nothing was written: {detail}"))
    report.entities = _counts(by_entity, keyed, existing)
    report.quirks = ctx.quirks.as_list()
    report.errors, report.error_count = issues.kept, issues.count
    report.ok = not issues
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _may_lift(session: Session, approval: safety.SafetyApproval | None) -> bool:
    """Whether the import's authenticated user, with a reason, may lift safety flags."""
    from account_intel.auth.permissions import Action, may
    from account_intel.store.models import User

    if approval is None or not approval.reason.strip():
        return False
    user = session.get(User, approval.user_id)
    return user is not None and may(user, Action.LIFT_SAFETY)


def _read_all(
    directory: Path,
    mapping: MappingFile,
    mapping_label: str | None,
    ctx: TransformContext,
    issues: Issues,
    progress: Progress,
) -> list[SourceResult]:
    results = [
        read_inline(name, rows, label=mapping_label or "mapping", ctx=ctx, issues=issues)
        for name, rows in mapping.inline.items()
    ]
    crlf = sorted({s.file for s in mapping.sources if (directory / s.file).is_file() and uses_crlf(directory / s.file)})
    ctx.quirks.add(
        "crlf_line_endings",
        "files with CRLF (Windows) line endings",
        "read by the csv module, which accepts CRLF and LF alike",
        len(crlf),
    )
    for source in mapping.sources:
        path = directory / source.file
        progress.begin(f"{source.file} -> {source.entity}", count_records(path) if path.is_file() else 0)
        results.append(read_source(source, ctx, issues, progress.advance))
        progress.end()
    report_cell_quirks(ctx)
    return results


def _as_of(by_entity: dict[str, list[SourceResult]], as_of: date | None, clock: Clock) -> tuple[date, str]:
    """The option's date, else the latest observed date in the data, else today."""
    if as_of is not None:
        return as_of, "--snapshot-date option"
    latest: date | None = None
    for name, results in by_entity.items():
        columns = BY_NAME[name].observed_dates
        for result in results:
            for record in result.records:
                for column in columns:
                    value = record.values.get(column)
                    if value is None:
                        continue
                    day = value.date() if isinstance(value, datetime) else value
                    if latest is None or day > latest:
                        latest = day
    if latest is not None:
        return latest, "latest date in the data (use --snapshot-date to choose another)"
    return clock.now().date(), "today (the data has no dates)"


def _warnings(directory: Path, mapping: MappingFile, results: list[SourceResult]) -> list[str]:
    warnings = []
    unused: dict[str, list[str]] = {}
    for result in results:
        if not result.usable:
            if result.source.optional:
                warnings.append(f"{result.label}: optional file not found, skipped")
            continue
        kept = unused.get(result.label, result.unused)
        unused[result.label] = [column for column in kept if column in result.unused]
    for label, columns in unused.items():
        if columns:
            warnings.append(f"{label}: columns not imported: {', '.join(columns)}")
    named = {s.file for s in mapping.sources} | {
        t.file for s in mapping.sources for t in s.derive if isinstance(t, LookupTransform | KeyDateTransform)
    }
    ignored = sorted(p.name for p in directory.glob("*.csv") if p.name not in named)
    if ignored:
        warnings.append(f"files in the folder that the mapping does not use: {', '.join(ignored)}")
    return warnings


def _account_ids(keyed: dict[str, dict[tuple[Any, ...], references.Located]]) -> set[str]:
    ids = {key[0] for key in keyed.get("accounts", {})}
    for name in ("contracts", "contract_lines"):
        ids |= {record.values["account_id"] for _, record in keyed.get(name, {}).values()}
    return ids


def _derive_accounts(
    session: Session,
    keyed: dict[str, dict[tuple[Any, ...], references.Located]],
    as_of: date,
    thresholds: Thresholds,
    clock: Clock,
) -> AccountSummary | None:
    ids = _account_ids(keyed)
    if not ids:
        return None
    session.flush()
    changes = recalculate_accounts(
        session, as_of=as_of, thresholds=thresholds, at=clock.now(), source="import", account_ids=sorted(ids)
    )
    session.flush()
    accounts = list(session.execute(select(Account.status, Account.tier, Account.segment).where(Account.id.in_(ids))))
    total = session.scalar(select(func.sum(Account.arr)).where(Account.id.in_(ids)))
    return AccountSummary(
        recalculated=len(accounts),
        changed=len(changes),
        arr_total=total if total is not None else Decimal("0.00"),
        by_status=dict(sorted(Counter(a.status.value for a in accounts).items())),
        by_tier=dict(sorted(Counter(a.tier.value for a in accounts).items())),
        by_segment=dict(sorted(Counter(a.segment.value for a in accounts).items())),
    )


def _record_import(
    session: Session,
    report: ImportReport,
    keyed: dict[str, dict[tuple[Any, ...], references.Located]],
    existing: dict[str, set[tuple[Any, ...]]],
    clock: Clock,
) -> None:
    counts = {
        name: {"created": len(rows) - len(existing[name]), "updated": len(existing[name])}
        for name, rows in keyed.items()
    }
    record_event(
        session,
        kind="import.completed",
        at=clock.now(),
        entity_type="import",
        entity_id=report.mapping or "canonical",
        actor="import",
        payload={"directory": report.directory, "as_of": report.as_of, "counts": counts},
    )


def _counts(
    by_entity: dict[str, list[SourceResult]],
    keyed: dict[str, dict[tuple[Any, ...], references.Located]],
    existing: dict[str, set[tuple[Any, ...]]],
) -> list[EntityCounts]:
    counts = []
    for spec in ENTITIES:
        results = by_entity.get(spec.name)
        if not results:
            continue
        total = len(keyed.get(spec.name, {}))
        updated = len(existing.get(spec.name, set()))
        counts.append(
            EntityCounts(
                entity=spec.name,
                table=spec.table.name,
                sources=[r.label for r in results],
                rows_read=sum(r.rows_read for r in results),
                created=total - updated if spec.name in existing else 0,
                updated=updated,
                skipped=sum(r.skipped for r in results),
                filtered=sum(r.filtered for r in results),
            )
        )
    return counts
