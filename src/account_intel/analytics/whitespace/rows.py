"""Rows of the white-space map, one builder per catalog kind, and the gap helpers that `potential_only` shares."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from account_intel.analytics.evidence import Evidence, row_evidence, usage_evidence
from account_intel.analytics.facts import AccountFacts, Catalog, ProductFact, UsagePoint
from account_intel.analytics.opportunities.sizing import percent, sized
from account_intel.analytics.whitespace.demand import (
    Level,
    Rules,
    Signal,
    TextIndex,
    level_for,
    module_signals,
    plan_signals,
    service_signals,
)
from account_intel.analytics.whitespace.models import Play, Status, WhitespaceItem
from account_intel.analytics.whitespace.penetration import (
    SEAT_METRIC,
    Coverage,
    catalog_index,
    peak_utilisation,
    utilisation,
)
from account_intel.analytics.whitespace.potential import (
    next_plan,
    reach,
    service_units,
    untapped_seats,
    usage_need,
)
from account_intel.analytics.whitespace.seats import SeatRow, seat_plan
from account_intel.domain.enums import OpportunityType
from account_intel.domain.wording import plural


def _product_ev(product: ProductFact) -> Evidence:
    return row_evidence("product", product.id, "list_price", product.list_price)


def _unpack(signals: Sequence[Signal]) -> tuple[list[str], list[Evidence]]:
    evidence: dict[str, Evidence] = {}
    for s in signals:
        for e in s.evidence:
            evidence.setdefault(e.id, e)
    return [s.label for s in signals], list(evidence.values())


class RowBuilder:
    """Builds the rows of one account's map."""

    def __init__(self, facts: AccountFacts, catalog: Catalog, cov: Coverage, index: TextIndex, rules: Rules) -> None:
        self.facts, self.catalog, self.cov, self.index, self.rules = facts, catalog, cov, index, rules
        self.next = next_plan(catalog, cov)
        self.reach = reach(facts, cov, rules)
        self.untapped = untapped_seats(facts, cov, self.reach)  # the map's figure when no product is seats

    def _line_ev(self, product_id: str, metric: str = "quantity") -> list[Evidence]:
        return [row_evidence("line", x.id, metric, x.quantity) for x in self.cov.lines_by_product.get(product_id, [])]

    def plans(self) -> list[WhitespaceItem]:
        """The current plan (its use of limits) and every higher tier (only the next one counted)."""
        cur, rows = self.cov.plan, []
        cur_price = cur.list_price if cur else Decimal(0)
        for plan in self.catalog.plans():
            if cur is not None and plan.id == cur.id:
                rows.append(self._current_plan(plan))
                continue
            if cur is not None and (plan.tier_rank or 0) <= (cur.tier_rank or 0):
                continue
            size = sized("tier_upgrade", current_plan_price=cur_price, next_plan_price=plan.list_price)
            evidence = [_product_ev(plan), *([_product_ev(cur)] if cur else []), *self._line_ev(cur.id if cur else "")]
            is_next = self.next is not None and plan.id == self.next.id
            signals = plan_signals(self.facts, self.catalog, plan, self.index, self.rules) if is_next else []
            labels, signal_ev = _unpack(signals)
            rows.append(
                WhitespaceItem(
                    key=plan.id,
                    product_id=plan.id,
                    product=plan.name,
                    kind="plan",
                    status=Status.NONE,
                    level=level_for(signals, self.rules) if is_next else Level.LOW,
                    play=Play.TIER_UPGRADE,
                    headline=f"upgrade to {plan.name}",
                    signals=labels,
                    sizing=size,
                    counted=size if is_next else None,
                    note=None if is_next or self.next is None else f"after {self.next.name}",
                    evidence=evidence + signal_ev,
                )
            )
        return rows

    def _current_plan(self, plan: ProductFact) -> WhitespaceItem:
        best: tuple[str, UsagePoint, Decimal] | None = None
        for metric, points in self.facts.usage.items():
            peak = peak_utilisation(points, self.rules.usage_months) if metric != SEAT_METRIC else None
            if peak is not None and (best is None or peak[1] > best[2]):
                best = (metric, peak[0], peak[1])
        evidence = self._line_ev(plan.id)
        capacity = "Active"
        if best is not None:
            metric, point, ratio = best
            capacity = f"Usage at {percent(ratio, 1)}% capacity ({metric})"
            evidence.append(usage_evidence(self.facts.account_id, metric, point.period, point.value))
        return WhitespaceItem(
            key=plan.id,
            product_id=plan.id,
            product=plan.name,
            kind="plan",
            status=Status.ACTIVE,
            utilisation=utilisation(best[1].value, best[1].limit or 0) if best else None,
            utilisation_metric=best[0] if best else None,
            capacity=capacity,
            evidence=evidence,
        )

    def seats(self, product: ProductFact) -> list[WhitespaceItem]:
        """The seat product as a whole, then per department and per location, with seats counted once (the rows
        as `seats.seat_plan` decides them)."""
        facts, cov, price = self.facts, self.cov, product.list_price
        plan = seat_plan(facts, cov, self.index, self.rules, self.reach)
        self.reach = plan.reach
        dept_rows = [self._department(row, product) for row in plan.departments]
        geo_rows = [self._geography(row, product) for row in plan.locations]
        for row, item in zip(plan.departments + plan.locations, dept_rows + geo_rows, strict=True):
            if not row.active and row.gap > 0:
                reason = "same people as the rows above" if row.is_location else "no untapped seats left"
                _count(item, row.take, price, reason)
        self.untapped = untapped_seats(facts, cov, self.reach)
        untapped = int(self.untapped.value)
        evidence = [row_evidence("account", facts.account_id, "headcount", facts.headcount), *self._line_ev(product.id)]
        capacity = f"{cov.seats_total} of {cov.eligible} employees"
        last, seat_use = plan.last, plan.seat_use
        if last is not None and seat_use is not None:
            capacity += f"; usage at {percent(seat_use, 1)}% capacity"
            evidence.append(usage_evidence(facts.account_id, SEAT_METRIC, last.period, last.value))
        status = Status.NONE if not cov.seats_total else Status.PARTIAL if untapped else Status.ACTIVE
        whole = WhitespaceItem(
            key=product.id,
            product_id=product.id,
            product=product.name,
            kind=product.kind,
            status=status,
            utilisation=seat_use,
            utilisation_metric=SEAT_METRIC if seat_use is not None else None,
            capacity=capacity,
            play=Play.SEAT_EXPANSION if untapped else None,
            sizing=sized("seat_expansion", seats=untapped, seat_price=price) if untapped else None,
            note="counted in the department and location rows" if untapped else None,
            evidence=evidence,
        )
        return [whole, *dept_rows, *geo_rows]

    def _scoped(self, product: ProductFact, scope: str, scope_id: str, name: str) -> dict[str, Any]:
        return {
            "key": f"{product.id}@{scope}:{scope_id}",
            "product_id": product.id,
            "product": product.name,
            "kind": product.kind,
            "scope": scope,
            "scope_id": scope_id,
            "scope_name": name,
        }

    def _department(self, row: SeatRow, product: ProductFact) -> WhitespaceItem:
        if row.department is None:
            return self._unallocated(product, row)
        cov, dept = self.cov, row.department
        headcount, seats = dept.headcount or 0, cov.seats_by_dept.get(dept.id, 0)
        evidence = [row_evidence("department", dept.id, "headcount", dept.headcount)]
        evidence += [
            row_evidence("line", x.id, "seats", x.quantity)
            for x in cov.lines_by_product.get(product.id, [])
            if x.department_id == dept.id
        ]
        fields = self._scoped(product, "department", dept.id, dept.name)
        if row.active:
            seated = f"{seats} {plural('seat', seats)}"
            capacity = (
                f"{seated} for {headcount} {plural('person', headcount)}" if dept.headcount is not None else seated
            )
            return WhitespaceItem(**fields, status=Status.ACTIVE, capacity=capacity, evidence=evidence)
        labels, signal_ev = _unpack(row.signals)
        level, gap = row.level, row.gap
        people = f"{headcount} people" if dept.headcount is not None else "headcount unknown"
        if row.remainder:
            headline = f"{gap} more people in {dept.name} ({seats} of {headcount} seated)"
        elif level == Level.HIGH:
            headline = f"{dept.name} ({people}) needs it"
        else:
            headline = f"{dept.name} ({people}), " + ("adjacent use case" if level == Level.MED else "small team")
        return WhitespaceItem(
            **fields,
            status=Status.PARTIAL if row.remainder else Status.NONE,
            capacity=f"{seats} of {headcount} seated",
            level=level,
            play=Play.SEAT_EXPANSION,
            opportunity_type=OpportunityType.VOLUME_INCREASE if row.remainder else OpportunityType.NEW_DEPARTMENT,
            headline=headline,
            signals=labels,
            sizing=sized("seat_expansion", seats=gap, seat_price=product.list_price) if gap else None,
            note=None if dept.id in self.reach.departments else self._adoption_note(max(0, headcount - seats)),
            evidence=evidence + signal_ev,
        )

    def _adoption_note(self, people: int) -> str:
        share = percent(self.reach.share, 1)
        return f"sized at {share}% of {people} people (adoption share): no contact, org event or open opportunity there"

    def _unallocated(self, product: ProductFact, row: SeatRow) -> WhitespaceItem:
        gap = row.gap
        return WhitespaceItem(
            **self._scoped(product, "account", "unallocated", "employees without a seat"),
            status=Status.PARTIAL,
            level=row.level,
            play=Play.SEAT_EXPANSION,
            opportunity_type=OpportunityType.VOLUME_INCREASE,
            headline=f"{gap} {plural('employee', gap)} without a seat",
            note=self._adoption_note(self.cov.eligible - self.cov.seats_total),
            sizing=sized("seat_expansion", seats=gap, seat_price=product.list_price),
            evidence=[row_evidence("account", self.facts.account_id, "headcount", self.facts.headcount)],
        )

    def _geography(self, row: SeatRow, product: ProductFact) -> WhitespaceItem:
        cov, geo = self.cov, row.geography
        assert geo is not None
        headcount = geo.headcount or 0
        evidence = [row_evidence("geography", geo.id, "headcount", geo.headcount)]
        fields = self._scoped(product, "geography", geo.id, geo.name)
        if row.active:
            where = "HQ, " if geo.is_hq else ""
            capacity = f"served ({where}{headcount} people)"
            return WhitespaceItem(**fields, status=Status.ACTIVE, capacity=capacity, evidence=evidence)
        labels, signal_ev = _unpack(row.signals)
        headline = f"{geo.name} ({row.gap} people)" + (", not yet open" if row.opening else "")
        served = geo.id in cov.served_geos
        seated = cov.seats_by_geo.get(geo.id, 0) if served else 0
        return WhitespaceItem(
            **fields,
            status=Status.PARTIAL if served else Status.NONE,
            capacity=f"{seated} of {headcount} seated",
            level=row.level,
            play=Play.GEOGRAPHIC_EXPANSION,
            opportunity_type=OpportunityType.NEW_LOCATION,
            headline=headline,
            signals=labels,
            sizing=sized("geographic_expansion", headcount=row.gap, seat_price=product.list_price),
            note=None if geo.id in self.reach.geographies else self._adoption_note(headcount - seated),
            evidence=evidence + signal_ev,
        )

    def modules(self, product: ProductFact) -> WhitespaceItem:
        """A module or non-seat product: owned (active or partial) or not (sized as a cross-sell)."""
        if product.pricing_unit == "usage":
            return self._usage_module(product)
        fields = _fields(product)
        lines = self.cov.lines_by_product.get(product.id, [])
        evidence = [_product_ev(product), *self._line_ev(product.id)]
        if lines:
            scoped = {x.department_id for x in lines}
            if None not in scoped and len(self.cov.served_depts - scoped) > 0:
                names = [d.name for d in self.facts.departments if d.id in scoped]
                return WhitespaceItem(
                    **fields,
                    status=Status.PARTIAL,
                    capacity=f"used by {', '.join(names)} only",
                    level=Level.MED,
                    play=Play.CROSS_SELL,
                    opportunity_type=OpportunityType.NEW_SERVICE,
                    headline="extend to the other served departments",
                    evidence=evidence,
                )
            own = [f for f in self.catalog.features.values() if f.product_id == product.id]
            used = [f.name for f in own if f.id in self.cov.adopted]
            capacity = f"{', '.join(used)} in use" if used else ("not used in 90 days" if own else "Active")
            return WhitespaceItem(**fields, status=Status.ACTIVE, capacity=capacity, evidence=evidence)
        signals = module_signals(self.facts, self.catalog, product, self.cov, self.index)
        labels, signal_ev = _unpack(signals)
        size = sized("cross_sell", module_price=product.list_price)
        level = level_for(signals, self.rules)
        return WhitespaceItem(
            **fields,
            status=Status.NONE,
            level=level,
            play=Play.CROSS_SELL,
            opportunity_type=OpportunityType.NEW_SERVICE,
            headline=_module_headline(product, level),
            signals=labels,
            sizing=size,
            counted=size,
            evidence=evidence + signal_ev,
        )

    def _usage_module(self, product: ProductFact) -> WhitespaceItem:
        fields = _fields(product)
        owned = product.id in self.cov.lines_by_product
        evidence = [_product_ev(product), *self._line_ev(product.id)]
        need = usage_need(self.facts, product, self.rules, owned=owned, top_plan=self.next is None)
        peak = need.peak
        if not need.needed:
            util = utilisation(peak[1].value, peak[1].limit or 0) if peak else None
            return WhitespaceItem(
                **fields,
                status=Status.ACTIVE if owned else Status.NONE,
                utilisation=util,
                utilisation_metric=peak[0] if peak else None,
                level=need.level,
                headline="" if owned else "no signal yet",
                capacity=f"Usage at {percent(util or 0, 1)}% capacity" if util is not None else "",
                play=None if owned else Play.VOLUME_INCREASE,
                sizing=None if owned else sized("volume_increase", blocks=need.blocks, block_price=product.list_price),
                note=None if owned else "no usage need",
                evidence=evidence,
            )
        assert peak is not None
        metric, point, ratio = peak
        evidence.append(usage_evidence(self.facts.account_id, metric, point.period, point.value))
        blocks = need.blocks
        size = sized("volume_increase", blocks=blocks, block_price=product.list_price)
        label = f"{metric} at {percent(ratio, 1)}% of limit"
        return WhitespaceItem(
            **fields,
            status=Status.PARTIAL if owned else Status.NONE,
            utilisation=utilisation(point.value, point.limit or 0),
            utilisation_metric=metric,
            capacity=f"Usage at {percent(ratio, 1)}% capacity",
            level=need.level,
            play=Play.VOLUME_INCREASE,
            opportunity_type=OpportunityType.VOLUME_INCREASE,
            headline=f"{blocks} more block{'s' if blocks > 1 else ''}",
            signals=[label],
            sizing=size,
            counted=size if need.counted else None,
            note=None if need.counted else f"alternative to {self.next.name if self.next else 'the next plan'}",
            evidence=evidence,
        )

    def service(self, product: ProductFact) -> WhitespaceItem:
        """A service: owned, or sized at list price and counted when a need makes it MED or HIGH."""
        fields = _fields(product)
        lines = self.cov.lines_by_product.get(product.id, [])
        evidence = [_product_ev(product), *self._line_ev(product.id)]
        if lines:
            quantity = sum(x.quantity for x in lines)
            unit = "days" if "training" in product.name.lower() else "units"
            capacity = f"{quantity} {unit}" if product.pricing_unit == "unit" else "Active"
            return WhitespaceItem(**fields, status=Status.ACTIVE, capacity=capacity, evidence=evidence)
        level, signals = service_signals(
            self.facts, product, self.cov, catalog_index(self.catalog).feature_ids, self.rules
        )
        labels, signal_ev = _unpack(signals)
        size = sized("new_service", service_price=product.list_price, quantity=service_units(product, self.rules))
        return WhitespaceItem(
            **fields,
            status=Status.NONE,
            level=level,
            play=Play.NEW_SERVICE,
            opportunity_type=OpportunityType.NEW_SERVICE,
            headline=f"{product.name} needed" if level != Level.LOW else "no signal yet",
            signals=labels,
            sizing=size,
            counted=size if level != Level.LOW else None,
            note="a service counts only on a need" if level == Level.LOW else None,
            evidence=evidence + signal_ev,
        )


def _fields(product: ProductFact) -> dict[str, Any]:
    return {"key": product.id, "product_id": product.id, "product": product.name, "kind": product.kind}


def _count(row: WhitespaceItem, take: int, price: Decimal, reason: str) -> None:
    inputs = row.sizing.inputs if row.sizing else {}
    gap = int(inputs.get("seats", inputs.get("headcount", 0)))
    if take == gap:
        row.counted = row.sizing
    elif take > 0 and row.sizing is not None:
        field = "seats" if row.sizing.formula == "seat_expansion" else "headcount"
        inputs: dict[str, Decimal | int] = {field: take, "seat_price": price}
        row.counted = sized(row.sizing.formula, **inputs)
        row.note = f"{take} of {gap} counted: {reason}"
    else:
        row.note = f"not counted: {reason}"


def _module_headline(product: ProductFact, level: Level) -> str:
    if level == Level.HIGH:
        return f"{product.name} needed"
    return "adjacent use case" if level == Level.MED else "no signal yet"
