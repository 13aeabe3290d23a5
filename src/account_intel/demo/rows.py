"""Rows of one or more accounts, grouped by table, each row carrying every column the loader writes.

Core executemany needs the same keys in every row of a batch, so each table has a template of its
insertable columns (Python-side defaults filled in) and `Bundle.add` starts every row from it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table

from account_intel.store import models  # noqa: F401  (registers every table)
from account_intel.store.base import Base

Row = dict[str, Any]


def _template(table: Table) -> Row:
    template: Row = {}
    for column in table.columns:
        if column.primary_key and column.autoincrement is True:
            continue
        default = column.default
        if default is None:
            template[column.name] = None
        elif default.is_scalar:  # type: ignore[attr-defined]
            template[column.name] = default.arg  # type: ignore[attr-defined]
        else:
            template[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return template


TEMPLATES: dict[str, Row] = {name: _template(table) for name, table in Base.metadata.tables.items()}
INSERT_ORDER: list[str] = [table.name for table in Base.metadata.sorted_tables]


def has_table(table: str) -> bool:
    """Whether the store's schema (as this code knows it) has `table`."""
    return table in TEMPLATES


def known_columns(table: str, **values: Any) -> Row:
    """The subset of `values` that are columns of `table` (for columns added by later migrations)."""
    return {key: value for key, value in values.items() if key in TEMPLATES.get(table, {})}


class Bundle:
    """Rows grouped by table name; several bundles merge into one batch for the loader."""

    def __init__(self) -> None:
        self.rows: defaultdict[str, list[Row]] = defaultdict(list)

    def add(self, table: str, **values: Any) -> Row:
        """Add a row to `table`, starting from the table's template; return it."""
        unknown = values.keys() - TEMPLATES[table].keys()
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        row = {**TEMPLATES[table], **values}
        self.rows[table].append(row)
        return row

    def extend(self, other: Bundle) -> None:
        """Append every row of `other`."""
        for table, rows in other.rows.items():
            self.rows[table].extend(rows)

    def count(self) -> int:
        """How many rows the bundle holds."""
        return sum(len(rows) for rows in self.rows.values())

    def in_insert_order(self) -> list[tuple[str, list[Row]]]:
        """Tables with rows, parents before children (foreign keys are checked on insert)."""
        return [(name, self.rows[name]) for name in INSERT_ORDER if self.rows.get(name)]
