"""The web tests' helpers: a clock the test moves, and the app under test with its sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from account_intel.auth.demo_access import WebLogin
from account_intel.store.engine import Store

AS_OF = date(2024, 11, 30)


class MovableClock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.instant = datetime(2024, 11, 30, 12, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta


@dataclass
class Web:
    """The app under test, its store, clock and the demo's sign-ins (AE, CSM, manager) and API tokens."""

    client: TestClient
    store: Store
    clock: MovableClock
    logins: dict[str, WebLogin]
    tokens: dict[str, str]
    url: str
    home: Path
    user_ids: dict[str, str]

    def sign_in(self, role: str, *, password: str | None = None, next_path: str = "/") -> object:
        """Post the sign-in form as the demo's `role` (AE, CSM or manager), as a browser would."""
        page = self.client.get("/sign-in")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        login = self.logins[role]
        return self.client.post(
            "/sign-in",
            data={"email": login.email, "password": password or login.password, "csrf_token": token, "next": next_path},
            follow_redirects=False,
        )

    def csrf(self, path: str = "/") -> str:
        """The session's form token, read from a page's sign-out form."""
        return self.client.get(path).text.split('name="csrf_token" value="')[1].split('"')[0]
