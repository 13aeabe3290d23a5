"""Health and signals for one account from the store: load its facts, score, apply the override in force, compare
with the previous weekly snapshot, and optionally store this week's snapshot. The entry points (CLI, tools) call this.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from account_intel.analytics.facts import AccountFacts, Catalog, load_catalog, load_facts
from account_intel.analytics.health.config import HealthConfig, load_weights
from account_intel.analytics.health.delta import compute_health_delta
from account_intel.analytics.health.models import HealthDelta, HealthResult, HealthSnapshotData
from account_intel.analytics.health.overrides import active_override
from account_intel.analytics.health.score import compute_health
from account_intel.analytics.health.snapshots import previous_snapshot, save_snapshot
from account_intel.errors import NotFoundError

if TYPE_CHECKING:
    from account_intel.analytics.signals.models import Signal, SignalConfig
    from account_intel.analytics.signals.text_matcher import TextMatcher


class HealthReport(BaseModel):
    """An account's health, the previous weekly snapshot and why the score moved since."""

    health: HealthResult
    previous: HealthSnapshotData | None = Field(description="Latest snapshot of an earlier ISO week, same weights.")
    delta: HealthDelta | None = Field(description="Component deltas against `previous`; None without a previous one.")
    snapshot_stored: bool = Field(description="This week's snapshot was written by this call.")


def account_facts(session: Session, *, account_id: str, as_of: date) -> tuple[AccountFacts, Catalog]:
    """One account's facts and the catalog."""
    facts = load_facts(session, as_of, [account_id]).get(account_id)
    if facts is None:
        raise NotFoundError(f"Account '{account_id}' not found.")
    return facts, load_catalog(session)


def health_report(
    session: Session,
    *,
    account_id: str,
    as_of: date,
    config: HealthConfig | None = None,
    store_snapshot: bool = False,
    at: datetime | None = None,
    facts: AccountFacts | None = None,
    catalog: Catalog | None = None,
) -> HealthReport:
    """Compute health (override applied), compare with the previous week's snapshot, store this week's if asked."""
    config = config or load_weights()
    if facts is None or catalog is None:
        facts, catalog = account_facts(session, account_id=account_id, as_of=as_of)
    override = active_override(session, account_id=account_id, as_of=as_of)
    health = compute_health(facts, catalog, config, override=override)
    previous = previous_snapshot(session, account_id=account_id, before=as_of, weights_name=config.name)
    delta = compute_health_delta(health, previous) if previous is not None else None
    if store_snapshot:
        if at is None:
            raise ValueError("storing a snapshot needs the time of writing (`at`)")
        save_snapshot(session, result=health, at=at)
    return HealthReport(health=health, previous=previous, delta=delta, snapshot_stored=store_snapshot)


def account_signals(
    session: Session,
    *,
    account_id: str,
    as_of: date,
    config: SignalConfig | None = None,
    health_config: HealthConfig | None = None,
    matcher: TextMatcher | None = None,
    whitespace_potential: Decimal | None = None,
    acv: Decimal | None = None,
) -> list[Signal]:
    """Every signal of one account, the health decline against the previous weekly snapshot included."""
    from account_intel.analytics.signals.account import detect_signals

    facts, catalog = account_facts(session, account_id=account_id, as_of=as_of)
    report = health_report(
        session, account_id=account_id, as_of=as_of, config=health_config, facts=facts, catalog=catalog
    )
    return detect_signals(
        facts,
        catalog,
        config,
        matcher=matcher,
        health=report.health,
        previous=report.previous,
        whitespace_potential=whitespace_potential,
        acv=acv,
    )
