"""The seven health components as pure functions over `AccountFacts`.

Each returns `(sub_score | None, raw values, note)`; None means "no data" (the component is `missing`). The work is
plain ints and floats; evidence items are built only when a list to collect them is passed (the full result),
never on the score-only path of portfolio scans.
"""

from __future__ import annotations

from datetime import date, timedelta

from account_intel.analytics.evidence import Evidence, row_evidence, usage_evidence
from account_intel.analytics.facts import AccountFacts, ActivityFact, Catalog, LineFact, UsagePoint
from account_intel.analytics.health.config import (
    AdoptionRules,
    CommercialRules,
    EngagementRules,
    RelationshipRules,
    SentimentRules,
    SupportRules,
    TenureRules,
    TermRules,
    UsageRules,
)
from account_intel.analytics.health.models import RawValue

Part = tuple[float | None, dict[str, RawValue], str | None]
EvidenceSink = list[Evidence] | None

SENTIMENT_VALUE = {"very_negative": 0.0, "negative": 0.25, "neutral": 0.5, "positive": 0.75, "very_positive": 1.0}


def linear(x: float, zero: float, full: float) -> float:
    """Piecewise linear 0..1: 0 at `zero`, 1 at `full` (either direction), clamped."""
    value = (x - zero) / (full - zero)
    return 0.0 if value < 0 else 1.0 if value > 1 else value


def month_index(day: date) -> int:
    """Months since year 0 (consecutive months differ by one)."""
    return day.year * 12 + day.month - 1


def last_complete_month(as_of: date) -> int:
    """Month index of the last complete month: the as-of month when as-of is its last day, else the one before."""
    index = month_index(as_of)
    return index if (as_of + timedelta(days=1)).day == 1 else index - 1


def feature_metric(feature_id: str) -> str:
    """The usage metric that holds a feature's usage: `feature:<feature id>` (the loader keys feature usage by
    feature id and does not keep the metric name, so evidence ids follow this convention of the demo and importer)."""
    return f"feature:{feature_id}"


def _r(value: float) -> float:
    return round(value, 1)


def usage(facts: AccountFacts, rules: UsageRules, ev: EvidenceSink) -> Part:
    """Latest complete month vs the mean of the months before it, and utilisation of the plan limit, per metric."""
    last = last_complete_month(facts.as_of)
    trend_zero, trend_full, util_full = rules.trend_zero, rules.trend_full, rules.utilisation_full
    trend_share, prior_months, excluded = rules.trend_share, rules.prior_months, rules.exclude_metrics
    subs: list[float] = []
    trends: list[float] = []
    utils: list[float] = []
    per_metric: dict[str, RawValue] = {}
    for metric in sorted(facts.usage):
        if metric in excluded:
            continue
        points = facts.usage[metric]
        months = [p.period.year * 12 + p.period.month - 1 for p in points]
        k = len(points) - 1
        while k >= 0 and months[k] > last:
            k -= 1
        if k < 0:
            continue
        latest, latest_month = points[k], months[k]
        prior = [points[i] for i in range(k) if latest_month - prior_months <= months[i]]
        trend_s = util_s = None
        if prior:
            base = sum(p.value for p in prior) / len(prior)
            if base > 0:
                trend = latest.value / base - 1
                trends.append(trend)
                per_metric[f"{metric}.trend_pct"] = round(trend * 100, 1)
                trend_s = linear(trend, trend_zero, trend_full)
        if latest.limit:
            util = latest.value / latest.limit
            utils.append(util)
            per_metric[f"{metric}.utilisation_pct"] = round(util * 100, 1)
            util_s = linear(util, 0.0, util_full)
        if trend_s is not None:
            subs.append(trend_s if util_s is None else trend_share * trend_s + (1 - trend_share) * util_s)
        elif util_s is not None:
            subs.append(util_s)
        else:
            continue
        if ev is not None:
            for p in (*prior, latest):
                ev.append(usage_evidence(facts.account_id, metric, p.period, p.value))
    if not subs:
        note = "no usage feed" if not facts.usage else "no complete month of usage with a trend or a limit"
        return None, {}, note
    raw: dict[str, RawValue] = {
        "metrics": len(subs),
        "trend_pct": round(sum(trends) / len(trends) * 100, 1) if trends else None,
        "utilisation_pct": round(sum(utils) / len(utils) * 100, 1) if utils else None,
    }
    raw.update(per_metric)
    return sum(subs) / len(subs), raw, None


_AVAILABLE: dict[tuple[int, frozenset[str]], tuple[Catalog, frozenset[str]]] = {}
_INTEGRATIONS: dict[int, tuple[Catalog, int]] = {}


