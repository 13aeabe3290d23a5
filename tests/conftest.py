"""Shared fixtures: a fresh store per test (SQLite, or PostgreSQL when ACCOUNT_INTEL_TEST_PG_URL is set),
a temporary home, and a guard that fails any network connection beyond loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from account_intel.clock import FixedClock
from account_intel.store.engine import Store

PG_URL = os.environ.get("ACCOUNT_INTEL_TEST_PG_URL")
SHARED = Path(__file__).resolve().parents[2] / "shared"
RAVENSTACK = SHARED / "data" / "ravenstack"

_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection


def _is_local(address: object) -> bool:
    if isinstance(address, str | bytes):
        return True  # AF_UNIX sockets (PostgreSQL's local socket) stay on the machine
    if not (isinstance(address, tuple) and address):
        return False
    host = str(address[0])
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> object:
    if not _is_local(address):
        raise RuntimeError(f"Test tried to reach the network: {address!r}. Tests never leave the machine.")
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
    if not _is_local(address):
        raise RuntimeError(f"Test tried to reach the network: {address!r}. Tests never leave the machine.")
    return _real_create_connection(address, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "create_connection", _guarded_create_connection)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ACCOUNT_INTEL_HOME and no model endpoint."""
    home = tmp_path / "home"
    monkeypatch.setenv("ACCOUNT_INTEL_HOME", str(home))
    for name in ("ACCOUNT_INTEL_DB_URL", "ACCOUNT_INTEL_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return home


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """URL of an empty store: PostgreSQL when ACCOUNT_INTEL_TEST_PG_URL is set, else a SQLite file."""
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store."""
    s = Store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed on the demo's default as-of date."""
    return FixedClock.on(date(2024, 11, 30))
