"""Writing the product's own files (deliverables, reports) so that a failure names the file it was writing."""

from __future__ import annotations

from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` as UTF-8; an OSError (disk full, read-only) names `path` even when write() raised it."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise
