"""One source file (or the mapping's inline rows) turned into validated canonical records.

Per row, in order: named transforms (on the raw values), value maps on source columns, renames, constants, defaults;
then the entity's pydantic row model and its cross-column checks. Every problem becomes an `ImportIssue`; a row with
a problem is left out, and reading goes on so that all errors are reported at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy import Integer

from account_intel.domain.wording import plural
from account_intel.importer.entities import BY_NAME, EntitySpec
from account_intel.importer.filters import FilterError, parse_filter
from account_intel.importer.issues import ImportIssue, Issues
from account_intel.importer.mapping import Aggregate, SourceMapping
from account_intel.importer.reader import (
    MAX_CELL_CHARS,
    NOT_UTF8,
    CsvProblem,
    CsvRecord,
    read_header,
    read_records,
    undecodable,
)
from account_intel.importer.transforms import Executor, Record, TransformContext, TransformError, build_executor
from account_intel.importer.values import has_offset, parse_number
from account_intel.store.types import UTCDateTime

Advance = Callable[[int], None]


@dataclass
class SourceResult:
    """The canonical records read from one source, with what is needed to report on them later."""

    source: SourceMapping
    spec: EntitySpec
    label: str
    inline: bool = False
    records: list[Record] = field(default_factory=list)
    rows_read: int = 0
    rows_failed: int = 0
    skipped: int = 0
    filtered: int = 0
    present: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)
    executors: list[Executor] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    failed_keys: set[str] = field(default_factory=set)
    filtered_keys: set[str] = field(default_factory=set)
    usable: bool = True

    def column(self, canonical: str) -> str:
        """The column name a person sees in the source for a canonical column."""
        return self.origins.get(canonical, canonical)

    def issue(self, line: int | None, column: str | None, value: Any, rule: str) -> ImportIssue:
        """An issue located in this source; `column` is canonical and is shown under its source name."""
        shown = None if value is None else str(value)
        where = {"item": line} if self.inline else {"line": line}
        return ImportIssue(
            file=self.label, column=self.column(column) if column else None, value=shown, rule=rule, **where
        )


@dataclass
class _Plan:
    """How the columns of one header become canonical columns."""

    header: list[str]
    identity: list[str]
    rename: dict[str, str]
    used: set[str]
    inputs: tuple[str, ...]
    datetime_columns: set[str]
    int_columns: set[str]


def read_source(
    source: SourceMapping, ctx: TransformContext, issues: Issues, advance: Advance | None = None
) -> SourceResult:
    """Read one mapped source file into canonical records, collecting every problem in `issues`."""
    spec = BY_NAME[source.entity]
    result = SourceResult(source=source, spec=spec, label=source.file)
    path = ctx.directory / source.file
    if not path.is_file():
        result.usable = False
        if not source.optional:
            found = ", ".join(sorted(p.name for p in ctx.directory.glob("*.csv"))) or "none"
            issues.add(ImportIssue(file=source.file, rule=f"file not found in {ctx.directory} (CSV files: {found})"))
        return result
    try:
        header = read_header(path)
        plan = _plan(result, header, ctx, issues)
        if plan is not None:
            _read_rows(result, plan, read_records(path), ctx, issues, advance)
    except UnicodeDecodeError as exc:
        issues.add(ImportIssue(file=source.file, rule=f"is not UTF-8 text ({exc.reason} at byte {exc.start})"))
        result.usable = False
    except CsvProblem as exc:
        rule = f"is not a readable CSV file here ({exc.detail}); cells may hold at most {MAX_CELL_CHARS:,} characters"
        issues.add(ImportIssue(file=source.file, line=exc.line, rule=rule))
        result.usable = False
    return result


def read_inline(
    entity: str, rows: list[dict[str, str]], *, label: str, ctx: TransformContext, issues: Issues
) -> SourceResult:
    """Canonical rows declared in the mapping file itself (for example a product catalog)."""
    spec = BY_NAME[entity]
    source = SourceMapping(file=label, entity=entity)
    result = SourceResult(source=source, spec=spec, label=f"{label} inline {entity}", inline=True)
    header = list(dict.fromkeys(column for row in rows for column in row))
    plan = _plan(result, header, ctx, issues)
    if plan is not None:
        lines = (CsvRecord(n, [str(row.get(c, "")).strip() for c in header]) for n, row in enumerate(rows, start=1))
        _read_rows(result, plan, lines, ctx, issues, None)
    return result


def _plan(result: SourceResult, header: list[str], ctx: TransformContext, issues: Issues) -> _Plan | None:
    """Check the header against the mapping and the entity; None when the file cannot be read row by row."""
    source, spec = result.source, result.spec
    problems: list[tuple[str, str]] = []
    found = ", ".join(header) or "none"
    problems += [(name, f"the column name {NOT_UTF8}") for name in header if undecodable(name)]
    for name, count in Counter(header).items():
        positions = ", ".join(str(n) for n, other in enumerate(header, start=1) if other == name)
        if not name:
            problems.append(("", f"the header's column {positions} has no name: name it or remove the column"))
        elif count > 1:
            problems.append((name, f"duplicate column name in the header (columns {positions}): keep one"))
    result.executors = [build_executor(t, ctx, source.file) for t in source.derive]
    referenced = [
        *source.rename,
        *source.values,
        *source.attributes,
        *(c for ex in result.executors for c in ex.source_columns()),
        *([source.source_id] if source.source_id else []),
        *(parse_filter(source.where).columns() if source.where else []),
        *source.round,
    ]
    earlier: set[str] = set()  # a transform may read a column an earlier transform derived (start, then end)
    chained: set[str] = set()
    for transform, executor in zip(source.derive, result.executors, strict=True):
        chained |= {c for c in executor.source_columns() if c in earlier and c not in header}
        earlier |= set(transform.outputs())
    for name in dict.fromkeys(referenced):
        if name not in header and name not in chained:
            problems.append(
                (name, f"the mapping names column '{name}', which the file does not have (columns found: {found})")
            )
    produced = set(source.rename.values()) | set(source.constants)
    for transform in source.derive:
        produced |= set(transform.outputs())
    identity = [c for c in header if c in spec.columns and c not in produced and c not in source.rename]
    present = list(dict.fromkeys([*identity, *produced, *source.defaults]))
    for column in spec.required:
        if column not in present:
            problems.append((column, f"missing required column '{column}' for {spec.name} (columns found: {found})"))
    for executor in result.executors:
        problem = executor.prepare()
        if problem:
            problems.append((executor.source_columns()[0], problem))
    for column, rule in problems:
        issues.add(ImportIssue(file=result.label, line=None if result.inline else 1, column=column or None, rule=rule))
    if problems:
        result.usable = False
        return None
    result.present = [c for c in spec.columns if c in present] + (["attributes"] if source.attributes else [])
    result.origins = {target: name for name, target in source.rename.items()}
    for executor in result.executors:
        result.origins.update(executor.origins())
    result.unused = [c for c in header if c not in identity and c not in referenced]
    referenced = [c for c in referenced if c not in chained]
    table = spec.table
    return _Plan(
        header=header,
        identity=identity,
        rename=source.rename,
        used=set(identity) | set(source.rename),
        inputs=tuple(dict.fromkeys([*identity, *referenced])),
        datetime_columns={c for c in present if isinstance(table.c[c].type, UTCDateTime)},
        int_columns={c for c in present if isinstance(table.c[c].type, Integer)},
    )


def _read_rows(
    result: SourceResult,
    plan: _Plan,
    rows: Iterable[CsvRecord],
    ctx: TransformContext,
    issues: Issues,
    advance: Advance | None,
) -> None:
    source, spec = result.source, result.spec
    width = len(plan.header)
    value_maps = {column: _value_map(mapping) for column, mapping in source.values.items()}
    condition = parse_filter(source.where) if source.where else None
    rounding = ROUND_HALF_UP if source.rounding == "half_up" else ROUND_HALF_EVEN
    source_ids: Counter[str] = Counter()
    counters: Counter[tuple[str, str]] = Counter()
    seen_inputs: set[tuple[str | None, ...]] = set()
    required = set(spec.required)
    optional = [name for name in plan.used if plan.rename.get(name, name) not in required]  # blank required: an error
    for number, csv_record in enumerate(rows, start=1):
        if advance is not None and number % 500 == 0:
            advance(500)
        result.rows_read += 1
        if len(csv_record.cells) != width:
            result.rows_failed += 1
            cells = len(csv_record.cells)
            rule = f"has {cells} {plural('cell', cells)} but the header has {width} {plural('column', width)}"
            issues.add(result.issue(csv_record.line, None, None, rule))
            continue
        row: dict[str, str | None] = {n: (v or None) for n, v in zip(plan.header, csv_record.cells, strict=True)}
        garbled = [(n, v) for n, v in row.items() if v is not None and undecodable(v)]
        if garbled:
            result.rows_failed += 1
            for name, value in garbled:
                where = {"item": csv_record.line} if result.inline else {"line": csv_record.line}
                issues.add(ImportIssue(file=result.label, column=name, value=value, rule=NOT_UTF8, **where))
            continue
        if condition is not None:
            try:
                passes = condition.holds(row)
            except FilterError as exc:
                result.rows_failed += 1
                where = {"item": csv_record.line} if result.inline else {"line": csv_record.line}
                issues.add(ImportIssue(file=result.label, column=exc.column, value=exc.value, rule=exc.rule, **where))
                continue
            if not passes:
                result.filtered += 1
                if len(spec.key) == 1 and row.get(_source_of(result, spec.key[0])):
                    result.filtered_keys.add(str(row[_source_of(result, spec.key[0])]))
                continue
        if source.round and not _round_cells(result, row, rounding, csv_record.line, counters, issues):
            result.rows_failed += 1
            continue
        for name in optional:
            if row[name] is None:
                counters[("blank", name)] += 1
        if source.source_id and row[source.source_id] is not None:
            source_ids[row[source.source_id]] += 1  # type: ignore[index]
        if source.distinct:
            inputs = tuple(row[name] for name in plan.inputs)
            if inputs in seen_inputs:
                result.skipped += 1  # the same inputs give the same record: drop it before validating again
                continue
            seen_inputs.add(inputs)
        record = _convert(result, plan, row, value_maps, csv_record.line, counters, issues)
        if record is None:
            result.rows_failed += 1
            if len(spec.key) == 1 and row.get(_source_of(result, spec.key[0])):
                result.failed_keys.add(str(row[_source_of(result, spec.key[0])]))
        else:
            result.records.append(record)
    if advance is not None:
        advance(result.rows_read % 500)
    _report_counters(result, counters, source_ids, ctx)
    if source.aggregate is not None:
        result.records, result.skipped = _aggregate(result.records, source.aggregate)
    elif source.distinct:
        result.records, dropped = _distinct(result.records, spec.key)
        result.skipped += dropped


def _round_cells(
    result: SourceResult,
    row: dict[str, str | None],
    rounding: str,
    line: int,
    counters: Counter[tuple[str, str]],
    issues: Issues,
) -> bool:
    """Round the amounts of the mapping's `round` columns in place; False after adding a problem to `issues`."""
    ok = True
    for column, places in result.source.round.items():
        value = row[column]
        if value is None:
            continue
        try:
            amount = parse_number(value, "money", "must be an amount")
        except PydanticCustomError as exc:
            where = {"item": line} if result.inline else {"line": line}
            rule = f"{exc.message()}; the mapping rounds {column} to {places} decimal places"
            issues.add(ImportIssue(file=result.label, column=column, value=value, rule=rule, **where))
            ok = False
            continue
        rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=rounding)
        if rounded != amount:
            counters[("rounded", column)] += 1
        row[column] = str(rounded)
    return ok


