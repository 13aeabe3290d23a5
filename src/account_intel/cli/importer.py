"""`account-intel import`: load CSV exports through a mapping file."""

from __future__ import annotations


def import_command() -> None:
    """Import CSV files (in progress)."""
    raise NotImplementedError
