"""LLM-brain brief benchmark against a local OpenAI-compatible stub server with a fixed latency per call.

Prints, per account brief: model calls, input and output tokens, wall time; then portfolio throughput at a given
concurrency. The stub answers like a faithful model (the rules brain's answers, after the same tool calls), so the
figures measure the pipeline's mechanics (tool calls, tokens sent, grounding, checkpoints), not a model's quality.

    python bench/llm_brief.py [--accounts 24] [--latency 0.3] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.evals.stub_script import ScriptedModel
from account_intel.evals.stub_server import running_stub
from account_intel.llm.factory import LLMFactory
from account_intel.runs.brief import run_brief
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import Account

AS_OF = date(2024, 11, 30)


class SlowModel(ScriptedModel):
    """The scripted model with a fixed latency per call."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    def respond(self, body: dict[str, Any]) -> dict[str, Any]:
        """Wait, then answer."""
        time.sleep(self.latency)
        return super().respond(body)


def _one(store: Store, settings: Settings, account: str, out: Path) -> tuple[float, dict[str, int], str]:
    started = time.perf_counter()
    result = run_brief(
        store=store,
        settings=settings,
        account=account,
        as_of=AS_OF,
        brain="llm",
        out_dir=out,
        clock=FixedClock.on(AS_OF),
        llm=LLMFactory(settings),
    )
    return time.perf_counter() - started, result.tokens, result.status


def main() -> None:
    """Build a demo store, serve the stub, run briefs sequentially and concurrently, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=24)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="llm-bench-"))
    url = f"sqlite:///{work / 'demo.db'}"
    build_demo(url, DemoSpec(accounts=max(args.accounts, 30), seed=7, as_of=AS_OF), thresholds=Thresholds())
    store = Store(url)
    with store.sessions() as session:
        ids = list(session.scalars(select(Account.id).where(Account.status == "active").order_by(Account.id)))
    ids = ids[: args.accounts]
    model = SlowModel(args.latency)
    with running_stub(model) as base_url:
        settings = Settings(home=work / "home", openai_base_url=base_url, openai_api_key="bench")  # type: ignore[call-arg]
        model.bind(store, settings, "bench", AS_OF)
        sequential = [_one(store, settings, account, work / "seq") for account in ids[:4]]
        for (seconds, tokens, status), account in zip(sequential, ids, strict=False):
            print(
                f"{account}: {status}, {tokens['calls']} calls, {tokens['input_tokens']:,} input / "
                f"{tokens['output_tokens']:,} output tokens, {seconds:.2f} s"
            )
        calls = [t["calls"] for _, t, _ in sequential]
        inputs = [t["input_tokens"] for _, t, _ in sequential]
        print(
            f"per brief: {statistics.mean(calls):.1f} model calls (max {max(calls)}), "
            f"{statistics.mean(inputs):,.0f} input tokens (max {max(inputs):,}), "
            f"{statistics.mean(s for s, _, _ in sequential):.2f} s wall at {args.latency * 1000:.0f} ms per call"
        )
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(lambda a: _one(store, settings, a, work / "par"), ids))
        wall = time.perf_counter() - started
        done = sum(1 for _, _, status in results if status in ("completed", "awaiting_approval"))
        print(
            f"portfolio: {done}/{len(ids)} briefs in {wall:.1f} s at concurrency {args.concurrency}: "
            f"{len(ids) / wall:.2f} accounts/s ({len(ids) / wall * 3600:,.0f} per hour)"
        )


if __name__ == "__main__":
    main()
