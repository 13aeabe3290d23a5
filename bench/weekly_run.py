"""Benchmark: the rules-brain weekly run over demo portfolios; prints accounts/s, wall time, peak memory, phases
and time per graph node.

    python bench/weekly_run.py [--accounts 1000 10000] [--db-dir DIR] [--reuse] [--concurrency 1] [--seed 7]
                               [--segment EXPR] [--timeout SECONDS]

A pristine demo store per size is built once (`portfolio_<n>.db` in --db-dir; --reuse keeps an existing one), and
each measured run works on a fresh copy of it, so the run really does every account (a rerun of the same ISO week
would skip them all). Each run happens in a child process so its peak memory (ru_maxrss) is its own. Prints
figures, asserts nothing. The machine's load average is printed with them: the figures depend on it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.graph import nodes
from account_intel.graph.build import NODE_ORDER
from account_intel.runs.weekly import WeeklyHooks, run_weekly
from account_intel.settings import Settings
from account_intel.store.engine import Store


def _timed_nodes() -> dict[str, list[float]]:
    """Wrap each node of the per-account graph with a timer (before the graph is built); cheap: two clock reads."""
    totals: dict[str, list[float]] = {name: [0.0, 0] for name in NODE_ORDER}
    lock = threading.Lock()
    for name in NODE_ORDER:
        original = getattr(nodes, name)

        @functools.wraps(original)  # keeps the signature and the Command[Literal[...]] routing annotations
        def timed(state: Any, runtime: Any, _original: Any = original, _name: str = name) -> Any:
            started = time.perf_counter()
            try:
                return _original(state, runtime)
            finally:
                with lock:
                    totals[_name][0] += time.perf_counter() - started
                    totals[_name][1] += 1

        setattr(nodes, name, timed)
    return totals


def run_one(url: str, home: Path, as_of: date, concurrency: int, segment: str | None) -> dict[str, Any]:
    """One measured weekly run (inside the child process)."""
    node_times = _timed_nodes()
    phases: list[tuple[str, float]] = []
    settings = Settings(home=home, db_url=url)
    store = Store(url)
    load_before = os.getloadavg()
    started = time.perf_counter()
    summary = run_weekly(
        store=store,
        settings=settings,
        as_of=as_of,
        brain="rules",
        clock=FixedClock.on(as_of),
        concurrency=concurrency,
        segment=segment,
        hooks=WeeklyHooks(phase=lambda name, total: phases.append((name, time.perf_counter()))),
    )
    seconds = time.perf_counter() - started
    store.dispose()
    marks = [("select", started), *phases, ("end", started + seconds)]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "accounts": summary.accounts,
        "counts": summary.counts,
        "seconds": round(seconds, 2),
        "phases": {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])},
        "nodes": {name: (round(total, 2), int(calls)) for name, (total, calls) in node_times.items()},
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "concurrency": concurrency,
        "segment": segment,
        "load_before": load_before,
    }


def print_result(r: dict[str, Any]) -> None:
    """Print one run's figures."""
    seconds, accounts = float(r["seconds"]), int(r["accounts"])
    scope = f", segment {r['segment']}" if r["segment"] else ""
    print(f"\n== weekly run, {accounts:,} accounts{scope}, rules brain, concurrency {r['concurrency']}")
    print(f"wall time        {seconds:,.1f} s   ({accounts / seconds:.2f} accounts/s)")
    print(f"cpu time         {r['cpu_seconds']} s (user + system)")
    print(f"peak memory      {r['peak_rss_mib']} MiB (ru_maxrss)")
    print(f"statuses         {r['counts']}")
    print(f"load average     before {tuple(round(x, 2) for x in r['load_before'])}, after {r['load_after']}")
    print("phases           " + ", ".join(f"{name} {s} s" for name, s in r["phases"].items()))
    width = max(len(n) for n in r["nodes"])
    print("per node (summed over accounts; with concurrency > 1 these overlap in wall time)")
    for name, (total, calls) in r["nodes"].items():
        per = total / calls * 1000 if calls else 0.0
        print(f"  {name:<{width}}  {total:>9.1f} s  {calls:>7,} calls  {per:>8.1f} ms/call")


def pristine(db_dir: Path, accounts: int, seed: int, as_of: date, reuse: bool) -> Path:
    """The demo store of this size, built once."""
    path = db_dir / f"portfolio_{accounts}.db"
    if reuse and path.exists():
        return path
    started = time.perf_counter()
    spec = DemoSpec(accounts=accounts, seed=seed, as_of=as_of)
    build_demo(f"sqlite:///{path}", spec, thresholds=Thresholds(), force=True)
    print(f"built {path} in {time.perf_counter() - started:.1f} s")
    return path


def main() -> None:
    """Parse arguments, build (or reuse) each store, run each size in its own process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--db-dir", type=Path, default=None, help="Folder for the stores (default: a temp dir).")
    parser.add_argument("--reuse", action="store_true", help="Reuse portfolio_<n>.db in --db-dir when present.")
    parser.add_argument("--concurrency", type=int, default=1, help="Accounts at once (the rules brain's default is 1).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2024, 11, 30))
    parser.add_argument("--segment", default=None, help="Only accounts matching this expression (a slice).")
    parser.add_argument("--timeout", type=float, default=None, help="Give up on a size after this many seconds.")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_one(args.child, args.home, args.as_of, args.concurrency, args.segment)
        print(json.dumps(result))
        return
    db_dir = args.db_dir or Path(tempfile.mkdtemp(prefix="weekly-bench-"))
    db_dir.mkdir(parents=True, exist_ok=True)
    for accounts in args.accounts:
        source = pristine(db_dir, accounts, args.seed, args.as_of, args.reuse)
        work = db_dir / f"work_{accounts}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        shutil.copy(source, work / "store.db")
        url = f"sqlite:///{(work / 'store.db').resolve()}"
        command = [sys.executable, __file__, "--child", url, "--home", str(work / "home"), "--as-of",
                   args.as_of.isoformat(), "--concurrency", str(args.concurrency)]  # fmt: skip
        if args.segment:
            command += ["--segment", args.segment]
        try:
            done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"\n== {accounts:,} accounts: gave up after {args.timeout} s (load {os.getloadavg()})")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["load_after"] = tuple(round(x, 2) for x in os.getloadavg())
        print_result(result)


if __name__ == "__main__":
    main()
