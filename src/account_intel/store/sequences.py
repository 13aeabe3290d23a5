"""Gap-tolerant, concurrency-safe counters: one atomic UPDATE ... RETURNING per number."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from account_intel.store.models import IdSequence


def next_value(session: Session, name: str, *, start: int = 1) -> int:
    """The next number of sequence `name`, starting at `start`; safe when several processes ask at once."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(IdSequence).values(name=name, value=start - 1).on_conflict_do_nothing())
    stmt = (
        update(IdSequence).where(IdSequence.name == name).values(value=IdSequence.value + 1).returning(IdSequence.value)
    )
    return int(session.execute(stmt).scalar_one())
