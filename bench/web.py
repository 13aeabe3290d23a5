"""Benchmark: the web app and the API under load, on a demo store of 10,000 accounts.

    python bench/web.py [--accounts 10000] [--db-dir DIR] [--reuse] [--requests 200] [--concurrency 20] [--workers 2]

Builds the store with the demo builder (or reuses it with --reuse), upgrades its schema, gives a manager a
password and a token, starts `account-intel serve` in a child process on a free loopback port, signs in, and then
sends `--requests` requests at `--concurrency` to: the account page (accounts drawn at random), the portfolio
page, and `/api/v1/accounts/{id}`. The portfolio's first request (the scan itself) is timed apart from the ones
that follow (the scan is kept until the store changes). Prints p50, p95 and max latency per route and the machine
load; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

TARGETS_MS = {"account page": 300.0, "portfolio page": 1000.0}
PASSWORD = "bench password for the web"
CLI = str(Path(sys.executable).with_name("account-intel"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str, accounts: int, reuse: bool, path: Path) -> tuple[str, str, list[str]]:
    from sqlalchemy import select

    from account_intel.auth.passwords import set_password
    from account_intel.auth.tokens import issue_token
    from account_intel.demo.build import build_demo
    from account_intel.demo.spec import DemoSpec
    from account_intel.domain.enums import UserRole
    from account_intel.domain.tiering import Thresholds
    from account_intel.store.engine import Store
    from account_intel.store.models import Account, User

    if not (reuse and path.exists()):
        started = time.perf_counter()
        build_demo(
            url, DemoSpec(accounts=accounts, seed=7, as_of=date(2024, 11, 30)), thresholds=Thresholds(), force=True
        )
        print(f"built      {accounts:,} accounts in {time.perf_counter() - started:.0f} s")
    subprocess.run([CLI, "db", "upgrade", "--db", url], check=False,
                   capture_output=True)  # fmt: skip
    store = Store(url)
    now = datetime.now(UTC)
    with store.transaction() as session:
        manager = session.scalars(select(User).where(User.role == UserRole.MANAGER).order_by(User.id).limit(1)).one()
        set_password(session, manager, PASSWORD, at=now, actor="bench")
        _, token = issue_token(session, user=manager, name="bench", at=now, created_by="bench")
        ids = list(session.scalars(select(Account.id).where(Account.status == "active")))
        email = manager.email
    store.dispose()
    return email, token, ids


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):7.1f} ms, p95 {p95:7.1f} ms, max {ordered[-1]:7.1f} ms"


def _load(client: httpx.Client, paths: list[str], concurrency: int) -> tuple[list[float], int]:
    def one(path: str) -> tuple[float, int]:
        started = time.perf_counter()
        response = client.get(path)
        return (time.perf_counter() - started) * 1000, response.status_code

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, paths))
    return [ms for ms, _ in results], sum(1 for _, code in results if code != 200)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--db-dir", type=Path, default=Path(tempfile.gettempdir()) / "account-intel-bench")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes (serve --workers)")
    args = parser.parse_args()
    args.db_dir.mkdir(parents=True, exist_ok=True)
    path = args.db_dir / f"portfolio_{args.accounts}.db"
    url = f"sqlite:///{path}"
    print(f"machine    {os.cpu_count()} CPUs; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    email, token, ids = _prepare(url, args.accounts, args.reuse, path)
    port = _port()
    home = Path(tempfile.mkdtemp(prefix="bench-web-"))
    env = {**os.environ, "ACCOUNT_INTEL_HOME": str(home)}
    server = subprocess.Popen(
        [CLI, "serve", "--db", url, "--port", str(port), "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/sign-in", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        with httpx.Client(base_url=base, timeout=120, limits=limits) as browser:
            page = browser.get("/sign-in").text
            csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
            signed = browser.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf})
            assert signed.status_code == 303, f"sign-in failed: {signed.status_code}"
            started = time.perf_counter()
            cold = browser.get("/")
            print(f"portfolio  first request (the scan of {args.accounts:,} accounts): "
                  f"{(time.perf_counter() - started) * 1000:,.0f} ms, status {cold.status_code}")  # fmt: skip
            rng = random.Random(7)
            routes = {
                "account page": [f"/accounts/{rng.choice(ids)}" for _ in range(args.requests)],
                "portfolio page": ["/"] * args.requests,
            }
            for name, paths in routes.items():
                times, failed = _load(browser, paths, args.concurrency)
                target = TARGETS_MS.get(name)
                goal = f" (target p95 <= {target:,.0f} ms)" if target else ""
                print(f"{name:<15}{_stats(times)} over {len(paths)} requests at concurrency {args.concurrency}, "
                      f"{failed} failed{goal}")  # fmt: skip
        with httpx.Client(
            base_url=base, timeout=120, limits=limits, headers={"Authorization": f"Bearer {token}"}
        ) as api:
            paths = [f"/api/v1/accounts/{rng.choice(ids)}" for _ in range(args.requests)]
            times, failed = _load(api, paths, args.concurrency)
            print(f"{'api account':<15}{_stats(times)} over {len(paths)} requests at concurrency "
                  f"{args.concurrency}, {failed} failed")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
