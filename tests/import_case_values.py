"""Cells for generated import cases: each strategy gives the text written in a CSV cell and the value the store
must then hold, or text the import must refuse. The expectations are spelled out here, apart from the importer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hypothesis import strategies as st

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_INT = 2**63 - 1
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
MARKUP = ("[bold]", "[/]", "[/bold]", "[red]x[/red]", "[link=https://x.test]y[/link]", "[", "]", "\\[", "[b", ":smile:")
TRICKY = (
    '"',
    "'",
    ",",
    ";",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "é",
    "漢字",
    "🙂",
    "\u200b",
    "\ufeff",
    "=1+1",
    "\x1b[31m",
    "\x00",
)
DIGIT_SCRIPTS = (0x0660, 0x06F0, 0xFF10, 0x0966)  # Arabic-Indic, Extended Arabic-Indic, full-width, Devanagari


@dataclass(frozen=True)
class Cell:
    """What a CSV cell holds, and the value the store must read back (None for a blank)."""

    text: str
    value: Any = None


def _cased(word: str, mode: int) -> str:
    return (word, word.upper(), word.capitalize())[mode]


def _foreign_digits(text: str, zero: int) -> str:
    return "".join(chr(zero + int(ch)) if ch.isdigit() else ch for ch in text)


@st.composite
def money(draw: st.DrawFn, high: Decimal = MAX_MONEY) -> Cell:
    """An amount in cents up to `high`, written plain, with thousands commas, or with fewer decimals when they are
    zero."""
    amount = draw(st.one_of(st.integers(0, 10**6), st.integers(0, int(high * 100)))) * CENT
    forms = [f"{amount:.2f}", f"{amount:,.2f}"]
    if amount == amount.to_integral_value():
        forms += [f"{amount:.0f}", f"{amount:,.0f}"]
    if (amount * 10) == (amount * 10).to_integral_value():
        forms.append(f"{amount:.1f}")
    return Cell(draw(st.sampled_from(forms)), amount.quantize(CENT))


@st.composite
def count(draw: st.DrawFn, high: int = MAX_INT) -> Cell:
    """A whole number zero or more: plain, with thousands commas, or as `27.0`."""
    number = draw(st.one_of(st.integers(0, 5000), st.integers(0, high)))
    return Cell(draw(st.sampled_from([str(number), f"{number:,}", f"{number}.0"])), number)


@st.composite
def month(draw: st.DrawFn) -> Cell:
    """A month number 1-12, possibly with a leading zero or `.0`."""
    number = draw(st.integers(1, 12))
    return Cell(draw(st.sampled_from([str(number), f"{number:02d}", f"{number}.0"])), number)


@st.composite
def flag(draw: st.DrawFn) -> Cell:
    """A documented true/false word in any case."""
    value = draw(st.booleans())
    word = draw(st.sampled_from(TRUE_WORDS if value else FALSE_WORDS))
    return Cell(_cased(word, draw(st.integers(0, 2))), value)


@st.composite
def day(draw: st.DrawFn) -> Cell:
    """A date written YYYY-MM-DD."""
    value = draw(st.dates(date(1990, 1, 1), date(2030, 12, 31)))
    return Cell(value.isoformat(), value)


@st.composite
def instant(draw: st.DrawFn) -> Cell:
    """A date-time in one of the documented ISO-8601 forms; the store holds it in UTC."""
    local = draw(st.datetimes(datetime(1995, 1, 1), datetime(2030, 12, 31)))
    form = draw(st.sampled_from(["Z", "offset", "naive_seconds", "naive_minutes", "date", "micro"]))
    if form in ("naive_minutes",):
        local = local.replace(second=0, microsecond=0)
    elif form == "date":
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elif form != "micro":
        local = local.replace(microsecond=0)
    sep = draw(st.sampled_from(["T", " "]))
    minutes = draw(st.integers(-48, 56)) * 15
    if form == "offset":
        sign, whole = ("+" if minutes >= 0 else "-"), abs(minutes)
        text = f"{local.isoformat(sep)}{sign}{whole // 60:02d}:{whole % 60:02d}"
        return Cell(text, (local - timedelta(minutes=minutes)).replace(tzinfo=UTC))
    if form == "Z":
        return Cell(f"{local.isoformat(sep)}Z", local.replace(tzinfo=UTC))
    if form == "naive_minutes":
        return Cell(local.strftime(f"%Y-%m-%d{sep}%H:%M"), local.replace(tzinfo=UTC))
    if form == "date":
        return Cell(local.date().isoformat(), local.replace(tzinfo=UTC))
    if form == "micro":
        text = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + f".{local.microsecond:06d}"
        return Cell(text, local.replace(tzinfo=UTC))
    return Cell(local.strftime(f"%Y-%m-%d{sep}%H:%M:%S"), local.replace(tzinfo=UTC))


def enum_cell(enum_cls: type[StrEnum]) -> st.SearchStrategy[Cell]:
    """An enum value in any case."""
    return st.tuples(st.sampled_from(list(enum_cls)), st.integers(0, 2)).map(
        lambda pair: Cell(_cased(pair[0].value, pair[1]), pair[0])
    )


def raw_text(max_size: int = 12) -> st.SearchStrategy[str]:
    """Free text with markup-like brackets, quotes, line breaks, other scripts and invisible characters."""
    piece = st.one_of(
        st.sampled_from(MARKUP),
        st.sampled_from(TRICKY),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
        st.text("abcdefgh XYZ", min_size=1, max_size=8),
    )
    return st.lists(piece, max_size=max_size).map("".join)


@st.composite
def text(draw: st.DrawFn, limit: int | None, required: bool = False, pieces: Any = None) -> Cell:
    """Text of at most `limit` characters; the store holds it without leading and trailing whitespace."""
    written = draw(pieces if pieces is not None else raw_text())
    if limit is not None:
        written = written[:limit]
    value = written.strip()
    if required and not value:
        written = value = draw(st.sampled_from(["x", "[bold]", "Ünïcode", '"q"']))
    return Cell(written, value or None)


# --- what the import must refuse ---------------------------------------------------------------------------------


@st.composite
def bad_number(draw: st.DrawFn, kind: str) -> str:
    """A number not in the one documented format (or out of range for `kind`: money, count or month)."""
    n = draw(st.integers(1, 10**7))
    cents = draw(st.integers(0, 99))
    zero = draw(st.sampled_from(DIGIT_SCRIPTS))
    forms = [
        f"{n % 1000},{cents:02d}",  # a decimal comma
        f"{n % 1000},{cents % 10}",
        f"{n % 100},{n % 1000:03d},{cents:02d}",
        f"{n}e{draw(st.integers(0, 9))}",
        f"{n % 10}E+{draw(st.integers(10, 60))}",
        "1E+40",
        f"{n + 1000:_}",
        _foreign_digits(str(n), zero),
        _foreign_digits(f"{n}.{cents:02d}", zero),
        f"{n % 9 + 1}{chr(zero + 5)}",
        "9" * draw(st.integers(20, 60)),
        f"{n}.{draw(st.integers(1, 9))}{'0' * draw(st.integers(0, 3))}{draw(st.integers(1, 9)):d}"
        f"{draw(st.integers(0, 10**6)):07d}",
        "NaN",
        "Infinity",
        "inf",
        f"{n % 1000} {n % 1000:03d}",
        f"{n % 1000}'{n % 1000:03d}",
        f"${n}",
        f"{n}.",
        f".{cents:02d}",
        "1.2.3",
        "--5",
        "0x1F",
        f"{n % 10},{n % 10000:04d}",
        f"{n}\u200b",
        f"\ufeff{n}",
        "²",
        "Ⅻ",
    ]
    if kind == "money":
        forms += [
            f"-{n}",
            str(10**12 + n),
            f"{n}.{cents:02d}{draw(st.integers(1, 9))}",
            f"{n}.{cents:02d}0",
            f"{n}.0000000",
        ]
    elif kind == "count":
        forms += [f"-{n}", f"{n}.5", str(MAX_INT + n), f"{n}.{draw(st.integers(1, 9))}"]
    else:
        forms += ["0", "13", f"{n + 12}", "7.5", "-1"]
    return draw(st.sampled_from(forms))


BAD_FLAGS = ("on", "off", "si", "ja", "nein", "oui", "2", "-1", "1.0", "0.0", "+1", "✓", "x", "vrai", "tru", "yess",
             "T R U E", "true\u200b", "\ufefftrue", "ｙ", "да", "nope", "[bold]true", "checked")  # fmt: skip
BAD_DATES = ("2024-13-01", "2024-02-30", "2024-W01-1", "2024-W44-6", "20240101", "2024/01/01", "01/02/2024",
             "2024-1-1", "２０２４-01-01", "2024-01-01T00:00", "2024-001", "24-01-01",
             "2024-01-01Z", "[/]")  # fmt: skip
BAD_INSTANTS = ("2024-W44-6T09:30", "20241102T093000Z", "2024-11-02T09", "2024-11-02T0930", "2024-11-02T09:30:00+0100",
                "2024-11-02T09:30:00.1234567", "2024-11-02 09:30:00,5", "2024-11-02T25:00", "02/11/2024 09:30",
                "2024-11-02Z", "2024-11-02T09:30:00+01", "2024-11-02T09:30:00 UTC", "2024-11-02T09:30:00+25:00",
                "２０２４-11-02 09:30", "2024-11-02T09:30:00.")  # fmt: skip
BAD_ENUMS = ("gold", "[bold]plan", "planx", "p", "plan\u200b", "ｐｌａｎ")


def too_long(limit: int) -> st.SearchStrategy[str]:
    """Text longer than its column holds."""
    return st.integers(limit + 1, limit + 40).map(lambda size: ("[b]é" * size)[:size])
