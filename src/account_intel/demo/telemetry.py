"""What a generated account does and says: monthly usage, support tickets and NPS/CSAT answers.

Trends follow the account's archetype: thriving accounts grow toward their limits, declining and at-risk ones
shrink and file more tickets. A few accounts have no usage feed at all; some show a feature spike.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from account_intel.demo import catalog as c
from account_intel.demo.dates import add_months, at, days, month_start, month_starts
from account_intel.demo.draft import AccountDraft
from account_intel.demo.rows import Bundle
from account_intel.demo.texts import (
    SURVEY_COMMENTS,
    SYSTEMS,
    TICKET_WEIGHTS_HEALTHY,
    TICKET_WEIGHTS_UNHEALTHY,
    TICKETS,
)
from account_intel.domain.enums import AccountStatus, SurveyKind, TicketSeverity

GROWTH = {"thriving": (0.02, 0.06), "steady": (-0.01, 0.015), "declining": (-0.06, -0.02), "at_risk": (-0.1, -0.04)}
API_END = {"thriving": (0.6, 1.02), "steady": (0.3, 0.9), "declining": (0.2, 0.6), "at_risk": (0.1, 0.45)}
SEATS_END = {"thriving": (0.92, 1.0), "steady": (0.7, 0.95), "declining": (0.45, 0.75), "at_risk": (0.25, 0.6)}
FEATURE_SHARE = {"thriving": (0.6, 0.9), "steady": (0.4, 0.7), "declining": (0.25, 0.5), "at_risk": (0.15, 0.4)}
TICKET_COUNT = {"thriving": (0, 3), "steady": (1, 5), "declining": (3, 9), "at_risk": (5, 14)}
NPS = {
    "thriving": (8, 9, 9, 10, 10),
    "steady": (6, 7, 8, 8, 9, 9),
    "declining": (4, 5, 6, 7, 7, 8),
    "at_risk": (0, 2, 3, 4, 5, 6),
}
CSAT = {"thriving": (4, 5, 5), "steady": (3, 4, 4, 5), "declining": (2, 3, 4), "at_risk": (1, 2, 2, 3)}
# Smaller accounts keep per-feature history only for their last months (the adoption window is 90 days and a
# quarter-over-quarter spike needs 6 months): (fewer seats than, months kept)
FEATURE_HISTORY = ((10, 4), (50, 6))
SEVERITIES = (TicketSeverity.LOW, TicketSeverity.MEDIUM, TicketSeverity.HIGH, TicketSeverity.URGENT)


def usage_row(
    account_id: str, metric: str, period: date, value: int, limit: int | None, unit: str, feature: str | None = None
) -> dict[str, object]:
    """A `usage_metrics` row with every column the loader writes."""
    return {
        "account_id": account_id,
        "metric": metric,
        "period_start": period,
        "value": value,
        "plan_limit": limit,
        "unit": unit,
        "feature_id": feature,
    }


def add_usage(rng: random.Random, bundle: Bundle, draft: AccountDraft) -> float | None:
    """Add monthly seats, API, storage and per-feature usage; return the latest API utilisation (None: no feed)."""
    if draft.status == AccountStatus.PROSPECT or draft.history_start is None or rng.random() < 0.03:
        return None
    months = month_starts(draft.history_start, draft.last_day)
    growth = rng.uniform(*GROWTH[draft.archetype])
    api_end, seats_end = rng.uniform(*API_END[draft.archetype]), rng.uniform(*SEATS_END[draft.archetype])
    storage_end = rng.uniform(0.15, 0.9)
    last_plan = draft.plan_at(draft.last_day) or c.STARTER
    available = c.available_features(last_plan, draft.products_at(draft.last_day))
    share = rng.uniform(*FEATURE_SHARE[draft.archetype])
    used = rng.sample(available, max(1, round(len(available) * share)))
    starts = {f: (0 if rng.random() < 0.8 else rng.randint(1, max(1, len(months) - 3))) for f in used}
    stops = {f: len(months) - rng.randint(1, 3) for f in used if draft.archetype != "thriving" and rng.random() < 0.2}
    spike = rng.choice(used) if rng.random() < (0.2 if draft.archetype == "thriving" else 0.08) else None
    base = {f: rng.uniform(3, 30) if f.startswith("feat_") else rng.uniform(40, 400) for f in used}
    rows = bundle.rows["usage_metrics"]
    api_latest = None
    seats_now = draft.seats_at(draft.last_day)
    kept = next((m for below, m in FEATURE_HISTORY if seats_now < below), len(months))
    first_feature_month = len(months) - kept
    for index, period in enumerate(months):
        day = max(period, draft.customer_since or period)
        plan = draft.plan_at(day)
        seats = draft.seats_at(day)
        if plan is None:
            continue
        back = len(months) - 1 - index
        trend = max(0.05, (1 + growth) ** -back)
        noise = rng.uniform(0.96, 1.04)
        limit = c.api_limit(plan, draft.api_blocks_at(day))
        api_util = min(1.08, api_end * trend * noise)
        api_latest = api_util
        rows.append(usage_row(draft.id, "api_calls", period, int(limit * api_util), limit, "calls"))
        if seats:
            seat_trend = max(0.2, (1 + growth / 2) ** -back)
            used_seats = min(seats, max(1, round(seats * seats_end * seat_trend * noise)))
            rows.append(usage_row(draft.id, "seats_used", period, used_seats, seats, "seats"))
        storage = c.PLAN_STORAGE_GB[plan]
        rows.append(
            usage_row(draft.id, "storage_gb", period, max(1, int(storage * storage_end * trend)), storage, "GB")
        )
        active_users = max(1, seats)
        for feature in used:
            if index < max(starts[feature], first_feature_month) or index >= stops.get(feature, len(months)):
                continue
            boost = rng.uniform(1.5, 2.5) if feature == spike and back < 3 else 1.0
            value = int(base[feature] * active_users * trend * noise * boost)
            if value > 0:
                rows.append(usage_row(draft.id, f"feature:{feature}", period, value, None, "events", feature))
    return api_latest


def add_tickets(rng: random.Random, bundle: Bundle, draft: AccountDraft, api_latest: float | None) -> list[date]:
    """Add support tickets (more on unhealthy accounts, rate-limit ones near the API limit); return close dates."""
    if draft.history_start is None:
        return []
    low, high = TICKET_COUNT[draft.archetype]
    count = rng.randint(low, high)
    seats = draft.seats_at(draft.last_day) or draft.seats_at(draft.last_day - days(1))
    if seats < 10:
        count //= 2
    elif seats > 150:
        count += rng.randint(1, 4)
    span = max(1, (draft.last_day - draft.history_start).days)
    opened = [draft.history_start + days(rng.randint(0, span)) for _ in range(count)]
    weights = TICKET_WEIGHTS_HEALTHY if draft.archetype in ("thriving", "steady") else TICKET_WEIGHTS_UNHEALTHY
    categories = rng.choices(list(weights), weights=list(weights.values()), k=count)
    if api_latest is not None and api_latest >= 0.9 and draft.churned_on is None:
        for _ in range(rng.randint(1, 3)):
            opened.append(draft.last_day - days(rng.randint(1, 58)))
            categories.append("api_rate_limit")
    closed_days = []
    unhealthy = draft.archetype in ("declining", "at_risk")
    for number, (day, category) in enumerate(sorted(zip(opened, categories, strict=True)), start=1):
        subject, body = rng.choice(TICKETS[category])
        fill = {"system": rng.choice(SYSTEMS), "n": rng.randint(200, 990)}
        severity = rng.choices(SEVERITIES, weights=(2, 4, 3, 1) if unhealthy else (5, 4, 1, 0.3))[0]
        opened_at = at(day, rng.randint(7, 19), rng.randint(0, 59))
        hours = rng.randint(2, 240 if unhealthy else 72)
        still_open = (draft.last_day - day).days < 3 and rng.random() < 0.5
        closed_at = None if still_open else opened_at + timedelta(hours=hours)
        if closed_at is not None and closed_at.date() <= draft.last_day:
            closed_days.append(closed_at.date())
        bundle.add(
            "support_tickets",
            id=f"{draft.id}-TCK-{number:03d}",
            account_id=draft.id,
            opened_at=opened_at,
            closed_at=closed_at,
            severity=severity,
            category=category,
            escalated=rng.random() < (0.25 if unhealthy else 0.05),
            subject=subject.format(**fill),
            body=body.format(**fill),
            first_response_minutes=rng.randint(5, 600 if unhealthy else 180),
            resolution_hours=None if closed_at is None else hours,
            satisfaction_score=None,
        )
    return closed_days


def add_surveys(rng: random.Random, bundle: Bundle, draft: AccountDraft, ticket_closes: list[date]) -> None:
    """Add quarterly NPS answers and CSAT answers after some closed tickets."""
    if draft.history_start is None:
        return
    number = 0
    quarter = month_start(draft.history_start)
    while quarter <= draft.last_day:
        day = quarter + days(rng.randint(10, 80))
        if day <= draft.last_day and rng.random() < 0.75:
            score = rng.choice(NPS[draft.archetype])
            kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            number += 1
            _survey(rng, bundle, draft, number, SurveyKind.NPS, score, day, rng.choice(SURVEY_COMMENTS[kind]))
        quarter = add_months(quarter, 3)
    for day in ticket_closes:
        if rng.random() < 0.35:
            number += 1
            _survey(rng, bundle, draft, number, SurveyKind.CSAT, rng.choice(CSAT[draft.archetype]), day, "")


def _survey(
    rng: random.Random,
    bundle: Bundle,
    draft: AccountDraft,
    number: int,
    kind: SurveyKind,
    score: int,
    day: date,
    comment: str,
) -> None:
    people = draft.active_contacts(day)
    bundle.add(
        "survey_responses",
        id=f"{draft.id}-SRV-{number:02d}",
        account_id=draft.id,
        contact_id=rng.choice(people).id if people else None,
        kind=kind,
        score=score,
        responded_on=day,
        comment=comment or None,
    )
