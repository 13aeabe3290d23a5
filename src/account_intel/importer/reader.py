"""Streaming CSV reading: UTF-8 with or without BOM, CRLF or LF, one record at a time with its line number.

A byte that is not UTF-8 is kept as a lone surrogate (`surrogateescape`), so that the cell holding it can be named.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 65536
ENCODING = {"encoding": "utf-8-sig", "errors": "surrogateescape"}
NOT_UTF8 = "is not UTF-8 text (a byte such as \\xe9 comes from latin-1 or Windows-1252): save the file as UTF-8"
_UNDECODED = re.compile("[\udc80-\udcff]")


def undecodable(text: str) -> bool:
    """Whether text read from a file holds a byte that was not UTF-8."""
    return _UNDECODED.search(text) is not None


@dataclass(frozen=True)
class CsvRecord:
    """One data record: the 1-based line it starts on (the header is line 1) and its cells, stripped."""

    line: int
    cells: list[str]


def uses_crlf(path: Path) -> bool:
    """Whether the file's line endings are CRLF (looked up in its first 64 KiB)."""
    with path.open("rb") as handle:
        return b"\r\n" in handle.read(SNIFF_BYTES)


def count_records(path: Path) -> int:
    """An estimate of the data records (physical lines minus the header), for progress bars."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


MAX_CELL_CHARS = 10_000_000  # a long note is data; the csv module's default limit (131,072) is not a rule of ours
csv.field_size_limit(MAX_CELL_CHARS)


class CsvProblem(Exception):
    """A file the csv module cannot read at some line (a cell too long, a NUL byte, a broken quote)."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line, self.detail = line, detail


def read_header(path: Path) -> list[str]:
    """The header's column names, stripped (an empty file has none)."""
    with path.open(newline="", **ENCODING) as handle:
        try:
            first = next(csv.reader(handle), [])
        except csv.Error as exc:
            raise CsvProblem(1, str(exc)) from None
    return [name.strip() for name in first]


def read_records(path: Path) -> Iterator[CsvRecord]:
    """Yield every data record after the header, skipping blank lines; the file is never held in memory."""
    with path.open(newline="", **ENCODING) as handle:
        reader = csv.reader(handle)
        try:
            if next(reader, None) is None:
                return
            last_line = reader.line_num
            for cells in reader:
                start = last_line + 1
                last_line = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                yield CsvRecord(start, [cell.strip() for cell in cells])
        except csv.Error as exc:
            raise CsvProblem(reader.line_num, str(exc)) from None
