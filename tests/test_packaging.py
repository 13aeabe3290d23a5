from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("account_intel-*.whl"))


def test_wheel_ships_the_content_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in CONTENT_FOLDERS:
        assert f"account_intel/_content/{folder}/README.md" in names
    assert any(n.startswith("account_intel/store/migrations/versions/0001_") for n in names)
    assert "account_intel/store/migrations/script.py.mako" in names
    assert not any(n.startswith(("agents/", "tools/")) for n in names), "content must not be top-level packages"


def test_wheel_ships_the_web_apps_templates_and_static_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    web = ROOT / "src" / "account_intel" / "web"
    shipped = list((web / "templates").iterdir()) + [p for p in (web / "static").rglob("*") if p.is_file()]
    assert any(p.name == "chart.umd.min.js" for p in shipped) and any(p.name == "htmx.min.js" for p in shipped)
    for path in shipped:
        assert f"account_intel/web/{path.relative_to(web).as_posix()}" in names, path


@pytest.mark.skipif(bool(os.environ.get("ACCOUNT_INTEL_TEST_PG_URL")), reason="SQLite-only: the demo's own store")
def test_the_installed_wheel_runs_the_demo_and_a_brief(wheel: Path, tmp_path: Path) -> None:
    """The wheel, installed into a new venv, runs the README's main job with no source tree behind it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    bin_dir = venv / "bin"
    subprocess.run(
        [bin_dir / "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True
    )
    # The wheel's dependencies come from this environment, offline: a path entry, not its .pth files, so the
    # editable install of the source tree stays out of the new venv.
    site = subprocess.run(
        [bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_deps_from_test_env.pth").write_text("\n".join(sorted(here)) + "\n")
    env = {"ACCOUNT_INTEL_HOME": str(tmp_path / "home"), "PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    where = subprocess.run(
        [bin_dir / "python", "-c", "import account_intel; print(account_intel.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    ).stdout.strip()
    assert where.startswith(str(venv)), where
    demo = subprocess.run([bin_dir / "account-intel", "demo"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "TechFlow" in demo.stdout
    brief = subprocess.run(
        [bin_dir / "account-intel", "brief", "TechFlow", "--as-of", "2024-11-30", "--brain", "rules", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert brief.returncode == 0, brief.stderr
    assert '"account_id": "ACCT-3421"' in brief.stdout


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
