"""Parsed content files, kept while their text is unchanged.

Briefs read the same YAML configs and Jinja templates many times per account (every tool call loads its weights,
every deliverable its template); parsing them again each time was a third of a rules-brain brief. The cache key is
the file's path and its whole text, so an edited file is parsed again on its next read, even within the same
clock tick. Parse errors are not kept: a broken file fails every time until it is fixed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

MAX_ENTRIES = 512  # content files are few; the bound only guards against a caller parsing many generated files

_CACHE: dict[tuple[str, str, bytes], object] = {}


def by_file_text(parse: Callable[[Path], T]) -> Callable[[Path], T]:
    """Decorate a `parse(path)` whose result depends only on the path and the file's text, and is not mutated."""
    name = f"{parse.__module__}.{parse.__qualname__}"

    @functools.wraps(parse)
    def cached(path: Path) -> T:
        try:
            key = (name, str(path), path.read_bytes())
        except OSError:
            return parse(path)  # let the parser report the missing or unreadable file in its own words
        hit = _CACHE.get(key)
        if hit is None:
            hit = parse(path)
            if len(_CACHE) >= MAX_ENTRIES:
                _CACHE.clear()
            _CACHE[key] = hit
        return hit  # type: ignore[return-value]

    return cached


def clear() -> None:
    """Forget every parsed file (tests that patch a parser use it)."""
    _CACHE.clear()
