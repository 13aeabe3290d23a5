"""Numeric reconciliation of the figures in the brief (and QBR packet) against the store and the analytics.

Recomputed independently from the store's rows: ARR (Σ quantity × unit price of lines in force; 0 once churned),
seats (Σ seat lines in force), headcount, segment and tier from ARR, and each recommendation's size from the
catalog (tier upgrade = next plan − current plan; a module = its list price × units; seats = whole seats at the
seat price, no more than the people without one). Then:
- the brief's "Current ARR" and "Seats: N of M", the JSON's ARR, and the placement's segment and tier;
- every figure with a formula (sum, difference, product, ratio, percent) computes to its value;
- the total potential is the analytics' whitespace potential or the sum of recommended potentials;
- NRR = (starting ARR + expansion) / starting ARR, with the store's ARR as the start;
- the money written in the brief and QBR packet is a known figure at the precision written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from account_intel.agents.grounding import FORMULAS
from account_intel.agents.schemas import Figure, OpportunityFindings, Recommendation
from account_intel.analytics.facts import load_catalog, load_facts
from account_intel.analytics.signals.text_matcher import account_mentions, default_matcher
from account_intel.analytics.whitespace.map import build_whitespace_map
from account_intel.domain.enums import AccountStatus, ContractStatus, PricingUnit, ProductKind
from account_intel.domain.tiering import Thresholds, segment_for_arr, tier_for_arr
from account_intel.evals.evaluators.base import EvalInput, contains
from account_intel.evals.evaluators.grounding import sink_for
from account_intel.evals.results import Check, MetricResult
from account_intel.store.models import Account, Contract, ContractLine, Department, Geography, Product

METRICS = ("numeric",)
CENT = Decimal("0.01")
_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)\s?([KkMm](?![a-z]))?")
_ARR_LINE = re.compile(r"Current ARR:\s*(\$[^\s|]+)")
_SEATS_LINE = re.compile(r"Seats:\s*([\d,]+)\s+of\s+([\d,]+)")
_TOTAL_LINE = re.compile(r"Total Expansion Potential:\s*(\$[^\s*|]+)")
_TARGET_LINE = re.compile(r"Recommended Expansion Target[^:]*:\s*(\$[^\s*|]+)")
_POTENTIAL_LINE = re.compile(r"Potential ARR\**:\s*(\$[^\s(|]+)")
_NRR_LINE = re.compile(r"NRR impact\**:\s*([\d.]+)\s*%")


@dataclass
class StoreFacts:
    """What the store says, computed here without the analytics."""

    arr: Decimal
    seats: int
    headcount: int | None
    plan_price: Decimal | None
    tier_override: bool


def written_money(text: str) -> list[tuple[Decimal, Decimal, str]]:
    """(value, tolerance, literal) of each amount written as $85,000, $85K, $8.4K or $1.2M."""
    out = []
    for match in _MONEY.finditer(text):
        digits, suffix = match.group(1).replace(",", ""), (match.group(2) or "").lower()
        scale = {"k": Decimal(1000), "m": Decimal(1_000_000)}.get(suffix, Decimal(1))
        places = len(digits.split(".")[1]) if "." in digits else 0
        tolerance = scale * Decimal(1).scaleb(-places) / 2 if suffix else CENT
        out.append((Decimal(digits) * scale, tolerance, match.group(0)))
    return out


def money_equals(literal: str, value: Decimal) -> bool:
    """The amount written (at its precision) is `value`."""
    found = written_money(literal)
    return bool(found) and abs(found[0][0] - value) <= found[0][1]


def store_facts(session: Session, account_id: str, data: EvalInput) -> StoreFacts:
    """ARR, seats, headcount and the current plan's price, straight from the rows."""
    account = session.get(Account, account_id)
    assert account is not None
    in_force = and_(
        Contract.status != ContractStatus.CANCELLED,
        Contract.start_date <= data.as_of,
        or_(Contract.end_date.is_(None), Contract.end_date >= data.as_of),
        ContractLine.start_date <= data.as_of,
        or_(ContractLine.end_date.is_(None), ContractLine.end_date >= data.as_of),
    )
    rows = session.execute(
        select(ContractLine.quantity, ContractLine.unit_price, Product.pricing_unit, Product.kind, Product.list_price)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .join(Product, Product.id == ContractLine.product_id)
        .where(ContractLine.account_id == account_id, in_force)
    ).all()
    churned = account.status == AccountStatus.CHURNED and (
        account.churned_on is None or account.churned_on <= data.as_of
    )
    arr = Decimal(0) if churned else sum((q * p for q, p, *_ in rows), Decimal(0))
    seats = 0 if churned else sum(q for q, _, unit, _, _ in rows if unit == PricingUnit.SEAT)  # nothing in force
    plans = [lp for _, _, _, kind, lp in rows if kind == ProductKind.PLAN]
    return StoreFacts(
        arr=arr.quantize(CENT),
        seats=seats,
        headcount=account.headcount,
        plan_price=max(plans) if plans else None,
        tier_override=account.tier_override is not None,
    )


