"""The named transforms a mapping may use to derive canonical columns: a small fixed set, no expressions, no eval.

Each transform reads source columns of one row and fills canonical columns. Some finish their work once the whole
file is read (`contract_kind` needs every contract of an account; `contract_status` needs the as-of date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic_core import PydanticCustomError
from typing_extensions import override

from account_intel.domain.enums import ContractKind, ContractStatus
from account_intel.importer.dates import add_days, add_months
from account_intel.importer.filters import FilterError, parse_filter
from account_intel.importer.issues import QuirkLog
from account_intel.importer.mapping import (
    ContractKindTransform,
    ContractStatusTransform,
    DateOffsetTransform,
    DatePartTransform,
    KeyDateTransform,
    LinePriceTransform,
    LookupTransform,
    MrrToArrTransform,
    TemplateTransform,
)
from account_intel.importer.reader import read_header, read_records
from account_intel.importer.values import CENT, to_bool, to_count, to_date, to_datetime, to_int, to_money

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
SourceRow = dict[str, str | None]


class TransformError(Exception):
    """A source value a transform cannot use: names the source column, the value and the rule."""

    def __init__(self, column: str, value: str | None, rule: str) -> None:
        super().__init__(rule)
        self.column, self.value, self.rule = column, value, rule


@dataclass
class Record:
    """A validated canonical row, where it came from, and notes transforms leave for later steps."""

    values: dict[str, Any]
    line: int
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class TransformContext:
    """What transforms share during one import: the folder, the quirk log and the lookup indexes."""

    directory: Path
    quirks: QuirkLog
    lookups: dict[tuple[str, str, tuple[str, ...]], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    cell_counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    snapshot: date | None = None


def _parse(column: str, value: str | None, parser: Any) -> Any:
    try:
        return parser(value)
    except PydanticCustomError as exc:
        raise TransformError(column, value, exc.message()) from None


def _flag(row: SourceRow, column: str | None) -> bool:
    if column is None or row.get(column) is None:
        return False
    return bool(_parse(column, row[column], to_bool))


class Executor:
    """A transform ready to run: `apply` per row, `finish` once the file is read."""

    def source_columns(self) -> list[str]:
        """Columns of the source file this transform reads (checked against the header)."""
        return []

    def origins(self) -> dict[str, str]:
        """canonical column -> the source column errors on it should name."""
        return {}

    def prepare(self) -> str | None:
        """Get ready before the first row; return a problem that stops this file, or None."""
        return None

    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        """Canonical values derived from one source row."""
        raise NotImplementedError

    def finish(self, records: list[Record], as_of: date) -> None:
        """Complete values that need every record of the file or the as-of date (most transforms need neither)."""


class Template(Executor):
    """Fill a column from a text with `{source_column}` placeholders."""

    def __init__(self, spec: TemplateTransform) -> None:
        self.spec = spec
        self.names = PLACEHOLDER.findall(spec.template)

    @override
    def source_columns(self) -> list[str]:
        return self.names

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.names[0]} if self.names else {}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        if any(row.get(name) is None for name in self.names):
            return {self.spec.column: None}
        return {self.spec.column: PLACEHOLDER.sub(lambda m: str(row[m.group(1)]), self.spec.template)}


class MrrToArr(Executor):
    """An annual amount from a monthly one."""

    def __init__(self, spec: MrrToArrTransform) -> None:
        self.spec = spec

    @override
    def source_columns(self) -> list[str]:
        return [self.spec.source]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.spec.source}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        value = row.get(self.spec.source)
        if value is None:
            return {self.spec.column: None}
        return {self.spec.column: _parse(self.spec.source, value, to_money) * 12}


class DatePart(Executor):
    """The date, or the first of the month, of a date or date-time."""

    def __init__(self, spec: DatePartTransform) -> None:
        self.spec = spec

    @override
    def source_columns(self) -> list[str]:
        return [self.spec.source]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.spec.source}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        value = row.get(self.spec.source)
        if value is None:
            return {self.spec.column: None}
        day = _parse(self.spec.source, value, to_datetime).date()
        return {self.spec.column: day.replace(day=1) if self.spec.part == "month" else day}


class ContractKindExec(Executor):
    """Upgrade/downgrade/expansion from flags; otherwise new for an account's first contract, renewal after."""

    def __init__(self, spec: ContractKindTransform, ctx: TransformContext, file: str) -> None:
        self.spec, self.ctx, self.file = spec, ctx, file

    @override
    def source_columns(self) -> list[str]:
        return [c for c in (self.spec.upgrade, self.spec.downgrade, self.spec.expansion, self.spec.product) if c]

    @override
    def origins(self) -> dict[str, str]:
        first = self.source_columns()
        return {self.spec.column: first[0]} if first else {}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        upgrade, downgrade = _flag(row, self.spec.upgrade), _flag(row, self.spec.downgrade)
        if upgrade and downgrade:
            self.ctx.quirks.add(
                "upgrade_and_downgrade",
                f"{self.file} rows flagged both {self.spec.upgrade} and {self.spec.downgrade}",
                "contract kind set to upgrade",
            )
        if upgrade:
            return {self.spec.column: ContractKind.UPGRADE}
        if downgrade:
            return {self.spec.column: ContractKind.DOWNGRADE}
        if _flag(row, self.spec.expansion):
            return {self.spec.column: ContractKind.EXPANSION}
        meta["kind_pending"] = True
        if self.spec.product is not None:
            meta["product"] = row.get(self.spec.product)
        return {self.spec.column: None}

    @override
    def finish(self, records: list[Record], as_of: date) -> None:
        first: dict[str, tuple[date, str]] = {}
        first_of_product: dict[tuple[str, str | None], tuple[date, str]] = {}
        for record in records:
            values = record.values
            candidate = (values["start_date"], values["id"])
            known = first.get(values["account_id"])
            if known is None or candidate < known:
                first[values["account_id"]] = candidate
            if self.spec.product is not None:
                bought = (values["account_id"], record.meta.get("product"))
                if bought not in first_of_product or candidate < first_of_product[bought]:
                    first_of_product[bought] = candidate
        for record in records:
            product = record.meta.pop("product", None)
            if record.meta.pop("kind_pending", False):
                values = record.values
                candidate = (values["start_date"], values["id"])
                if first[values["account_id"]] == candidate:
                    values[self.spec.column] = ContractKind.NEW
                elif self.spec.product is not None and first_of_product[(values["account_id"], product)] == candidate:
                    values[self.spec.column] = ContractKind.EXPANSION  # the account's first purchase of this product
                else:
                    values[self.spec.column] = ContractKind.RENEWAL


