"""The content hash a result is stamped with: what the model reads (agents/, prompts/, tools/), byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

from account_intel.content import CONTENT_FOLDERS, content_root

IGNORED_PARTS = frozenset({"__pycache__", ".DS_Store"})


def content_files(root: Path) -> list[Path]:
    """Every file under the content folders, sorted by their path relative to `root`."""
    files = [
        path
        for folder in CONTENT_FOLDERS
        for path in (root / folder).rglob("*")
        if path.is_file() and not IGNORED_PARTS & set(path.parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def content_hash(override: Path | None = None) -> tuple[str, int]:
    """sha256 over each file's relative path and bytes (sorted), and how many files went in."""
    root = content_root(override)
    digest = hashlib.sha256()
    files = content_files(root)
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest(), len(files)
