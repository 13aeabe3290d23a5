"""Account tools: the profile of one account (who, how big, what it owns, who owns it) and its contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field
from sqlalchemy import select

from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.domain.enums import ContractStatus
from account_intel.queries.account_profile import build_account_profile
from account_intel.store.as_of import in_force_on
from account_intel.store.models import Account, Contract, ContractLine, Product
from account_intel.tools.context import ToolContext
from account_intel.tools.results import Amount, EvidenceRef, emit, ref, top
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect

ACCOUNT_ID = Field(default=None, description="Account id or exact name; omit to use the account in scope.")
MAX_ENDED_CONTRACTS = 5


class AccountInput(BaseModel):
    """Which account to read."""

    account_id: str | None = ACCOUNT_ID


class Unit(BaseModel):
    """A department or location of the customer and whether a contract line in force serves it."""

    evidence_id: str = Field(description="Evidence id of the row (headcount).")
    name: str
    headcount: int | None = None
    served: bool
    seats: int | None = Field(default=None, description="Seats on lines in force scoped to this department.")
    hq: bool | None = None


class AccountProfileResult(BaseModel):
    """One account at a glance: identity, commercial position, organisation, owners and adoption."""

    account_id: str
    name: str
    status: str
    industry: str | None = None
    headcount: int | None = None
    hq_country: str | None = None
    language: str = Field(description="Language tag to write to the customer in (e.g. de, pt-BR).")
    customer_since: date | None = None
    months_as_customer: int | None = None
    arr: Amount
    tier: str
    segment: str
    plan: str | None = None
    renewal_date: date | None = None
    days_to_renewal: int | None = None
    next_qbr_date: date | None = None
    days_to_qbr: int | None = None
    owners: dict[str, str] = Field(description="Vendor owners by role (ae, csm, am).")
    departments: list[Unit]
    geographies: list[Unit]
    active_contacts: int
    champion: str | None = Field(default=None, description="Active champion's name, if any.")
    features_used: str = Field(description="Features and integrations used in 90 days, e.g. '7/12 features'.")
    latest_nps: int | None = None
    latest_csat: int | None = None
    open_opportunities: int
    evidence: list[EvidenceRef]


@tool(args_schema=AccountInput)
def get_account_profile(account_id: str | None = None, *, runtime: ToolRuntime[ToolContext]) -> str:
    """One account's profile: identity, ARR/tier/segment/plan, renewal and QBR dates, organisation, owners."""
    context = runtime.context
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        profile = build_account_profile(session, account, context.as_of)
        dept_ids = {d.name: d.id for d in account.departments}
        geo_ids = {g.name: g.id for g in account.geographies}
    evidence = [row_evidence("account", profile.id, "arr", profile.arr)]
    if profile.headcount is not None:
        evidence.append(row_evidence("account", profile.id, "headcount", profile.headcount))
    if profile.renewal_date is not None:
        evidence.append(row_evidence("account", profile.id, "renewal_date", profile.renewal_date.isoformat()))
    if profile.next_qbr_date is not None:
        evidence.append(row_evidence("account", profile.id, "next_qbr_date", profile.next_qbr_date.isoformat()))
    departments = [
        Unit(
            evidence_id=f"department:{dept_ids[d.name]}",
            name=d.name,
            headcount=d.headcount,
            served=d.served,
            seats=d.seats,
        )
        for d in profile.departments
    ]
    geographies = [
        Unit(
            evidence_id=f"geography:{geo_ids[g.name]}", name=g.name, headcount=g.headcount, served=g.served, hq=g.is_hq
        )
        for g in profile.geographies
    ]
    unit_evidence = [
        *(row_evidence("department", dept_ids[d.name], "headcount", d.headcount) for d in profile.departments),
        *(row_evidence("geography", geo_ids[g.name], "headcount", g.headcount) for g in profile.geographies),
    ]
    adoption = profile.adoption
    result = AccountProfileResult(
        account_id=profile.id,
        name=profile.name,
        status=profile.status.value,
        industry=profile.industry,
        headcount=profile.headcount,
        hq_country=profile.hq_country,
        language=profile.language or context.settings.default_language,
        customer_since=profile.customer_since,
        months_as_customer=profile.months_as_customer,
        arr=profile.arr,
        tier=profile.tier.value,
        segment=profile.segment.value,
        plan=profile.plan,
        renewal_date=profile.renewal_date,
        days_to_renewal=profile.days_to_renewal,
        next_qbr_date=profile.next_qbr_date,
        days_to_qbr=profile.days_to_qbr,
        owners={role: name for role, name in profile.owners.items() if name},
        departments=departments,
        geographies=geographies,
        active_contacts=profile.active_contacts,
        champion=profile.champion,
        features_used=(
            f"{adoption.features_used}/{adoption.features_available} features, "
            f"{adoption.integrations_used}/{adoption.integrations_available} integrations"
        ),
        latest_nps=profile.surveys.latest_nps,
        latest_csat=profile.surveys.latest_csat,
        open_opportunities=sum(1 for o in profile.opportunities if o.closed_on is None),
        evidence=[ref(item) for item in evidence],
    )
    return emit(context, result, [*evidence, *unit_evidence])