class ContractStatusExec(Executor):
    """Active until the end date has passed on the as-of date, then expired; churned without an end: cancelled."""

    def __init__(self, spec: ContractStatusTransform, ctx: TransformContext, file: str) -> None:
        self.spec, self.ctx, self.file = spec, ctx, file

    @override
    def source_columns(self) -> list[str]:
        return [c for c in (self.spec.end_date, self.spec.churned) if c]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.spec.end_date or self.spec.churned or "end_date"}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        churned = _flag(row, self.spec.churned)
        meta["churned"] = churned
        if self.spec.end_date is None:
            meta["status_pending"] = True  # from the contract's own end_date, once it is derived
            return {self.spec.column: None}
        end = row.get(self.spec.end_date)
        if end is not None:
            meta["end_date"] = _parse(self.spec.end_date, end, to_date)
            return {self.spec.column: None}
        return {self.spec.column: self._open(churned)}

    def _open(self, churned: bool) -> ContractStatus:
        if churned:
            self.ctx.quirks.add(
                "churned_without_end_date",
                f"{self.file} rows flagged {self.spec.churned} with no {self.spec.end_date or 'end_date'}",
                "contract status set to cancelled (it does not count towards ARR)",
            )
            return ContractStatus.CANCELLED
        return ContractStatus.ACTIVE

    @override
    def finish(self, records: list[Record], as_of: date) -> None:
        for record in records:
            end = record.meta.pop("end_date", None)
            if record.meta.pop("status_pending", False):
                end = record.values.get("end_date")
                if end is None:
                    record.values[self.spec.column] = self._open(bool(record.meta.get("churned")))
                    continue
            if end is not None:
                record.values[self.spec.column] = ContractStatus.EXPIRED if end < as_of else ContractStatus.ACTIVE


