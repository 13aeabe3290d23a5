"""Segment filters: a parsed segment expression compiled to row predicates and vectorised numpy masks.

The language is described in `segment_syntax` (grammar) and parsed by `segment_parser`; this module evaluates it.

Null semantics (two-valued logic): a comparison with a missing value (None, NaN, NaT or an absent key) is false,
`!=` and `not in` included; `field == null` / `field != null` test for presence. `not` negates the result, so
`not (nps >= 50)` also keeps accounts without an NPS.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import numpy as np

from account_intel.analytics.segments.parser import parse_expression
from account_intel.analytics.segments.syntax import (
    BoolOp,
    FieldSpec,
    FieldType,
    InList,
    Node,
    Not,
    SegmentExpressionError,
    fields_of,
    render,
)
from account_intel.domain.enums import AccountStatus, Segment, Tier

__all__ = [
    "DEFAULT_PORTFOLIO_FIELDS",
    "MAX_EXPRESSION_CHARS",
    "FieldSpec",
    "FieldType",
    "SegmentExpressionError",
    "SegmentFilter",
    "compile_segment",
]

MAX_EXPRESSION_CHARS = 4000


def _spec(
    kind: FieldType, description: str, *, values: tuple[str, ...] | None = None, fraction: bool = False
) -> FieldSpec:
    return FieldSpec(type=kind, description=description, values=values, fraction=fraction)


_N, _S, _B, _D = FieldType.NUMBER, FieldType.STRING, FieldType.BOOL, FieldType.DATE
DEFAULT_PORTFOLIO_FIELDS: Mapping[str, FieldSpec] = MappingProxyType(
    {
        "arr": _spec(_N, "Annual recurring revenue in account currency."),
        "health": _spec(_N, "Health score, 0-100."),
        "band": _spec(_S, "Health band.", values=("Green", "Yellow", "Red")),
        "tier": _spec(_S, "Account tier by ARR.", values=tuple(Tier)),
        "segment": _spec(_S, "Customer segment.", values=tuple(Segment)),
        "industry": _spec(_S, "Industry of the customer."),
        "region": _spec(_S, "Sales region."),
        "status": _spec(_S, "Account lifecycle status.", values=tuple(AccountStatus)),
        "feature_adoption": _spec(_N, "Share of available features in use, 0-1.", fraction=True),
        "seat_utilisation": _spec(_N, "Active seats over licensed seats, 0-1.", fraction=True),
        "nps": _spec(_N, "Latest NPS answer, -100-100 or 0-10 by source; may be null."),
        "days_to_renewal": _spec(_N, "Days from the as-of date to the renewal date."),
        "days_to_qbr": _spec(_N, "Days from the as-of date to the next QBR."),
        "renewal_date": _spec(_D, "Renewal date of the contract in force."),
        "propensity": _spec(_N, "Expansion propensity score, 0-100."),
        "potential": _spec(_N, "Total expansion potential (ARR)."),
        "expected_value": _spec(_N, "Potential weighted by close probability (ARR)."),
        "champion_active": _spec(_B, "A champion contact is active."),
        "active_contacts": _spec(_N, "Number of active contacts."),
        "owner": _spec(_S, "Id of the owning AE."),
    }
)


# --- row predicates ------------------------------------------------------------------------------------------------

Row = Mapping[str, Any]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _as_date(x: Any) -> Any:
    if isinstance(x, datetime):
        return x.date()
    return date.fromisoformat(x) if isinstance(x, str) else x


def _predicate(node: Node) -> Callable[[Row], bool]:
    if isinstance(node, BoolOp):
        parts = tuple(_predicate(c) for c in node.children)
        if len(parts) == 2:
            a, b = parts
            return (lambda r: a(r) and b(r)) if node.op == "and" else (lambda r: a(r) or b(r))
        if len(parts) == 3:
            a, b, c = parts
            return (lambda r: a(r) and b(r) and c(r)) if node.op == "and" else (lambda r: a(r) or b(r) or c(r))
        combine = all if node.op == "and" else any
        return lambda r: combine(p(r) for p in parts)
    if isinstance(node, Not):
        inner = _predicate(node.child)
        return lambda r: not inner(r)
    name = node.field
    if isinstance(node, InList):
        members, negated = frozenset(node.values), node.negated
        if node.type is FieldType.DATE:
            return lambda r: (x := _as_date(r.get(name))) is not None and ((x in members) != negated)
        return lambda r: (x := r.get(name)) is not None and x == x and ((x in members) != negated)
    v, cmp = node.value, _OPS[node.op]
    if v is None:
        present = node.op == "!="
        return lambda r: ((x := r.get(name)) is not None and x == x) == present
    if node.type is FieldType.DATE:
        return lambda r: (x := _as_date(r.get(name))) is not None and cmp(x, v)
    if node.op == "==":
        return lambda r: r.get(name) == v
    if node.op == ">=":
        return lambda r: (x := r.get(name)) is not None and x == x and x >= v
    if node.op == "<":
        return lambda r: (x := r.get(name)) is not None and x == x and x < v
    return lambda r: (x := r.get(name)) is not None and x == x and cmp(x, v)


# --- numpy masks ---------------------------------------------------------------------------------------------------

_is_missing = np.frompyfunc(lambda x: x is None or x != x, 1, 1)


def _coerce(kind: FieldType, raw: Any) -> np.ndarray:
    if kind is FieldType.NUMBER:
        return np.asarray(raw, dtype=np.float64)
    if kind is FieldType.DATE:
        return np.asarray(raw, dtype="datetime64[D]")
    arr = np.asarray(raw)
    if (kind is FieldType.BOOL and arr.dtype == np.bool_) or (kind is FieldType.STRING and arr.dtype.kind == "U"):
        return arr
    return np.asarray(raw, dtype=object)


def _null(col: np.ndarray) -> np.ndarray:
    if col.dtype.kind == "f":
        return np.isnan(col)
    if col.dtype.kind == "M":
        return np.isnat(col)
    if col.dtype == object:
        return _is_missing(col).astype(bool)
    return np.zeros(col.shape, dtype=bool)


def _mask(node: Node) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    if isinstance(node, BoolOp):
        parts = tuple(_mask(c) for c in node.children)
        reduce = np.logical_and.reduce if node.op == "and" else np.logical_or.reduce
        return lambda cols: reduce([p(cols) for p in parts])
    if isinstance(node, Not):
        inner = _mask(node.child)
        return lambda cols: ~inner(cols)
    name = node.field

    def literal(v: Any) -> Any:
        return np.datetime64(v, "D") if node.type is FieldType.DATE else v

    if isinstance(node, InList):
        values = [literal(v) for v in node.values]

        def member(cols: Mapping[str, np.ndarray]) -> np.ndarray:
            col = cols[name]
            hit = np.logical_or.reduce([np.asarray(col == v, dtype=bool) for v in values])
            return (~hit & ~_null(col)) if node.negated else hit

        return member
    if node.value is None:
        return (lambda cols: ~_null(cols[name])) if node.op == "!=" else (lambda cols: _null(cols[name]))
    v, cmp = literal(node.value), _OPS[node.op]

    def compare(cols: Mapping[str, np.ndarray]) -> np.ndarray:
        col = cols[name]
        return np.asarray(cmp(col, v), dtype=bool) & ~_null(col)

    return compare


# --- public surface ------------------------------------------------------------------------------------------------


class SegmentFilter:
    """A compiled segment expression: `predicate(row)` per mapping, `mask(columns)` over numpy column arrays."""

    __slots__ = ("_mask_fn", "_tree", "expression", "field_types", "predicate")

    def __init__(self, expression: str, tree: Node, fields: Mapping[str, FieldSpec]) -> None:
        self.expression = expression
        self._tree = tree
        used = dict.fromkeys(fields_of(tree))
        self.field_types: Mapping[str, FieldType] = MappingProxyType({f: fields[f].type for f in used})
        self.predicate: Callable[[Row], bool] = _predicate(tree)
        self._mask_fn = _mask(tree)

    def mask(self, columns: Mapping[str, Any]) -> np.ndarray:
        """Boolean mask over equally long columns (arrays or sequences) holding every field the expression names."""
        missing = [f for f in self.field_types if f not in columns]
        if missing:
            raise KeyError(f"segment mask needs column(s) {', '.join(missing)}")
        cols = {f: _coerce(kind, columns[f]) for f, kind in self.field_types.items()}
        lengths = {len(c) for c in cols.values()}
        if len(lengths) > 1:
            raise ValueError(f"segment mask columns differ in length: {sorted(lengths)}")
        return np.asarray(self._mask_fn(cols), dtype=bool)

    def select(self, rows: Iterable[Row]) -> list[Row]:
        """The rows the expression keeps, in order."""
        keep = self.predicate
        return [row for row in rows if keep(row)]

    def describe(self) -> str:
        """The expression printed back normalised: canonical keywords, spacing, quotes and minimal parentheses."""
        return render(self._tree)

    def __repr__(self) -> str:
        return f"SegmentFilter({self.describe()!r})"


def compile_segment(expression: str, fields: Mapping[str, FieldSpec] = DEFAULT_PORTFOLIO_FIELDS) -> SegmentFilter:
    """Parse and type-check a segment expression against the declared fields; raise SegmentExpressionError."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise SegmentExpressionError(
            f"expression longer than {MAX_EXPRESSION_CHARS} characters",
            expression=expression[:80],
            position=0,
            length=1,
        )
    return SegmentFilter(expression, parse_expression(expression, fields), fields)
