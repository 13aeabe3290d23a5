"""CLI start-up benchmark: wall time of help and read commands, each run in a fresh process against a demo store.

    python bench/cli_startup.py [--runs 10] [--home DIR]

Builds a demo store under a temporary ACCOUNT_INTEL_HOME (or uses --home if it already holds one), then runs each
command `--runs` times and prints the median and p95 wall time per command. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("accounts", "--help"),
    ("db", "status"),
    ("accounts", "show", "TechFlow", "--as-of", "2024-11-30"),
    ("health", "TechFlow", "--as-of", "2024-11-30"),
)


def cli() -> list[str]:
    """The `account-intel` executable next to this Python, else `python -m` on the entry point."""
    script = Path(sys.executable).with_name("account-intel")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from account_intel.cli.app import main; main()"]


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run; a failing command stops the benchmark."""
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return seconds


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    """Build or reuse the demo store, time each command and print one row per command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="Runs per command.")
    parser.add_argument("--home", type=Path, help="ACCOUNT_INTEL_HOME holding a demo store (default: a new one).")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="cli-startup-"))
    env = {**os.environ, "ACCOUNT_INTEL_HOME": str(home), "COLUMNS": "120"}
    env.pop("ACCOUNT_INTEL_DB_URL", None)
    base = cli()
    try:
        if not (home / "account-intel.db").exists():
            timed([*base, "demo"], env)
        print(f"{'command':<56} {'median s':>9} {'p95 s':>7}   ({args.runs} runs, fresh process each)")
        for command in COMMANDS:
            times = [timed([*base, *command], env) for _ in range(args.runs)]
            label = "account-intel " + " ".join(command)
            print(f"{label:<56} {statistics.median(times):>9.3f} {p95(times):>7.3f}")
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
