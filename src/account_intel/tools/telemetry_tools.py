"""Telemetry tools: what the customer does (usage by month) and says (support tickets, NPS and CSAT answers)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from langchain.tools import ToolRuntime, tool
from langchain_core.tools import ToolException
from pydantic import BaseModel, Field
from sqlalchemy import select

from account_intel.analytics.evidence import Evidence, month_key, row_evidence, usage_evidence
from account_intel.analytics.opportunities.sizing import percent
from account_intel.domain.enums import SurveyKind
from account_intel.store.models import Contact, Feature, SupportTicket, SurveyResponse, UsageMetric
from account_intel.tools.account_tools import ACCOUNT_ID
from account_intel.tools.context import ToolContext
from account_intel.tools.results import Amount, emit, fence, top
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect

TENTH = Decimal("0.1")
SHOWN_FEATURES = 6
SHOWN_TICKETS = 5
SHOWN_RESPONSES = 5
SEVERITY_RANK = {"urgent": 3, "high": 2, "medium": 1, "low": 0}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _mean(values: list[int]) -> Decimal:
    return (Decimal(sum(values)) / len(values)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _mean_or_none(values: list[int]) -> Decimal | None:
    return _mean(values) if values else None


def _change_pct(first: int, last: int) -> Decimal | None:
    return percent(last - first, first, 1) if first else None


class UsageInput(BaseModel):
    """Which account, metric and window."""

    account_id: str | None = ACCOUNT_ID
    metric: str | None = Field(default=None, description="One metric (e.g. api_calls); omit for all plan metrics.")
    months: int = Field(default=6, ge=2, le=13, description="Months back from the as-of month, 2-13.")
    include_features: bool = Field(default=False, description="Add per-feature usage trends (top movers).")


class UsagePointOut(BaseModel):
    """One month of one metric; `id` is its evidence id."""

    id: str
    period: str
    value: int


class UsageSeries(BaseModel):
    """One plan metric by month, against its latest plan limit."""

    metric: str
    unit: str | None = None
    limit: int | None = Field(default=None, description="Plan limit in the latest month.")
    utilisation_pct: Amount | None = Field(default=None, description="Latest value / limit × 100.")
    change_pct: Amount | None = Field(default=None, description="Latest vs first month of the window, %.")
    peak: int
    points: list[UsagePointOut]


class FeatureTrend(BaseModel):
    """A feature or integration's usage: first and latest month of the window."""

    feature: str
    first: UsagePointOut
    latest: UsagePointOut
    change_pct: Amount | None = None


class UsageTrendResult(BaseModel):
    """Monthly usage of the plan metrics (and optionally features) up to the as-of month."""

    account_id: str
    months: int
    series: list[UsageSeries]
    features: list[FeatureTrend] | None = None
    more_features: int | None = None


@tool(args_schema=UsageInput)
def get_usage_trend(
    account_id: str | None = None,
    metric: str | None = None,
    months: int = 6,
    include_features: bool = False,
    *,
    runtime: ToolRuntime[ToolContext],
) -> str:
    """Monthly usage of the plan metrics with limits, utilisation and change; feature trends on request."""
    context = runtime.context
    as_of = context.as_of
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        rows = session.scalars(
            select(UsageMetric)
            .where(
                UsageMetric.account_id == account.id,
                UsageMetric.period_start >= _months_back(as_of, months - 1),
                UsageMetric.period_start <= as_of,
            )
            .order_by(UsageMetric.metric, UsageMetric.period_start)
        ).all()
        feature_names = {f.id: f.name for f in session.scalars(select(Feature))}
    plan: dict[str, list[UsageMetric]] = defaultdict(list)
    features: dict[str, list[UsageMetric]] = defaultdict(list)
    for row in rows:
        (features[row.feature_id] if row.feature_id else plan[row.metric]).append(row)
    if metric is not None and metric not in plan:
        known = ", ".join(sorted(plan)) or "none in this window"
        raise ToolException(f"No usage metric '{metric}' for {account.id}; its metrics: {known}.")
    evidence: list[Evidence] = []

    def point(row: UsageMetric) -> UsagePointOut:
        item = usage_evidence(account.id, row.metric, row.period_start, row.value)
        evidence.append(item)
        return UsagePointOut(id=item.id, period=month_key(row.period_start), value=row.value)

    series = []
    for name in [metric] if metric else sorted(plan):
        points = plan[name]
        last = points[-1]
        series.append(
            UsageSeries(
                metric=name,
                unit=last.unit,
                limit=last.plan_limit,
                utilisation_pct=percent(last.value, last.plan_limit, 1) if last.plan_limit else None,
                change_pct=_change_pct(points[0].value, last.value),
                peak=max(p.value for p in points),
                points=[point(p) for p in points],
            )
        )
    result = UsageTrendResult(account_id=account.id, months=months, series=series)
    if include_features:
        trends = sorted(
            features.items(),
            key=lambda kv: abs(_change_pct(kv[1][0].value, kv[1][-1].value) or Decimal(0)),
            reverse=True,
        )
        shown, more = top(trends, SHOWN_FEATURES)
        result.features = [
            FeatureTrend(
                feature=feature_names.get(fid, fid),
                first=point(pts[0]),
                latest=point(pts[-1]),
                change_pct=_change_pct(pts[0].value, pts[-1].value),
            )
            for fid, pts in shown
        ]
        result.more_features = more or None
    return emit(context, result, evidence)


