"""The portfolio as a stream of chunks of rows, generated in this process or in a helper process.

For large portfolios a spawned process generates while the caller writes, so generation and inserting run on
two cores. The chunks are the same either way: generation is sequential and seeded, only where it runs differs.
A bounded queue keeps at most a few chunks in flight, so memory stays flat.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from account_intel.demo.portfolio import DemoSpec, PortfolioGenerator
from account_intel.demo.rows import Bundle, Row

IN_FLIGHT_CHUNKS = 3
BACKGROUND_FROM_ACCOUNTS = 5_000
POLL_SECONDS = 5.0


@dataclass
class Chunk:
    """Rows of some accounts by table; the last chunk also carries the opportunity numbers used per year."""

    rows: dict[str, list[Row]]
    accounts: int
    opportunity_numbers: dict[int, int] | None = None


@dataclass
class _Failure:
    trace: str = field(default="")


def use_background(spec: DemoSpec) -> bool:
    """Whether a helper process pays off: large portfolios on a machine with more than one core."""
    return spec.total >= BACKGROUND_FROM_ACCOUNTS and (os.cpu_count() or 1) > 1


def generate_chunks(spec: DemoSpec, chunk_accounts: int) -> Iterator[Chunk]:
    """Chunks of `chunk_accounts` accounts in order; the reference data (catalog, users) is in the first."""
    generator = PortfolioGenerator(spec)
    bundle = Bundle()
    generator.add_reference_data(bundle)
    in_chunk = 0
    for position, account_id in generator.accounts():
        generator.add_account(bundle, position, account_id)
        in_chunk += 1
        if in_chunk >= chunk_accounts:
            yield Chunk(dict(bundle.rows), in_chunk)
            bundle, in_chunk = Bundle(), 0
    yield Chunk(dict(bundle.rows), in_chunk, generator.opportunities.highest())


def generate_chunks_in_background(spec: DemoSpec, chunk_accounts: int) -> Iterator[Chunk]:
    """The same chunks as `generate_chunks`, produced by a spawned process while the caller consumes them."""
    context = multiprocessing.get_context("spawn")
    channel: Any = context.Queue(maxsize=IN_FLIGHT_CHUNKS)
    process = context.Process(target=_produce, args=(spec, chunk_accounts, channel), daemon=True)
    process.start()
    try:
        while True:
            try:
                item = channel.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not process.is_alive():
                    raise RuntimeError(f"demo generator process exited early (code {process.exitcode})") from None
                continue
            if isinstance(item, _Failure):
                raise RuntimeError(f"demo generator process failed:\n{item.trace}")
            yield item
            if item.opportunity_numbers is not None:
                return
    finally:
        process.join(timeout=POLL_SECONDS)  # done after the last chunk; stuck on a full queue if we stopped early
        if process.is_alive():
            process.terminate()
            process.join(timeout=POLL_SECONDS)
        channel.close()


def _produce(spec: DemoSpec, chunk_accounts: int, channel: Any) -> None:
    try:
        for chunk in generate_chunks(spec, chunk_accounts):
            channel.put(chunk)
    except Exception:  # reported to the consumer, which raises it
        channel.put(_Failure(traceback.format_exc()))