def _size_check(session: Session, data: EvalInput, rec: Recommendation, facts: StoreFacts) -> Check | None:
    """The recommendation's potential recomputed from the catalog, where its type has a catalog formula."""
    value = rec.potential_arr.value
    products = list(session.scalars(select(Product)))
    named = [p for p in products if rec.target and (contains(rec.target, p.name) or contains(p.name, rec.target))]
    name = f"size of {rec.type}:{rec.target}"
    if rec.type == "tier_upgrade" and facts.plan_price is not None:
        plans = [p for p in named if p.kind == ProductKind.PLAN]
        if not plans:
            return None
        expected = plans[0].list_price - facts.plan_price
        return Check(name=name, ok=abs(value - expected) <= CENT, detail=f"{value} != next plan − current = {expected}")
    if rec.type in ("cross_sell", "new_service"):
        items = [p for p in named if p.kind in (ProductKind.MODULE, ProductKind.SERVICE)]
        if not items:
            return None
        price = items[0].list_price
        ok = price > 0 and value % price == 0 and value > 0
        return Check(name=name, ok=ok, detail=f"{value} is not a whole number of {items[0].name} at {price}")
    if rec.type in ("seat_expansion", "geographic_expansion"):
        seat = next((p for p in products if p.pricing_unit == PricingUnit.SEAT), None)
        if seat is None or seat.list_price <= 0:
            return None
        people = _people(session, data.account_id, rec.target)
        seats = value / seat.list_price
        ok = seats == seats.to_integral_value() and seats > 0 and (people is None or seats <= people)
        detail = f"{value} is {seats} seats at {seat.list_price}" + (f" for {people} people" if people else "")
        return Check(name=name, ok=ok, detail=detail)
    return None


def _people(session: Session, account_id: str, target: str | None) -> int | None:
    if not target:
        return None
    rows: list[Department | Geography] = [
        *session.scalars(select(Department).where(Department.account_id == account_id)),
        *session.scalars(select(Geography).where(Geography.account_id == account_id)),
    ]
    for row in rows:
        if contains(target, row.name) or contains(row.name, target):
            return row.headcount
    return None


def _formula_checks(findings: OpportunityFindings) -> list[Check]:
    figures: list[tuple[str, Figure]] = [
        ("total_potential", findings.total_potential),
        ("target_90d", findings.target_90d),
        ("nrr_impact", findings.nrr_impact),
        *((f"scenario {s.label}", s) for s in findings.scenarios),
        *((f"potential of {r.id}", r.potential_arr) for r in findings.recommendations),
    ]
    checks = []
    for name, figure in figures:
        if figure.formula is None:
            continue
        formula = FORMULAS.get(figure.formula)
        try:
            expected = formula(list(figure.inputs)) if formula and figure.inputs else None
        except (ArithmeticError, IndexError):
            expected = None
        ok = expected is not None and abs(expected - figure.value) <= CENT
        checks.append(
            Check(name=f"{name} = {figure.formula}(inputs)", ok=ok, detail=f"gives {expected}, not {figure.value}")
        )
    return checks


