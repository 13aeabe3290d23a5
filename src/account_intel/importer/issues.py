"""What an import finds on the way: errors that stop it and quirks it handles, each collected, never just the first."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, computed_field

MAX_KEPT_ERRORS = 1000


class ImportIssue(BaseModel):
    """One broken rule, located by file, line (1-based, the header is line 1), column and value."""

    file: str = Field(description="Source file name (or the mapping file for inline rows).")
    line: int | None = Field(default=None, description="1-based line in the file; the header is line 1.")
    item: int | None = Field(default=None, description="1-based position of an inline row in the mapping file.")
    column: str | None = Field(default=None, description="Column as named in the source file.")
    value: str | None = Field(default=None, description="The offending value, as read.")
    rule: str = Field(description="The rule the value breaks.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        """One line a person can act on: `subscriptions.csv line 17, column arr_amount, value '-5': must be ...`."""
        where = visible(self.file)
        if self.line is not None:
            where += f" line {self.line}"
        if self.item is not None:
            where += f" item {self.item}"
        parts = [where]
        if self.column is not None:
            parts.append(f"column {visible(self.column)}")
        if self.value is not None:
            parts.append(f"value '{visible(self.value)}'")
        return f"{', '.join(parts)}: {visible(self.rule)}"


def visible(text: str) -> str:
    """Text with every invisible or control character spelled out (`\\ufeffid` for a byte-order mark before `id`,
    `\\xe9` for a byte that is not UTF-8), so that two values that look the same on screen can be told apart."""
    return "".join(_spelled(ch) for ch in text)


def _spelled(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # a byte the UTF-8 decoder could not read, kept by `surrogateescape`
        return f"\\x{ord(ch) - 0xDC00:02x}"
    if ch.isprintable() and not _INVISIBLE.match(ch):
        return ch
    return f"\\u{ord(ch):04x}"


_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")


class Quirk(BaseModel):
    """A known oddity of the data that the import handled rather than refused, with how often it occurred."""

    code: str = Field(description="Stable identifier, for example `usage_before_start`.")
    description: str = Field(description="What was found.")
    count: int = Field(description="How many rows, files or accounts it concerns (see the description).")
    handling: str = Field(description="What the importer did about it.")


class Issues:
    """Collects every error; keeps the first `MAX_KEPT_ERRORS` in full and counts the rest."""

    def __init__(self, limit: int = MAX_KEPT_ERRORS) -> None:
        self.limit = limit
        self.kept: list[ImportIssue] = []
        self.count = 0

    def add(self, issue: ImportIssue) -> None:
        """Record one error."""
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(issue)

    def __bool__(self) -> bool:
        return self.count > 0


class QuirkLog:
    """Counts quirks by code, keeping the first description and handling given for each."""

    def __init__(self) -> None:
        self._quirks: dict[str, Quirk] = {}

    def add(self, code: str, description: str, handling: str, count: int = 1) -> None:
        """Add `count` occurrences of a quirk (a zero count is ignored)."""
        if count <= 0:
            return
        quirk = self._quirks.get(code)
        if quirk is None:
            self._quirks[code] = Quirk(code=code, description=description, count=count, handling=handling)
        else:
            quirk.count += count

    def as_list(self) -> list[Quirk]:
        """The quirks found, in the order first seen."""
        return list(self._quirks.values())
