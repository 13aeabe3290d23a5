"""The portfolio scan: every account's health, signals, whitespace and propensity, streamed and set-based.

Facts come in chunks of contiguous account ids (`facts.iter_portfolio_facts`: a handful of SQL queries per chunk),
ARR as of the date in one aggregation per chunk, overrides in one query per chunk. Each account then goes through
the fast paths (`health.score_only`, `propensity.fast.fast_candidates`, which read free text through the brief's
own functions and the stored text mentions; whitespace sizes as the map counts them) and lands in a `ScanTotals`
of plain sums. Chunks can run in worker processes (`workers` > 1): each opens its own connection and returns its
totals, which merge exactly. Only the best `keep` candidates (target list order) are kept whole; everything else
is summed as it streams by.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.analytics.facts import AccountFacts, Catalog, chunk_facts, iter_portfolio_facts, load_catalog
from account_intel.analytics.health.config import HealthConfig
from account_intel.analytics.health.overrides import active_overrides
from account_intel.analytics.health.score import score_only
from account_intel.analytics.portfolio.targeting import CampaignTier
from account_intel.analytics.propensity.fast import FastCandidate, ScanConfig, fast_candidates, tier_of
from account_intel.analytics.segments.filter import SegmentFilter, compile_segment
from account_intel.analytics.whitespace.penetration import SEAT_METRIC
from account_intel.domain.tiering import Thresholds, segment_for_arr
from account_intel.store.accounts import arr_by_account
from account_intel.store.engine import Store
from account_intel.store.models import Account

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CAMPAIGN_ORDER = {tier: index for index, tier in enumerate(CampaignTier)}
Progress = Callable[[int], None]
TAIL_SPLIT = 2  # each chunk takes 1/(TAIL_SPLIT x workers) of what is left (guided scheduling)
MIN_CHUNK = 250  # accounts: below this, the per-chunk queries cost more than the balance gains


@dataclass(slots=True)
class Kept:
    """A candidate kept for the target list, with the account's owners."""

    key: tuple[int, Decimal, str]
    candidate: FastCandidate
    account_name: str
    segment: str
    owners: tuple[str | None, str | None, str | None]  # csm, ae, am