def _nrr_check(findings: OpportunityFindings, arr: Decimal) -> Check | None:
    nrr = findings.nrr_impact
    if arr <= 0 or nrr.unit not in ("percent", "ratio"):
        return None
    scale = Decimal(100) if nrr.unit == "percent" else Decimal(1)
    expansions = {findings.target_90d.value, findings.total_potential.value, *(s.value for s in findings.scenarios)}
    expansions |= {i - arr for i in nrr.inputs if i >= arr}
    tolerance = Decimal("0.5") if nrr.unit == "percent" else Decimal("0.005")
    ok = any(abs((arr + x) / arr * scale - nrr.value) <= tolerance for x in expansions)
    return Check(
        name="NRR = (starting ARR + expansion) / starting ARR",
        ok=ok,
        detail=f"{nrr.value} {nrr.unit} does not follow from ARR {arr} and any expansion figure",
    )


def _total_check(findings: OpportunityFindings, whitespace_potential: Decimal) -> Check:
    total = findings.total_potential.value
    counted = sum((r.potential_arr.value for r in findings.recommendations), Decimal(0))
    renewal = sum((r.potential_arr.value for r in findings.recommendations if r.type == "rate_increase"), Decimal(0))
    inputs = sum(findings.total_potential.inputs, Decimal(0))
    ok = any(abs(total - v) <= CENT for v in (whitespace_potential, whitespace_potential + renewal, counted)) or (
        findings.total_potential.formula == "sum" and abs(inputs - total) <= CENT
    )
    return Check(
        name="total potential reconciles",
        ok=ok,
        detail=f"{total} is neither the whitespace potential {whitespace_potential} nor Σ recommended {counted}",
    )


def _written_checks(text: str, where: str, known: set[Decimal]) -> list[Check]:
    unknown = [
        literal
        for value, tolerance, literal in written_money(text)
        if not any(abs(value - k) <= tolerance for k in known)
    ]
    return [
        Check(
            name=f"money written in the {where} is known",
            ok=not unknown,
            detail=f"unknown amounts: {sorted(set(unknown))[:6]}",
        )
    ]


def _markdown_checks(markdown: str, facts: StoreFacts, findings: OpportunityFindings | None) -> list[Check]:
    checks = []
    if m := _ARR_LINE.search(markdown):
        checks.append(
            Check(
                name="brief ARR = store ARR",
                ok=money_equals(m.group(1), facts.arr),
                detail=f"{m.group(1)} vs {facts.arr}",
            )
        )
    if m := _SEATS_LINE.search(markdown):
        seats, people = (int(g.replace(",", "")) for g in m.groups())
        ok = seats == facts.seats and (facts.headcount is None or people == facts.headcount)
        checks.append(
            Check(
                name="brief seats = store seats and headcount",
                ok=ok,
                detail=f"{seats} of {people} vs {facts.seats} of {facts.headcount}",
            )
        )
    if findings is None:
        return checks
    for pattern, figure, name in (
        (_TOTAL_LINE, findings.total_potential, "total potential"),
        (_TARGET_LINE, findings.target_90d, "90-day target"),
    ):
        if m := pattern.search(markdown):
            checks.append(
                Check(
                    name=f"brief {name} = findings",
                    ok=money_equals(m.group(1), figure.value),
                    detail=f"{m.group(1)} vs {figure.value}",
                )
            )
    written = _POTENTIAL_LINE.findall(markdown)
    for literal, rec in zip(written, findings.recommendations, strict=False):
        checks.append(
            Check(
                name=f"brief potential of {rec.id}",
                ok=money_equals(literal, rec.potential_arr.value),
                detail=f"{literal} vs {rec.potential_arr.value}",
            )
        )
    if (m := _NRR_LINE.search(markdown)) and findings.nrr_impact.unit == "percent":
        ok = abs(Decimal(m.group(1)) - findings.nrr_impact.value) <= Decimal("0.5")
        checks.append(Check(name="brief NRR = findings", ok=ok, detail=f"{m.group(1)}% vs {findings.nrr_impact.value}"))
    return checks


