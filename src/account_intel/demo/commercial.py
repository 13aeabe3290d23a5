"""One generated account's organisation and commercials: account row, departments, geographies, contracts, lines.

ARR is drawn from a band first (T1, T2, Enterprise-sized T3, Mid-Market, SMB), then a plan, optional modules and
services, and seats spread over the served departments fill it. Older customers get the expired contract
before the current one (a renewal or an upgrade); some get a mid-term expansion line.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from account_intel.demo import catalog as c
from account_intel.demo.dates import add_years, at, days, month_start
from account_intel.demo.draft import AccountDraft, DepartmentDraft, GeographyDraft, LineDraft
from account_intel.demo.pools import COUNTRIES, COUNTRY_LANGUAGE, COUNTRY_SHORT, DEPARTMENTS, INDUSTRIES
from account_intel.demo.rows import Bundle
from account_intel.demo.staff import Staff
from account_intel.demo.themes import choose_themes
from account_intel.domain.enums import AccountStatus, ContractKind, ContractStatus, OpportunityType

# band, share of active accounts, ARR range
BANDS = (("T1", 6, 500_000, 1_300_000), ("T2", 18, 100_000, 480_000), ("ENT", 20, 52_000, 98_000),
         ("MM", 27, 20_500, 49_000), ("SMB", 28, 8_600, 19_500))  # fmt: skip
CHURNED_BANDS = (("ENT", 10, 52_000, 98_000), ("MM", 40, 20_500, 49_000), ("SMB", 50, 8_600, 19_500))
ARCHETYPES = (("thriving", 25), ("steady", 40), ("declining", 20), ("at_risk", 15))
# Optional items per band: product, probability, (min qty, max qty)
EXTRAS = {
    "T1": ((c.COMPLIANCE, 0.5, (1, 1)), (c.ANALYTICS, 0.5, (1, 1)), (c.API_PACKAGE, 0.4, (1, 8)),
           (c.PREMIUM_SUPPORT, 0.6, (1, 1)), (c.IMPLEMENTATION, 0.2, (1, 1)), (c.TRAINING, 0.4, (2, 10))),
    "T2": ((c.COMPLIANCE, 0.4, (1, 1)), (c.ANALYTICS, 0.4, (1, 1)), (c.API_PACKAGE, 0.3, (1, 4)),
           (c.PREMIUM_SUPPORT, 0.5, (1, 1)), (c.IMPLEMENTATION, 0.15, (1, 1)), (c.TRAINING, 0.3, (2, 6))),
    "ENT": ((c.COMPLIANCE, 0.2, (1, 1)), (c.ANALYTICS, 0.2, (1, 1)), (c.API_PACKAGE, 0.15, (1, 2)),
            (c.PREMIUM_SUPPORT, 0.25, (1, 1)), (c.TRAINING, 0.2, (1, 4))),
    "MM": ((c.ANALYTICS, 0.08, (1, 1)), (c.API_PACKAGE, 0.08, (1, 1)), (c.PREMIUM_SUPPORT, 0.08, (1, 1)),
           (c.TRAINING, 0.15, (1, 3))),
    "SMB": ((c.TRAINING, 0.1, (1, 2)),),
}  # fmt: skip
_PRODUCT_NAMES = {row["id"]: row["name"] for row in c.product_rows()}
SERVED = {"T1": (3, 5), "T2": (2, 4), "ENT": (1, 3), "MM": (1, 2), "SMB": (1, 1)}
GEOS = {"T1": (1, 4), "T2": (1, 4), "ENT": (1, 3), "MM": (1, 2), "SMB": (1, 1)}


@dataclass(frozen=True)
class Identity:
    """Who the account is before its commercials are drawn."""

    id: str
    name: str
    domain: str
    status: AccountStatus


def weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    """Pick a name from (name, weight) pairs."""
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def draft_account(rng: random.Random, who: Identity, *, as_of: date, staff: Staff, bundle: Bundle) -> AccountDraft:
    """Draw one account's organisation and contracts, add their rows to `bundle` and return the draft."""
    churned = who.status == AccountStatus.CHURNED
    archetype = rng.choice(("declining", "at_risk")) if churned else weighted(rng, ARCHETYPES)
    draft = AccountDraft(
        id=who.id, name=who.name, domain=who.domain, status=who.status, archetype=archetype, as_of=as_of
    )
    draft.owners = {"ae": rng.choice(staff.ae), "csm": rng.choice(staff.csm), "am": rng.choice(staff.am)}
    band = _band(rng, churned)
    country, region = _country(rng)
    industry = rng.choice(INDUSTRIES)
    if who.status == AccountStatus.PROSPECT:
        headcount = rng.randint(40, 3_000)
        _add_departments_for_prospect(rng, draft, headcount)
        draft.geographies = [GeographyDraft(f"{who.id}-GEO-1", country, country, region, headcount, True)]
        _write_org(bundle, draft, industry=industry, headcount=headcount, country=country, region=region)
        return draft

    tenure = int(rng.triangular(75, 5 * 365, 500 if band in ("SMB", "MM") else 900))
    draft.customer_since = as_of - days(tenure)
    if churned:
        draft.churned_on = as_of - days(rng.randint(10, min(330, tenure - 45)))
    term = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
    start = _current_start(draft.customer_since, draft.last_day, term)
    end = add_years(start, term) - days(1)
    draft.renewal_date = None if churned else end
    draft.next_qbr_date = None if churned else as_of + days(rng.randint(2, 95))
    history_months = rng.randint(12, 15)
    first = month_start(as_of)
    for _ in range(history_months - 1):
        first = month_start(first - days(1))
    draft.history_start = max(first, month_start(draft.customer_since))

    plan, extras, seats = _commercials(rng, band)
    n_served = min(rng.randint(*SERVED[band]), seats)
    geo_seats = 0
    n_geos = rng.randint(*GEOS[band])
    if n_geos > 1 and seats >= 10 and rng.random() < 0.25:
        geo_seats = max(2, int(seats * rng.uniform(0.1, 0.25)))
    dept_seats = _split(rng, seats - geo_seats, n_served)
    headcount = _add_departments(rng, draft, dept_seats, band)
    headcount += geo_seats + int(geo_seats * rng.uniform(0.0, 0.5))
    _add_geographies(rng, draft, country, region, headcount, n_geos)

    contract_id = f"{who.id}-CON-2"
    end_in_force = draft.churned_on or end
    prior = start > draft.customer_since
    upgraded = prior and c.PLAN_RANK[plan] > 1 and rng.random() < 0.2
    kind = ContractKind.NEW if not prior else (ContractKind.UPGRADE if upgraded else ContractKind.RENEWAL)
    status = ContractStatus.CANCELLED if churned else ContractStatus.ACTIVE
    _add_contract(bundle, draft, contract_id, kind, status, start, end, term)  # the agreed end
    lines = [(plan, 1, None, None)] + [(p, q, None, None) for p, q in extras]
    lines += [(c.SEATS, d.seats, d.id, None) for d in draft.departments if d.seats]
    if geo_seats:  # seats for an office; unscoped if the office could not be placed
        office = draft.geographies[1].id if len(draft.geographies) > 1 else None
        lines.append((c.SEATS, geo_seats, None, office))
    for number, (product, quantity, dept, geo) in enumerate(lines, start=1):
        line = LineDraft(f"{contract_id}-L{number}", contract_id, product, quantity, c.LIST_PRICE[product], start, end)
        line.end, line.department_id, line.geography_id = end_in_force, dept, geo
        draft.lines.append(line)
    if prior:
        _add_prior_contract(rng, bundle, draft, plan if not upgraded else _lower(plan), start, term)
    if not churned and (as_of - start).days >= 75 and rng.random() < 0.12:
        _add_expansion(rng, draft, start, contract_id, len(lines) + 1)
    draft.themes = choose_themes(rng, draft, plan, {p for p, _ in extras})
    _write_org(bundle, draft, industry=industry, headcount=headcount, country=country, region=region)
    return draft