class ContractsInput(BaseModel):
    """Which account's contracts, and whether to add ended ones."""

    account_id: str | None = ACCOUNT_ID
    include_ended: bool = Field(default=False, description="Also list up to 5 ended or cancelled contracts.")


class LineOut(BaseModel):
    """A contract line: product, quantity × annual unit price, and its scope."""

    evidence_id: str = Field(description="Evidence id of the line (annual value).")
    product: str
    kind: str
    quantity: int
    unit_price: Amount
    annual_value: Amount
    department: str | None = None
    geography: str | None = None
    start_date: date
    end_date: date | None = None


class ContractOut(BaseModel):
    """A contract with its terms and lines."""

    contract_id: str
    kind: str
    status: str
    in_force: bool
    start_date: date
    end_date: date | None = None
    payment_terms: str | None = None
    billing_frequency: str | None = None
    auto_renew: bool
    trial: bool | None = None
    lines: list[LineOut]


class ContractsResult(BaseModel):
    """The account's contracts in force (and ended ones on request) and the ACV of the lines in force."""

    account_id: str
    as_of: date
    acv: Amount = Field(description="Σ quantity × unit price over lines in force.")
    contracts: list[ContractOut]
    more_ended_contracts: int | None = Field(default=None, description="Ended contracts not listed.")


def _in_force(contract: Contract, as_of: date, churned_on: date | None) -> bool:
    """In force on the date; a contract cancelled by a churn after the date was in force until then."""
    return (
        (contract.status != ContractStatus.CANCELLED or (churned_on is not None and churned_on > as_of))
        and contract.start_date <= as_of
        and (contract.end_date is None or contract.end_date >= as_of)
    )


def _status_on(contract: Contract, as_of: date, churned_on: date | None) -> str:
    """The contract's status on the date: one cancelled by a churn after the date was still active then."""
    if contract.status == ContractStatus.CANCELLED and churned_on is not None and churned_on > as_of:
        return ContractStatus.ACTIVE.value
    return contract.status.value


@tool(args_schema=ContractsInput)
def get_contracts(
    account_id: str | None = None, include_ended: bool = False, *, runtime: ToolRuntime[ToolContext]
) -> str:
    """The account's contracts in force with their lines and ACV; ended ones on request."""
    context = runtime.context
    as_of = context.as_of
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        departments = {d.id: d.name for d in account.departments}
        geographies = {g.id: g.name for g in account.geographies}
        contracts = list(
            session.scalars(
                select(Contract)
                .where(Contract.account_id == account.id, Contract.start_date <= as_of)
                .order_by(Contract.start_date.desc(), Contract.id)
            )
        )
        live_lines = set(
            session.scalars(
                select(ContractLine.id)
                .join(Contract, Contract.id == ContractLine.contract_id)
                .join(Account, Account.id == ContractLine.account_id)
                .where(ContractLine.account_id == account.id, in_force_on(as_of))
            )
        )
        products = {p.id: p for p in session.scalars(select(Product))}
        in_force = [c for c in contracts if _in_force(c, as_of, account.churned_on)]
        ended, more = top([c for c in contracts if c not in in_force], MAX_ENDED_CONTRACTS)
        shown = in_force + (ended if include_ended else [])
        evidence: list[Evidence] = []
        outs: list[ContractOut] = []
        for contract in shown:
            live = contract in in_force
            lines = [line for line in contract.lines if (line.id in live_lines if live else line.start_date <= as_of)]
            evidence += [row_evidence("line", line.id, "annual_value", line.annual_value) for line in lines]
            outs.append(
                ContractOut(
                    contract_id=contract.id,
                    kind=contract.kind.value,
                    status=_status_on(contract, as_of, account.churned_on),
                    in_force=live,
                    start_date=contract.start_date,
                    end_date=contract.end_date,
                    payment_terms=contract.payment_terms,
                    billing_frequency=contract.billing_frequency,
                    auto_renew=contract.auto_renew,
                    trial=contract.is_trial or None,
                    lines=[
                        LineOut(
                            evidence_id=f"line:{line.id}",
                            product=products[line.product_id].name,
                            kind=products[line.product_id].kind.value,
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                            annual_value=line.annual_value,
                            department=departments.get(line.department_id or ""),
                            geography=geographies.get(line.geography_id or ""),
                            start_date=line.start_date,
                            end_date=line.end_date,
                        )
                        for line in lines
                    ],
                )
            )
    acv = sum((line.annual_value for c in outs if c.in_force for line in c.lines), Decimal(0))
    result = ContractsResult(
        account_id=account.id,
        as_of=as_of,
        acv=acv,
        contracts=outs,
        more_ended_contracts=(more if include_ended else len(ended) + more) or None,
    )
    return emit(context, result, evidence)


SIDE_EFFECT = SideEffect.READ
TOOLS = (get_account_profile, get_contracts)
