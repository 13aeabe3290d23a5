"""Benchmark: generate and load demo portfolios into fresh stores; print time, rows, throughput, size, memory.

    python bench/portfolio_load.py [--accounts 10000 100000] [--db-dir DIR] [--pg-url URL] [--seed 7]

Each run happens in a child process so its peak memory (ru_maxrss) is its own. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from account_intel.demo.fresh_store import display_url, open_fresh_store
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.demo.producer import use_background
from account_intel.domain.tiering import Thresholds


def run_one(url: str, accounts: int, seed: int, as_of: date) -> dict[str, object]:
    """Load one portfolio into a fresh store at `url` and measure it (runs inside the child process)."""
    store = open_fresh_store(url, force=True)
    spec = DemoSpec(accounts=accounts, seed=seed, as_of=as_of)
    background = use_background(spec)
    started = time.perf_counter()
    with store.transaction() as session:
        report = load_portfolio(session, spec, thresholds=Thresholds(), background=background)
    store.dispose()  # the last close writes any WAL back into the main file: part of the cost
    seconds = time.perf_counter() - started
    size = None
    if make_url(url).get_backend_name() == "sqlite":
        path = Path(make_url(url).database or "")
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the generator process, when used
    maxrss_kib = usage.ru_maxrss  # KiB on Linux
    return {
        "url": display_url(url),
        "accounts": accounts,
        "seconds": round(seconds, 2),
        "generate_and_insert_seconds": round(report.generate_and_insert_seconds, 2),
        "derive_seconds": round(report.derive_seconds, 2),
        "rows": report.rows,
        "total_rows": report.total_rows,
        "db_bytes": size,
        "peak_rss_mib": round(maxrss_kib / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "children_cpu_seconds": round(children.ru_utime + children.ru_stime, 1),
        "background": background,
    }


def print_result(result: dict[str, object]) -> None:
    """Print one run's figures."""
    rows: dict[str, int] = result["rows"]  # type: ignore[assignment]
    total, seconds = int(result["total_rows"]), float(result["seconds"])  # type: ignore[arg-type]
    print(f"\n== {result['accounts']:,} accounts -> {result['url']}")
    print(f"wall time        {seconds:,.1f} s  (generate+insert {result['generate_and_insert_seconds']} s, "
          f"ARR/tier/segment + sequences {result['derive_seconds']} s)")  # fmt: skip
    print(f"cpu time         {result['cpu_seconds']} s loading + {result['children_cpu_seconds']} s generator process")
    print("                 (user + system; the wall time")
    print("                 also counts waiting for disk and for other processes on the machine)")
    print(f"rows written     {total:,}")
    print(f"rows per second  {total / seconds:,.0f}")
    if result["db_bytes"] is not None:
        print(f"database size    {int(result['db_bytes']) / 1024 / 1024:,.1f} MiB")  # type: ignore[arg-type]
    print(f"peak memory      {result['peak_rss_mib']} MiB (ru_maxrss of the loading process)")
    print(f"generator        {'helper process' if result['background'] else 'in process'}")
    width = max(len(name) for name in rows)
    for name, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  {name:<{width}}  {count:>12,}")


def main() -> None:
    """Parse arguments, run every size in its own process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db-dir", type=Path, default=None, help="Folder for the SQLite files (default: a temp dir).")
    parser.add_argument("--pg-url", default=None, help="Also load each size into this PostgreSQL store (wiped!).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2024, 11, 30))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one measured run, result as JSON on stdout
        print(json.dumps(run_one(args.child, args.accounts[0], args.seed, args.as_of)))
        return
    db_dir = args.db_dir or Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
    db_dir.mkdir(parents=True, exist_ok=True)
    for accounts in args.accounts:
        urls = [f"sqlite:///{(db_dir / f'portfolio_{accounts}.db').resolve()}"]
        if args.pg_url:
            urls.append(args.pg_url)
        for url in urls:
            command = [sys.executable, __file__, "--child", url, "--accounts", str(accounts), "--seed", str(args.seed),
                       "--as-of", args.as_of.isoformat()]  # fmt: skip
            completed = subprocess.run(command, check=True, capture_output=True, text=True)
            print_result(json.loads(completed.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
