"""A real server on loopback and Debian's Chromium driven by Playwright (never a browser download).

The app runs on uvicorn in a thread of the test process, over a copy of a 40-account demo store; the browser is
`/usr/bin/chromium`, headless, with the flags that keep it off the network. Without Chromium the tests skip, unless
ACCOUNT_INTEL_REQUIRE_BROWSER is set (CI sets it, so a missing browser fails there). Screenshots go to
`out/browser/` (ACCOUNT_INTEL_TEST_ARTIFACTS to change).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from account_intel.auth.demo_access import WebLogin, demo_web_logins
from account_intel.demo.build import build_demo
from account_intel.demo.spec import DemoSpec
from account_intel.demo.stories import RETAILCO_ID
from account_intel.domain.tiering import Thresholds
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.web.app import create_app
from tests.web.support import AS_OF, MovableClock

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(os.environ.get("ACCOUNT_INTEL_TEST_ARTIFACTS", "out/browser"))


@dataclass
class Site:
    """The running app: its address, store and the demo's sign-ins."""

    url: str
    store: Store
    logins: dict[str, WebLogin]
    clock: MovableClock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "demo.db"
    build_demo(f"sqlite:///{path}", DemoSpec(accounts=40, seed=7, as_of=AS_OF), thresholds=Thresholds())
    return path


@pytest.fixture
def site(browser_demo: Path, tmp_path: Path) -> Iterator[Site]:
    path = tmp_path / "demo.db"
    shutil.copy(browser_demo, path)
    url = f"sqlite:///{path}"
    store = Store(url)
    clock = MovableClock()
    logins = {login.role: login for login in demo_web_logins(store, at=clock.now(), story_account=RETAILCO_ID)}
    app = create_app(Settings(home=tmp_path / "home", db_url=url), store=store, clock=clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield Site(url=f"http://127.0.0.1:{port}", store=store, logins=logins, clock=clock)
    server.should_exit = True
    thread.join(timeout=10)
    store.dispose()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Chromium for this package's tests only: Playwright's sync API keeps an event loop running in the main thread
    while it is open, which other packages' `anyio.run` must not meet."""
    if not CHROMIUM.exists():
        if os.environ.get("ACCOUNT_INTEL_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium`")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    tab = context.new_page()
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