def _known(
    findings: OpportunityFindings | None, facts: StoreFacts, ws_potential: Decimal, tool_numbers: set[Decimal]
) -> set[Decimal]:
    known = {facts.arr, ws_potential, *tool_numbers}
    if findings is not None:
        figures = [findings.total_potential, findings.target_90d, findings.nrr_impact, *findings.scenarios]
        figures += [r.potential_arr for r in findings.recommendations]
        for f in figures:
            known |= {f.value, *f.inputs}
    return known


def evaluate(data: EvalInput) -> list[MetricResult]:
    """Every reconciliation that applies to this account's run."""
    r = data.result
    thresholds = Thresholds.from_settings(data.settings)
    with data.store.sessions() as session:
        facts = store_facts(session, data.account_id, data)
        loaded = load_facts(session, data.as_of, [data.account_id])[data.account_id]
        mentions = [m.as_tuple() for m in account_mentions(loaded, default_matcher(home=data.settings.home))]
        ws_map = build_whitespace_map(loaded, load_catalog(session), mentions)
        ws_potential = Decimal(ws_map.potential.value)
        # every row's own size is a figure from code too, counted or not (a LOW row shows its size, uncounted)
        row_sizes = {Decimal(i.sizing.value) for i in ws_map.items if i.sizing is not None}
        row_sizes |= {Decimal(i.counted.value) for i in ws_map.items if i.counted is not None}
        sizes = [
            c
            for rec in (r.findings.recommendations if r.findings else [])
            if (c := _size_check(session, data, rec, facts))
        ]
    checks: list[Check] = []
    if r.placement is not None:
        segment = segment_for_arr(facts.arr, thresholds).value
        checks.append(
            Check(
                name="segment follows from ARR",
                ok=r.placement.segment == segment,
                detail=f"{r.placement.segment} vs {segment}",
            )
        )
        if not facts.tier_override:
            tier = tier_for_arr(facts.arr, thresholds).value
            checks.append(
                Check(name="tier follows from ARR", ok=r.placement.tier == tier, detail=f"{r.placement.tier} vs {tier}")
            )
    checks += _markdown_checks(r.markdown, facts, r.findings)
    if js := r.deliverables.get("brief_json"):
        path = Path(js)
        if path.is_file():
            arr = json.loads(path.read_text(encoding="utf-8")).get("account", {}).get("arr")
            if arr is not None:
                checks.append(
                    Check(
                        name="brief.json ARR = store ARR",
                        ok=Decimal(str(arr)) == facts.arr,
                        detail=f"{arr} vs {facts.arr}",
                    )
                )
    if r.findings is not None:
        checks += _formula_checks(r.findings) + sizes + [_total_check(r.findings, ws_potential)]
        if nrr := _nrr_check(r.findings, facts.arr):
            checks.append(nrr)
    known = _known(r.findings, facts, ws_potential, set(sink_for(data).numbers) | row_sizes)
    if r.markdown:
        checks += _written_checks(r.markdown, "brief", known)
    for key, location in r.deliverables.items():
        if key.startswith("qbr") and key.endswith("md") and Path(location).is_file():
            checks += _written_checks(Path(location).read_text(encoding="utf-8"), "QBR packet", known)
    return [MetricResult.from_checks("numeric", checks, empty="nothing to reconcile")]
