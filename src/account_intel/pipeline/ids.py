"""Human-readable ids from the store's concurrency-safe sequences (`EXP-2024-0847`, `TSK-2024-000012`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from account_intel.store.base import Base
from account_intel.store.sequences import next_value


def new_id(session: Session, model: type[Base], *, prefix: str, sequence: str, at: datetime, width: int) -> str:
    """The next free id `PREFIX-YYYY-NNNN` of the year of `at`.

    Numbers come from `next_value(session, f"{sequence}:{year}")`, one atomic UPDATE each, so concurrent
    creators never get the same number; a number already taken by an imported row is skipped.
    """
    year = at.year
    while True:
        number = next_value(session, f"{sequence}:{year}")
        candidate = f"{prefix}-{year}-{number:0{width}d}"
        if session.get(model, candidate) is None:
            return candidate
