"""The portfolio scan is computed once per state of the store and shared; any change starts a new one."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

from account_intel.store.events import record_event
from account_intel.web.cache import PortfolioCache
from tests.web.support import Web


def _auth(web: Web) -> dict[str, str]:
    return {"Authorization": f"Bearer {web.tokens['manager']}"}


def test_the_same_store_state_reuses_the_scan_and_a_change_starts_a_new_one(web: Web) -> None:
    first = web.client.get("/api/v1/portfolio", headers=_auth(web)).json()
    web.clock.advance(timedelta(minutes=5))
    again = web.client.get("/api/v1/portfolio", headers=_auth(web)).json()
    assert again["computed_at"] == first["computed_at"] and again["report"] == first["report"]
    with web.store.transaction() as session:
        record_event(session, kind="test.changed", at=web.clock.now(), entity_type="test", entity_id="x")
    changed = web.client.get("/api/v1/portfolio", headers=_auth(web)).json()
    assert changed["computed_at"] != first["computed_at"]
    other_day = web.client.get("/api/v1/portfolio?as_of=2024-10-31", headers=_auth(web)).json()
    assert other_day["as_of"] == "2024-10-31" and other_day["report"]["as_of"] == "2024-10-31"


def test_concurrent_requests_wait_for_the_one_scan_in_flight(web: Web) -> None:
    cache, calls = PortfolioCache(), []

    def compute() -> Any:
        calls.append(1)
        time.sleep(0.2)
        return object()

    results: list[Any] = []

    def ask() -> None:
        with web.store.transaction() as session:
            results.append(cache.get(session, date(2024, 11, 30), "w", compute, web.clock.now()))  # type: ignore[arg-type]

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r.report) for r in results}) == 1