class WindowInput(BaseModel):
    """Which account and how many days back."""

    account_id: str | None = ACCOUNT_ID
    days: int = Field(default=90, ge=7, le=730, description="Days back from the as-of date.")


class TicketOut(BaseModel):
    """A support ticket; `text` is the customer's words (data)."""

    id: str = Field(description="Evidence id.")
    opened_on: date
    severity: str
    category: str | None = None
    escalated: bool | None = None
    open: bool | None = None
    text: str | None = None


class SupportSummaryResult(BaseModel):
    """Support tickets opened in the window: counts, service times and the most severe recent tickets."""

    account_id: str
    window_days: int
    opened: int
    opened_prior_window: int = Field(description="Tickets opened in the same number of days before the window.")
    escalated: int
    open_now: int
    by_severity: dict[str, int]
    by_category: dict[str, int]
    avg_first_response_minutes: Amount | None = None
    avg_resolution_hours: Amount | None = None
    avg_satisfaction: Amount | None = None
    tickets: list[TicketOut]
    more_tickets: int | None = None


@tool(args_schema=WindowInput)
def get_support_summary(account_id: str | None = None, days: int = 90, *, runtime: ToolRuntime[ToolContext]) -> str:
    """Support tickets in a window: counts by severity and category, escalations, service times, top tickets."""
    context = runtime.context
    as_of = context.as_of
    end, since = _start_of(as_of + timedelta(days=1)), _start_of(as_of - timedelta(days=days - 1))
    prior_since = _start_of(as_of - timedelta(days=2 * days - 1))
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        recent = session.scalars(
            select(SupportTicket)
            .where(
                SupportTicket.account_id == account.id,
                SupportTicket.opened_at >= prior_since,
                SupportTicket.opened_at < end,
            )
            .order_by(SupportTicket.opened_at.desc())
        ).all()
    tickets = [t for t in recent if t.opened_at >= since]
    ranked = sorted(tickets, key=lambda t: (SEVERITY_RANK[t.severity.value], t.escalated, t.opened_at), reverse=True)
    shown, more = top(ranked, SHOWN_TICKETS)
    evidence = [
        row_evidence("ticket", t.id, "severity", t.severity.value, t.opened_at.date().isoformat()) for t in tickets
    ]
    still_open = [t for t in tickets if t.closed_at is None or t.closed_at >= end]
    result = SupportSummaryResult(
        account_id=account.id,
        window_days=days,
        opened=len(tickets),
        opened_prior_window=len(recent) - len(tickets),
        escalated=sum(1 for t in tickets if t.escalated),
        open_now=len(still_open),
        by_severity=dict(Counter(t.severity.value for t in tickets).most_common()),
        by_category=dict(Counter(t.category or "uncategorised" for t in tickets).most_common()),
        avg_first_response_minutes=_mean_or_none(
            [t.first_response_minutes for t in tickets if t.first_response_minutes]
        ),
        avg_resolution_hours=_mean_or_none([t.resolution_hours for t in tickets if t.resolution_hours is not None]),
        avg_satisfaction=_mean_or_none([t.satisfaction_score for t in tickets if t.satisfaction_score is not None]),
        tickets=[
            TicketOut(
                id=f"ticket:{t.id}",
                opened_on=t.opened_at.date(),
                severity=t.severity.value,
                category=t.category,
                escalated=t.escalated or None,
                open=(t in still_open) or None,
                text=fence(": ".join(part for part in (t.subject, t.body) if part), 160),
            )
            for t in shown
        ],
        more_tickets=more or None,
    )
    return emit(context, result, evidence)


