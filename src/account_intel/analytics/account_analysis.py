"""One account's expansion analysis: health, signals, whitespace, ranked opportunities, scenarios, NRR impact and
stakeholder gaps, with all the evidence. `analyze_account` is the one entry point for agents and the CLI.

Routing: a Red account (the effective band: a manual override counts) gets no expansion
candidates and goes to the rescue play; a churned account or a prospect gets nothing; otherwise the account is
routed to `expand` when it has candidates.

Scenarios (`analytics.scenarios`) run over the candidates counted in totals that have a demand signal
(a catalog gap with no signal at all has nothing to close on): conservative = sum of
potential x probability x timing (the share of the candidate's close window inside 90 days), base = committed
candidates (high propensity, not 90+) closing within 90 and 180 days, upside = every counted candidate closing
within 120 days. NRR impact: starting ARR, the base case's 90-day expansion and the expected churn of the account's
band (`analytics.forecast`, a quarter), as run-rate GRR and NRR (an annual run rate).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from account_intel.analytics.config_loader import home_folder, resolve_file
from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.account import account_facts, health_report
from account_intel.analytics.health.config import DEFAULT_NAME, HEALTH_FILE, HealthConfig, read_health_config
from account_intel.analytics.health.models import HealthResult, HealthSnapshotData
from account_intel.analytics.opportunities.candidates import build_opportunities
from account_intel.analytics.opportunities.models import ExpansionOpportunity, PlayRecommendation
from account_intel.analytics.opportunities.readiness import REASON_TEXT, timing_share
from account_intel.analytics.opportunities.scenarios import ScenarioItem, ScenarioSummary, item, summarise
from account_intel.analytics.opportunities.sizing import money
from account_intel.analytics.opportunities.targets import active_contacts
from account_intel.analytics.portfolio.forecast import (
    DEFAULT_CHURN_PROBABILITIES,
    RetentionForecast,
    retention_forecast,
)
from account_intel.analytics.propensity.config import PropensityConfig, load_propensity_config
from account_intel.analytics.signals.account import detect_signals
from account_intel.analytics.signals.models import SIGNALS_FILE, Signal, SignalConfig, load_signal_config
from account_intel.analytics.signals.text_matcher import TextMatcher, account_mentions, default_matcher
from account_intel.analytics.whitespace.map import WhitespaceMap, build_whitespace_map
from account_intel.domain.enums import MeddiccRole
from account_intel.domain.wording import count

Route = Literal["expand", "rescue", "none"]
NEEDED_ROLES = (MeddiccRole.CHAMPION, MeddiccRole.ECONOMIC_BUYER, MeddiccRole.DECISION_MAKER, MeddiccRole.INFLUENCER)
MULTI_THREAD_MIN = 3  # recommend multi-threading when fewer than 3 active contacts
CONSERVATIVE_WINDOW = 90
NO_SIGNAL = REASON_TEXT["no_signal"]


class StakeholderGaps(BaseModel):
    """MEDDICC roles missing among active contacts, and whether to multi-thread."""

    active_contacts: int
    roles: dict[str, list[str]] = Field(description="MEDDICC role -> ids of active contacts holding it.")
    missing_roles: list[str] = Field(description="Champion, economic buyer, decision maker, influencer not covered.")
    blockers: list[str] = Field(default_factory=list, description="Active contacts marked as blockers.")
    multi_thread: bool = Field(description="Fewer than 3 active contacts: engage more stakeholders.")
    targets_without_contact: list[str] = Field(
        default_factory=list, description="Departments of ranked opportunities with no active contact of their own."
    )
    evidence: list[Evidence] = Field(default_factory=list)


class NrrImpact(BaseModel):
    """The account's run-rate retention after the next 90 days (e.g. 'NRR 145% (annual run rate)'): starting
    ARR, the base case's 90-day expansion and its band's expected churn of one quarter. The forecast is one period:
    it is not compounded (a one-off expansion does not repeat every quarter)."""

    starting_arr: Decimal
    expansion: Decimal = Field(description="Base case expansion within 90 days.")
    expected_churn: Decimal = Field(description="ARR x the band's quarterly churn probability.")
    churn_probability: Decimal
    forecast: RetentionForecast | None = Field(description="Run-rate GRR/NRR (one period); None without ARR.")


class AccountAnalysis(BaseModel):
    """Everything the opportunity identifier knows about one account on one date."""

    account_id: str
    account_name: str
    as_of: date
    status: str
    segment: str
    tier: str
    arr: Decimal
    route: Route = Field(description="expand, rescue (Red: the renewal rescue play) or none.")
    route_reason: str
    health: HealthResult | None = Field(description="None for a churned account or a prospect.")
    signals: list[Signal] = Field(default_factory=list)
    whitespace: WhitespaceMap | None = None
    opportunities: list[ExpansionOpportunity] = Field(default_factory=list, description="Ranked, best first.")
    rescue_play: PlayRecommendation | None = None
    total_potential: Decimal = Field(
        default=Decimal("0.00"), description="Σ counted potential of every opportunity (whitespace and renewal)."
    )
    scenarios: ScenarioSummary | None = None
    nrr_impact: NrrImpact | None = None
    stakeholder_gaps: StakeholderGaps | None = None
    propensity_config_digest: str
    evidence: list[Evidence] = Field(default_factory=list, description="Every evidence item cited above, once.")

    @property
    def evidence_ids(self) -> set[str]:
        """Ids of every evidence item."""
        return {e.id for e in self.evidence}


@lru_cache(maxsize=8)
def _health_file(path: str, mtime: float) -> HealthConfig:
    return read_health_config(Path(path), name=DEFAULT_NAME)


@lru_cache(maxsize=8)
def _signal_file(path: str, mtime: float) -> SignalConfig:
    return load_signal_config(Path(path))


_HOMES: dict[tuple[str | None, str], Path] = {}


def _home(home: Path | None) -> Path:
    """The home folder; the settings are read once per ACCOUNT_INTEL_HOME value and working directory."""
    if home is not None:
        return home.expanduser()
    key = (os.environ.get("ACCOUNT_INTEL_HOME"), os.getcwd())
    found = _HOMES.get(key)
    if found is None:
        if len(_HOMES) > 64:
            _HOMES.clear()
        found = _HOMES[key] = home_folder(None)
    return found


def default_configs(home: Path | None = None) -> tuple[HealthConfig, SignalConfig, PropensityConfig]:
    """The health, signal and propensity configurations in force (a user's copy in home, else the packaged ones),
    parsed once per file and modification time."""
    home = _home(home)
    health = resolve_file(HEALTH_FILE, home=home)
    signals = resolve_file(SIGNALS_FILE, home=home)
    return (
        _health_file(str(health), health.stat().st_mtime),
        _signal_file(str(signals), signals.stat().st_mtime),
        load_propensity_config(home=home),
    )


def analyze_account(
    session: Session,
    account_id: str,
    as_of: date,
    *,
    weights: PropensityConfig | None = None,
    health_config: HealthConfig | None = None,
    home: Path | None = None,
) -> AccountAnalysis:
    """Analyse one account as of a date.

    `weights` is the propensity configuration and `health_config` the health weights; by default the files in force
    (`propensity.yaml`, `health.yaml` and `signals.yaml` of the home folder, else the packaged ones)."""
    home = _home(home)
    default_health, signal_config, default_weights = default_configs(home)
    config = weights or default_weights
    health_config = health_config or default_health
    facts, catalog = account_facts(session, account_id=account_id, as_of=as_of)
    base = {
        "account_id": facts.account_id,
        "account_name": facts.name,
        "as_of": as_of,
        "status": facts.status,
        "segment": facts.segment,
        "tier": facts.tier,
        "arr": facts.arr,
        "propensity_config_digest": config.digest,
    }
    if facts.status in ("churned", "prospect"):
        return AccountAnalysis(**base, route="none", route_reason=f"a {facts.status} account", health=None)
    report = health_report(
        session, account_id=facts.account_id, as_of=as_of, config=health_config, facts=facts, catalog=catalog
    )
    health = report.health
    found = account_candidates(
        facts,
        catalog,
        health,
        signal_config=signal_config,
        config=config,
        matcher=default_matcher(home=home),
        previous=report.previous,
    )
    signals, whitespace, opportunities = found.signals, found.whitespace, found.opportunities
    gaps = stakeholder_gaps(facts, [])
    if health.effective_band.value == "Red":
        rescue = config.plays["rescue"]
        return AccountAnalysis(
            **base,
            route="rescue",
            route_reason=f"health {health.effective_score:.1f} is Red: no expansion before the risk is addressed",
            health=health,
            signals=signals,
            whitespace=whitespace,
            rescue_play=PlayRecommendation(key="rescue", name=rescue.name, strategy=None, steps=list(rescue.steps)),
            stakeholder_gaps=gaps,
            evidence=_all_evidence(health, signals, whitespace, [], gaps),
        )
    gaps = stakeholder_gaps(facts, opportunities)
    scenarios = scenarios_for(opportunities, facts.arr)
    return AccountAnalysis(
        **base,
        route="expand" if opportunities else "none",
        route_reason=(
            f"{health.effective_band.value} health with {count(len(opportunities), 'candidate')}"
            if opportunities
            else "no expansion candidate"
        ),
        health=health,
        signals=signals,
        whitespace=whitespace,
        opportunities=opportunities,
        total_potential=counted_total(opportunities),
        scenarios=scenarios,
        nrr_impact=nrr_impact(facts.arr, scenarios, health.effective_band.value),
        stakeholder_gaps=gaps,
        evidence=_all_evidence(health, signals, whitespace, opportunities, gaps),
    )


@dataclass(frozen=True, slots=True)
class Candidates:
    """An account's signals, whitespace map and ranked candidates (none on a Red account)."""

    signals: list[Signal]
    whitespace: WhitespaceMap
    opportunities: list[ExpansionOpportunity]


def account_candidates(
    facts: AccountFacts,
    catalog: Catalog,
    health: HealthResult,
    *,
    signal_config: SignalConfig,
    config: PropensityConfig,
    matcher: TextMatcher,
    previous: HealthSnapshotData | None = None,
    red_gate: bool = True,
) -> Candidates:
    """The one scoring path of an active account's expansion candidates, text included: the brief's analysis and
    the backtest both call it, so a backtest measures the scores a brief shows. A Red account has none (the brief
    routes it to the rescue play) unless `red_gate` is off: the backtest ranks every account, Red ones too."""
    mentions = account_mentions(facts, matcher)
    whitespace = build_whitespace_map(facts, catalog, [m.as_tuple() for m in mentions])
    signals = detect_signals(
        facts,
        catalog,
        signal_config,
        mentions=mentions,
        health=health,
        previous=previous,
        whitespace_potential=whitespace.potential.value,  # type: ignore[arg-type]
        acv=whitespace.acv.value,  # type: ignore[arg-type]
        whitespace_evidence=whitespace.evidence,
    )
    if red_gate and health.effective_band.value == "Red":
        return Candidates(signals, whitespace, [])
    opportunities = build_opportunities(
        facts, catalog, health=health, signals=signals, whitespace=whitespace, config=config
    )
    return Candidates(signals, whitespace, opportunities)


def counted_total(opportunities: list[ExpansionOpportunity]) -> Decimal:
    """Σ counted potential of the opportunities in totals: the account's total expansion potential."""
    return money(sum((Decimal(o.counted.value) for o in opportunities if o.in_totals and o.counted), Decimal(0)))


def scenario_items(opportunities: list[ExpansionOpportunity]) -> list[ScenarioItem]:
    """The counted candidates with a demand signal as scenario items (committed: BANT-qualified and high
    propensity; its close day puts it in a window). A catalog gap without any signal has nothing to close on."""
    out = []
    for o in opportunities:
        if not o.in_totals or o.counted is None or NO_SIGNAL in o.readiness.reasons:
            continue
        committed = o.bant.qualified and o.propensity.band == "high"
        share = timing_share(o.timeline_days, CONSERVATIVE_WINDOW)
        out.append(
            item(
                o.name, Decimal(o.counted.value), o.probability, o.close_day, Decimal(repr(share)), committed=committed
            )
        )
    return out


def scenarios_for(opportunities: list[ExpansionOpportunity], arr: Decimal) -> ScenarioSummary | None:
    """Conservative, base (90 and 180 days) and upside over the counted candidates; None without ARR."""
    if arr <= 0:
        return None
    return summarise(scenario_items(opportunities), arr, conservative_window=CONSERVATIVE_WINDOW)


def nrr_impact(arr: Decimal, scenarios: ScenarioSummary | None, band: str) -> NrrImpact | None:
    """Starting ARR, 90-day base expansion and expected churn as a quarterly retention forecast."""
    if scenarios is None or arr <= 0:
        return None
    probability = DEFAULT_CHURN_PROBABILITIES.for_band(band)  # type: ignore[arg-type]
    churn = arr * probability
    expansion = scenarios.base[CONSERVATIVE_WINDOW]
    return NrrImpact(
        starting_arr=arr,
        expansion=expansion,
        expected_churn=churn.quantize(Decimal("0.01")),
        churn_probability=probability,
        forecast=retention_forecast(arr, expansion=expansion, churn=churn, periods_per_year=1),
    )


def stakeholder_gaps(facts: AccountFacts, opportunities: list[ExpansionOpportunity]) -> StakeholderGaps:
    """MEDDICC roles missing among active contacts, blockers, the multi-threading rule and uncovered targets."""
    contacts = active_contacts(facts)
    roles: dict[str, list[str]] = {}
    for c in contacts:
        if c.role:
            roles.setdefault(c.role, []).append(c.id)
    uncovered = [
        o.target
        for o in opportunities
        if o.target_kind == "department" and o.in_totals and o.readiness.access != "target"
    ]
    return StakeholderGaps(
        active_contacts=len(contacts),
        roles=roles,
        missing_roles=[r.value for r in NEEDED_ROLES if r.value not in roles],
        blockers=roles.get(MeddiccRole.BLOCKER.value, []),
        multi_thread=len(contacts) < MULTI_THREAD_MIN,
        targets_without_contact=list(dict.fromkeys(uncovered)),
        evidence=[row_evidence("contact", c.id, "meddicc_role", value=c.role) for c in contacts],
    )


def _all_evidence(
    health: HealthResult,
    signals: list[Signal],
    whitespace: WhitespaceMap,
    opportunities: list[ExpansionOpportunity],
    gaps: StakeholderGaps,
) -> list[Evidence]:
    seen: dict[str, Evidence] = {}
    groups = [health.evidence, [e for s in signals for e in s.evidence], whitespace.evidence]
    groups += [[e for item in whitespace.items for e in item.evidence]]
    groups += [[e for o in opportunities for e in o.evidence], gaps.evidence]
    for group in groups:
        for e in group:
            seen.setdefault(e.id, e)
    return list(seen.values())
