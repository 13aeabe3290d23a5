"""Checks across rows and against the store: duplicate keys, unique names and foreign keys.

A reference is satisfied by a row of the import (any file feeding the target entity) or by a row already in the
store; the store is only read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.importer.entities import BY_NAME
from account_intel.importer.issues import Issues
from account_intel.importer.sources import SourceResult
from account_intel.importer.transforms import Record

CHUNK = 500
SINGULAR = {
    "accounts": "account",
    "users": "user",
    "departments": "department",
    "geographies": "geography",
    "products": "product",
    "features": "feature",
    "contracts": "contract",
    "contacts": "contact",
}
Located = tuple[SourceResult, Record]


def located(results: Iterable[SourceResult]) -> Iterator[Located]:
    """Every record with the source it came from."""
    for result in results:
        for record in result.records:
            yield result, record


def _where(result: SourceResult, record: Record) -> str:
    return f"{result.label} {'item' if result.inline else 'line'} {record.line}"


def _shown(values: tuple[Any, ...]) -> str:
    return " / ".join(str(v) for v in values)


def check_keys(by_entity: dict[str, list[SourceResult]], issues: Issues) -> dict[str, dict[tuple[Any, ...], Located]]:
    """Refuse two rows with the same key or the same unique name; return each entity's rows by key."""
    keyed: dict[str, dict[tuple[Any, ...], Located]] = {}
    for name, results in by_entity.items():
        spec = BY_NAME[name]
        rows: dict[tuple[Any, ...], Located] = {}
        uniques: list[dict[tuple[Any, ...], Located]] = [{} for _ in spec.unique]
        for result, record in located(results):
            key = tuple(record.values[c] for c in spec.key)
            first = rows.get(key)
            if first is not None:
                label = "id" if spec.key == ("id",) else f"({', '.join(spec.key)})"
                column = spec.key[0] if len(spec.key) == 1 else None
                rule = f"duplicate {label} (first on {_where(*first)})"
                issues.add(result.issue(record.line, column, _shown(key), rule))
                continue
            rows[key] = (result, record)
            for columns, seen in zip(spec.unique, uniques, strict=True):
                if not all(c in record.values for c in columns):
                    continue
                natural = tuple(record.values[c] for c in columns)
                other = seen.setdefault(natural, (result, record))
                if other[1] is not record:
                    rule = f"duplicate {', '.join(columns)}: also used by {other[1].values['id']} ({_where(*other)})"
                    issues.add(result.issue(record.line, columns[-1], _shown(natural), rule))
        keyed[name] = rows
    return keyed


def check_unique_in_store(session: Session, by_entity: dict[str, list[SourceResult]], issues: Issues) -> None:
    """Refuse a unique name (product name, user email, department per account) that another id holds in the store."""
    for name, results in by_entity.items():
        spec = BY_NAME[name]
        for columns in spec.unique:
            wanted: dict[tuple[Any, ...], Located] = {}
            for result, record in located(results):
                if all(c in record.values for c in columns):
                    wanted[tuple(record.values[c] for c in columns)] = (result, record)
            table = spec.table
            cols = [table.c[c] for c in columns]
            for chunk in _chunks(sorted({natural[0] for natural in wanted})):
                for row in session.execute(select(table.c.id, *cols).where(cols[0].in_(chunk))):
                    natural = tuple(row[1:])
                    if natural not in wanted:
                        continue
                    result, record = wanted[natural]
                    if row[0] != record.values["id"]:
                        rule = f"already used by {SINGULAR.get(name, name)} '{row[0]}' in the store"
                        issues.add(result.issue(record.line, columns[-1], _shown(natural), rule))


def check_references(
    session: Session,
    by_entity: dict[str, list[SourceResult]],
    keyed: dict[str, dict[tuple[Any, ...], Located]],
    issues: Issues,
    *,
    unreadable: Collection[str] = (),
) -> None:
    """Every foreign key points at a row of the import or the store; a line shares its contract's account."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    for name, results in by_entity.items():
        for column, target in BY_NAME[name].references.items():
            imported = keyed.get(target, {})
            for _, record in located(results):
                value = record.values.get(column)
                if value is not None and (value,) not in imported:
                    wanted[target].add(value)
    in_store = {target: _existing_ids(session, target, values) for target, values in wanted.items()}
    for name, results in by_entity.items():
        for column, target in BY_NAME[name].references.items():
            if target in unreadable:
                continue  # its file could not be read at all: that error is reported, not one per reference
            imported = keyed.get(target, {})
            refused = {key for r in by_entity.get(target, []) for key in r.failed_keys}
            filtered = {key: r for r in by_entity.get(target, []) for key in r.filtered_keys}
            files = sorted({r.label for r in by_entity.get(target, [])})
            where = f"not in {', '.join(files)} nor in the store" if files else "not in the store"
            for result, record in located(results):
                value = record.values.get(column)
                if value is None or (value,) in imported or value in refused:
                    continue  # a refused row has its own error
                if value not in in_store.get(target, set()):
                    rule = f"unknown {SINGULAR.get(target, target)}: {where}"
                    dropped = filtered.get(value)
                    if dropped is not None:
                        rule = (
                            f"unknown {SINGULAR.get(target, target)}: its row in {dropped.label} was left out by the"
                            f" mapping's where ({dropped.source.where}); filter {result.label} -> {name} the same way"
                        )
                    issues.add(result.issue(record.line, column, value, rule))
    _check_line_accounts(session, by_entity, keyed, issues)


def _check_line_accounts(
    session: Session,
    by_entity: dict[str, list[SourceResult]],
    keyed: dict[str, dict[tuple[Any, ...], Located]],
    issues: Issues,
) -> None:
    lines = list(located(by_entity.get("contract_lines", [])))
    if not lines:
        return
    contracts = {key[0]: record.values["account_id"] for key, (_, record) in keyed.get("contracts", {}).items()}
    missing = {r.values["contract_id"] for _, r in lines} - set(contracts)
    table = BY_NAME["contracts"].table
    for chunk in _chunks(sorted(missing)):
        stmt = select(table.c.id, table.c.account_id).where(table.c.id.in_(chunk))
        contracts.update({contract_id: account_id for contract_id, account_id in session.execute(stmt)})
    for result, record in lines:
        owner = contracts.get(record.values["contract_id"])
        if owner is not None and owner != record.values["account_id"]:
            rule = f"must be the account of contract {record.values['contract_id']} ({owner})"
            issues.add(result.issue(record.line, "account_id", record.values["account_id"], rule))


def existing_keys(session: Session, entity: str, keys: Iterable[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Which of these keys already exist in the entity's table (to tell created from updated)."""
    spec = BY_NAME[entity]
    cols = [spec.table.c[c] for c in spec.key]
    found: set[tuple[Any, ...]] = set()
    wanted = set(keys)
    for chunk in _chunks(sorted({key[0] for key in wanted})):
        for row in session.execute(select(*cols).where(cols[0].in_(chunk))):
            if tuple(row) in wanted:
                found.add(tuple(row))
    return found


def _existing_ids(session: Session, entity: str, values: set[Any]) -> set[Any]:
    return {key[0] for key in existing_keys(session, entity, [(v,) for v in values])}


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