def write_lines(bundle: Bundle, draft: AccountDraft) -> None:
    """Add every drafted contract line to `bundle` (after any mid-term expansion was drafted)."""
    for line in draft.lines:
        bundle.add(
            "contract_lines",
            id=line.id,
            contract_id=line.contract_id,
            account_id=draft.id,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            start_date=line.start,
            end_date=line.end,
            department_id=line.department_id,
            geography_id=line.geography_id,
            description=line.description,
        )


def _band(rng: random.Random, churned: bool) -> str:
    bands = CHURNED_BANDS if churned else BANDS
    return weighted(rng, tuple((b[0], b[1]) for b in bands))


def _country(rng: random.Random) -> tuple[str, str]:
    name, region, _, _ = rng.choices(COUNTRIES, weights=[row[2] for row in COUNTRIES])[0]
    return name, region


def _commercials(rng: random.Random, band: str) -> tuple[str, list[tuple[str, int]], int]:
    low, high = next((b[2], b[3]) for b in BANDS if b[0] == band)
    target = math.exp(rng.uniform(math.log(low), math.log(high)))
    if band == "T1":
        plan = c.ENTERPRISE
    elif band == "T2":
        plan = c.ENTERPRISE if rng.random() < 0.65 else c.PROFESSIONAL
    elif band == "ENT":
        plan = c.PROFESSIONAL if rng.random() < 0.75 else c.ENTERPRISE
    elif band == "MM" and target > 41_200 and rng.random() < 0.6:
        plan = c.PROFESSIONAL
    else:
        plan = c.STARTER
    budget = target - float(c.LIST_PRICE[plan])
    extras: list[tuple[str, int]] = []
    for product, probability, (low_q, high_q) in EXTRAS[band]:
        if rng.random() >= probability:
            continue
        quantity = rng.randint(low_q, high_q)
        cost = float(c.LIST_PRICE[product]) * quantity
        if cost <= budget * 0.45:
            extras.append((product, quantity))
            budget -= cost
    seats = max(1, round(budget / float(c.LIST_PRICE[c.SEATS])))
    return plan, extras, seats


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    if total <= 0:
        return []
    parts = max(1, min(parts, total))
    weights = [rng.uniform(0.5, 2.0) for _ in range(parts)]
    shares = [max(1, int(total * w / sum(weights))) for w in weights]
    shares[0] += total - sum(shares)
    if shares[0] < 1:  # rounding took too much from the first share
        return [total]
    return shares