class SurveyInput(BaseModel):
    """Which account and how many days back."""

    account_id: str | None = ACCOUNT_ID
    days: int = Field(default=365, ge=30, le=730, description="Days back from the as-of date.")


class NpsOut(BaseModel):
    """NPS answers (0-10) in the window."""

    latest: int
    latest_on: date
    answers: int
    mean: Amount
    change: int = Field(description="Latest minus first answer in the window.")
    promoters: int = Field(description="Answers of 9-10.")
    detractors: int = Field(description="Answers of 0-6.")


class CsatOut(BaseModel):
    """CSAT answers (1-5) in the window."""

    latest: int
    latest_on: date
    answers: int
    mean: Amount


class ResponseOut(BaseModel):
    """One survey answer; `comment` is the customer's words (data)."""

    id: str = Field(description="Evidence id.")
    kind: str
    score: int
    responded_on: date
    contact: str | None = None
    comment: str | None = None


class SurveySummaryResult(BaseModel):
    """NPS and CSAT in the window, with the latest answers."""

    account_id: str
    window_days: int
    nps: NpsOut | None = None
    csat: CsatOut | None = None
    responses: list[ResponseOut]
    more_responses: int | None = None


@tool(args_schema=SurveyInput)
def get_survey_summary(account_id: str | None = None, days: int = 365, *, runtime: ToolRuntime[ToolContext]) -> str:
    """NPS and CSAT in a window: latest, mean, change, promoters/detractors, latest answers with comments."""
    context = runtime.context
    as_of = context.as_of
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        answers = session.execute(
            select(SurveyResponse, Contact.name)
            .outerjoin(Contact, Contact.id == SurveyResponse.contact_id)
            .where(
                SurveyResponse.account_id == account.id,
                SurveyResponse.responded_on > as_of - timedelta(days=days),
                SurveyResponse.responded_on <= as_of,
            )
            .order_by(SurveyResponse.responded_on, SurveyResponse.id)
        ).all()
    nps = [a for a, _ in answers if a.kind == SurveyKind.NPS]
    csat = [a for a, _ in answers if a.kind == SurveyKind.CSAT]
    evidence = [row_evidence("survey", a.id, a.kind.value, a.score, a.responded_on.isoformat()) for a, _ in answers]
    shown, more = top(list(reversed(answers)), SHOWN_RESPONSES)
    result = SurveySummaryResult(
        account_id=account.id,
        window_days=days,
        nps=NpsOut(
            latest=nps[-1].score,
            latest_on=nps[-1].responded_on,
            answers=len(nps),
            mean=_mean([a.score for a in nps]),
            change=nps[-1].score - nps[0].score,
            promoters=sum(1 for a in nps if a.score >= 9),
            detractors=sum(1 for a in nps if a.score <= 6),
        )
        if nps
        else None,
        csat=CsatOut(
            latest=csat[-1].score,
            latest_on=csat[-1].responded_on,
            answers=len(csat),
            mean=_mean([a.score for a in csat]),
        )
        if csat
        else None,
        responses=[
            ResponseOut(
                id=f"survey:{a.id}",
                kind=a.kind.value,
                score=a.score,
                responded_on=a.responded_on,
                contact=name,
                comment=fence(a.comment, 160),
            )
            for a, name in shown
        ],
        more_responses=more or None,
    )
    return emit(context, result, evidence)


SIDE_EFFECT = SideEffect.READ
TOOLS = (get_usage_trend, get_support_summary, get_survey_summary)
