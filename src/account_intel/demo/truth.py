"""Outcomes with a known truth: churn and expansion planted by a process whose drivers are stated here.

`demo --plant-outcomes` calls `plant_outcomes` after the portfolio is generated. Over the last two windows of
`horizon` days before the data date, every customer at a window's start churns, or else wins an expansion, with a
probability from a logistic of facts as they stood on that start date:

    churn      logit = a - 0.9 x tenure in years + 0.6 x escalated tickets (90 days before) - 0.35 x (NPS - 7)
    expansion  logit = c + 0.5 x catalog items not owned + 1.5 x usage / limit of the most used limited metric

(NPS: the latest answer, 7 when none; usage: 0.5 when no metric has a limit.) The intercepts a and c are set so
that about `CHURN_RATE` and `EXPANSION_RATE` of the window's customers have the outcome. A churn gets a churn date
in the window (the account's contracts are cancelled, its agreed ends kept); an expansion gets a closed-won
opportunity dated in it. So `backtest --as-of <data date - horizon> --horizon <horizon> --fit` trains on the
first window and is evaluated on the second, and its fitted models can be checked against the drivers: short
tenure, escalations and low NPS raise churn; whitespace and usage near a limit raise expansion.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from account_intel.analytics.backtest.data import iter_population_facts
from account_intel.analytics.facts import AccountFacts, Catalog, load_catalog
from account_intel.analytics.fitted.features import tenure_months
from account_intel.analytics.propensity.features import not_owned, usage_near_limit
from account_intel.domain.enums import AccountStatus, ContractStatus, OpportunityStage, OpportunityType
from account_intel.domain.tiering import Thresholds
from account_intel.store.models import Account, ChurnEvent, Contract, Opportunity
from account_intel.store.models.pipeline import OpportunityStageChange

CHURN_RATE = 0.15
EXPANSION_RATE = 0.20
CHURN_DRIVERS = {"tenure_years": -0.9, "escalations_90d": 0.6, "nps_minus_7": -0.35}
EXPANSION_DRIVERS = {"not_owned": 0.5, "usage_near_limit": 1.5}
ESCALATION_DAYS = 90


class PlantedWindow(BaseModel):
    """What one window got."""

    starts: date
    ends: date
    customers: int
    churned: int
    expanded: int


class PlantReport(BaseModel):
    """The planted outcomes and the process behind them."""

    horizon_days: int
    churn_drivers: dict[str, float] = Field(description="Log-odds per unit of each churn driver.")
    expansion_drivers: dict[str, float] = Field(description="Log-odds per unit of each expansion driver.")
    windows: list[PlantedWindow]
    backtest: str = Field(description="The command that checks a fit against this truth.")


@dataclass(frozen=True, slots=True)
class _Drivers:
    churn: dict[str, float]
    expansion: dict[str, float]


def drivers(facts: AccountFacts, catalog: Catalog) -> _Drivers:
    """The planted process's inputs for one account as of its facts' date."""
    since = facts.as_of - timedelta(days=ESCALATION_DAYS)
    escalations = sum(1 for t in facts.tickets if t.escalated and since < t.opened_on <= facts.as_of)
    nps = [s for s in facts.surveys if s.kind == "nps" and s.responded_on <= facts.as_of]
    latest = max(nps, key=lambda s: s.responded_on).score if nps else 7
    tenure = tenure_months(facts)
    usage = usage_near_limit(facts)
    return _Drivers(
        churn={
            "tenure_years": 0.0 if math.isnan(tenure) else tenure / 12,
            "escalations_90d": float(escalations),
            "nps_minus_7": float(latest) - 7,
        },
        expansion={
            "not_owned": float(not_owned(facts, catalog)),
            "usage_near_limit": 0.5 if math.isnan(usage) else min(usage, 1.5),
        },
    )


def _logits(values: list[dict[str, float]], weights: dict[str, float]) -> list[float]:
    return [sum(weights[k] * row[k] for k in weights) for row in values]


def _intercept(logits: list[float], rate: float) -> float:
    """The intercept at which the mean probability is `rate` (bisection: the mean rises with the intercept)."""
    low, high = -30.0, 30.0
    for _ in range(60):
        mid = (low + high) / 2
        mean = sum(1 / (1 + math.exp(-(mid + z))) for z in logits) / max(1, len(logits))
        low, high = (mid, high) if mean < rate else (low, mid)
    return (low + high) / 2


def _probabilities(logits: list[float], rate: float) -> list[float]:
    a = _intercept(logits, rate)
    return [1 / (1 + math.exp(-(a + z))) for z in logits]


def _churn(session: Session, account_id: str, day: date) -> None:
    session.execute(
        update(Account).where(Account.id == account_id).values(status=AccountStatus.CHURNED, churned_on=day)
    )
    session.execute(
        update(Contract)
        .where(Contract.account_id == account_id, Contract.status == ContractStatus.ACTIVE)
        .values(status=ContractStatus.CANCELLED)
    )
    session.add(
        ChurnEvent(id=f"CHURN-PLANTED-{account_id}", account_id=account_id, churned_on=day, reason_code="planted")
    )


def _won(session: Session, facts: AccountFacts, day: date, number: int) -> None:
    opened = day - timedelta(days=30)
    stamp = datetime.combine(day, time(12), tzinfo=UTC)
    value = (facts.arr * Decimal("0.2")).quantize(Decimal("0.01")) if facts.arr > 0 else Decimal("1000.00")
    opportunity_id = f"OPP-PL-{number:06d}"
    session.add(
        Opportunity(
            id=opportunity_id,
            account_id=facts.account_id,
            name="Planted expansion",
            type=OpportunityType.NEW_SERVICE,
            stage=OpportunityStage.CLOSED_WON,
            probability=100,
            estimated_value=value,
            expected_close_date=day,
            owner_id=facts.ae_id,
            closed_value=value,
            closed_on=day,
            created_at=datetime.combine(opened, time(10), tzinfo=UTC),
            updated_at=stamp,
        )
    )
    session.flush()
    for from_stage, to_stage, probability, when in (
        (None, OpportunityStage.IDENTIFIED, 10, opened),
        (OpportunityStage.IDENTIFIED, OpportunityStage.CLOSED_WON, 100, day),
    ):
        session.add(
            OpportunityStageChange(
                opportunity_id=opportunity_id,
                from_stage=from_stage,
                to_stage=to_stage,
                probability=probability,
                changed_at=datetime.combine(when, time(11), tzinfo=UTC),
                changed_by=facts.ae_id,
                note="planted",
            )
        )


def plant_outcomes(
    session: Session, *, data_date: date, horizon: int, seed: int, thresholds: Thresholds
) -> PlantReport:
    """Plant churn and expansion over the two windows before `data_date` (see the module docstring)."""
    rng = random.Random(f"truth-{seed}")
    catalog = load_catalog(session)
    already = set(session.scalars(select(Account.id).where(Account.status == AccountStatus.CHURNED)))
    windows, number = [], 0
    for start in (data_date - timedelta(days=2 * horizon), data_date - timedelta(days=horizon)):
        facts = [f for chunk in iter_population_facts(session, start, thresholds) for f in chunk]
        facts = [f for f in facts if f.account_id not in already]
        found = [drivers(f, catalog) for f in facts]
        churn = _probabilities(_logits([d.churn for d in found], CHURN_DRIVERS), CHURN_RATE)
        expand = _probabilities(_logits([d.expansion for d in found], EXPANSION_DRIVERS), EXPANSION_RATE)
        churned = expanded = 0
        for f, p_churn, p_expand in zip(facts, churn, expand, strict=True):
            day = start + timedelta(days=rng.randint(1, horizon))
            if rng.random() < p_churn:
                _churn(session, f.account_id, day)
                already.add(f.account_id)
                churned += 1
            elif rng.random() < p_expand:
                number += 1
                _won(session, f, day, number)
                expanded += 1
        session.flush()
        windows.append(
            PlantedWindow(
                starts=start,
                ends=start + timedelta(days=horizon),
                customers=len(facts),
                churned=churned,
                expanded=expanded,
            )
        )
    evaluation = data_date - timedelta(days=horizon)
    return PlantReport(
        horizon_days=horizon,
        churn_drivers=CHURN_DRIVERS,
        expansion_drivers=EXPANSION_DRIVERS,
        windows=windows,
        backtest=f"account-intel backtest --as-of {evaluation} --horizon {horizon} --fit",
    )