def _add_departments(rng: random.Random, draft: AccountDraft, dept_seats: list[int], band: str) -> int:
    n_unserved = rng.randint(1, 4 if band in ("T1", "T2", "ENT") else 2)
    total = max(2, min(8, len(dept_seats) + n_unserved))
    names = rng.sample(DEPARTMENTS, total)
    headcounts = [max(s, math.ceil(s * rng.uniform(1.0, 1.8))) for s in dept_seats]
    average = max(4, sum(headcounts) // max(1, len(headcounts)))
    headcounts += [max(3, int(average * rng.uniform(0.3, 1.5))) for _ in range(total - len(dept_seats))]
    for number, (name, headcount) in enumerate(zip(names, headcounts, strict=True), start=1):
        seats = dept_seats[number - 1] if number <= len(dept_seats) else 0
        draft.departments.append(DepartmentDraft(f"{draft.id}-DEP-{number}", name, headcount, seats))
    return math.ceil(sum(headcounts) * rng.uniform(1.05, 1.6))


def _add_departments_for_prospect(rng: random.Random, draft: AccountDraft, headcount: int) -> None:
    names = rng.sample(DEPARTMENTS, rng.randint(2, 4))
    share = headcount // (len(names) + 1)
    for number, name in enumerate(names, start=1):
        draft.departments.append(DepartmentDraft(f"{draft.id}-DEP-{number}", name, max(2, share)))


def _add_geographies(
    rng: random.Random, draft: AccountDraft, country: str, region: str, headcount: int, n_geos: int
) -> None:
    offices: list[GeographyDraft] = []
    remaining = headcount
    for _ in range(2, n_geos + 1):
        number = len(offices) + 2
        o_country, o_region, _, cities = rng.choice(COUNTRIES)
        name = f"{rng.choice(cities)}, {COUNTRY_SHORT.get(o_country, o_country)}"
        if any(o.name == name for o in offices):
            continue
        size = max(2, int(headcount * rng.uniform(0.04, 0.2)))
        if size >= remaining:
            break
        remaining -= size
        opened = draft.customer_since - days(rng.randint(200, 3_000)) if draft.customer_since else None
        offices.append(GeographyDraft(f"{draft.id}-GEO-{number}", name, o_country, o_region, size, False, opened))
    hq = GeographyDraft(f"{draft.id}-GEO-1", country, country, region, remaining, True)
    draft.geographies = [hq, *offices]


def _current_start(since: date, day: date, term: int) -> date:
    start = since
    while add_years(start, term) <= day:
        start = add_years(start, term)
    return start


def _lower(plan: str) -> str:
    return {c.ENTERPRISE: c.PROFESSIONAL, c.PROFESSIONAL: c.STARTER}.get(plan, plan)


def _add_contract(
    bundle: Bundle,
    draft: AccountDraft,
    contract_id: str,
    kind: ContractKind,
    status: ContractStatus,
    start: date,
    end: date,
    term: int,
) -> None:
    bundle.add(
        "contracts",
        id=contract_id,
        account_id=draft.id,
        kind=kind,
        status=status,
        start_date=start,
        end_date=end,
        payment_terms="Net 30",
        billing_frequency="annual",
        auto_renew=True,
        terms=f"{term}-year subscription, billed annually in advance.",
    )


def _add_prior_contract(
    rng: random.Random, bundle: Bundle, draft: AccountDraft, plan: str, current_start: date, term: int
) -> None:
    start, end = add_years(current_start, -term), current_start - days(1)
    contract_id = f"{draft.id}-CON-1"
    kind = ContractKind.NEW if start <= draft.customer_since else ContractKind.RENEWAL  # type: ignore[operator]
    _add_contract(bundle, draft, contract_id, kind, ContractStatus.EXPIRED, start, end, term)
    number = 0
    for line in list(draft.lines):
        product, quantity = line.product_id, line.quantity
        if product in c.PLANS:
            product = plan
        elif product == c.SEATS:
            quantity = max(1, round(quantity * rng.uniform(0.7, 1.0)))
        elif rng.random() < 0.3:
            continue
        number += 1
        draft.lines.append(
            replace(
                line,
                id=f"{contract_id}-L{number}",
                contract_id=contract_id,
                product_id=product,
                quantity=quantity,
                unit_price=c.LIST_PRICE[product],
                start=start,
                end=end,
            )
        )


def _add_expansion(rng: random.Random, draft: AccountDraft, start: date, contract_id: str, number: int) -> None:
    closed_on = start + days(rng.randint(30, (draft.as_of - start).days - 14))
    current = [line for line in draft.lines if line.contract_id == contract_id]
    owned = {line.product_id for line in current}
    missing = [m for m in (c.ANALYTICS, c.COMPLIANCE) if m not in owned]
    served = [d for d in draft.departments if d.seats]
    end = current[0].end
    if served and (not missing or rng.random() < 0.7):
        dept = rng.choice(served)
        quantity = max(2, int(dept.seats * rng.uniform(0.1, 0.3)))
        dept.seats += quantity
        dept.headcount = max(dept.headcount, dept.seats)
        line = LineDraft(
            f"{contract_id}-L{number}", contract_id, c.SEATS, quantity, c.LIST_PRICE[c.SEATS], closed_on, end, dept.id
        )
        draft.expansions.append((line, OpportunityType.VOLUME_INCREASE.value, f"Additional {dept.name} seats"))
    elif missing:
        product = rng.choice(missing)
        line = LineDraft(f"{contract_id}-L{number}", contract_id, product, 1, c.LIST_PRICE[product], closed_on, end)
        draft.expansions.append((line, OpportunityType.NEW_SERVICE.value, f"{_PRODUCT_NAMES[product]} add-on"))
    else:
        return
    line.description = "Mid-term expansion"
    draft.lines.append(line)


def _write_org(
    bundle: Bundle, draft: AccountDraft, *, industry: str, headcount: int, country: str, region: str
) -> None:
    since = draft.customer_since or draft.as_of - days(60)
    bundle.add(
        "accounts",
        id=draft.id,
        name=draft.name,
        status=draft.status,
        industry=industry,
        headcount=headcount,
        hq_country=country,
        region=region,
        domain=draft.domain,
        language=COUNTRY_LANGUAGE.get(country),
        customer_since=draft.customer_since,
        renewal_date=draft.renewal_date,
        next_qbr_date=draft.next_qbr_date,
        churned_on=draft.churned_on,
        ae_id=draft.owners["ae"],
        csm_id=draft.owners["csm"],
        am_id=draft.owners["am"],
        arr=Decimal("0"),
        source=c.DEMO_SOURCE,
        attributes={},
        created_at=at(since, 9),
    )
    for dept in draft.departments:
        bundle.add("departments", id=dept.id, account_id=draft.id, name=dept.name, headcount=dept.headcount)
    for geo in draft.geographies:
        bundle.add(
            "geographies",
            id=geo.id,
            account_id=draft.id,
            name=geo.name,
            country=geo.country,
            region=geo.region,
            headcount=geo.headcount,
            is_hq=geo.is_hq,
            opened_on=geo.opened_on,
        )
