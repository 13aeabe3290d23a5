"""Shared fixtures of the agent tests: a 20-account demo store copied per test, settings with a scripted endpoint."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.llm.factory import LLMFactory
from account_intel.runs.brief import run_brief
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext
from tests.agents.llm_script import rules_answers
from tests.llm_scripts import BASE_URL

AS_OF = date(2024, 11, 30)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(f"sqlite:///{path}", DemoSpec(accounts=20, seed=7, as_of=AS_OF), thresholds=Thresholds())
    return path


@pytest.fixture
def store(demo_file: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "store.db"
    shutil.copy(demo_file, copy)
    return Store(f"sqlite:///{copy}")


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(**{"home": tmp_path / "home", "openai_base_url": BASE_URL, "openai_api_key": "sk-test", **kw})


def _answers(store: Store, settings: Settings, account: str = "ACCT-3421") -> dict[str, dict[str, Any]]:
    ctx = ToolContext(sessions=store.sessions, settings=settings, as_of=AS_OF, account_id=account, run_id="prep")
    return rules_answers(ctx, {"account_id": account, "as_of": AS_OF, "kind": "brief"})


def _brief(store: Store, settings: Settings, tmp_path: Path, account: str = "TechFlow") -> Any:
    return run_brief(
        store=store,
        settings=settings,
        account=account,
        as_of=AS_OF,
        brain="llm",
        out_dir=tmp_path / "out",
        clock=FixedClock.on(AS_OF),
        llm=LLMFactory(settings),
        sleep=lambda _s: None,
    )
