"""The portfolio scan's propensity path: one account's candidates as plain tuples, no pydantic map in the loop.

Same arithmetic as the per-account analysis (`analytics.propensity`, `analytics.readiness`, `analytics.targets`),
fed by `analytics.candidates_fast`; free text is read by the analysis's own functions (the whitespace detectors,
`signals.text`, `opportunities.text` for budget approvals and voiced needs). A test checks that both paths agree
on every demo account, text included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.models import QuickHealth
from account_intel.analytics.opportunities.candidates_fast import Row, whitespace_rows
from account_intel.analytics.opportunities.readiness import Access, Budget, readiness_bucket, timeline
from account_intel.analytics.opportunities.sizing import (
    contract_extension,
    expected_value,
    money,
    priority,
    rate_increase,
)
from account_intel.analytics.opportunities.strengths import Strengths, signal_strengths
from account_intel.analytics.opportunities.targets import (
    PIPELINE_TYPE,
    Target,
    account_budget,
    active_contacts,
    budget_events,
    candidate_id,
    days_to_renewal,
    wins_before,
)
from account_intel.analytics.opportunities.text import (
    TextReadiness,
    budget_approvals,
    mention_sources,
    need_sources,
    read_text,
    target_terms,
    voiced_in,
)
from account_intel.analytics.portfolio.targeting import (
    DEFAULT_TIER_RULES,
    READINESS_WEIGHT,
    CampaignTier,
    TierRules,
    campaign_tier,
)
from account_intel.analytics.propensity.config import ExpansionType, PropensityConfig, ReadinessBucket
from account_intel.analytics.propensity.score import (
    TARGET_READINESS,
    Prepared,
    close_probability,
    combine_strengths,
    prepared,
    score_with,
)
from account_intel.analytics.signals.models import SignalConfig, SignalKind
from account_intel.analytics.signals.text import text_signals
from account_intel.analytics.signals.text_matcher import TextMatcher, TextMention, account_mentions, default_matcher
from account_intel.analytics.whitespace.demand import DEFAULT_RULES, Rules, text_index
from account_intel.analytics.whitespace.penetration import coverage
from account_intel.domain.enums import OpportunityType

RENEWAL_LEVEL = "MED"
_TIERS = {("high", "high"): 1, ("high", "medium"): 2, ("medium", "high"): 3, ("medium", "medium"): 4}


class FastCandidate(NamedTuple):
    """One candidate as the portfolio scan keeps it."""

    id: str
    account_id: str
    type: ExpansionType
    pipeline_type: OpportunityType
    target: str
    level: str
    potential: Decimal  # if won, at list price (contract value for a contract extension)
    counted: Decimal | None  # what the whitespace map counts of it (None: overlap, alternative, no need)
    in_totals: bool
    arr_value: Decimal  # potential when it adds ARR, else 0
    propensity: float
    readiness: ReadinessBucket
    probability: Decimal
    expected_value: Decimal
    priority: Decimal
    pipeline_tier: int | None
    campaign_tier: CampaignTier
    timeline: tuple[int, int]


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """The configurations the scan reads, loaded once per run."""

    propensity: PropensityConfig
    signals: SignalConfig
    rules: Rules = DEFAULT_RULES
    tiers: TierRules = DEFAULT_TIER_RULES
    matcher: TextMatcher = field(default_factory=default_matcher)  # the lexicon in force, compiled once per run


def tier_of(propensity: Decimal | float, value: Decimal, rules: TierRules = DEFAULT_TIER_RULES) -> int | None:
    """`targeting.pipeline_tier` without building its result model."""
    p = propensity if isinstance(propensity, Decimal) else Decimal(repr(propensity))
    pb = "high" if p >= rules.high_propensity else "medium" if p >= rules.medium_propensity else "low"
    vb = "high" if value >= rules.high_value else "medium" if value >= rules.medium_value else "low"
    return _TIERS.get((pb, vb))


@dataclass(slots=True)
class _Account:
    """What every candidate of one account shares."""

    facts: AccountFacts
    catalog: Catalog
    band: str
    health: float
    adoption: float | None
    engagement: float | None
    champion: float
    wins: float
    days_to_renewal: int | None
    budget_moment: bool
    contact_departments: set[str | None]
    any_contact: bool
    has_champion: bool
    text: TextReadiness
    active_ids: set[str]
    need_sources: set[str]  # evidence ids of the growth and vendor-pain signals' sources


def fast_candidates(
    facts: AccountFacts,
    catalog: Catalog,
    health: QuickHealth,
    band: str,
    config: ScanConfig,
    *,
    mentions: Sequence[TextMention] | None = None,
    counted_only: bool = False,
) -> list[FastCandidate]:
    """The account's candidates (callers skip Red, churned and prospect accounts); `mentions` are the account's
    text mentions (by default `account_mentions` with the configuration's matcher), read as the per-account
    analysis reads them.

    `counted_only` leaves out what totals never count (overlaps, alternatives, services without a need, contract
    extensions): the portfolio's figures are unchanged and the scan does a third less work."""
    prop = config.propensity
    prep = prepared(prop)
    if mentions is None:
        mentions = account_mentions(facts, config.matcher)
    cov = coverage(facts, catalog)
    rows = whitespace_rows(facts, catalog, cov, text_index(facts, [m.as_tuple() for m in mentions]), config.rules)
    text = text_signals(facts, mentions, config.signals.text)
    strengths = signal_strengths(facts, config.signals, text)
    contacts = active_contacts(facts)
    subs = health.sub_scores
    adoption, engagement = subs.get("adoption"), subs.get("engagement")
    champion = bool(health.raw.get("relationship", {}).get("champion_active"))
    account = _Account(
        facts=facts,
        catalog=catalog,
        band=band,
        health=max(0.0, min(1.0, health.score / 100)),
        adoption=None if adoption is None else round(adoption, 4),
        engagement=None if engagement is None else round(engagement, 4),
        champion=1.0 if champion else 0.0,
        wins=min(1.0, wins_before(facts, prop) / prep.full_at),
        days_to_renewal=days_to_renewal(facts),
        budget_moment=bool(account_budget(facts, prop)),
        contact_departments={c.department_id for c in contacts},
        any_contact=bool(contacts),
        has_champion=any(c.role == "champion" for c in contacts),
        text=read_text(facts, prop),
        active_ids={c.id for c in contacts},
        need_sources=need_sources(text),
    )
    out = [
        _candidate(account, row, strengths, config, prep) for row in rows if row.counted is not None or not counted_only
    ]
    days = account.days_to_renewal
    acv = money(cov.acv)
    if days is not None and 0 <= days <= prop.renewal.window_days and acv > 0 and band == "Green":
        if champion:
            size = rate_increase(acv, Decimal(repr(prop.renewal.rate_uplift)))
            target = Target(ExpansionType.RATE_INCREASE, "account", "renewal")
            row = Row(target, RENEWAL_LEVEL, size, size, PIPELINE_TYPE[target.kind], True)
            out.append(_candidate(account, row, strengths, config, prep))
        if not counted_only:
            size = contract_extension(acv, prop.renewal.extension_months)
            target = Target(ExpansionType.CONTRACT_EXTENSION, "account", "renewal")
            row = Row(target, RENEWAL_LEVEL, size, None, PIPELINE_TYPE[target.kind], True)
            out.append(_candidate(account, row, strengths, config, prep))
    return out


def _access(account: _Account, target: Target) -> Access:
    """`targets.access_to` from the account's precomputed contact facts."""
    if target.scope == "department":
        if target.department_id in account.contact_departments:
            return "target"
        return "champion" if account.has_champion else "none"
    if account.has_champion:
        return "target"
    return "champion" if account.any_contact else "none"


_DECIMALS: dict[float, Decimal] = {}


def _decimal(value: float) -> Decimal:
    hit = _DECIMALS.get(value)
    if hit is None:
        hit = _DECIMALS[value] = Decimal(repr(value))
    return hit


_TIMELINES: dict[tuple[int, ExpansionType, ReadinessBucket], tuple[PropensityConfig, tuple[int, int]]] = {}


def _timeline(config: PropensityConfig, kind: ExpansionType, bucket: ReadinessBucket) -> tuple[int, int]:
    key = (id(config), kind, bucket)
    hit = _TIMELINES.get(key)
    if hit is None or hit[0] is not config:
        if len(_TIMELINES) > 1024:
            _TIMELINES.clear()
        hit = _TIMELINES[key] = (config, timeline(config, kind, bucket))
    return hit[1]


def _candidate(account: _Account, row: Row, strengths: Strengths, config: ScanConfig, prep: Prepared) -> FastCandidate:
    prop, facts, target = config.propensity, account.facts, row.target
    kind = target.kind
    found, texts = strengths.bearing_on(target, account.catalog)
    propensity = score_with(
        prep.shares,
        (
            combine_strengths(found) if found else 0.0,
            prep.levels[row.level],
            prep.motion[kind],
            account.health,
            account.adoption,
            account.champion,
            account.engagement,
            account.wins,
        ),
    )
    likely = (
        account.budget_moment
        or (target.scope in ("department", "geography") and bool(budget_events(facts, target, prop)))
        or any(s.kind is SignalKind.TEXT_INITIATIVE for s in texts)
    )
    approved = bool(account.text.clauses) and bool(
        budget_approvals(account.text, target_terms(target, account.catalog))
    )
    voiced = False
    if target.scope in ("department", "geography") and not target.served:
        sources = mention_sources(texts)
        voiced = bool(sources) and bool(voiced_in(account.text, sources, account.active_ids, account.need_sources))
    budget: Budget = "approved" if approved else "likely" if likely else "unknown"
    bucket, _ = readiness_bucket(
        kind,
        account.band,
        budget,
        voiced,
        row.has_signal or bool(found),
        row.opening,
        "target" if voiced else _access(account, target),
        account.days_to_renewal,
    )
    adds_arr = kind is not ExpansionType.CONTRACT_EXTENSION
    arr_value = row.potential if adds_arr else Decimal("0.00")
    probability = prep.probabilities.get((propensity, bucket))
    if probability is None:
        probability = close_probability(prop, propensity, bucket)
    readiness = TARGET_READINESS[bucket]
    exact = _decimal(propensity)
    tier = tier_of(exact, arr_value, config.tiers)
    return FastCandidate(
        candidate_id(facts.account_id, kind, target.name),
        facts.account_id,
        kind,
        row.pipeline_type,
        target.name,
        row.level,
        row.potential,
        row.counted,
        row.counted is not None and adds_arr,
        arr_value,
        propensity,
        bucket,
        probability,
        expected_value(arr_value, probability),
        priority(arr_value, exact, READINESS_WEIGHT[readiness]),
        tier,
        campaign_tier(tier, readiness),
        _timeline(prop, kind, bucket),
    )