def available_features(facts: AccountFacts, catalog: Catalog) -> frozenset[str]:
    """Feature ids the account's plan tier and modules include (all non-module features when it has no plan).

    Cached per catalog and set of held products: portfolios repeat a handful of plan/module combinations.
    """
    held = frozenset(line.product_id for line in facts.lines)
    key = (id(catalog), held)
    hit = _AVAILABLE.get(key)
    if hit is not None and hit[0] is catalog:
        return hit[1]
    ranks = [p.tier_rank or 0 for pid in held if (p := catalog.products.get(pid)) is not None and p.kind == "plan"]
    rank = max(ranks) if ranks else None
    found = frozenset(
        f.id
        for f in catalog.features.values()
        if (f.product_id is None or f.product_id in held)
        and (f.min_tier_rank is None or rank is None or f.min_tier_rank <= rank)
    )
    if len(_AVAILABLE) > 4096:
        _AVAILABLE.clear()
    _AVAILABLE[key] = (catalog, found)
    return found


def _catalog_integrations(catalog: Catalog) -> int:
    hit = _INTEGRATIONS.get(id(catalog))
    if hit is None or hit[0] is not catalog:
        if len(_INTEGRATIONS) > 64:
            _INTEGRATIONS.clear()
        hit = (catalog, sum(1 for f in catalog.features.values() if f.kind == "integration"))
        _INTEGRATIONS[id(catalog)] = hit
    return hit[1]


def used_features(facts: AccountFacts, window_days: int) -> dict[str, UsagePoint]:
    """Features with value > 0 in a month starting within the window: feature id -> its latest such month."""
    since = facts.as_of - timedelta(days=window_days)
    used: dict[str, UsagePoint] = {}
    for feature_id, points in facts.feature_usage.items():
        for p in reversed(points):
            if p.value > 0 and since < p.period <= facts.as_of:
                used[feature_id] = p
                break
    return used


def adoption(facts: AccountFacts, catalog: Catalog, rules: AdoptionRules, ev: EvidenceSink) -> Part:
    """Features and integrations used out of those available to the account."""
    if not catalog.features:
        return None, {}, "the catalog lists no features"
    if not facts.usage and not facts.feature_usage:
        return None, {}, "no usage feed"
    used = used_features(facts, rules.window_days)
    features = catalog.features
    used_ids = {fid for fid in used if fid in features}
    available = available_features(facts, catalog) | used_ids
    integrations = {fid for fid in available if features[fid].kind == "integration"}
    ratio = len(used_ids) / len(available) if available else 0.0
    catalog_integrations = _catalog_integrations(catalog)
    raw: dict[str, RawValue] = {
        "features_used": len(used_ids - integrations),
        "features_available": len(available - integrations),
        "integrations_used": len(used_ids & integrations),
        "integrations_available": len(integrations),
        "adoption_pct": round(ratio * 100, 1),
        "features_in_catalog": len(features) - catalog_integrations,
        "integrations_in_catalog": catalog_integrations,
    }
    if ev is not None:
        for fid in sorted(used_ids):
            p = used[fid]
            ev.append(usage_evidence(facts.account_id, feature_metric(fid), p.period, p.value))
    return linear(ratio, 0.0, rules.full_ratio), raw, None


def support(facts: AccountFacts, rules: SupportRules, ev: EvidenceSink) -> Part:
    """Severity-weighted ticket load in the last window (escalations add points) and its rise vs the window before."""
    as_of, window = facts.as_of, rules.window_days
    recent_from, prior_from = as_of - timedelta(days=window), as_of - timedelta(days=2 * window)
    points, escalation = rules.severity_points, rules.escalation_points
    load = prior = 0.0
    count = severe = escalated = prior_count = 0
    for t in facts.tickets:
        if t.opened_on > as_of or t.opened_on <= prior_from:
            continue
        value = points.get(t.severity, 0.0) + (escalation if t.escalated else 0.0)
        if t.opened_on > recent_from:
            load += value
            count += 1
            severe += t.severity in ("high", "urgent")
            escalated += t.escalated
            if ev is not None:
                metric = "escalated_ticket" if t.escalated else "ticket"
                ev.append(row_evidence("ticket", t.id, metric, value=t.severity, period=t.opened_on.isoformat()))
        else:
            prior += value
            prior_count += 1
    if count == 0 and prior_count == 0:
        if facts.status == "prospect":
            return None, {}, "a prospect has no support history"
        if rules.no_tickets_is_missing:
            return None, {}, "no tickets (the configuration treats that as no ticket feed)"
    raw: dict[str, RawValue] = {
        f"tickets_{window}d": count,
        f"high_or_urgent_{window}d": severe,
        f"escalated_{window}d": escalated,
        "load_points": _r(load),
        "prior_load_points": _r(prior),
    }
    load_s = linear(load, rules.load_zero, 0.0)
    rise = load - prior
    trend_s = 1.0 if rise <= 0 else linear(rise, rules.trend_zero, 0.0)
    return rules.trend_share * trend_s + (1 - rules.trend_share) * load_s, raw, None