class LinePrice(Executor):
    """Quantity and annual unit price whose product is exactly the amount."""

    def __init__(self, spec: LinePriceTransform, ctx: TransformContext, file: str) -> None:
        self.spec, self.ctx, self.file = spec, ctx, file

    @override
    def source_columns(self) -> list[str]:
        return [self.spec.amount, self.spec.quantity]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.price_column: self.spec.amount, self.spec.quantity_column: self.spec.quantity}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        raw_amount, raw_quantity = row.get(self.spec.amount), row.get(self.spec.quantity)
        if raw_amount is None or raw_quantity is None:
            return {self.spec.quantity_column: raw_quantity, self.spec.price_column: raw_amount}
        amount: Decimal = _parse(self.spec.amount, raw_amount, to_money)
        quantity: int = _parse(self.spec.quantity, raw_quantity, to_count)
        if quantity > 0:
            unit = (amount / quantity).quantize(CENT)
            if unit * quantity == amount:
                return {self.spec.quantity_column: quantity, self.spec.price_column: unit}
        self.ctx.quirks.add(
            "flat_line_price",
            f"{self.file} rows whose {self.spec.amount} does not divide exactly by {self.spec.quantity}",
            "stored as one flat line (quantity 1, unit_price = the amount) so ARR stays exact",
        )
        return {self.spec.quantity_column: 1, self.spec.price_column: amount}


class Lookup(Executor):
    """A value from another file of the folder, matched by key; optionally counts rows outside a date window."""

    def __init__(self, spec: LookupTransform, ctx: TransformContext, file: str) -> None:
        self.spec, self.ctx, self.file = spec, ctx, file
        self.match = spec.match or spec.key
        window = spec.window
        self.wanted = (spec.take, *((window.start, window.end or "") if window else ()))
        self.index: dict[str, tuple[str, ...]] | None = None

    @override
    def source_columns(self) -> list[str]:
        return [self.spec.key, *([self.spec.window.date] if self.spec.window else [])]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.spec.key}

    @override
    def prepare(self) -> str | None:
        cache_key = (self.spec.file, self.match, self.wanted)
        if cache_key not in self.ctx.lookups:
            path = self.ctx.directory / self.spec.file
            if not path.is_file():
                return f"lookup file {self.spec.file} is not in the folder"
            header = read_header(path)
            missing = [c for c in (self.match, *self.wanted) if c and c not in header]
            if missing:
                return f"lookup file {self.spec.file} has no column {missing[0]} (columns found: {', '.join(header)})"
            positions = [header.index(self.match), *(header.index(c) if c else -1 for c in self.wanted)]
            index: dict[str, tuple[str, ...]] = {}
            for record in read_records(path):
                cells = record.cells + [""] * (len(header) - len(record.cells))
                index.setdefault(cells[positions[0]], tuple(cells[p] if p >= 0 else "" for p in positions[1:]))
            self.ctx.lookups[cache_key] = index
        self.index = self.ctx.lookups[cache_key]
        return None

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        assert self.index is not None, "prepare() first"
        key = row.get(self.spec.key)
        if key is None:
            return {self.spec.column: None}
        found = self.index.get(key)
        if found is None:
            label = self.spec.window.label if self.spec.window else self.match
            raise TransformError(self.spec.key, key, f"unknown {label}: no {self.match} '{key}' in {self.spec.file}")
        if self.spec.window is not None:
            self._check_window(row, found)
        return {self.spec.column: found[0] or None}

    def _check_window(self, row: SourceRow, found: tuple[str, ...]) -> None:
        window = self.spec.window
        assert window is not None
        raw = row.get(window.date)
        if raw is None or not found[1]:
            return
        day = _parse(window.date, raw, to_datetime).date()
        if day < date.fromisoformat(found[1][:10]):
            self.ctx.quirks.add(
                f"before_{window.label}_start",
                f"{self.file} rows whose {window.date} is before their {window.label}'s {window.start}",
                f"kept and attributed to the {window.label}'s account",
            )
        elif window.end and found[2] and day > date.fromisoformat(found[2][:10]):
            self.ctx.quirks.add(
                f"after_{window.label}_end",
                f"{self.file} rows whose {window.date} is after their {window.label}'s {window.end}",
                f"kept and attributed to the {window.label}'s account",
            )


