"""A demo store with web sign-ins, and the app over it, for the web and API tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from account_intel.auth.demo_access import demo_web_logins
from account_intel.auth.tokens import issue_token
from account_intel.demo.build import build_demo
from account_intel.demo.spec import DemoSpec
from account_intel.demo.stories import RETAILCO_ID
from account_intel.domain.tiering import Thresholds
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import User
from account_intel.web.app import create_app
from tests.conftest import PG_URL, _reset_postgres
from tests.web.support import AS_OF, MovableClock, Web


@pytest.fixture(scope="session")
def web_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "demo.db"
    build_demo(f"sqlite:///{path}", DemoSpec(accounts=40, seed=7, as_of=AS_OF), thresholds=Thresholds())
    return path


@pytest.fixture
def web(web_demo: Path, tmp_path: Path) -> Iterator[Web]:
    if PG_URL:  # the PostgreSQL pass: the same demo, built on the server
        _reset_postgres(PG_URL)
        build_demo(PG_URL, DemoSpec(accounts=40, seed=7, as_of=AS_OF), thresholds=Thresholds())
        url = PG_URL
    else:
        path = tmp_path / "demo.db"
        shutil.copy(web_demo, path)
        url = f"sqlite:///{path}"
    store = Store(url)
    clock = MovableClock()
    logins = {login.role: login for login in demo_web_logins(store, at=clock.now(), story_account=RETAILCO_ID)}
    tokens, user_ids = {}, {}
    with store.transaction() as session:
        for role, login in logins.items():
            user = session.query(User).filter(User.email == login.email).one()
            tokens[role] = issue_token(session, user=user, name="test", at=clock.now(), created_by="test")[1]
            user_ids[role] = user.id
    settings = Settings(home=tmp_path / "home", db_url=url)
    app = create_app(settings, store=store, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Web(
            client=client, store=store, clock=clock, logins=logins, tokens=tokens, url=url, home=tmp_path / "home",
            user_ids=user_ids,
        )  # fmt: skip
    store.dispose()
