"""Leases on graph threads: one process runs a thread at a time, and a crashed owner's lease can be taken over.

A claim is one conditional upsert (INSERT ... ON CONFLICT DO UPDATE ... WHERE), atomic on SQLite and PostgreSQL:
it wins when the thread has no lease, when the lease is this owner's, when it has expired, or when its owner is a
process of this machine that no longer exists (a `kill -9` leaves its lease behind; the rerun need not wait).
Lease times are wall-clock UTC, never a run's as-of clock.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from account_intel.errors import DomainError
from account_intel.store.engine import Store
from account_intel.store.models import RunLease


class LeaseLost(DomainError):
    """Another run took this run's lease over (it had expired): this run stops working on the thread."""


def wall_clock() -> datetime:
    """Now, in UTC, from the machine's clock."""
    return datetime.now(UTC)


def owner_name() -> str:
    """This process as a lease owner: `host:pid:nonce` (the nonce tells two runs of one process apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_gone(owner: str) -> bool:
    """Whether an owner named a process of this machine that has exited (False when it cannot be told)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, and someone else's
        return False
    return False


@dataclass
class Leases:
    """Claims, renewals and releases of thread leases by one owner."""

    store: Store
    seconds: float
    owner: str = field(default_factory=owner_name)
    now: Callable[[], datetime] = wall_clock

    def claim(self, thread_id: str) -> str | None:
        """Claim a thread; None when claimed, else the live owner that holds it."""
        if self._upsert(thread_id, takeover_of=None):
            return None
        holder = self.holder(thread_id)
        if holder is None:  # released between the two statements: try once more
            return None if self._upsert(thread_id, takeover_of=None) else self.holder(thread_id) or "another run"
        if owner_is_gone(holder) and self._upsert(thread_id, takeover_of=holder):
            return None
        return holder

    def holder(self, thread_id: str) -> str | None:
        """The owner of a thread's lease, if it has one."""
        with self.store.sessions() as session:
            return session.scalar(select(RunLease.owner).where(RunLease.thread_id == thread_id))

    def renew(self, thread_id: str) -> bool:
        """Push this owner's lease on a thread forward; False when the lease is no longer ours."""
        now = self.now()
        with self.store.transaction() as session:
            result = session.execute(
                update(RunLease)
                .where(RunLease.thread_id == thread_id, RunLease.owner == self.owner)
                .values(expires_at=now + timedelta(seconds=self.seconds))
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def keep(self, thread_id: str) -> None:
        """Renew this owner's lease on a thread, or raise `LeaseLost` when another run holds it now."""
        if not self.renew(thread_id):
            raise LeaseLost(f"Another run took over {thread_id} after this run's lease expired.")

    def release(self, thread_id: str) -> None:
        """Give a thread's lease up (only this owner's)."""
        with self.store.transaction() as session:
            session.execute(delete(RunLease).where(RunLease.thread_id == thread_id, RunLease.owner == self.owner))

    def _upsert(self, thread_id: str, *, takeover_of: str | None) -> bool:
        """One conditional upsert; True when this owner holds the lease afterwards."""
        now = self.now()
        insert = postgresql.insert if self.store.dialect == "postgresql" else sqlite.insert
        stmt = insert(RunLease).values(
            thread_id=thread_id, owner=self.owner, claimed_at=now, expires_at=now + timedelta(seconds=self.seconds)
        )
        takeable = (RunLease.owner == self.owner) | (RunLease.expires_at < now)
        if takeover_of is not None:
            takeable = takeable | (RunLease.owner == takeover_of)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RunLease.thread_id],
            set_={"owner": stmt.excluded.owner, "claimed_at": now, "expires_at": stmt.excluded.expires_at},
            where=takeable,
        ).returning(RunLease.owner)
        with self.store.transaction() as session:
            return session.execute(stmt).scalar() == self.owner
