"""Fixture stores: a small demo portfolio built once per process as a template SQLite file, copied per scenario,
then the scenario's written-out account and patches applied and ARR, tier and segment derived again.

The template is the demo builder's deterministic portfolio (12 accounts, random seed 7, TechFlow and RetailCo first),
so a scenario that starts from a story account sees exactly its story.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from account_intel.demo.loader import load_portfolio, refresh_arr
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.evals.patch_context import PatchContext
from account_intel.evals.patch_ops import apply_patch
from account_intel.evals.scenario import AS_OF, Scenario
from account_intel.evals.written_account import add_written_account
from account_intel.store.engine import Store

TEMPLATE_ACCOUNTS = 12
TEMPLATE_SEED = 7


@dataclass(frozen=True)
class TemplateKey:
    """What a template store is built from."""

    accounts: int = TEMPLATE_ACCOUNTS
    seed: int = TEMPLATE_SEED
    as_of: date = AS_OF


class TemplateCache:
    """Template stores built once per process (per key) in a temporary folder, removed at exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._paths: dict[TemplateKey, Path] = {}

    def path(self, key: TemplateKey, thresholds: Thresholds) -> Path:
        """The template file for `key`, building it on first use."""
        with self._lock:
            if key not in self._paths:
                if self._folder is None:
                    self._folder = tempfile.TemporaryDirectory(prefix="account-intel-evals-")
                path = Path(self._folder.name) / f"template-{key.accounts}-{key.seed}-{key.as_of}.db"
                store = Store(f"sqlite:///{path}")
                try:
                    with store.transaction() as session:
                        spec = DemoSpec(accounts=key.accounts, seed=key.seed, as_of=key.as_of)
                        load_portfolio(session, spec, thresholds=thresholds)
                finally:
                    store.dispose()
                self._paths[key] = path
            return self._paths[key]


TEMPLATES = TemplateCache()


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite store (the backup API reads through the WAL)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def build_store(
    scenario: Scenario,
    folder: Path,
    *,
    thresholds: Thresholds | None = None,
    key: TemplateKey | None = None,
    cache: TemplateCache = TEMPLATES,
) -> Store:
    """A fresh store for `scenario` under `folder`: the template copied, then the fixture applied."""
    thresholds = thresholds or Thresholds()
    key = key or TemplateKey()
    path = folder / "store.db"
    copy_sqlite(cache.path(key, thresholds), path)
    store = Store(f"sqlite:///{path}")
    fixture = scenario.fixture
    default_account = scenario.accounts[0]
    with store.transaction() as session:
        if fixture.written is not None:
            add_written_account(session, fixture.written, key.as_of)
        patches = PatchContext(session, key.as_of)
        for patch in fixture.steps:
            apply_patch(patches, default_account, patch)
        refresh_arr(session, as_of=key.as_of, thresholds=thresholds)
    return store