class DateOffset(Executor):
    """A date (a column, or the --snapshot-date) plus or minus months (clamped to month end) or days from a column."""

    def __init__(self, spec: DateOffsetTransform, ctx: TransformContext) -> None:
        self.spec, self.ctx = spec, ctx
        self.amount = spec.months or spec.days or ""

    @override
    def source_columns(self) -> list[str]:
        return [c for c in (self.amount, self.spec.date) if c]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.amount}  # the count (tenure, term) is what is usually left blank

    @override
    def prepare(self) -> str | None:
        if self.spec.snapshot and self.ctx.snapshot is None:
            return (
                f"date_offset of {self.spec.column} counts from the snapshot date, which was not given:"
                " run the import with --snapshot-date YYYY-MM-DD (the date the export was taken)"
            )
        return None

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        raw = row.get(self.amount)
        if self.spec.snapshot:
            base: date | None = self.ctx.snapshot
        else:
            assert self.spec.date is not None
            value = row.get(self.spec.date)
            base = None if value is None else _parse(self.spec.date, value, to_datetime).date()
        if raw is None or base is None:
            return {self.spec.column: None}
        amount: int = _parse(self.amount, raw, to_int)
        if self.spec.subtract:
            amount = -amount
        try:
            day = add_months(base, amount) if self.spec.months else add_days(base, amount)
        except OverflowError:
            unit = "months" if self.spec.months else "days"
            raise TransformError(self.amount, raw, f"takes {base.isoformat()} outside the calendar ({unit})") from None
        return {self.spec.column: day}


class KeyDate(Executor):
    """The first or last date of another file's rows with the same key (rows failing its `where` left out)."""

    def __init__(self, spec: KeyDateTransform, ctx: TransformContext) -> None:
        self.spec, self.ctx = spec, ctx
        self.match = spec.match or spec.key
        self.index: dict[str, date] = {}

    @override
    def source_columns(self) -> list[str]:
        return [self.spec.key]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.spec.key}

    @override
    def prepare(self) -> str | None:
        spec = self.spec
        path = self.ctx.directory / spec.file
        if not path.is_file():
            return f"key_date file {spec.file} is not in the folder"
        header = read_header(path)
        condition = parse_filter(spec.where) if spec.where else None
        wanted = [self.match, spec.date, *(condition.columns() if condition else [])]
        missing = [c for c in wanted if c not in header]
        if missing:
            return f"key_date file {spec.file} has no column {missing[0]} (columns found: {', '.join(header)})"
        key_at, date_at = header.index(self.match), header.index(spec.date)
        later = spec.pick == "last"
        for record in read_records(path):
            cells = record.cells + [""] * (len(header) - len(record.cells))
            other = {name: (cell or None) for name, cell in zip(header, cells, strict=False)}
            try:
                if condition is not None and not condition.holds(other):
                    continue
            except FilterError as exc:
                return f"{spec.file} line {record.line}, column {exc.column}, value '{exc.value}': {exc.rule}"
            key, raw = cells[key_at], cells[date_at]
            if not key or not raw:
                continue
            try:
                day = to_datetime(raw).date()
            except PydanticCustomError as exc:
                return f"{spec.file} line {record.line}, column {spec.date}, value '{raw}': {exc.message()}"
            known = self.index.get(key)
            if known is None or (day > known if later else day < known):
                self.index[key] = day
        return None

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        key = row.get(self.spec.key)
        return {self.spec.column: None if key is None else self.index.get(key)}


def build_executor(spec: Any, ctx: TransformContext, file: str) -> Executor:
    """The executor for one transform declared in a mapping."""
    if isinstance(spec, TemplateTransform):
        return Template(spec)
    if isinstance(spec, MrrToArrTransform):
        return MrrToArr(spec)
    if isinstance(spec, DatePartTransform):
        return DatePart(spec)
    if isinstance(spec, ContractKindTransform):
        return ContractKindExec(spec, ctx, file)
    if isinstance(spec, ContractStatusTransform):
        return ContractStatusExec(spec, ctx, file)
    if isinstance(spec, LinePriceTransform):
        return LinePrice(spec, ctx, file)
    if isinstance(spec, LookupTransform):
        return Lookup(spec, ctx, file)
    if isinstance(spec, DateOffsetTransform):
        return DateOffset(spec, ctx)
    if isinstance(spec, KeyDateTransform):
        return KeyDate(spec, ctx)
    raise TypeError(f"unknown transform {spec!r}")
