"""Row filters of a mapping (`where: stage == "Won"`): a small expression language, parsed, never evaluated by eval.

    condition  := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" condition ")" | comparison
    comparison := column ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
                | column ["not"] "in" "[" literal ("," literal)* "]"
                | column "is" ["not"] "blank"
    column     := a bare name (letters, digits, _) or a name in backticks
    literal    := "text" | 'text' | a number (compared as a number)

Cells are compared as written in the source file (before value maps); text comparison is exact. A blank cell equals
nothing, differs from everything and is neither less nor greater than anything; use `is blank` to test for it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pydantic_core import PydanticCustomError

from account_intel.importer.values import parse_number

SourceRow = dict[str, str | None]
_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"[^"]*"|'[^']*')|(?P<number>-?[0-9]+(?:\.[0-9]+)?)(?![A-Za-z_0-9])|(?P<op>==|!=|<=|>=|<|>)"""
    r"""|(?P<punct>[()\[\],])|(?P<quoted>`[^`]+`)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"""
)
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "blank"})
_ORDER: dict[str, Callable[[object, object], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class FilterSyntaxError(ValueError):
    """A `where` that cannot be parsed: names the mapping field and the bad token."""


class FilterError(Exception):
    """A cell a filter cannot compare (text where the filter has a number): names the column and value."""

    def __init__(self, column: str, value: str, rule: str) -> None:
        super().__init__(rule)
        self.column, self.value, self.rule = column, value, rule


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


Literal = str | Decimal


class Condition:
    """A parsed condition: `holds(row)` on a source row, `columns()` it reads."""

    def holds(self, row: SourceRow) -> bool:
        """Whether the row passes."""
        raise NotImplementedError

    def columns(self) -> list[str]:
        """Source columns the condition reads."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Compare(Condition):
    column: str
    op: str
    literals: tuple[Literal, ...]

    def columns(self) -> list[str]:
        return [self.column]

    def _value(self, cell: str, literal: Literal) -> Literal:
        if isinstance(literal, Decimal):
            try:
                return parse_number(cell, "number", "must be a number")
            except PydanticCustomError:
                rule = f"must be a number: the mapping's where compares {self.column} with {literal}"
                raise FilterError(self.column, cell, rule) from None
        return cell

    def holds(self, row: SourceRow) -> bool:
        cell = row.get(self.column)
        if self.op == "blank":
            return cell is None
        if self.op == "not blank":
            return cell is not None
        if cell is None:
            return self.op in ("!=", "not in")
        if self.op in ("==", "in"):
            return any(self._value(cell, lit) == lit for lit in self.literals)
        if self.op in ("!=", "not in"):
            return all(self._value(cell, lit) != lit for lit in self.literals)
        literal = self.literals[0]
        return _ORDER[self.op](self._value(cell, literal), literal)


@dataclass(frozen=True)
class _Not(Condition):
    inner: Condition

    def columns(self) -> list[str]:
        return self.inner.columns()

    def holds(self, row: SourceRow) -> bool:
        return not self.inner.holds(row)


@dataclass(frozen=True)
class _Both(Condition):
    parts: tuple[Condition, ...]
    any_of: bool

    def columns(self) -> list[str]:
        return [c for part in self.parts for c in part.columns()]

    def holds(self, row: SourceRow) -> bool:
        results = (part.holds(row) for part in self.parts)
        return any(results) if self.any_of else all(results)


def _tokens(text: str, field: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            start = len(text) - len(text[position:].lstrip())
            bad = text[start:].split()[0] if text[start:].split() else text[start:]
            raise FilterSyntaxError(_problem(field, text, bad, start, "is not a column, value or operator"))
        kind = match.lastgroup or ""
        start = match.start(kind)
        token = match.group(kind)
        if (kind == "word" and token in KEYWORDS) or kind == "punct":
            kind = token
        tokens.append(_Token(kind, token, start))
        position = match.end()
    return tokens


def _problem(field: str, text: str, token: str, position: int, why: str) -> str:
    return (
        f"{field} `{text}`: bad token '{token}' at character {position + 1}, which {why}"
        ' (write a condition like stage == "Won", amount >= 100, region in ["EU", "US"], or churn_date is blank)'
    )


class _Parser:
    def __init__(self, text: str, field: str) -> None:
        self.text, self.field = text, field
        self.tokens = _tokens(text, field)
        self.at = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _fail(self, why: str) -> FilterSyntaxError:
        token = self._peek()
        if token is None:
            return FilterSyntaxError(f"{self.field} `{self.text}`: ends too early, {why}")
        return FilterSyntaxError(_problem(self.field, self.text, token.text, token.position, why))

    def _take(self, *kinds: str) -> _Token | None:
        token = self._peek()
        if token is not None and token.kind in kinds:
            self.at += 1
            return token
        return None

    def _expect(self, kind: str, why: str) -> _Token:
        token = self._take(kind)
        if token is None:
            raise self._fail(why)
        return token

    def parse(self) -> Condition:
        if not self.tokens:
            raise FilterSyntaxError(f'{self.field}: is empty; write a condition such as stage == "Won"')
        condition = self._or()
        if self._peek() is not None:
            raise self._fail("was not expected here (join conditions with and / or)")
        return condition

    def _or(self) -> Condition:
        parts = [self._and()]
        while self._take("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _Both(tuple(parts), any_of=True)

    def _and(self) -> Condition:
        parts = [self._factor()]
        while self._take("and"):
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else _Both(tuple(parts), any_of=False)

    def _factor(self) -> Condition:
        if self._take("not"):
            return _Not(self._factor())
        if self._take("("):
            inner = self._or()
            self._expect(")", "should be a closing ')'")
            return inner
        return self._comparison()

    def _literal(self) -> Literal:
        token = self._take("string", "number")
        if token is None:
            raise self._fail('should be a value: "text" in quotes or a number')
        return Decimal(token.text) if token.kind == "number" else token.text[1:-1]

    def _comparison(self) -> Condition:
        token = self._take("word", "quoted")
        if token is None:
            raise self._fail("should be a column name (a name with spaces goes in `backticks`)")
        column = token.text[1:-1] if token.kind == "quoted" else token.text
        if self._take("is"):
            negated = self._take("not") is not None
            self._expect("blank", "should be 'blank' (is blank / is not blank)")
            return _Compare(column, "not blank" if negated else "blank", ())
        negated = self._take("not") is not None
        if negated or self._take("in"):
            if negated:
                self._expect("in", "should be 'in' (not in [...])")
            self._expect("[", "should be '[' opening the list of values")
            values = [self._literal()]
            while self._take(","):
                values.append(self._literal())
            self._expect("]", "should be ']' closing the list of values")
            return _Compare(column, "not in" if negated else "in", tuple(values))
        op = self._take("op")
        if op is None:
            raise self._fail("should be an operator: ==, !=, <, <=, >, >=, in, not in, is blank")
        return _Compare(column, op.text, (self._literal(),))


def parse_filter(text: str, *, field: str = "where") -> Condition:
    """Parse a `where` condition; a `FilterSyntaxError` names `field` and the bad token."""
    return _Parser(text, field).parse()
