"""Expansion candidates of one account, fully explained: one per sized whitespace row, plus renewal-time ones.

Candidates come from the whitespace map's rows with a level (HIGH, MED, LOW) and a size; plans beyond the next
tier are left out (a later step, sized through the next one). Whitespace's counting rules are kept: a row the map
does not count (the same people as another row, an alternative to the next plan, a service without a need) is a
candidate with `in_totals=False`, so totals, scenarios and forecasts never count it twice. At renewal (within
`renewal.window_days`) a Green account with an active champion also gets a rate increase (new ARR) and a contract
extension (contract value, not ARR). Signals of the account are matched to each candidate's target; health gives
the account-wide factors. Ranking follows the campaign target list: close now, develop, nurture, then priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import AccountFacts, ActivityFact, Catalog
from account_intel.analytics.health.models import HealthResult
from account_intel.analytics.opportunities import readiness as rd
from account_intel.analytics.opportunities.bant import authority, build_bant
from account_intel.analytics.opportunities.matching import match_signals, play_for, target_of
from account_intel.analytics.opportunities.models import ExpansionOpportunity, MatchedSignal
from account_intel.analytics.opportunities.sizing import Sized, sized
from account_intel.analytics.opportunities.targets import (
    PIPELINE_TYPE,
    TYPE_LABEL,
    Target,
    access_to,
    active_contacts,
    candidate_id,
    days_to_renewal,
    not_open,
    structural_budget,
    wins_before,
)
from account_intel.analytics.opportunities.text import (
    budget_approvals,
    mention_sources,
    need_sources,
    read_text,
    target_terms,
    voiced_in,
)
from account_intel.analytics.portfolio.targeting import CampaignTier, campaign_tier, pipeline_tier
from account_intel.analytics.propensity.config import ExpansionType, PropensityConfig
from account_intel.analytics.propensity.score import (
    TARGET_READINESS,
    close_probability,
    combine_strengths,
    expected_value,
    explain,
    priority,
    sub_scores,
)
from account_intel.analytics.signals.models import Signal, SignalKind
from account_intel.analytics.whitespace.models import WhitespaceItem, WhitespaceMap
from account_intel.domain.wording import count, with_article

CAMPAIGN_ORDER = {tier: index for index, tier in enumerate(CampaignTier)}
RENEWAL_LEVEL = "MED"  # renewal-time candidates have no whitespace row: a renewal is a medium-strength occasion


@dataclass(slots=True)
class AccountContext:
    """Account-wide inputs of every candidate's propensity and readiness."""

    health: float
    band: str
    adoption: float | None
    engagement: float | None
    champion: bool
    wins: int


def context_from(health: HealthResult, facts: AccountFacts, config: PropensityConfig) -> AccountContext:
    """The account-wide inputs from a full health result (the band is the effective one: overrides apply)."""
    return AccountContext(
        health=health.score,
        band=health.effective_band.value,
        adoption=health.component("adoption").sub_score,
        engagement=health.component("engagement").sub_score,
        champion=bool(health.component("relationship").raw.get("champion_active")),
        wins=wins_before(facts, config),
    )


def rank_key(o: ExpansionOpportunity) -> tuple[int, Decimal, str]:
    """Close now, develop, nurture; highest priority first; then id."""
    return CAMPAIGN_ORDER[o.campaign_tier], -Decimal(o.priority.value), o.id


def build_opportunities(
    facts: AccountFacts,
    catalog: Catalog,
    *,
    health: HealthResult,
    signals: list[Signal],
    whitespace: WhitespaceMap,
    config: PropensityConfig,
) -> list[ExpansionOpportunity]:
    """Every candidate of a Green or Yellow account, ranked; callers route Red, churned and prospects elsewhere."""
    ctx = context_from(health, facts, config)
    builder = _Builder(facts, catalog, ctx, signals, whitespace, config)
    out = [builder.from_item(item) for item in whitespace.items if _is_candidate(item)]
    out += builder.renewal()
    cross = [o for o in out if o.type is ExpansionType.CROSS_SELL and o.in_totals]
    if len(cross) >= 2:  # a combined package: several modules make a platform play
        for o in cross:
            o.play = o.play.model_copy(update={"strategy": "platform_play"})
    return sorted(out, key=rank_key)


def _is_candidate(item: WhitespaceItem) -> bool:
    if item.level is None or item.sizing is None or item.play is None:
        return False
    return not (item.kind == "plan" and item.counted is None)  # a tier beyond the next one