def _source_of(result: SourceResult, canonical: str) -> str:
    """The source column holding a canonical column's value (for keys: the renamed or same-named column)."""
    for name, target in result.source.rename.items():
        if target == canonical:
            return name
    return canonical


def _value_map(mapping: dict[str, str]) -> dict[str, str]:
    lowered = {key.strip().lower(): value for key, value in mapping.items()}
    return {**lowered, **mapping}


def _convert(
    result: SourceResult,
    plan: _Plan,
    row: dict[str, str | None],
    value_maps: dict[str, dict[str, str]],
    line: int,
    counters: Counter[tuple[str, str]],
    issues: Issues,
) -> Record | None:
    """One source row to a validated record, or None after adding its problems to `issues`."""
    source, spec = result.source, result.spec
    meta: dict[str, Any] = {}
    derived: dict[str, Any] = {}
    failed = False
    view = dict(row)
    for executor in result.executors:
        try:
            out = executor.apply(view, meta)
            derived.update(out)
            view.update({c: _as_cell(v) for c, v in out.items() if c not in row})
        except TransformError as exc:
            failed = True
            issues.add(ImportIssue(file=result.label, line=line, column=exc.column, value=exc.value, rule=exc.rule))
    for column, value in derived.items():
        if isinstance(value, str) and undecodable(value):  # taken from a lookup file that is not UTF-8
            failed = True
            issues.add(result.issue(line, column, value, NOT_UTF8))
    if failed:
        return None
    for column, mapping in value_maps.items():
        value = row[column]
        if value is not None:
            mapped = mapping.get(value, mapping.get(value.lower(), value))
            row[column] = mapped or None
    canonical: dict[str, Any] = {c: row[c] for c in plan.identity}
    canonical.update(derived)
    for name, target in plan.rename.items():
        canonical[target] = row[name]
    canonical.update(source.constants)
    for column, default in source.defaults.items():
        if canonical.get(column) is None:
            canonical[column] = default
    try:
        model = spec.model.model_validate({k: v for k, v in canonical.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else None
            if error["type"] == "missing":
                issues.add(result.issue(line, where, "", "is required"))
            else:
                rule = str(error["msg"])
                mapped = source.values.get(result.column(where or ""))
                if error["type"] == "enum" and mapped:
                    rule += f", or add the value to the mapping's values for it (mapped now: {', '.join(mapped)})"
                issues.add(result.issue(line, where, canonical.get(where or ""), rule))
        return None
    problems = model.checks()
    for column, rule in problems:
        issues.add(result.issue(line, column, canonical.get(column), rule))
    if problems:
        return None
    _count_type_quirks(result, plan, canonical, counters)
    values = {
        column: _stored(spec, column, getattr(model, column))
        for column in result.present
        if column != "attributes" and not (getattr(model, column) is None and (spec.name, column) in SAFETY_FLAGS)
    }
    if source.attributes:
        values["attributes"] = {name: row[name] for name in source.attributes if row[name] is not None}
    written = {c: str(canonical[c]) for e, c in SAFETY_FLAGS if e == spec.name and canonical.get(c) is not None}
    if written:
        meta["written"] = written  # the cell as written, for a refusal to lift the flag
    return Record(values=values, line=line, meta=meta)


def _as_cell(value: Any) -> str | None:
    """A derived value as the text a later transform reads it as (dates in ISO form)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


SAFETY_FLAGS = frozenset({("contacts", "do_not_contact")})  # a blank cell keeps the stored flag, never "false"


def _stored(spec: EntitySpec, column: str, value: Any) -> Any:
    """A blank value of a NOT NULL column takes the store's default for it."""
    if value is None:
        table_column = spec.table.c[column]
        if not table_column.nullable and table_column.default is not None:
            return table_column.default.arg  # type: ignore[attr-defined]
    return value


def _count_type_quirks(
    result: SourceResult, plan: _Plan, canonical: dict[str, Any], counters: Counter[tuple[str, str]]
) -> None:
    for column in plan.datetime_columns:
        value = canonical.get(column)
        if isinstance(value, str) and not has_offset(value):
            counters[("naive_datetime", result.column(column))] += 1
    for column in plan.int_columns:
        value = canonical.get(column)
        if isinstance(value, str) and "." in value:
            counters[("decimal_int", result.column(column))] += 1


def _report_counters(
    result: SourceResult, counters: Counter[tuple[str, str]], source_ids: Counter[str], ctx: TransformContext
) -> None:
    for (kind, column), count in counters.items():
        ctx.cell_counts[(kind, result.label, column)] = count
    duplicated = sum(1 for count in source_ids.values() if count > 1)
    if duplicated:
        rows = sum(count for count in source_ids.values() if count > 1)
        ctx.quirks.add(
            f"duplicate_{result.source.source_id}",
            f"{result.label}: {result.source.source_id} values shared by more than one row ({rows} rows)",
            "rows kept; the source id is not stored (rows are combined by their canonical key)",
            duplicated,
        )


DETAILED_CELLS = 6
CELL_QUIRKS = {
    "blank": (
        "blank_values",
        "blank cells in optional columns",
        "stored as empty, or as the store's default where the column has one",
    ),
    "rounded": (
        "amounts_rounded",
        "amounts with more decimal places than the mapping's round keeps",
        "rounded as the mapping's round and rounding say",
    ),
    "naive_datetime": (
        "timestamps_without_offset",
        "date-times or bare dates without a UTC offset",
        "taken as UTC (a bare date is midnight UTC)",
    ),
    "decimal_int": (
        "whole_numbers_with_decimals",
        "whole numbers written with a decimal part, like 27.0",
        "stored as integers (a non-zero fraction is an error)",
    ),
}


def report_cell_quirks(ctx: TransformContext) -> None:
    """Add the per-cell quirks counted while reading (each file and column counted once) to the quirk log."""
    for kind, (code, description, handling) in CELL_QUIRKS.items():
        found = {(file, column): n for (k, file, column), n in sorted(ctx.cell_counts.items()) if k == kind and n}
        if not found:
            continue
        if len(found) <= DETAILED_CELLS:
            detail = "; ".join(f"{file} {column}: {n}" for (file, column), n in found.items())
        else:
            by_file: Counter[str] = Counter()
            for (file, _), n in found.items():
                by_file[file] += n
            detail = "; ".join(f"{file}: {n}" for file, n in by_file.items())
        ctx.quirks.add(code, f"{description} ({detail})", handling, sum(found.values()))


def _aggregate(records: list[Record], aggregate: Aggregate) -> tuple[list[Record], int]:
    groups: dict[tuple[Any, ...], Record] = {}
    for record in records:
        key = tuple(record.values[c] for c in aggregate.by)
        group = groups.get(key)
        if group is None:
            groups[key] = Record(values=dict(record.values), line=record.line, meta=dict(record.meta))
            continue
        for column in aggregate.sum:
            group.values[column] = (group.values[column] or 0) + (record.values[column] or 0)
    return list(groups.values()), len(records) - len(groups)


def _distinct(records: list[Record], key: tuple[str, ...]) -> tuple[list[Record], int]:
    seen: dict[tuple[Any, ...], Record] = {}
    kept: list[Record] = []
    for record in records:
        identity = tuple(record.values[c] for c in key)
        first = seen.get(identity)
        if first is not None and first.values == record.values:
            continue
        seen.setdefault(identity, record)
        kept.append(record)
    return kept, len(records) - len(kept)
