"""The portfolio scan, computed once per store state and shared by every request of the process.

A scan of 10,000 accounts takes seconds; a page must not. The report is kept per (day, health weights) with the
store's fingerprint: the newest event id and the store's metadata stamp. Every change the product makes records an
event (pipeline moves, imports, overrides, approvals), so a new event means a new scan. Concurrent requests for
the same key wait for the one scan in flight instead of starting their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.analytics.portfolio.pipeline import PortfolioReport
from account_intel.store.models import Event, StoreMeta

KEEP = 8


@dataclass(frozen=True, slots=True)
class Cached:
    """A report and when it was computed."""

    report: PortfolioReport
    computed_at: datetime


def fingerprint(session: Session) -> tuple[int, str]:
    """What changes whenever the store's data does: the newest event id and the metadata stamp."""
    newest = session.scalar(select(func.max(Event.id))) or 0
    stamp = session.scalar(select(StoreMeta.updated_at))
    return int(newest), "" if stamp is None else stamp.isoformat()


class PortfolioCache:
    """Reports by (day, weights digest, store fingerprint), the most recent few."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[object, ...], Cached] = OrderedDict()
        self._locks: dict[tuple[object, ...], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(
        self, session: Session, day: date, weights: str, compute: Callable[[], PortfolioReport], now: datetime
    ) -> Cached:
        """The cached report for this state of the store, computing it once when there is none."""
        key = (day, weights, fingerprint(session))
        with self._guard:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                hit = self._items.get(key)
            if hit is None:
                hit = Cached(report=compute(), computed_at=now)
                with self._guard:
                    self._items[key] = hit
                    while len(self._items) > KEEP:
                        self._items.popitem(last=False)
                    self._locks.pop(key, None)
        return hit
