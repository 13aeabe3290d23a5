"""The white-space map: the catalog × one account, with status, use, level and size.

Rows: each plan tier from the current one up; each seat product as a whole, per department and per location;
each module; each service. Status is active, partial (seats for some people of a department or location, a
module scoped to one department while others are served, a usage package below need) or none.

Level rules (thresholds in `whitespace_signals.Rules`; a level follows from summed signal weights):
- Department without seats: HIGH at weight >= 2 from a hiring/budget/department-created event (2), an open
  opportunity targeting it (2), a note naming it with a need cue (hiring, logins, access, vendors, budget: 2), an
  active contact in it (1). Otherwise MED when it has >= 5 people (an adjacent use case), else LOW.
- Remainder of a served department: HIGH at weight >= 2 from seats >= 90% used (2), a hiring event (2) or an open
  opportunity (2); else MED when >= 5 people lack a seat, else LOW.
- Location without seats: HIGH at weight >= 2 (hiring event naming it 2, mentions 1) for an established office;
  MED when a new-office event says it is still opening ("office not yet opened"), or weight 1; LOW
  with no signal.
- Next plan tier: HIGH at weight >= 2 from a limit metric >= 80% of its limit at its 3-month peak (2; 60-80% is 1),
  >= 2 rate-limit tickets in 60 days (2), notes asking for the tier or its features (1); MED at 1; else LOW.
  Higher tiers beyond the next: LOW, sized but not counted.
- Module not owned: HIGH at weight >= 2 from an initiative in recent text (SOC 2, ISO 27001 for the Compliance
  Suite; predictive, forecasts for Advanced Analytics) or the module's feature names (2); MED at 1 from adjacent
  use (>= 2 adopted features such as reports and dashboards, or a department such as Security); else LOW.
- Usage package (API Package): HIGH when the metric it extends peaks >= 80% of its limit and it is the only way
  up (owned, or already on the top plan); MED when the next plan is the alternative; else LOW.
- Service not owned: Premium Support HIGH on an escalated or >= 3 severe tickets in 90 days, MED on >= 4 tickets
  (rate-limit and feature requests excluded); Implementation MED on >= 2 integration tickets; Training MED when
  feature adoption is below 50%; else LOW.
Items already owned, fully covering and not over their limits carry no level.

Untapped potential at list price (formulas in `analytics.sizing`): seats counted once
(seat_whitespace: the larger of the department and location gaps, at most employees without a seat; departments
first, by level), the step to the next plan, every module not owned (a usage package only when needed and not
replaced by the next plan), and services at MED or HIGH. `meets_t1_entry_rule`: ACV > 0 and potential >= 50% of
ACV (the T1 play's entry rule). `potential_only` computes the same two numbers without evidence, for portfolio scans.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.opportunities.sizing import money, sized
from account_intel.analytics.whitespace.demand import DEFAULT_RULES, Level, Mention, Rules, text_index
from account_intel.analytics.whitespace.models import Play, Status, WhitespaceItem, WhitespaceMap
from account_intel.analytics.whitespace.penetration import build_penetration, catalog_index, coverage
from account_intel.analytics.whitespace.rows import RowBuilder

__all__ = [
    "Level",
    "Mention",
    "Play",
    "Rules",
    "Status",
    "WhitespaceItem",
    "WhitespaceMap",
    "build_whitespace_map",
    "potential_only",
]


def build_whitespace_map(
    facts: AccountFacts,
    catalog: Catalog,
    mentions: Sequence[Mention] | None = None,
    rules: Rules = DEFAULT_RULES,
) -> WhitespaceMap:
    """The white-space map of one account: rows with status, use, level, size and evidence, and the totals.

    `mentions` are (kind, value, evidence_id) from `analytics.text_matcher`; without them a keyword check reads
    the account's recent activities, tickets and org events."""
    cov = coverage(facts, catalog)
    rows = RowBuilder(facts, catalog, cov, text_index(facts, mentions), rules)
    index = catalog_index(catalog)
    items: list[WhitespaceItem] = rows.plans()
    for product in index.seat_products:
        items += rows.seats(product)
    for product in sorted((*index.usage_modules, *index.modules), key=lambda p: p.name):
        items.append(rows.modules(product))
    items += [rows.service(product) for product in index.services]

    acv_parts = {f"line:{line.id}": line.annual_value for line in facts.lines}
    acv = sized("sum", **acv_parts)
    counted = {item.key: item.counted.value for item in items if item.counted is not None}
    potential = sized("sum", **counted)
    by_level: dict[str, Decimal] = {level.value: Decimal("0.00") for level in Level}
    for item in items:
        if item.counted is not None and item.level is not None:
            by_level[item.level.value] += Decimal(item.counted.value)
    threshold = sized("share_of", whole=Decimal(acv.value), ratio=rules.t1_entry_ratio)
    evidence: list[Evidence] = [row_evidence("account", facts.account_id, "arr", facts.arr)]
    evidence += [row_evidence("line", line.id, "annual_value", line.annual_value) for line in facts.lines]
    return WhitespaceMap(
        account_id=facts.account_id,
        account_name=facts.name,
        as_of=facts.as_of,
        tier=facts.tier,
        segment=facts.segment,
        plan=cov.plan.name if cov.plan else None,
        acv=acv,
        potential=potential,
        potential_by_level={k: money(v) for k, v in by_level.items()},
        untapped_seats=rows.untapped,
        t1_entry_threshold=threshold,
        meets_t1_entry_rule=_meets(Decimal(acv.value), Decimal(potential.value), rules),
        items=items,
        penetration=build_penetration(facts, catalog, cov),
        evidence=evidence,
    )


def meets_t1_entry_rule(acv: Decimal, potential: Decimal, rules: Rules = DEFAULT_RULES) -> bool:
    """The entry rule for the T1 play: white-space potential >= 50% of current ACV (ACV > 0)."""
    return _meets(acv, potential, rules)


def _meets(acv: Decimal, potential: Decimal, rules: Rules) -> bool:
    return acv > 0 and potential >= acv * rules.t1_entry_ratio


def potential_only(facts: AccountFacts, catalog: Catalog, rules: Rules = DEFAULT_RULES) -> tuple[Decimal, Decimal]:
    """(current ACV, white-space potential) of one account: the map's own totals."""
    ws = build_whitespace_map(facts, catalog, rules=rules)
    return Decimal(ws.acv.value), Decimal(ws.potential.value)
