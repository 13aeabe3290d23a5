"""Benchmark: the portfolio scan (health, signals, whitespace and propensity over every account) and one account's
full analysis, on demo stores of 10,000 and 100,000 accounts.

    python bench/portfolio_scan.py [--accounts 10000 100000] [--db-dir DIR] [--reuse] [--workers N] [--repeats 3]
                                   [--seed 7]

Stores are built with the demo package's builder (`account_intel.demo.build.build_demo`), or reused with --reuse
when the file exists. Each measurement runs in a child process so its peak memory (ru_maxrss) is its own; worker
processes of the scan are reported separately (RUSAGE_CHILDREN: the largest worker). The machine load (1, 5 and
15 minute load averages) is printed before and after each run: on a shared machine it changes the figures.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TARGET_RATE = 2_000  # accounts per second
TARGET_PEAK_MIB = 1_536  # 1.5 GB at 100,000 accounts
TARGET_LATENCY_MS = 50.0  # one account's full analysis
LATENCY_ACCOUNTS = 50


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def build(url: str, accounts: int, seed: int, as_of: date) -> float:
    """Build a fresh demo store; seconds taken."""
    from account_intel.demo.build import build_demo
    from account_intel.demo.portfolio import DemoSpec
    from account_intel.domain.tiering import Thresholds

    started = time.perf_counter()
    build_demo(url, DemoSpec(accounts=accounts, seed=seed, as_of=as_of), thresholds=Thresholds(), force=True)
    return time.perf_counter() - started


def scan_child(url: str, as_of: date, workers: int) -> dict[str, object]:
    """Scan the whole portfolio (inside the child process)."""
    from account_intel.analytics.portfolio.pipeline import portfolio_report
    from account_intel.store.engine import Store

    store = Store(url, migrate=False)
    before = load()
    cpu = time.process_time()
    started = time.perf_counter()
    with store.transaction() as session:
        report = portfolio_report(session, as_of, url=url, workers=workers)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "accounts": report.accounts_scanned,
        "opportunities": report.opportunities,
        "seconds": round(seconds, 2),
        "rate": round(report.accounts_scanned / seconds),
        "workers": workers,
        "cpu_seconds_main": round(time.process_time() - cpu, 1),
        "cpu_seconds_workers": round(children.ru_utime + children.ru_stime, 1),
        "peak_rss_mib_main": round(own.ru_maxrss / 1024, 1),
        "peak_rss_mib_largest_worker": round(children.ru_maxrss / 1024, 1),
        "load_before": before,
        "load_after": load(),
    }


def latency_child(url: str, as_of: date) -> dict[str, object]:
    """One account's full analysis (`analyze_account`), median and p95 over accounts spread across the ids."""
    from sqlalchemy import select

    from account_intel.analytics.account_analysis import analyze_account
    from account_intel.store.engine import Store
    from account_intel.store.models import Account

    store = Store(url, migrate=False)
    before = load()
    with store.transaction() as session:
        ids = list(session.scalars(select(Account.id).order_by(Account.id)))
        step = max(1, len(ids) // LATENCY_ACCOUNTS)
        chosen = ids[::step][:LATENCY_ACCOUNTS]
        analyze_account(session, chosen[0], as_of)  # warm-up: configs, catalog caches, statement cache
        times = []
        for account_id in chosen:
            started = time.perf_counter()
            analyze_account(session, account_id, as_of)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "accounts": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "load_before": before,
        "load_after": load(),
    }


def run_child(*args: str) -> dict[str, object]:
    """Run this file as a child with the given arguments and read its JSON result."""
    completed = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build or reuse each store, then measure the scan and the single-account latency in child processes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db-dir", type=Path, default=None, help="Folder of the SQLite stores (default: a temp dir).")
    parser.add_argument("--reuse", action="store_true", help="Reuse portfolio_<n>.db in --db-dir when present.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Scan worker processes.")
    parser.add_argument("--repeats", type=int, default=3, help="Scans per size (the median one is detailed).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2024, 11, 30))
    parser.add_argument("--child", choices=("scan", "latency"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "scan":
        print(json.dumps(scan_child(args.url, args.as_of, args.workers)))
        return
    if args.child == "latency":
        print(json.dumps(latency_child(args.url, args.as_of)))
        return
    db_dir = args.db_dir or Path(tempfile.mkdtemp(prefix="portfolio-scan-"))
    db_dir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs; load average now {load()} (1, 5, 15 min)")
    for accounts in args.accounts:
        path = (db_dir / f"portfolio_{accounts}.db").resolve()
        url = f"sqlite:///{path}"
        if args.reuse and path.exists():
            print(f"\n== {accounts:,} accounts: reusing {path}")
        else:
            print(f"\n== {accounts:,} accounts: building {path} ...", flush=True)
            print(f"built in {build(url, accounts, args.seed, args.as_of):,.0f} s")
        common = ("--url", url, "--as-of", args.as_of.isoformat())
        scans = [run_child("--child", "scan", "--workers", str(args.workers), *common) for _ in range(args.repeats)]
        rates = sorted(int(x["rate"]) for x in scans)  # type: ignore[call-overload]
        scan = sorted(scans, key=lambda x: int(x["rate"]))[len(scans) // 2]  # type: ignore[call-overload]  # the median run
        if len(scans) > 1:
            print(f"runs       {', '.join(f'{r:,}' for r in rates)} accounts/s; the median run follows")
        peak = float(scan["peak_rss_mib_main"]) + args.workers * float(scan["peak_rss_mib_largest_worker"])  # type: ignore[arg-type]
        print(
            f"scan       {scan['accounts']:,} accounts in {scan['seconds']} s = {scan['rate']:,} accounts/s "
            f"(target >= {TARGET_RATE:,}) with {scan['workers']} worker(s); {scan['opportunities']:,} counted "
            "opportunities"
        )
        print(f"cpu        main {scan['cpu_seconds_main']} s, workers {scan['cpu_seconds_workers']} s (user + system)")
        print(
            f"memory     main {scan['peak_rss_mib_main']} MiB, largest worker "
            f"{scan['peak_rss_mib_largest_worker']} MiB (ru_maxrss); at most {peak:,.0f} MiB together "
            f"(target <= {TARGET_PEAK_MIB:,} MiB)"
        )
        print(f"load       {scan['load_before']} before, {scan['load_after']} after")
        latency = run_child("--child", "latency", *common)
        print(
            f"analysis   one account: median {latency['median_ms']} ms, p95 {latency['p95_ms']} ms, "
            f"max {latency['max_ms']} ms over {latency['accounts']} accounts (target <= {TARGET_LATENCY_MS:.0f} ms); "
            f"load {latency['load_before']} before, {latency['load_after']} after"
        )


if __name__ == "__main__":
    main()
