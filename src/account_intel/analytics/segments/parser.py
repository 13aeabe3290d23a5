"""Segment expression parser: a Pratt parser from tokens to a typed tree, checked against the declared fields.

Binding powers: `or` 1, `and` 2, prefix `not` 3; a comparison is an atom. Errors name the offending characters.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from account_intel.analytics.segments.syntax import (
    DATE_PATTERN,
    BoolOp,
    Compare,
    FieldSpec,
    FieldType,
    InList,
    Node,
    Not,
    SegmentExpressionError,
    Token,
    quote,
    tokenize,
)

MAX_NESTING = 50

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Parser:
    """Pratt parser: `or` binds loosest (1), then `and` (2), then prefix `not` (3); comparisons are atoms."""

    def __init__(self, src: str, fields: Mapping[str, FieldSpec]) -> None:
        self.src, self.fields = src, fields
        self.stream = tokenize(src)
        self.tokens: list[Token] = []
        self.i, self.depth = 0, 0

    def fail(self, reason: str, tok: Token, length: int | None = None) -> SegmentExpressionError:
        size = length if length is not None else max(1, len(tok.text))
        return SegmentExpressionError(reason, expression=self.src, position=tok.pos, length=size)

    def peek(self, ahead: int = 0) -> Token:
        while len(self.tokens) <= self.i + ahead:
            if self.tokens and self.tokens[-1].kind == "end":
                return self.tokens[-1]
            self.tokens.append(next(self.stream))
        return self.tokens[self.i + ahead]

    def take(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def found(self, tok: Token) -> str:
        return "the end of the expression" if tok.kind == "end" else f"'{tok.text}'"

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.fail("empty expression: write a condition such as health >= 70", self.peek())
        node = self.expr(0)
        tok = self.peek()
        if tok.kind == ")":
            raise self.fail("unbalanced parenthesis: ')' has no matching '('", tok)
        if tok.kind != "end":
            raise self.fail(f"expected 'and', 'or' or the end of the expression, found {self.found(tok)}", tok)
        return node

    def expr(self, min_bp: int) -> Node:
        left = self.nud()
        while (kw := self.peek().keyword) in ("or", "and"):
            bp = 1 if kw == "or" else 2
            if bp <= min_bp:
                break
            self.take()
            right = self.expr(bp)
            parts = [*(left.children if isinstance(left, BoolOp) and left.op == kw else (left,))]
            parts += right.children if isinstance(right, BoolOp) and right.op == kw else (right,)
            left = BoolOp(kw, tuple(parts))
        return left

    def nud(self) -> Node:
        tok = self.take()
        kw = tok.keyword
        if kw == "not":
            return Not(self.expr(3))
        if tok.kind == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.fail(f"too deeply nested (more than {MAX_NESTING} parentheses)", tok)
            inner = self.expr(0)
            close = self.take()
            if close.kind == "end":
                raise self.fail("unbalanced parenthesis: '(' is never closed", tok)
            if close.kind != ")":
                raise self.fail(f"expected 'and', 'or' or ')', found {self.found(close)}", close)
            self.depth -= 1
            return inner
        if tok.kind == "name" and kw is None:
            return self.field_condition(tok)
        if tok.kind in ("num", "str") or kw in ("true", "false", "null"):
            return self.value_first(tok)
        if tok.kind == ")" and self.depth == 0:
            raise self.fail("unbalanced parenthesis: ')' has no matching '('", tok)
        prev = self.tokens[self.i - 2] if self.i >= 2 else None
        where = f" after '{prev.text}'" if prev is not None else ""
        raise self.fail(f"expected a condition{where}, found {self.found(tok)}", tok)

    def field(self, tok: Token) -> FieldSpec:
        spec = self.fields.get(tok.text)
        if spec is None:
            close = difflib.get_close_matches(tok.text.lower(), list(self.fields), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            known = ", ".join(sorted(self.fields))
            raise self.fail(f"unknown field '{tok.text}' ({hint}known: {known})", tok)
        return spec

    def field_condition(self, name: Token) -> Node:
        spec = self.field(name)
        nxt = self.peek()
        if nxt.kind == "op":
            self.take()
            value = self.take()
            if not self.is_value(value):
                raise self.value_error(nxt, value)
            return self.compare(name, spec, nxt, value)
        if nxt.keyword == "in" or (nxt.keyword == "not" and self.peek(1).keyword == "in"):
            negated = self.take().keyword == "not"
            if negated:
                self.take()
            return self.in_list(name, spec, negated)
        if spec.type is FieldType.BOOL and (nxt.kind in ("end", ")") or nxt.keyword in ("and", "or")):
            return Compare(name.text, spec.type, "==", True, "true")
        if nxt.kind in ("end", ")") or nxt.keyword in ("and", "or"):
            example = {"number": ">= 70", "string": '== "..."', "date": '>= "2025-01-31"'}[spec.type.value]
            raise self.fail(f"field '{name.text}' is a {spec.type.value}; compare it, e.g. {name.text} {example}", name)
        raise self.fail(f"expected an operator after '{name.text}', found {self.found(nxt)}", nxt)

    def value_first(self, value: Token) -> Node:
        op = self.take()
        if op.kind != "op":
            raise self.fail(f"a bare value is not a condition: compare a field with {value.text}", value)
        name = self.take()
        if name.kind != "name" or name.keyword is not None:
            raise self.fail(f"expected a field after '{op.text}', found {self.found(name)}", name)
        flipped = Token("op", _FLIP[op.text], op.pos)
        return self.compare(name, self.field(name), flipped, value, shown_op=op)

    @staticmethod
    def is_value(tok: Token) -> bool:
        return tok.kind in ("num", "str") or tok.keyword in ("true", "false", "null")

    def value_error(self, op: Token, tok: Token) -> SegmentExpressionError:
        if tok.kind == "name" and tok.keyword is None:
            return self.fail(f"comparing two fields is not supported: compare with a value after '{op.text}'", tok)
        return self.fail(f"expected a value after '{op.text}', found {self.found(tok)}", tok)

    def compare(self, name: Token, spec: FieldSpec, op: Token, tok: Token, shown_op: Token | None = None) -> Node:
        if tok.keyword == "null":
            if op.text not in ("==", "!="):
                raise self.fail("only '== null' and '!= null' test for a missing value", shown_op or op)
            return Compare(name.text, spec.type, op.text, None, "null")
        value, text = self.literal(name, spec, tok)
        if op.text not in ("==", "!=") and spec.type in (FieldType.STRING, FieldType.BOOL):
            reason = f"operator '{op.text}' does not apply to {spec.type.value} field '{name.text}'; use == or !="
            raise self.fail(reason + (" or in" if spec.type is FieldType.STRING else ""), shown_op or op)
        return Compare(name.text, spec.type, op.text, value, text)

    def in_list(self, name: Token, spec: FieldSpec, negated: bool) -> Node:
        if spec.type is FieldType.BOOL:
            raise self.fail(f"'in' does not apply to bool field '{name.text}'; use == true or == false", name)
        opening = self.take()
        if opening.kind != "[":
            raise self.fail(f"expected '[' after 'in', found {self.found(opening)}", opening)
        values: list[Any] = []
        texts: list[str] = []
        while True:
            tok = self.take()
            if tok.kind == "]" and not values:
                raise self.fail("empty list after 'in'", tok)
            if tok.kind == "]":
                break
            if tok.kind == "end":
                raise self.fail("unclosed '[': add ']'", opening)
            if tok.keyword == "null":
                raise self.fail("null cannot be in a list: test with == null", tok)
            if not self.is_value(tok):
                raise self.fail(f"expected a value in the list, found {self.found(tok)}", tok)
            value, text = self.literal(name, spec, tok)
            values.append(value)
            texts.append(text)
            sep = self.take()
            if sep.kind == "]":
                break
            if sep.kind == "end":
                raise self.fail("unclosed '[': add ']'", opening)
            if sep.kind != ",":
                raise self.fail(f"expected ',' or ']' in the list, found {self.found(sep)}", sep)
        return InList(name.text, spec.type, tuple(values), tuple(texts), negated)

    def literal(self, name: Token, spec: FieldSpec, tok: Token) -> tuple[Any, str]:
        kind = {"num": "number", "str": "string"}.get(tok.kind, "bool")
        field = f"{spec.type.value} field '{name.text}'"
        if spec.type is FieldType.NUMBER:
            if kind != "number":
                raise self.fail(f"cannot compare {field} with a {kind} ({tok.text}); write a number", tok)
            if tok.percent and not spec.fraction:
                raise self.fail(f"'{name.text}' is not a 0-1 fraction, so {tok.text} does not apply; drop the %", tok)
            if tok.percent:
                return float(tok.value / 100), tok.text.replace("_", "")
            value = float(tok.value) if re.search(r"[.eE]", tok.text) else int(tok.value)
            return value, repr(value)
        if spec.type is FieldType.BOOL:
            if kind != "bool":
                raise self.fail(f"cannot compare {field} with a {kind} ({tok.text}); write true or false", tok)
            return tok.keyword == "true", tok.keyword or ""
        if kind != "string":
            hint = f"known values: {', '.join(spec.values)}" if spec.values else f'quote it: "{tok.text}"'
            raise self.fail(f"cannot compare {field} with a {kind} ({tok.text}); {hint}", tok)
        text = quote(tok.value)
        if spec.type is FieldType.DATE:
            try:
                if not DATE_PATTERN.fullmatch(tok.value):
                    raise ValueError(tok.value)
                return date.fromisoformat(tok.value), text
            except ValueError:
                raise self.fail(f"'{name.text}' is a date: write it as \"YYYY-MM-DD\"", tok) from None
        if spec.values is not None and tok.value not in spec.values:
            same = [v for v in spec.values if v.lower() == tok.value.lower()]
            hint = f"did you mean '{same[0]}'? " if same else ""
            raise self.fail(f"unknown value {text} for '{name.text}' ({hint}known: {', '.join(spec.values)})", tok)
        return tok.value, text


def parse_expression(expression: str, fields: Mapping[str, FieldSpec]) -> Node:
    """Parse and type-check a segment expression into a tree; raise SegmentExpressionError at the first problem."""
    return _Parser(expression, fields).parse()
