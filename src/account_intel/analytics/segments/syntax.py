"""Segment expression syntax: field declarations, the error type, the tokenizer, the tree and its printer.

Grammar, lowest precedence first (keywords are case-insensitive, field names are not)::

    expr       := expr "or" expr | expr "and" expr | "not" expr | "(" expr ")" | comparison | BOOL_FIELD
    comparison := FIELD op value | value op FIELD | FIELD ["not"] "in" "[" value ("," value)* [","] "]"
    op         := "==" | "!=" | "<" | "<=" | ">" | ">="
    value      := NUMBER ["%"] | STRING | "true" | "false" | "null"

Numbers may be negative, decimal, use `_` separators or an exponent. `N%` means N/100 and is accepted only for
fields declared as 0-1 fractions (`feature_adoption < 50%` equals `< 0.5`; `health >= 70%` is refused because
health is on 0-100). Strings take single or double quotes with backslash escapes; a date field compares with a
"YYYY-MM-DD" string. A bare bool field means `field == true`. Comparing two fields is not supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from account_intel.errors import ValidationFailed


class FieldType(StrEnum):
    """Value type of a filterable field."""

    NUMBER = "number"
    STRING = "string"
    BOOL = "bool"
    DATE = "date"


class FieldSpec(BaseModel):
    """A field a segment expression may name: its type and what it means."""

    model_config = ConfigDict(frozen=True)

    type: FieldType = Field(description="Value type: number, string, bool or date.")
    description: str = Field(description="What the field measures, shown to users and models.")
    values: tuple[str, ...] | None = Field(default=None, description="The allowed values of a string field, if fixed.")
    fraction: bool = Field(default=False, description="True for a 0-1 fraction: the only fields that accept N%.")


class SegmentExpressionError(ValidationFailed):
    """A segment expression that cannot be parsed or type-checked; points at the offending characters."""

    def __init__(self, reason: str, *, expression: str, position: int, length: int = 1) -> None:
        self.reason = reason
        self.expression = expression
        self.position = position  # 0-based character offset; the message shows the 1-based column
        self.length = max(1, length)
        shown = re.sub(r"\s", " ", expression)
        caret = " " * position + "^" * self.length
        super().__init__(f"Invalid segment expression at column {position + 1}: {reason}\n  {shown}\n  {caret}")

    @property
    def column(self) -> int:
        """1-based column of the first offending character."""
        return self.position + 1


# --- tokens --------------------------------------------------------------------------------------------------------

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_OP_HINTS = {
    "=": "use == for equality",
    "=>": "did you mean >=?",
    "=<": "did you mean <=?",
    "<>": "use != for inequality",
    "!": "use not",
    "&": "use and",
    "&&": "use and",
    "|": "use or",
    "||": "use or",
}
_NUMBER = re.compile(r"-?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


@dataclass(frozen=True, slots=True)
class Token:
    """A lexical token with its 0-based position in the source."""

    kind: str  # num, str, name, op, ( ) [ ] , end
    text: str
    pos: int
    value: Any = None  # Decimal for num, the unescaped text for str
    percent: bool = False

    @property
    def keyword(self) -> str | None:
        """The lower-cased keyword this name token spells, or None."""
        return self.text.lower() if self.kind == "name" and self.text.lower() in KEYWORDS else None


def tokenize(src: str) -> Iterator[Token]:
    """Yield tokens lazily, so errors surface in reading order."""

    def fail(reason: str, pos: int, length: int = 1) -> SegmentExpressionError:
        return SegmentExpressionError(reason, expression=src, position=pos, length=length)

    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif number := _NUMBER.match(src, i):
            end = number.end()
            percent = end < n and src[end] == "%"
            if end + percent < n and (src[end + percent].isalnum() or src[end + percent] in "_."):
                word = _NAME.match(src, end + percent)
                raise fail(f"invalid number '{src[i : word.end() if word else end + 1]}'", i, end - i + 1)
            yield Token("num", src[i : end + percent], i, Decimal(number.group().replace("_", "")), percent)
            i = end + percent
        elif c in "\"'":
            chars, j = [], i + 1
            while j < n and src[j] != c:
                if src[j] == "\\" and j + 1 < n:
                    j += 1
                    chars.append(_ESCAPES.get(src[j], "\\" + src[j]))
                else:
                    chars.append(src[j])
                j += 1
            if j >= n:
                raise fail("unclosed string: add the closing quote", i, n - i)
            yield Token("str", src[i : j + 1], i, "".join(chars))
            i = j + 1
        elif name := _NAME.match(src, i):
            yield Token("name", name.group(), i)
            i = name.end()
        elif c in "()[],":
            yield Token(c, c, i)
            i += 1
        elif c in "=!<>&|":
            j = i
            while j < n and src[j] in "=!<>&|":
                j += 1
            run = src[i:j]
            if run not in _COMPARISONS:
                hint = _OP_HINTS.get(run, "operators are == != < <= > >= in, not in, and, or, not")
                raise fail(f"unknown operator '{run}': {hint}", i, j - i)
            yield Token("op", run, i)
            i = j
        elif c in "+-*/%^~":
            raise fail(f"unknown operator '{c}': arithmetic is not supported", i)
        else:
            raise fail(f"unexpected character '{c}'", i)
    yield Token("end", "", n)


# --- tree ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    """`field op value`; value None is a null test (== or != null)."""

    field: str
    type: FieldType
    op: str
    value: Any  # None for a null test
    text: str  # canonical literal, for describe()


@dataclass(frozen=True, slots=True)
class InList:
    """`field in [...]` or `field not in [...]`."""

    field: str
    type: FieldType
    values: tuple[Any, ...]
    texts: tuple[str, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`and` / `or` over two or more children (nested chains of the same operator are flattened)."""

    op: str  # and, or
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """`not child`."""

    child: Node


Node = Compare | InList | BoolOp | Not


def quote(value: str) -> str:
    """A string literal in canonical form: double quotes, backslash escapes."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


# --- printing ----------------------------------------------------------------------------------------------------


def render(node: Node, parent: int = 0) -> str:
    """Print a tree back as a normalised expression with the fewest parentheses its precedence needs."""
    if isinstance(node, BoolOp):
        bp = 1 if node.op == "or" else 2
        text = f" {node.op} ".join(render(c, bp) for c in node.children)
        return f"({text})" if bp < parent else text
    if isinstance(node, Not):
        child = node.child
        bare = isinstance(child, Compare) and child.type is FieldType.BOOL and child.op == "==" and child.value
        return f"not {render(child)}" if bare or isinstance(child, Not) else f"not ({render(child)})"
    if isinstance(node, InList):
        return f"{node.field} {'not in' if node.negated else 'in'} [{', '.join(node.texts)}]"
    if node.type is FieldType.BOOL and node.op == "==" and node.value is True:
        return node.field
    return f"{node.field} {node.op} {node.text}"


def fields_of(node: Node) -> Iterable[str]:
    """Every field a tree names, in reading order (with repeats)."""
    if isinstance(node, BoolOp):
        for child in node.children:
            yield from fields_of(child)
    elif isinstance(node, Not):
        yield from fields_of(node.child)
    else:
        yield node.field
