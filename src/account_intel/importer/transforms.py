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
from account_intel.importer.issues import QuirkLog
from account_intel.importer.mapping import (
    ContractKindTransform,
    ContractStatusTransform,
    DatePartTransform,
    LinePriceTransform,
    LookupTransform,
    MrrToArrTransform,
    TemplateTransform,
)
from account_intel.importer.reader import read_header, read_records
from account_intel.importer.values import CENT, to_bool, to_count, to_date, to_datetime, to_money

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
        return [c for c in (self.spec.upgrade, self.spec.downgrade, self.spec.expansion) if c]

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
        return {self.spec.column: None}

    @override
    def finish(self, records: list[Record], as_of: date) -> None:
        first: dict[str, tuple[date, str]] = {}
        for record in records:
            values = record.values
            candidate = (values["start_date"], values["id"])
            known = first.get(values["account_id"])
            if known is None or candidate < known:
                first[values["account_id"]] = candidate
        for record in records:
            if record.meta.pop("kind_pending", False):
                values = record.values
                is_first = first[values["account_id"]] == (values["start_date"], values["id"])
                values[self.spec.column] = ContractKind.NEW if is_first else ContractKind.RENEWAL


class ContractStatusExec(Executor):
    """Active until the end date has passed on the as-of date, then expired; churned without an end: cancelled."""

    def __init__(self, spec: ContractStatusTransform, ctx: TransformContext, file: str) -> None:
        self.spec, self.ctx, self.file = spec, ctx, file

    @override
    def source_columns(self) -> list[str]:
        return [c for c in (self.spec.end_date, self.spec.churned) if c]

    @override
    def origins(self) -> dict[str, str]:
        return {self.spec.column: self.spec.end_date}

    @override
    def apply(self, row: SourceRow, meta: dict[str, Any]) -> dict[str, Any]:
        churned = _flag(row, self.spec.churned)
        meta["churned"] = churned
        end = row.get(self.spec.end_date)
        if end is not None:
            meta["end_date"] = _parse(self.spec.end_date, end, to_date)
            return {self.spec.column: None}
        if churned:
            self.ctx.quirks.add(
                "churned_without_end_date",
                f"{self.file} rows flagged {self.spec.churned} with no {self.spec.end_date}",
                "contract status set to cancelled (it does not count towards ARR)",
            )
            return {self.spec.column: ContractStatus.CANCELLED}
        return {self.spec.column: ContractStatus.ACTIVE}

    @override
    def finish(self, records: list[Record], as_of: date) -> None:
        for record in records:
            end = record.meta.pop("end_date", None)
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
    raise TypeError(f"unknown transform {spec!r}")