def sentiment(facts: AccountFacts, rules: SentimentRules, ev: EvidenceSink) -> Part:
    """Latest NPS (with its trend against earlier answers) and mean CSAT."""
    as_of = facts.as_of
    nps_from, csat_from = as_of - timedelta(days=rules.nps_window_days), as_of - timedelta(days=rules.csat_window_days)
    nps = sorted(
        (s for s in facts.surveys if s.kind == "nps" and nps_from < s.responded_on <= as_of),
        key=lambda s: (s.responded_on, s.id),
    )
    csat = [s for s in facts.surveys if s.kind == "csat" and csat_from < s.responded_on <= as_of]
    if not nps and not csat:
        return None, {}, "no NPS or CSAT answers in the window"
    raw: dict[str, RawValue] = {"nps_latest": None, "nps_trend": None, "nps_answers": len(nps)}
    nps_part = csat_part = None
    if nps:
        latest = nps[-1].score
        raw["nps_latest"] = latest
        nps_part = linear(latest, rules.nps_zero, rules.nps_full)
        if len(nps) > 1:
            trend = latest - sum(s.score for s in nps[:-1]) / (len(nps) - 1)
            raw["nps_trend"] = _r(trend)
            trend_s = linear(trend, -rules.nps_trend_span, rules.nps_trend_span)
            nps_part = rules.nps_trend_share * trend_s + (1 - rules.nps_trend_share) * nps_part
    raw["csat_mean"] = None
    raw["csat_answers"] = len(csat)
    if csat:
        mean = sum(s.score for s in csat) / len(csat)
        raw["csat_mean"] = round(mean, 2)
        csat_part = linear(mean, rules.csat_zero, rules.csat_full)
    if ev is not None:
        for s in (*nps, *csat):
            ev.append(row_evidence("survey", s.id, s.kind, value=s.score, period=s.responded_on.isoformat()))
    if nps_part is None:
        return csat_part, raw, None
    if csat_part is None:
        return nps_part, raw, None
    return rules.nps_share * nps_part + (1 - rules.nps_share) * csat_part, raw, None


def engagement(facts: AccountFacts, rules: EngagementRules, ev: EvidenceSink) -> Part:
    """Days since the last activity and the last executive touch, and the sentiment of recent activities.

    Missing when the store has neither an activity nor a contact at all: no engagement feed was imported, which
    says nothing about the customer (an account without activities in a store that has them scores 0)."""
    if not facts.store_has_activities and not facts.store_has_contacts:
        return None, {}, "the store has no activities or contacts (no engagement feed)"
    as_of = facts.as_of
    last, last_exec = facts.last_activity_on, facts.last_exec_touch_on
    days = (as_of - last).days if last else None
    exec_days = (as_of - last_exec).days if last_exec else None
    recency_s = linear(days, rules.recency_zero_days, rules.recency_full_days) if days is not None else 0.0
    exec_s = linear(exec_days, rules.exec_zero_days, rules.exec_full_days) if exec_days is not None else 0.0
    since = as_of - timedelta(days=rules.sentiment_window_days)
    rated = [a for a in facts.activities if a.sentiment in SENTIMENT_VALUE and since < a.occurred_on <= as_of]
    mood = sum(SENTIMENT_VALUE[a.sentiment or ""] for a in rated) / len(rated) if rated else None
    shares = rules.recency_share * recency_s + rules.exec_share * exec_s
    total = rules.recency_share + rules.exec_share
    if mood is not None:
        shares += rules.sentiment_share * mood
        total += rules.sentiment_share
    raw: dict[str, RawValue] = {
        "days_since_activity": days,
        "days_since_exec_touch": exec_days,
        "activity_sentiment": None if mood is None else round(mood, 2),
        "rated_activities": len(rated),
    }
    if ev is not None:
        _engagement_evidence(facts, rated, ev)
    return (shares / total if total > 0 else 0.0), raw, None


def _engagement_evidence(facts: AccountFacts, rated: list[ActivityFact], ev: list[Evidence]) -> None:
    by_date = {a.occurred_on: a for a in facts.activities}
    for field, day in (("last_activity_on", facts.last_activity_on), ("last_exec_touch_on", facts.last_exec_touch_on)):
        if day is None:
            continue
        activity = by_date.get(day) if field == "last_activity_on" else _last_exec_activity(facts, day)
        if activity is not None:
            ev.append(row_evidence("activity", activity.id, field, value=day.isoformat(), period=day.isoformat()))
        else:
            ev.append(row_evidence("account", facts.account_id, field, value=day.isoformat()))
    seen = {item.id for item in ev}
    for a in rated:
        if f"activity:{a.id}" not in seen:
            ev.append(row_evidence("activity", a.id, "sentiment", value=a.sentiment, period=a.occurred_on.isoformat()))