class _Builder:
    def __init__(
        self,
        facts: AccountFacts,
        catalog: Catalog,
        ctx: AccountContext,
        signals: list[Signal],
        whitespace: WhitespaceMap,
        config: PropensityConfig,
    ) -> None:
        self.facts, self.catalog, self.ctx, self.signals, self.ws, self.config = (
            facts,
            catalog,
            ctx,
            signals,
            whitespace,
            config,
        )
        self.contacts = active_contacts(facts)
        self.active_ids = {c.id for c in self.contacts}
        self.text = read_text(facts, config)
        self.need_sources = need_sources(signals)

    def from_item(self, item: WhitespaceItem) -> ExpansionOpportunity:
        target = target_of(item, self.catalog)
        matched = match_signals(target, self.signals, self.catalog)
        return self._build(
            target,
            item=item,
            potential=item.sizing,  # type: ignore[arg-type]
            counted=item.counted,
            matched=matched,
            level=item.level.value if item.level else None,
            has_signal=bool(item.signals or matched),
            opening="not yet open" in item.headline,
        )

    def renewal(self) -> list[ExpansionOpportunity]:
        facts, rules = self.facts, self.config.renewal
        days = days_to_renewal(facts)
        acv = Decimal(self.ws.acv.value)
        if days is None or not 0 <= days <= rules.window_days or acv <= 0 or self.ctx.band != "Green":
            return []
        matched = [s for s in self.signals if s.kind is SignalKind.RENEWAL_WINDOW]
        out = []
        if self.ctx.champion:
            size = sized("rate_increase", current_acv=acv, uplift=Decimal(repr(rules.rate_uplift)))
            target = Target(ExpansionType.RATE_INCREASE, "account", "renewal")
            out.append(self._build(target, potential=size, counted=size, matched=matched, level=RENEWAL_LEVEL))
        size = sized("contract_extension", annual_value=acv, extra_months=rules.extension_months)
        target = Target(ExpansionType.CONTRACT_EXTENSION, "account", "renewal")
        out.append(self._build(target, potential=size, counted=None, matched=matched, level=RENEWAL_LEVEL))
        return out

    def _build(
        self,
        target: Target,
        *,
        potential: Sized,
        counted: Sized | None,
        matched: list[Signal],
        level: str | None,
        item: WhitespaceItem | None = None,
        has_signal: bool = True,
        opening: bool = False,
    ) -> ExpansionOpportunity:
        facts, config, ctx = self.facts, self.config, self.ctx
        adds_arr = target.kind is not ExpansionType.CONTRACT_EXTENSION
        strength = combine_strengths(s.strength for s in matched)
        subs = sub_scores(
            config,
            kind=target.kind,
            level=level,
            signal=strength,
            health=ctx.health,
            adoption=ctx.adoption,
            champion=ctx.champion,
            engagement=ctx.engagement,
            wins=ctx.wins,
        )
        details = {
            "signal_strength": f"{count(len(matched), 'signal')} on the target"
            if matched
            else "no signal on the target",
            "whitespace_level": f"level {level or 'none'}",
            "motion": f"{target.kind.value} win rate",
            "health": f"health {ctx.health:.1f}",
            "adoption": "adoption sub-score" if ctx.adoption is not None else "no usage feed",
            "champion": "active champion" if ctx.champion else "no active champion",
            "engagement": "engagement sub-score",
            "prior_expansions": f"{count(ctx.wins, 'expansion')} won in {config.prior_expansions.window_days} days",
        }
        propensity = explain(config, subs, details)
        readiness, voiced = self._readiness(target, matched, has_signal, opening)
        probability = close_probability(config, propensity.score, readiness.bucket)
        arr_value = Decimal(potential.value) if adds_arr else Decimal(0)
        tier = pipeline_tier(Decimal(repr(propensity.score)), arr_value).tier
        window = rd.timeline(config, target.kind, readiness.bucket)
        evidence = _dedupe(
            [
                *(item.evidence if item else [row_evidence("account", facts.account_id, "arr", facts.arr)]),
                *(e for s in matched for e in s.evidence),
                *readiness.evidence,
            ]
        )
        department_id = target.department_id if target.scope == "department" else None
        auth = authority(self.contacts, department_id)
        need_ev = list(item.evidence) if item else [e for s in matched for e in s.evidence]
        bant = build_bant(
            readiness=readiness,
            authority_element=auth,
            level=level,
            need_evidence=need_ev,
            renewal_time=item is None,
        )
        return ExpansionOpportunity(
            id=candidate_id(facts.account_id, target.kind, target.name),
            account_id=facts.account_id,
            name=f"{TYPE_LABEL[target.kind]}: {target.name}",
            type=target.kind,
            pipeline_type=(item.opportunity_type if item and item.opportunity_type else PIPELINE_TYPE[target.kind]),
            target=target.name,
            target_kind=target.scope,
            product_id=target.product_id,
            whitespace_key=item.key if item else None,
            level=level,
            current_state=self._current_state(target, item),
            trigger=_trigger(item, matched, voiced),
            potential=potential,
            counted=counted,
            in_totals=counted is not None and adds_arr,
            adds_arr=adds_arr,
            note=item.note if item else (None if adds_arr else "extends the term: contract value, not new ARR"),
            signals=[
                MatchedSignal(kind=s.kind.value, strength=s.strength, summary=s.summary, evidence_ids=s.evidence_ids)
                for s in matched
            ],
            propensity=propensity,
            readiness=readiness,
            effort=rd.effort_of(config, target.kind),
            probability=probability,
            expected_value=expected_value(arr_value, probability),
            priority=priority(arr_value, propensity.score, readiness.bucket),
            pipeline_tier=tier,
            campaign_tier=campaign_tier(tier, TARGET_READINESS[readiness.bucket]),
            timeline_days=window,
            play=play_for(target, config, item),
            bant=bant,
            evidence=_dedupe([*evidence, *auth.evidence]),
        )

    def _readiness(
        self, target: Target, matched: list[Signal], has_signal: bool, opening: bool
    ) -> tuple[rd.ReadinessResult, list[ActivityFact]]:
        facts, config = self.facts, self.config
        evidence: list[Evidence] = []
        likely, reasons = structural_budget(facts, target, config)
        for reason in reasons:
            if reason.startswith("org_event:"):
                evidence.append(row_evidence("org_event", reason.partition(":")[2], "new_budget"))
            elif reason == "renewal":
                evidence.append(_renewal_ev(facts))
            else:
                evidence.append(
                    row_evidence("account", facts.account_id, "fiscal_year_start_month", facts.fiscal_year_start_month)
                )
        initiatives = [s for s in matched if s.kind is SignalKind.TEXT_INITIATIVE]
        if initiatives:
            likely = True
            evidence += [e.model_copy(update={"metric": "initiative"}) for s in initiatives for e in s.evidence]
        approvals = budget_approvals(self.text, target_terms(target, self.catalog))
        evidence += [_activity_ev(a.id, "budget", a.occurred_on.isoformat()) for a in approvals]
        voiced: list[ActivityFact] = []
        if target.scope in ("department", "geography") and not target.served:  # as whitespace: not for a remainder
            voiced = voiced_in(self.text, mention_sources(matched), self.active_ids, self.need_sources)
            evidence += [_activity_ev(a.id, "voiced", a.occurred_on.isoformat()) for a in voiced]
        event = not_open(facts, target) if opening else None
        if event is not None:
            evidence.append(row_evidence("org_event", event, "new_office"))
        if target.kind in rd.RENEWAL_TYPES:
            evidence.append(_renewal_ev(facts))
        budget: rd.Budget = "approved" if approvals else "likely" if likely else "unknown"
        access = "target" if voiced else access_to(target, self.contacts)
        bucket, codes = rd.decide_readiness(
            rd.ReadinessFacts(
                kind=target.kind,
                band=self.ctx.band,
                budget=budget,
                voiced=bool(voiced),
                has_signal=has_signal,
                not_open=opening,
                access=access,
                days_to_renewal=days_to_renewal(facts),
            )
        )
        result = rd.ReadinessResult(
            bucket=bucket,
            reasons=[rd.REASON_TEXT[c] for c in codes],
            budget=budget,
            access=access,
            evidence=_dedupe(evidence),
        )
        return result, voiced

    def _current_state(self, target: Target, item: WhitespaceItem | None) -> str:
        if item is None:
            renewal = self.facts.renewal_date.isoformat() if self.facts.renewal_date else "no date"
            return f"ACV ${Decimal(self.ws.acv.value):,.0f}; renewal on {renewal}"
        if target.kind is ExpansionType.TIER_UPGRADE:
            return f"{self.ws.plan} plan" if self.ws.plan else "no plan"
        if item.scope != "account" or item.scope_id:
            return item.capacity
        return "not owned" + (f"; {item.capacity}" if item.capacity else "")


def _renewal_ev(facts: AccountFacts) -> Evidence:
    value = facts.renewal_date.isoformat() if facts.renewal_date else None
    return row_evidence("account", facts.account_id, "renewal_date", value=value)


def _activity_ev(activity_id: str, metric: str, period: str) -> Evidence:
    return row_evidence("activity", activity_id, metric, period=period)


def _trigger(item: WhitespaceItem | None, matched: list[Signal], voiced: list[ActivityFact]) -> str:
    """An org event's description when one bears on the target, else the conversation that raised it, else the
    whitespace signals, else the top signal."""
    events = [s for s in matched if s.kind is SignalKind.ORG_CHANGE and s.evidence]
    if events:
        return str(events[0].evidence[0].value or events[0].summary)
    if voiced:
        a = voiced[-1]
        return f"raised in {with_article(str(a.kind))} on {a.occurred_on}: {a.subject or 'no subject'}"
    if item is not None and item.signals:
        return "; ".join(item.signals)
    if matched:
        return max(matched, key=lambda s: s.strength).summary
    return "no signal yet"


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: dict[str, Evidence] = {}
    for e in items:
        seen.setdefault(e.id, e)
    return list(seen.values())
