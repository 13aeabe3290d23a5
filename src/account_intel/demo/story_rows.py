"""A small writer that turns the story accounts' hand-written facts into rows with stable ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from account_intel.demo import catalog as c
from account_intel.demo.dates import at
from account_intel.demo.engagement import add_won_history
from account_intel.demo.rows import Bundle, known_columns
from account_intel.demo.staff import Staff
from account_intel.demo.telemetry import usage_row
from account_intel.domain.enums import (
    AccountStatus,
    ActivityKind,
    ContractKind,
    ContractStatus,
    MeddiccRole,
    OpportunitySource,
    OpportunityStage,
    OpportunityType,
    OrgEventKind,
    QbrStatus,
    Sentiment,
    SurveyKind,
    TicketSeverity,
)


class StoryWriter:
    """Adds one story account's rows to a bundle, numbering child ids per kind."""

    def __init__(self, bundle: Bundle, account_id: str, as_of: date, staff: Staff) -> None:
        self.bundle, self.id, self.as_of = bundle, account_id, as_of
        self.owners = {"ae": staff.ae[0], "csm": staff.csm[0], "am": staff.am[0]}
        self.domain = ""
        self._numbers: dict[str, int] = {}
        self._ends: dict[str, date] = {}

    def _next(self, kind: str) -> int:
        self._numbers[kind] = self._numbers.get(kind, 0) + 1
        return self._numbers[kind]

    def account(
        self,
        *,
        name: str,
        industry: str,
        headcount: int,
        domain: str,
        customer_since: date,
        renewal: date,
        next_qbr: date,
    ) -> None:
        """The account row (ARR, tier and segment are derived after loading)."""
        self.domain = domain
        self.bundle.add(
            "accounts",
            id=self.id,
            name=name,
            status=AccountStatus.ACTIVE,
            industry=industry,
            headcount=headcount,
            hq_country="United States",
            region="North America",
            domain=domain,
            customer_since=customer_since,
            renewal_date=renewal,
            next_qbr_date=next_qbr,
            ae_id=self.owners["ae"],
            csm_id=self.owners["csm"],
            am_id=self.owners["am"],
            arr=Decimal(0),
            source=c.DEMO_SOURCE,
            attributes={},
            created_at=at(customer_since, 9),
        )

    def department(self, name: str, headcount: int) -> str:
        """A department; returns its id."""
        dept_id = f"{self.id}-DEP-{self._next('dep')}"
        self.bundle.add("departments", id=dept_id, account_id=self.id, name=name, headcount=headcount)
        return dept_id

    def geography(
        self,
        name: str,
        country: str,
        region: str,
        headcount: int,
        *,
        is_hq: bool = False,
        opened_on: date | None = None,
    ) -> str:
        """A location; returns its id."""
        geo_id = f"{self.id}-GEO-{self._next('geo')}"
        self.bundle.add(
            "geographies",
            id=geo_id,
            account_id=self.id,
            name=name,
            country=country,
            region=region,
            headcount=headcount,
            is_hq=is_hq,
            opened_on=opened_on,
        )
        return geo_id

    def contract(self, start: date, end: date, *, terms: str) -> str:
        """An active contract on Net 30, billed annually; returns its id."""
        contract_id = f"{self.id}-CON-{self._next('con')}"
        self.bundle.add(
            "contracts",
            id=contract_id,
            account_id=self.id,
            kind=ContractKind.NEW,
            status=ContractStatus.ACTIVE,
            start_date=start,
            end_date=end,
            payment_terms="Net 30",
            billing_frequency="annual",
            auto_renew=True,
            terms=terms,
        )
        self._ends[contract_id] = end
        return contract_id

    def line(
        self,
        contract_id: str,
        product: str,
        quantity: int,
        start: date,
        *,
        department: str | None = None,
        price: Decimal | None = None,
        note: str | None = None,
    ) -> str:
        """A contract line at list price unless `price` says otherwise, running to the contract's end; its id."""
        line_id = f"{contract_id}-L{self._next('line:' + contract_id)}"
        self.bundle.add(
            "contract_lines",
            id=line_id,
            contract_id=contract_id,
            account_id=self.id,
            product_id=product,
            quantity=quantity,
            unit_price=price if price is not None else c.LIST_PRICE[product],
            start_date=start,
            end_date=self._ends[contract_id],
            department_id=department,
            description=note,
        )
        return line_id

    def series(
        self,
        months: Sequence[date],
        metric: str,
        values: Sequence[int],
        limit: int | None,
        unit: str,
        feature: str | None = None,
    ) -> None:
        """Monthly values of one metric."""
        rows = self.bundle.rows["usage_metrics"]
        for month, value in zip(months, values, strict=True):
            rows.append(usage_row(self.id, metric, month, value, limit, unit, feature))

    def ticket(
        self, day: date, category: str, severity: TicketSeverity, subject: str, body: str, *, escalated: bool = False
    ) -> None:
        """A support ticket opened mid-morning on `day` and closed a day later."""
        opened = at(day, 10)
        self.bundle.add(
            "support_tickets",
            id=f"{self.id}-TCK-{self._next('tck'):03d}",
            account_id=self.id,
            opened_at=opened,
            closed_at=opened + timedelta(hours=26),
            severity=severity,
            category=category,
            escalated=escalated,
            subject=subject,
            body=body,
            first_response_minutes=35,
            resolution_hours=26,
        )

    def contact(
        self,
        name: str,
        title: str,
        department: str | None,
        role: MeddiccRole,
        since: date,
        *,
        executive: bool = False,
        email: str | None = None,
        left_on: date | None = None,
    ) -> str:
        """A contact; returns its id."""
        first, last = name.split(" ", 1)
        contact_id = f"{self.id}-CT-{self._next('ct'):02d}"
        self.bundle.add(
            "contacts",
            id=contact_id,
            account_id=self.id,
            name=name,
            title=title,
            department_id=department,
            email=email or f"{first[0]}{last}".lower() + f"@{self.domain}",
            meddicc_role=role,
            is_executive=executive,
            active=left_on is None,
            do_not_contact=False,
            first_contact_on=since,
            left_on=left_on,
        )
        return contact_id

    def survey(self, kind: SurveyKind, score: int, day: date, contact: str | None, comment: str | None) -> None:
        """An NPS or CSAT answer."""
        self.bundle.add(
            "survey_responses",
            id=f"{self.id}-SRV-{self._next('srv'):02d}",
            account_id=self.id,
            contact_id=contact,
            kind=kind,
            score=score,
            responded_on=day,
            comment=comment,
        )

    def activity(
        self,
        day: date,
        kind: ActivityKind,
        subject: str,
        body: str,
        sentiment: Sentiment,
        people: Sequence[str],
        *,
        opportunity_id: str | None = None,
    ) -> None:
        """An activity by the account's CSM (AM for calls), linked to the contacts who took part."""
        activity_id = f"{self.id}-ACT-{self._next('act'):03d}"
        self.bundle.add(
            "activities",
            id=activity_id,
            account_id=self.id,
            opportunity_id=opportunity_id,
            kind=kind,
            occurred_at=at(day, 15),
            user_id=self.owners["am" if kind == ActivityKind.CALL else "csm"],
            subject=subject,
            body=body,
            sentiment=sentiment,
            duration_minutes=30 if kind in (ActivityKind.CALL, ActivityKind.MEETING) else None,
        )
        for contact in people:
            self.bundle.add("activity_contacts", activity_id=activity_id, contact_id=contact)

    def org_event(
        self,
        kind: OrgEventKind,
        day: date,
        description: str,
        source: str,
        *,
        department: str | None = None,
        geography: str | None = None,
        magnitude: int | None = None,
    ) -> None:
        """A change inside the customer's organisation."""
        self.bundle.add(
            "org_events",
            id=f"{self.id}-ORG-{self._next('org')}",
            account_id=self.id,
            kind=kind,
            occurred_on=day,
            description=description,
            source=source,
            department=department,
            geography=geography,
            magnitude=magnitude,
        )

    def qbrs(self, as_of: date, held_days_ago: Sequence[int], next_qbr: date, latest_note: str) -> None:
        """Held QBRs (the latest with `latest_note`) and the scheduled next one."""
        for k, ago in enumerate(held_days_ago):
            self.bundle.add(
                "qbrs",
                id=f"{self.id}-QBR-{self._next('qbr')}",
                account_id=self.id,
                scheduled_for=as_of - timedelta(days=ago),
                status=QbrStatus.HELD,
                notes=latest_note if k == 0 else "Reviewed adoption and the roadmap.",
            )
        self.bundle.add(
            "qbrs",
            id=f"{self.id}-QBR-{self._next('qbr')}",
            account_id=self.id,
            scheduled_for=next_qbr,
            status=QbrStatus.SCHEDULED,
        )

    def opportunity(
        self,
        opportunity_id: str,
        name: str,
        kind: OpportunityType,
        value: Decimal,
        created: date,
        closed_on: date,
        *,
        champion: str,
        source: OpportunitySource,
        departments: list[str],
        won_line: str | None = None,
    ) -> None:
        """A closed-won expansion opportunity (`won_line`: the contract line it added)."""
        self.bundle.add(
            "opportunities",
            id=opportunity_id,
            account_id=self.id,
            name=name,
            type=kind,
            stage=OpportunityStage.CLOSED_WON,
            probability=100,
            estimated_value=value,
            expected_close_date=closed_on,
            source=source,
            source_contact_id=champion,
            champion_id=champion,
            influencer_ids=[],
            target_departments=departments,
            discovery_notes=f"{name}: requested by the champion.",
            owner_id=self.owners["am"],
            closed_value=value,
            closed_on=closed_on,
            created_at=at(created, 10),
            updated_at=at(closed_on, 16),
            **known_columns("opportunities", won_line_id=won_line),
        )
        add_won_history(self.bundle, opportunity_id, created=created, closed=closed_on, owner=self.owners["am"])
