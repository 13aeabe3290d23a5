"""Plain-text forms of the whitespace map: the box table, penetration lines, short money."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from account_intel.analytics.whitespace.models import WhitespaceItem, WhitespaceMap

STATUS_TEXT = {"active": "✅ Active", "partial": "◐ Partial", "none": "❌ None"}


def short_money(value: Decimal | int) -> str:
    """$85K / $8.4K / $2.05M: the short money format of every deliverable."""
    amount = Decimal(value) / 1000
    if amount >= 1000:
        return f"${amount / 1000:,.2f}M"
    return f"${amount:,.0f}K" if amount == amount.to_integral_value() else f"${amount:,.1f}K"


def item_name(item: WhitespaceItem) -> str:
    """The row label: the product, or an indented department/location under it."""
    return f"  · {item.scope_name}" if item.scope != "account" or item.scope_id else item.product


def opportunity_text(item: WhitespaceItem) -> str:
    """'HIGH: Marketing (15 people) needs it (+$18K)', or the capacity line of an active item."""
    if item.level is None:
        return item.capacity
    text = f"{item.level.value}: {item.headline}"
    if item.sizing is not None:
        text += f" (+{short_money(item.sizing.value)})"
    return text


def penetration_lines(ws: WhitespaceMap) -> list[str]:
    """Departments, seats, features, integrations and geographies served out of present."""
    p = ws.penetration
    return [
        f"Departments: {p.departments.part} of {p.departments.whole} ({p.departments.detail})",
        f"Seats: {p.seats.part} of {p.seats.whole} employees ({p.seats.pct}% penetration)",
        f"Features: {p.features.part} of {p.features.whole} available ({p.features.pct}% adoption)",
        f"Integrations: {p.integrations.part} of {p.integrations.whole} available",
        f"Geographies: {p.geographies.part} of {p.geographies.whole} ({p.geographies.detail})",
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def wrap_cell(text: str, width: int) -> list[str]:
    """The cell's text on as many lines as it needs, broken between words; a word longer than the cell is split."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while _width(word) > width:
            if current:
                lines.append(current)
                current = ""
            cut = width
            while _width(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if _width(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def whitespace_box(ws: WhitespaceMap, opportunity_width: int = 44) -> str:
    """The box table of the map (long cells wrap onto more lines, nothing is cut), with the ACV and potential footer."""
    rows = [(item_name(i), STATUS_TEXT.get(i.status.value, i.status.value), opportunity_text(i)) for i in ws.items]
    w1 = max([_width(r[0]) for r in rows] + [12]) + 1
    w2 = max([_width(r[1]) for r in rows] + [10]) + 1
    w3 = opportunity_width
    inner = w1 + w2 + w3 + 6
    footer = f"Current ACV: {short_money(ws.acv.value)} | White-Space Potential: {short_money(ws.potential.value)}"
    title = f"{ws.account_name} White-Space Map"
    inner = max(inner, _width(footer) + 2, _width(title) + 2)
    w3 = inner - w1 - w2 - 6
    line = lambda a, b, c: f"│ {_pad(a, w1)}│ {_pad(b, w2)}│ {_pad(c, w3)} │"  # noqa: E731
    out = [
        "┌" + "─" * inner + "┐",
        "│" + title.center(inner) + "│",
        "├" + "─" * (w1 + 1) + "┬" + "─" * (w2 + 1) + "┬" + "─" * (w3 + 2) + "┤",
        line("Product/", "Current", "Expansion"),
        line("Service", "Status", "Opportunity"),
        "├" + "─" * (w1 + 1) + "┼" + "─" * (w2 + 1) + "┼" + "─" * (w3 + 2) + "┤",
    ]
    for name, status, opportunity in rows:
        for index, part in enumerate(wrap_cell(opportunity, w3)):
            out.append(line(name, status, part) if index == 0 else line("", "", part))
    out += [
        "├" + "─" * (w1 + 1) + "┴" + "─" * (w2 + 1) + "┴" + "─" * (w3 + 2) + "┤",
        "│ " + _pad(footer, inner - 2) + " │",
        "└" + "─" * inner + "┘",
    ]
    return "\n".join(out)
