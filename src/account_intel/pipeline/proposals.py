"""Proposals: generated from the content folder's templates with their seven sections,
filled from the account's own data; one opportunity, or a bundle with a package discount.

Markdown and HTML are rendered and stored with the proposal; PDF is made from the Markdown on demand when
the optional fpdf2 library is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.content import ContentError, content_root
from account_intel.domain.enums import OpportunityStage
from account_intel.domain.wording import without_prefix
from account_intel.errors import InvalidStateError, NotFoundError
from account_intel.pipeline.errors import ProposalGenerationFailed
from account_intel.pipeline.ids import new_id
from account_intel.pipeline.pdf import markdown_to_pdf
from account_intel.pipeline.proposal_data import proposal_context
from account_intel.pipeline.schemas import ProposalRequest, ScopeLine
from account_intel.pipeline.service import actor_id, get_opportunity
from account_intel.pipeline.stages import CLOSED_STAGES
from account_intel.pipeline.views import ProposalSummary
from account_intel.store.events import record_event
from account_intel.store.models import Opportunity, Proposal, ProposalOpportunity

if TYPE_CHECKING:
    from account_intel.content.templates import TemplateSpec

CENT = Decimal("0.01")
FORMATS = ("md", "html", "pdf")


class ProposalDocument(BaseModel):
    """A generated proposal with its rendered Markdown and HTML."""

    summary: ProposalSummary
    markdown: str
    html: str


def load_proposal_template(fmt: str, content_dir: Path | None = None) -> TemplateSpec:
    """The proposal template for `md` or `html` (prompts/documents/proposal.<fmt>.j2)."""
    from account_intel.content.templates import parse_template

    return parse_template(content_root(content_dir) / "prompts" / "documents" / f"proposal.{fmt}.j2")


def _render_both(context: dict[str, Any], content_dir: Path | None) -> tuple[str, str]:
    from jinja2 import TemplateError

    from account_intel.content.templates import render

    try:
        markdown = render(load_proposal_template("md", content_dir), document=True, **context)
        html = render(load_proposal_template("html", content_dir), autoescape=True, **context)
    except (ContentError, TemplateError, OSError) as exc:
        raise ProposalGenerationFailed(str(exc) or type(exc).__name__) from exc
    return markdown, html


def _opportunities(session: Session, request: ProposalRequest) -> list[Opportunity]:
    primary = get_opportunity(session, request.opportunity_id)
    chosen = [primary]
    for ref in request.bundle:
        opportunity = get_opportunity(session, ref)
        if opportunity.id in {o.id for o in chosen}:
            continue
        if opportunity.account_id != primary.account_id:
            raise InvalidStateError(
                f"Opportunity {opportunity.id} belongs to another account; a bundle covers one account."
            )
        chosen.append(opportunity)
    for opportunity in chosen:
        if opportunity.stage in CLOSED_STAGES:
            raise InvalidStateError(
                f"Opportunity {opportunity.id} is closed ({opportunity.stage.value}); only open opportunities "
                "go into a proposal."
            )
    return chosen


def default_scope(opportunities: list[Opportunity]) -> list[ScopeLine]:
    """One scope line per opportunity: its name and target departments at its estimated value."""
    lines = []
    for opportunity in opportunities:
        targets = ", ".join(opportunity.target_departments or [])
        description = f"{opportunity.name} ({targets})" if targets else opportunity.name
        lines.append(ScopeLine(description=description[:200], volume=None, value=opportunity.estimated_value))
    return lines


def summary(session: Session, proposal: Proposal) -> ProposalSummary:
    """The summary view of a stored proposal."""
    ids = list(
        session.scalars(
            select(ProposalOpportunity.opportunity_id)
            .where(ProposalOpportunity.proposal_id == proposal.id)
            .order_by(ProposalOpportunity.position)
        )
    )
    return ProposalSummary(
        id=proposal.id,
        title=proposal.title,
        status=proposal.status.value,
        opportunity_ids=ids,
        discount_pct=(Decimal(proposal.discount_bps) / 100).quantize(CENT),
        gross_value=proposal.gross_value,
        discount_value=proposal.discount_value,
        net_value=proposal.net_value,
        created_at=proposal.created_at,
        sent_at=proposal.sent_at,
    )


def generate_proposal(
    session: Session,
    *,
    request: ProposalRequest,
    at: datetime,
    actor: str | None,
    content_dir: Path | None = None,
) -> ProposalDocument:
    """Generate and store a proposal for an opportunity or bundle; a template failure gives
    "Failed to generate proposal. Use manual creation." and stores nothing."""
    user = actor_id(session, actor)
    opportunities = _opportunities(session, request)
    primary = opportunities[0]
    scope = list(request.scope) or default_scope(opportunities)
    gross = sum((line.value for line in scope), Decimal("0")).quantize(CENT)
    discount = (gross * request.discount_pct / 100).quantize(CENT)
    proposal_id = new_id(session, Proposal, prefix="PRP", sequence="proposal", at=at, width=4)
    title = primary.name if len(opportunities) == 1 else f"{primary.name} and {len(opportunities) - 1} more"
    values = _Values(
        proposal_id, f"Proposal: {without_prefix(title, 'Proposal:')}"[:200], gross, discount, request.discount_pct
    )
    context = proposal_context(
        session, opportunities=opportunities, scope=scope, values=values.as_context(at.date()), day=at.date()
    )
    markdown, html = _render_both(context, content_dir)
    proposal = Proposal(
        id=proposal_id,
        account_id=primary.account_id,
        opportunity_id=primary.id,
        title=values.title,
        discount_bps=int(request.discount_pct * 100),
        gross_value=gross,
        discount_value=discount,
        net_value=gross - discount,
        scope=[line.model_dump(mode="json") for line in scope],
        content_md=markdown,
        content_html=html,
        created_at=at,
        created_by=user,
    )
    session.add(proposal)
    session.flush()
    for position, opportunity in enumerate(opportunities):
        session.add(
            ProposalOpportunity(
                proposal_id=proposal.id,
                opportunity_id=opportunity.id,
                position=position,
                value=opportunity.estimated_value,
            )
        )
    session.flush()
    record_event(
        session,
        kind="proposal.generated",
        at=at,
        account_id=primary.account_id,
        entity_type="proposal",
        entity_id=proposal.id,
        actor=user,
        payload={
            "proposal_id": proposal.id,
            "opportunity_ids": [o.id for o in opportunities],
            "gross_value": gross,
            "discount_pct": request.discount_pct,
            "net_value": proposal.net_value,
            "user_id": user,
        },
    )
    return ProposalDocument(summary=summary(session, proposal), markdown=markdown, html=html)


@dataclass(frozen=True)
class _Values:
    id: str
    title: str
    gross: Decimal
    discount: Decimal
    pct: Decimal

    def as_context(self, day: date) -> dict[str, Any]:
        pct = self.pct.normalize()
        return {
            "id": self.id,
            "title": self.title,
            "date": day.strftime("%B %d, %Y").replace(" 0", " "),
            "discount_pct": format(pct, "f"),
            "gross_value_fmt": _money(self.gross),
            "discount_value_fmt": _money(self.discount),
            "net_value_fmt": _money(self.gross - self.discount),
        }


def _money(value: Decimal) -> str:
    return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"


def get_proposal(session: Session, proposal_id: str) -> Proposal:
    """A proposal by id."""
    proposal = session.get(Proposal, proposal_id.strip().upper())
    if proposal is None:
        raise NotFoundError(f"Proposal '{proposal_id}' not found.")
    return proposal


def latest_proposal(session: Session, opportunity_id: str) -> Proposal | None:
    """The newest proposal covering an opportunity."""
    stmt = (
        select(Proposal)
        .join(ProposalOpportunity, ProposalOpportunity.proposal_id == Proposal.id)
        .where(ProposalOpportunity.opportunity_id == opportunity_id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def opportunity_proposals(session: Session, opportunity_id: str) -> list[ProposalSummary]:
    """Every proposal covering an opportunity, newest first."""
    stmt = (
        select(Proposal)
        .join(ProposalOpportunity, ProposalOpportunity.proposal_id == Proposal.id)
        .where(ProposalOpportunity.opportunity_id == opportunity_id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
    )
    return [summary(session, p) for p in session.scalars(stmt)]


def write_proposal_files(proposal: Proposal, *, formats: list[str], out_dir: Path) -> dict[str, Path]:
    """Write the proposal as `<id>.md`, `<id>.html` and/or `<id>.pdf` under `out_dir`; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = out_dir / f"{proposal.id}.{fmt}"
        if fmt == "md":
            path.write_text(proposal.content_md, encoding="utf-8")
        elif fmt == "html":
            path.write_text(proposal.content_html, encoding="utf-8")
        elif fmt == "pdf":
            path.write_bytes(markdown_to_pdf(proposal.content_md, title=proposal.title))
        else:
            raise InvalidStateError(f"Unknown proposal format '{fmt}'; use one of {', '.join(FORMATS)}.")
        written[fmt] = path
    return written


def is_before_proposal(stage: OpportunityStage) -> bool:
    """True for Identified and Qualified: sending a proposal moves these to Proposal."""
    return stage in (OpportunityStage.IDENTIFIED, OpportunityStage.QUALIFIED)
