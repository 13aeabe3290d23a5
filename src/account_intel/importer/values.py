"""Canonical cell types: parse one CSV string into a typed value, or fail with the rule it breaks.

Each parser raises `PydanticCustomError` so that a pydantic row model reports the rule as its message
(for example `must be a non-negative amount`) without pydantic's own prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from account_intel.domain.email_address import email_problem

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f"})
CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")  # the store's money columns hold 12 whole digits
MAX_INT = 2**63 - 1
_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
NUMBER_FORMAT = "digits 0-9 with an optional '.' and thousands commas, such as 1234.5 or 1,234.50"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
DATETIME_FORMAT = (
    "an ISO-8601 date-time written YYYY-MM-DD, YYYY-MM-DD HH:MM, YYYY-MM-DDTHH:MM:SS[.ffffff]"
    " with an optional Z or +HH:MM offset"
)


def parse_number(value: Any, kind: str, rule: str) -> Decimal:
    """A number in the one documented format; anything else (a decimal comma as in `1,50`, `1e5`, `1_000`,
    non-ASCII digits) fails with `rule` and the format, rather than being read as another number."""
    if isinstance(value, Decimal):
        return value
    text = str(value).strip()
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    if _GROUPED.fullmatch(text):
        return Decimal(text.replace(",", ""))
    raise fail(kind, f"{rule}, written as {NUMBER_FORMAT} (not 1,50, 1e5 or 1_000)")


def fail(kind: str, rule: str) -> PydanticCustomError:
    """The error a parser raises: `rule` is the sentence shown after the value."""
    return PydanticCustomError(kind, rule)


def to_money(value: Any) -> Decimal:
    """A non-negative Decimal with at most two decimal places (`1234.5`, `0`, `99.94`, `1,234.50`)."""
    amount = parse_number(value, "money", "must be a non-negative amount")
    if not amount.is_finite() or amount < 0:
        raise fail("money", "must be a non-negative amount")
    if amount > MAX_MONEY:
        raise fail("money", f"must be at most {MAX_MONEY:,}")
    places = -amount.as_tuple().exponent  # type: ignore[operator]
    if places > 2:
        raise fail(
            "money",
            "must be an amount with at most 2 decimal places (cents); it is never rounded silently:"
            " round it in the file, or declare the rounding in a mapping (round: {column: 2})",
        )
    return amount.quantize(CENT)


def to_int(value: Any) -> int:
    """A whole number; `27.0` is accepted as 27, `27.5` is not."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        number = parse_number(value, "int", "must be a whole number")
    if not number.is_finite() or number != number.to_integral_value():
        raise fail("int", "must be a whole number")
    if abs(number) > MAX_INT:
        raise fail("int", f"must be a whole number of at most {MAX_INT:,}")
    return int(number)


def to_count(value: Any) -> int:
    """A whole number that is zero or more."""
    number = to_int(value)
    if number < 0:
        raise fail("count", "must be a whole number, zero or more")
    return number


def to_bool(value: Any) -> bool:
    """true/false, 1/0, yes/no, y/n, t/f (any case)."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise fail("bool", "must be true/false, 1/0, yes/no, y/n or t/f")


def to_date(value: Any) -> date:
    """A calendar date written YYYY-MM-DD."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise fail("date", "must be a date written YYYY-MM-DD") from None


def to_datetime(value: Any) -> datetime:
    """An ISO-8601 date-time in the documented forms (a bare date means midnight); without an offset it is UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            if not _DATETIME.fullmatch(text):
                raise ValueError(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise fail("datetime", f"must be {DATETIME_FORMAT} (not a week date, a comma or 7 decimals)") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def has_offset(text: str) -> bool:
    """Whether an ISO-8601 date-time string carries its own UTC offset (`Z` or `+HH:MM`)."""
    try:
        return datetime.fromisoformat(text.strip()).tzinfo is not None
    except ValueError:
        return False


def enum_parser(enum_cls: type[StrEnum]) -> Callable[[Any], StrEnum]:
    """A parser that accepts an enum's values (exact, then case-insensitive) and lists them on failure."""
    by_lower = {member.value.lower(): member for member in enum_cls}
    allowed = ", ".join(member.value for member in enum_cls)

    def parse(value: Any) -> StrEnum:
        if isinstance(value, enum_cls):
            return value
        member = by_lower.get(str(value).strip().lower())
        if member is None:
            raise fail("enum", f"must be one of: {allowed}")
        return member

    return parse


def text_parser(max_length: int | None) -> Callable[[Any], str]:
    """A parser for free text, refusing values longer than the store column."""

    def parse(value: Any) -> str:
        text = str(value)
        if max_length is not None and len(text) > max_length:
            raise fail("text", f"must be at most {max_length} characters (has {len(text)})")
        return text

    return parse


def to_email(value: Any) -> str:
    """One bare, valid email address (`name@company.com`): no display name, angle brackets, list or whitespace."""
    text = str(value).strip()
    problem = email_problem(text)
    if problem is not None:
        raise fail("email", f"must be one bare email address, but {problem}")
    return text


def to_language(value: Any) -> str:
    """A language tag (`de`, `pt-BR`), normalised: the language customers of the account are written to in."""
    from account_intel.domain.language import EXAMPLES, InvalidLanguage, normalise_language

    try:
        return normalise_language(str(value))
    except InvalidLanguage:
        raise fail("language", f"must be a language tag like {EXAMPLES}") from None


Money = Annotated[Decimal, BeforeValidator(to_money)]
Int = Annotated[int, BeforeValidator(to_int)]
Count = Annotated[int, BeforeValidator(to_count)]
Flag = Annotated[bool, BeforeValidator(to_bool)]
Day = Annotated[date, BeforeValidator(to_date)]
Instant = Annotated[datetime, BeforeValidator(to_datetime)]
Str32 = Annotated[str, BeforeValidator(text_parser(32))]
Str64 = Annotated[str, BeforeValidator(text_parser(64))]
Str80 = Annotated[str, BeforeValidator(text_parser(80))]
Str96 = Annotated[str, BeforeValidator(text_parser(96))]
Str100 = Annotated[str, BeforeValidator(text_parser(100))]
Str120 = Annotated[str, BeforeValidator(text_parser(120))]
Str160 = Annotated[str, BeforeValidator(text_parser(160))]
Str200 = Annotated[str, BeforeValidator(text_parser(200))]
LongText = Annotated[str, BeforeValidator(text_parser(None))]
Email = Annotated[str, BeforeValidator(to_email)]
LanguageTag = Annotated[str, BeforeValidator(to_language)]
