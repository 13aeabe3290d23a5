from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from account_intel.content import CONTENT_FOLDERS, ContentError, content_root

ROOT = Path(__file__).resolve().parents[1]


def test_content_root_resolves_in_the_installed_package() -> None:
    root = content_root()
    for name in CONTENT_FOLDERS:
        assert (root / name / "README.md").is_file()


def test_a_users_copy_must_be_complete(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    with pytest.raises(ContentError, match="prompts/, tools/"):
        content_root(tmp_path)


def test_wheel_ships_the_content_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("account_intel-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in CONTENT_FOLDERS:
        assert f"account_intel/_content/{folder}/README.md" in names
    assert any(n.startswith("account_intel/store/migrations/versions/0001_") for n in names)
    assert "account_intel/store/migrations/script.py.mako" in names
    assert not any(n.startswith(("agents/", "tools/")) for n in names), "content must not be top-level packages"


def test_importing_the_package_runs_nothing(tmp_path: Path) -> None:
    code = "import account_intel.cli.app, account_intel.store.models; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"ACCOUNT_INTEL_HOME": str(tmp_path / "h"), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "ok"
    assert not (tmp_path / "h").exists()