def _last_exec_activity(facts: AccountFacts, day: date) -> ActivityFact | None:
    executives = {c.id for c in facts.contacts if c.is_executive}
    for a in reversed(facts.activities):
        if a.occurred_on == day and executives.intersection(a.contact_ids):
            return a
    return None


def relationship(facts: AccountFacts, rules: RelationshipRules, ev: EvidenceSink) -> Part:
    """An active champion, and active contacts against the multi-threading target (missing when the store has
    no contact at all: no contact feed was imported)."""
    if not facts.store_has_contacts:
        return None, {}, "the store has no contacts (no contact feed)"
    as_of = facts.as_of
    active = [
        c
        for c in facts.contacts
        if c.active
        and (c.left_on is None or c.left_on > as_of)
        and (c.first_contact_on is None or c.first_contact_on <= as_of)
    ]
    champions = [c for c in active if c.role == "champion"]
    raw: dict[str, RawValue] = {
        "champion_active": 1 if champions else 0,
        "active_contacts": len(active),
        "active_executives": sum(1 for c in active if c.is_executive),
    }
    if ev is not None:
        for c in active:
            ev.append(row_evidence("contact", c.id, "active_contact", value=c.role))
    threads = min(1.0, len(active) / rules.contacts_target)
    return rules.champion_share * (1.0 if champions else 0.0) + (1 - rules.champion_share) * threads, raw, None


DAYS_PER_MONTH = 30.4375


def customer_start(facts: AccountFacts) -> date | None:
    """When the account became a customer: its customer-since date, else the earliest start of a line in force."""
    if facts.customer_since is not None:
        return facts.customer_since
    return min((line.start_date for line in facts.lines), default=None)


def tenure(facts: AccountFacts, rules: TenureRules, ev: EvidenceSink) -> Part:
    """Customer age in months, scored from `zero_months` (0) to `full_months` (1): young accounts churn most.
    Missing when the start is unknown or after the as-of date (never scored as a new customer by default)."""
    since = customer_start(facts)
    if since is None or since > facts.as_of:
        return None, {}, "no customer start date (customer_since or a line start)"
    months = (facts.as_of - since).days / DAYS_PER_MONTH
    if ev is not None:
        if facts.customer_since is not None:
            ev.append(row_evidence("account", facts.account_id, "customer_since", value=since.isoformat()))
        else:
            first = min(facts.lines, key=lambda line: line.start_date)
            ev.append(row_evidence("line", first.id, "start_date", value=since.isoformat()))
    return linear(months, rules.zero_months, rules.full_months), {"tenure_months": _r(months)}, None


def line_term(line: LineFact) -> float | None:
    """A line's committed term in months: start to its contract's agreed end, else the billing period."""
    if line.end_date is not None and line.end_date > line.start_date:
        return (line.end_date - line.start_date).days / DAYS_PER_MONTH
    return None if line.billing_months is None else float(line.billing_months)


def term(facts: AccountFacts, rules: TermRules, ev: EvidenceSink) -> Part:
    """Commitment: the longest term of the lines in force (start to the contract's agreed end, else the billing
    period), scored from `zero_months` (month to month: 0) to `full_months` (1). Missing when no line has either."""
    terms = [(months, line.id) for line in facts.lines if (months := line_term(line)) is not None]
    if not terms:
        return None, {}, "no contract end date or billing frequency on the lines in force (term unknown)"
    months, line_id = max(terms)
    if ev is not None:
        ev.append(row_evidence("line", line_id, "term_months", value=_r(months)))
    return linear(months, rules.zero_months, rules.full_months), {"term_months": _r(months)}, None


def commercial(facts: AccountFacts, rules: CommercialRules, others_mean: float, ev: EvidenceSink) -> Part:
    """Renewal proximity: within the window, weak other components become a risk; far renewals carry none."""
    if facts.status == "churned":
        return 0.0, {"churned": 1}, None
    if facts.renewal_date is None:
        return None, {}, "no renewal date"
    days = (facts.renewal_date - facts.as_of).days
    window = rules.renewal_window_days
    proximity = 1.0 if days <= 0 else max(0.0, 1 - days / window)
    raw: dict[str, RawValue] = {"days_to_renewal": days, "renewal_proximity": round(proximity, 2)}
    if ev is not None:
        ev.append(row_evidence("account", facts.account_id, "renewal_date", value=facts.renewal_date.isoformat()))
    return 1 - proximity * (1 - others_mean), raw, None
