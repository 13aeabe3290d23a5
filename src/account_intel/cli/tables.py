"""Terminal tables that never cut a number: number columns stay whole, text wraps, and a table too wide widens."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

_NUMBER = re.compile(r"^[-+]?\$?[\d.,]+[KMB%]?(?:\s*·\s*\$?[\d.,]+[KMB%]?)?$|^-$")
WIDEST = 10_000


def _plain(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def keep_numbers_whole(table: Table) -> int:
    """Keep number columns on one line and let text wrap without '…'; return the width the table needs for that."""
    needed = 1
    for column in table.columns:
        cells = [_plain(c).strip() for c in column.cells]
        words = [len(w) for c in [*cells, _plain(column.header)] for w in c.split()]
        if cells and all(_NUMBER.match(c) for c in cells if c):
            column.no_wrap = True
            needed += max([len(c) for c in cells] + words) + 3
        else:
            column.overflow = "fold"
            needed += max(words, default=1) + 3
    return needed


class WholeNumbersConsole(Console):
    """A console whose tables keep their numbers whole, widening a table past the console width if they must.

    It prints text as written: console markup is off unless a call asks for it (`markup=True`, with any data in the
    string escaped) or passes styled `Text`, so a bracket in a CRM name, a note or a model's words is never read as
    markup: nothing is hidden, restyled or turned into a link, and an unbalanced tag cannot crash a command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print as Rich does; a table whose numbers and words cannot fit is printed at its natural width."""
        tables = [item for item in objects if isinstance(item, Table)]
        needed = max([keep_numbers_whole(table) for table in tables], default=0)
        if needed <= self.width:
            super().print(*objects, **kwargs)
            return
        natural = max(Measurement.get(self, self.options.update(width=WIDEST), t).maximum for t in tables)
        saved = self._width
        self.width = max(natural, needed)
        try:
            super().print(*objects, **kwargs)
        finally:
            self._width = saved