@dataclass
class ScanTotals:
    """Sums of one scan (or one chunk of it); `merge` adds another's exactly."""

    keep: int = 500
    scanned: int = 0
    in_segment: int = 0
    active: int = 0
    churned: int = 0
    prospects: int = 0
    rescue: int = 0
    with_opportunities: int = 0
    opportunities: int = 0
    starting_arr: Decimal = ZERO
    arr_by_band: dict[str, Decimal] = field(default_factory=dict)
    accounts_by_band: dict[str, int] = field(default_factory=dict)
    tiers: dict[int, list] = field(default_factory=dict)  # type: ignore[type-arg]  # [accounts, potential, expected, propensity]
    types: dict[str, list] = field(default_factory=dict)  # type: ignore[type-arg]  # [opps, potential, expected, propensity]
    segments: dict[str, list] = field(default_factory=dict)  # type: ignore[type-arg]  # [accounts, arr, with, potential, expected, propensity]
    campaign: dict[str, list] = field(default_factory=dict)  # type: ignore[type-arg]  # [opps, potential, expected]
    closing: dict[tuple[Decimal, int], Decimal] = field(default_factory=dict)  # (probability, close day) -> counted
    potential: Decimal = ZERO
    expected: Decimal = ZERO
    kept: list[Kept] = field(default_factory=list)

    def merge(self, other: ScanTotals) -> None:
        """Add another chunk's sums."""
        for name in ("scanned", "in_segment", "active", "churned", "prospects", "rescue", "with_opportunities"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.opportunities += other.opportunities
        self.starting_arr += other.starting_arr
        self.potential += other.potential
        self.expected += other.expected
        for mine, theirs in ((self.arr_by_band, other.arr_by_band), (self.accounts_by_band, other.accounts_by_band)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        for key, value in other.closing.items():
            self.closing[key] = self.closing.get(key, ZERO) + value
        for mine, theirs in (
            (self.tiers, other.tiers),
            (self.types, other.types),
            (self.segments, other.segments),
            (self.campaign, other.campaign),
        ):
            for key, values in theirs.items():
                row = mine.setdefault(key, [0] * len(values))
                for i, v in enumerate(values):
                    row[i] += v
        self.kept += other.kept
        self._trim()

    def _trim(self) -> None:
        if len(self.kept) > 2 * self.keep:
            self.kept.sort(key=lambda k: k.key)
            del self.kept[self.keep :]

    def finish(self) -> list[Kept]:
        """The kept candidates in target-list order (close now, develop, nurture; priority; id)."""
        self.kept.sort(key=lambda k: k.key)
        del self.kept[self.keep :]
        return self.kept


def _add(row: dict, key: object, values: Sequence) -> None:  # type: ignore[type-arg]
    current = row.setdefault(key, [0] * len(values))
    for i, v in enumerate(values):
        current[i] += v


@dataclass(frozen=True, slots=True)
class ScanSpec:
    """What to scan with (picklable, so worker processes can receive it)."""

    as_of: date
    config: ScanConfig
    health: HealthConfig
    thresholds: Thresholds
    segment: str | None = None
    keep: int = 500
    chunk_size: int = 2000


def _seat_utilisation(facts: AccountFacts) -> float | None:
    points = facts.usage.get(SEAT_METRIC)
    if not points or not points[-1].limit:
        return None
    return points[-1].value / points[-1].limit


def scan_chunk(session: Session, catalog: Catalog, facts_list: list[AccountFacts], spec: ScanSpec) -> ScanTotals:
    """Scan one chunk of accounts into totals."""
    totals = ScanTotals(keep=spec.keep)
    ids = [f.account_id for f in facts_list]
    arr = arr_by_account(session, spec.as_of, ids)
    overrides = active_overrides(session, account_ids=ids, as_of=spec.as_of) if ids else {}
    rows = []
    for facts in facts_list:
        totals.scanned += 1
        if facts.status == "prospect":
            totals.prospects += 1
            continue
        if facts.status == "churned":
            totals.churned += 1
            continue
        quick = score_only(facts, catalog, spec.health)
        override = overrides.get(facts.account_id)
        band = override.band.value if override is not None and override.band is not None else quick.band
        score = float(override.score) if override is not None and override.score is not None else quick.score
        found = [] if band == "Red" else fast_candidates(facts, catalog, quick, band, spec.config, counted_only=True)
        rows.append((facts, quick, band, score, arr.get(facts.account_id, ZERO), found))
    keep = segment_mask(rows, spec) if spec.segment else None
    for i, (facts, _, band, _, account_arr, found) in enumerate(rows):
        if keep is not None and not keep[i]:
            continue
        _account(totals, facts, band, account_arr, found, spec)
    totals._trim()
    return totals


def _account(
    totals: ScanTotals, facts: AccountFacts, band: str, arr: Decimal, found: list[FastCandidate], spec: ScanSpec
) -> None:
    """Add one active account and its counted candidates (`found` holds only those) to the totals."""
    totals.in_segment += 1
    totals.active += 1
    totals.rescue += band == "Red"
    totals.starting_arr += arr
    totals.arr_by_band[band] = totals.arr_by_band.get(band, ZERO) + arr
    totals.accounts_by_band[band] = totals.accounts_by_band.get(band, 0) + 1
    segment = segment_for_arr(arr, spec.thresholds).value
    potential = expected = ZERO
    propensity = 0.0
    types, campaign, closing, kept = totals.types, totals.campaign, totals.closing, totals.kept
    owners = (facts.csm_id, facts.ae_id, facts.am_id)
    for c in found:
        counted = c.counted or ZERO
        value = (counted * c.probability).quantize(CENT, ROUND_HALF_UP)  # the candidate's own expected value
        potential += counted
        expected += value
        if c.propensity > propensity:
            propensity = c.propensity
        row = types.get(c.type.value)
        if row is None:
            types[c.type.value] = [1, counted, value, _exact(c.propensity)]
        else:
            row[0] += 1
            row[1] += counted
            row[2] += value
            row[3] += _exact(c.propensity)
        row = campaign.get(c.campaign_tier.value)
        if row is None:
            campaign[c.campaign_tier.value] = [1, counted, value]
        else:
            row[0] += 1
            row[1] += counted
            row[2] += value
        key = (c.probability, c.timeline[1])
        closing[key] = closing.get(key, ZERO) + counted
        kept.append(Kept((CAMPAIGN_ORDER[c.campaign_tier], -c.priority, c.id), c, facts.name, segment, owners))
    _add(totals.segments, segment, (1, arr, 1 if found else 0, potential, expected, _exact(propensity)))
    if not found:
        return
    totals.with_opportunities += 1
    totals.opportunities += len(found)
    totals.potential += potential
    totals.expected += expected
    tier = tier_of(propensity, potential, spec.config.tiers)
    _add(totals.tiers, tier or 0, (1, potential, expected, _exact(propensity)))  # 0: below every tier


def segment_mask(rows: list, spec: ScanSpec) -> list[bool]:  # type: ignore[type-arg]
    """The segment filter over a chunk's scored accounts, as numpy columns (vectorised).

    `rows` are (facts, quick health, effective band, effective score, ARR, counted candidates)."""
    compiled: SegmentFilter = compile_segment(spec.segment or "")
    as_of = spec.as_of
    columns: dict[str, list] = {name: [] for name in compiled.field_types}  # type: ignore[type-arg]
    for facts, quick, band, score, arr, counted in rows:
        values = {
            "arr": float(arr),
            "health": score,
            "band": band,
            "tier": facts.tier,
            "segment": segment_for_arr(arr, spec.thresholds).value,
            "industry": facts.industry,
            "region": facts.region,
            "status": facts.status,
            "feature_adoption": _ratio(quick.raw.get("adoption", {}).get("adoption_pct")),
            "seat_utilisation": _seat_utilisation(facts),
            "nps": quick.raw.get("sentiment", {}).get("nps_latest"),
            "days_to_renewal": (facts.renewal_date - as_of).days if facts.renewal_date else None,
            "days_to_qbr": (facts.next_qbr_date - as_of).days if facts.next_qbr_date else None,
            "renewal_date": facts.renewal_date,
            "propensity": max((c.propensity for c in counted), default=0.0),
            "potential": float(sum((c.counted for c in counted), ZERO)),  # type: ignore[misc]
            "expected_value": float(sum((c.counted * c.probability for c in counted), ZERO)),  # type: ignore[operator]
            "champion_active": bool(quick.raw.get("relationship", {}).get("champion_active")),
            "active_contacts": quick.raw.get("relationship", {}).get("active_contacts", 0),
            "owner": facts.ae_id,
        }
        for name in columns:
            value = values[name]
            columns[name].append(float("nan") if value is None and name not in _NON_NUMERIC else value)
    return [bool(x) for x in compiled.mask(columns)] if rows else []


_mask = segment_mask  # the name runs.weekly imports; use segment_mask

_NON_NUMERIC = {"band", "tier", "segment", "industry", "region", "status", "renewal_date", "owner", "champion_active"}


def _ratio(pct: object) -> float | None:
    return None if pct is None else float(pct) / 100  # type: ignore[arg-type]


def _chunks(session: Session, size: int, workers: int) -> list[list[str]]:
    """Contiguous id ranges, largest first: each takes 1/(TAIL_SPLIT x workers) of the accounts still left, within
    [MIN_CHUNK, size].

    Workers take the next chunk as they finish one, so the scan ends when the last chunk does: small chunks at the
    end keep one worker from running alone for long, large ones at the start keep the per-chunk cost (about 10 ms
    of queries) low."""
    ids = list(session.connection().execute(select(Account.id).order_by(Account.id)).scalars())
    chunks, start = [], 0
    while start < len(ids):
        step = min(size, max(MIN_CHUNK, -(-(len(ids) - start) // (TAIL_SPLIT * workers))))
        chunks.append(ids[start : start + step])
        start += step
    return chunks


def _scan_ids(args: tuple[str, list[str], ScanSpec]) -> ScanTotals:
    """Worker: scan one chunk of account ids in its own connection."""
    url, ids, spec = args
    store = _worker_store(url)
    with store.transaction() as session, collections_paused():
        catalog = load_catalog(session)
        return scan_chunk(session, catalog, chunk_facts(session, spec.as_of, ids, scan=True), spec)


@contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk is scanned.

    A chunk builds hundreds of thousands of small objects (fact rows, candidates) that all live until it ends, so
    every generational collection would walk them again for nothing: about a third of the scan's time. Reference
    counting still frees what the chunk drops."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_STORES: dict[str, Store] = {}


def _worker_store(url: str) -> Store:
    store = _STORES.get(url)
    if store is None:
        store = _STORES[url] = Store(url, migrate=False)
    return store


def scan(
    session: Session,
    spec: ScanSpec,
    *,
    url: str | None = None,
    workers: int = 1,
    on_progress: Progress | None = None,
) -> ScanTotals:
    """Scan every account; with `workers` > 1 (and the store's `url`), chunks run in worker processes."""
    if spec.segment:
        compile_segment(spec.segment)  # refuse a bad expression before any work
    totals = ScanTotals(keep=spec.keep)
    if workers > 1 and url is not None:
        chunks = _chunks(session, spec.chunk_size, workers)
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with context.Pool(workers) as pool:
            for part in pool.imap_unordered(_scan_ids, ((url, ids, spec) for ids in chunks)):
                totals.merge(part)
                if on_progress is not None:
                    on_progress(part.scanned)
        return totals
    catalog = load_catalog(session)
    for facts_list in _stream(session, spec):
        with collections_paused():
            part = scan_chunk(session, catalog, facts_list, spec)
        totals.merge(part)
        if on_progress is not None:
            on_progress(part.scanned)
    return totals


def _stream(session: Session, spec: ScanSpec) -> Iterator[list[AccountFacts]]:
    return iter_portfolio_facts(session, spec.as_of, chunk_size=spec.chunk_size, scan=True)


def expected_close(as_of: date, day: int) -> date:
    """The date a candidate is expected to close."""
    return as_of + timedelta(days=day)


def _exact(propensity: float) -> Decimal:
    """A propensity as the Decimal it prints as: sums of these do not depend on the order chunks finish in."""
    return Decimal(repr(propensity))
