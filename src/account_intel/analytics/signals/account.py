"""Expansion and risk signals for one account: every trigger and usage rule, plus text mentions.

`detect_signals` is pure over `AccountFacts`; the whitespace potential (from the whitespace map) and the health
result with the previous weekly snapshot come in as arguments, so the caller decides what to load.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from account_intel.analytics.evidence import Evidence
from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.delta import compute_health_delta
from account_intel.analytics.health.models import HealthResult, HealthSnapshotData
from account_intel.analytics.signals import rules as rules
from account_intel.analytics.signals.models import Signal, SignalConfig, SignalKind, load_signal_config
from account_intel.analytics.signals.text import text_signals
from account_intel.analytics.signals.text_matcher import TextMatcher, TextMention, account_mentions, default_matcher

__all__ = ["Signal", "SignalConfig", "SignalKind", "decline_signals", "detect_signals"]


def decline_signals(health: HealthResult, previous: HealthSnapshotData, config: SignalConfig) -> list[Signal]:
    """Health decline against the previous snapshot, citing the evidence of the components that fell."""
    delta = compute_health_delta(health, previous)
    fallen = {d.component: d for d in delta.components if d.delta < 0}
    evidence: list[Evidence] = []
    for component in health.components:
        moved = fallen.get(component.name)
        if moved is not None:
            wanted = set(moved.added_evidence or moved.evidence_ids)
            evidence += [item for item in component.evidence if item.id in wanted]
    signals = rules.health_decline(
        as_of=health.as_of,
        score=health.score,
        band=health.band.value,
        previous_score=previous.score,
        previous_band=previous.band.value,
        previous_week=previous.week,
        rule=config.health_decline,
        evidence=evidence,
    )
    for signal in signals:
        signal.data["components"] = ", ".join(f"{d.component} {d.delta:+.1f}" for d in fallen.values()) or None
    return signals


def detect_signals(
    facts: AccountFacts,
    catalog: Catalog,
    config: SignalConfig | None = None,
    *,
    matcher: TextMatcher | None = None,
    mentions: Sequence[TextMention] | None = None,
    health: HealthResult | None = None,
    previous: HealthSnapshotData | None = None,
    whitespace_potential: Decimal | None = None,
    acv: Decimal | None = None,
    whitespace_evidence: list[Evidence] | None = None,
) -> list[Signal]:
    """Every signal for the account on its as-of date, strongest first.

    `health` and `previous` (the previous weekly snapshot) enable the health-decline signal;
    `whitespace_potential` and `acv` (from the whitespace map) enable `whitespace_detected`. `mentions` are the
    account's text mentions when the caller has scanned them already (else `matcher` scans them here).
    """
    config = config or load_signal_config()
    if mentions is None:
        mentions = account_mentions(facts, matcher or default_matcher())
    found: list[Signal] = [
        *rules.usage_limit(facts, config.usage_limit),
        *rules.usage_spike(facts, catalog, config.usage_spike),
        *rules.new_department_contact(facts, config.new_department_contact),
        *rules.satisfaction(facts, config.satisfaction),
        *rules.renewal_window(facts, config.renewal),
        *rules.qbr_upcoming(facts, config.qbr),
        *rules.org_change(facts, config.org_change),
        *rules.whitespace_detected(
            facts,
            config.whitespace,
            whitespace_potential,
            acv if acv is not None else facts.arr,
            whitespace_evidence or [],
        ),
        *text_signals(facts, mentions, config.text),
    ]
    if health is not None and previous is not None:
        found += decline_signals(health, previous, config)
    found.sort(key=lambda s: (-s.strength, -s.date.toordinal(), s.kind.value))
    return found
