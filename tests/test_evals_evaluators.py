"""The evaluators on hand-made brief results over TechFlow's fixture store: each gives a 0-1 score and reasons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from account_intel.agents.schemas import Claim, Figure
from account_intel.evals.evaluators import grounding, narrative, numeric, opportunities, placement, schema
from account_intel.evals.results import Check, MetricResult
from account_intel.store.engine import Store
from tests.test_evals_support import (
    TECHFLOW,
    brief,
    eval_input,
    findings,
    fixture_store,
    health,
    rec,
    scenario,
)
from tests.test_evals_support import placement as make_placement

EXPECT = {
    "opportunities": {
        "must_find": [
            {"type": "seat_expansion", "target": "Marketing"},
            {"type": "cross_sell", "target": "Compliance Suite"},
            {"type": "geographic_expansion", "target": "London", "needs": "llm"},
        ],
        "must_not_find": [{"type": "any", "target": "Customer Success"}],
        "top": [{"type": "seat_expansion", "target": "Marketing"}],
    }
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = fixture_store(tmp_path_factory.mktemp("evals"), scenario())
    yield s
    s.dispose()


def by_name(results: list[MetricResult]) -> dict[str, MetricResult]:
    return {r.metric: r for r in results}


def test_recall_precision_and_top1(store: Store, tmp_path: Path) -> None:
    s = scenario(expect=EXPECT)
    recs = [
        rec("cross_sell", "Compliance Suite", 15_000),
        rec("seat_expansion", "Marketing"),
        rec("seat_expansion", "Customer Success", 6_000),
    ]
    out = by_name(opportunities.evaluate(eval_input(s, brief(findings=findings(recs)), store, tmp_path)))
    recall, precision, top = out["opp_recall"], out["opp_precision"], out["opp_top1"]
    assert recall.score == pytest.approx(2 / 3, abs=1e-3)
    assert recall.score_core == 1.0 and recall.llm_checks == "0/1"  # London needs a model: rules are not held to it
    assert precision.score == pytest.approx(2 / 3, abs=1e-3)
    assert any("must not be recommended" in r for r in precision.reasons)
    assert top.score == 0.0 and "first is cross_sell" in top.reasons[0]


def test_no_expansion_expected_makes_every_recommendation_a_false_positive(store: Store, tmp_path: Path) -> None:
    s = scenario(expect={"route": "rescue", "opportunities": {"none": True}})
    pushed = by_name(
        opportunities.evaluate(
            eval_input(s, brief(findings=findings([rec("seat_expansion", "Marketing")])), store, tmp_path)
        )
    )
    assert pushed["opp_precision"].score == 0.0 and pushed["opp_recall"].score is None
    empty = by_name(
        opportunities.evaluate(eval_input(s, brief(findings=findings([], route="rescue")), store, tmp_path))
    )
    assert empty["opp_precision"].score == 1.0


def test_exhaustive_lists_count_unlisted_items_as_false_positives(store: Store, tmp_path: Path) -> None:
    s = scenario(
        expect={
            "opportunities": {
                "exhaustive": True,
                "must_find": [{"type": "tier_upgrade"}],
                "may_find": [{"target": "API Package"}],
            }
        }
    )
    recs = [
        rec("tier_upgrade", "Enterprise", 24_000),
        rec("volume_increase", "API Package", 6_000),
        rec("cross_sell", "Advanced Analytics", 12_000),
    ]
    out = by_name(opportunities.evaluate(eval_input(s, brief(findings=findings(recs)), store, tmp_path)))
    assert out["opp_precision"].score == pytest.approx(2 / 3, abs=1e-3)
    assert out["opp_top1"].score is None  # no `top` expectation: not applicable


def test_placement_names_what_is_wrong(store: Store, tmp_path: Path) -> None:
    s = scenario(expect={"health_band": ["Green"], "segment": "Enterprise", "tier": "T3", "route": "rescue"})
    result = brief(health=health(), placement=make_placement(), findings=findings([]))
    (out,) = placement.evaluate(eval_input(s, result, store, tmp_path))
    assert out.score == pytest.approx(4 / 5, abs=1e-3)
    assert out.reasons == ["route: expected rescue, got expand"]


def test_mentions_and_stakeholder_gaps(store: Store, tmp_path: Path) -> None:
    s = scenario(
        expect={
            "mentions": [
                {"any_of": ["$85K", "$85,000"]},
                {"any_of": ["campaign"], "where": "text_signals", "needs": "llm"},
            ],
            "stakeholder_gaps": [{"any_of": ["decision maker"]}],
        }
    )
    f = findings(
        [],
        stakeholder_gaps=[Claim(text="No active decision maker.", evidence_ids=["x:1"])],
        text_signals=[Claim(text="The campaigns team asks for access.", evidence_ids=["x:1"])],
    )
    out = by_name(narrative.evaluate(eval_input(s, brief(findings=f, markdown="- Current ARR: $85K"), store, tmp_path)))
    assert out["mentions"].score == 1.0 and out["mentions"].llm_checks == "1/1"  # 'campaign' finds 'campaigns'
    assert out["stakeholder_gaps"].score == 1.0
    missing = by_name(narrative.evaluate(eval_input(s, brief(findings=findings([]), markdown=""), store, tmp_path)))
    assert missing["mentions"].score == 0.0 and missing["stakeholder_gaps"].score == 0.0


BRIEF_MD = """# Expansion Opportunity Analysis - TechFlow Inc. (ACCT-3421)
## Account Overview
- Current ARR: {arr}
**Total Expansion Potential: $18K**
## Expansion Opportunities (Prioritized)
### Opportunity #1: Seat expansion: Marketing
- **Potential ARR**: $18K
- **Propensity Score**: 80/100
- **Evidence**: department:ACCT-3421-DEP-2
- **Play**: seat play
- **Timeline**: 30-45 days
- **Probability**: 60%
## White-Space Analysis
- Seats: {seats} of 60 employees (42% penetration)
## Expected Outcomes
- **NRR impact**: 100%
## Stakeholder Gaps
## Risks & Mitigation
## Health Drivers
"""


def _deliverables(tmp_path: Path, markdown: str, arr: str = "85000.00") -> dict[str, str]:
    md, js = tmp_path / "brief.md", tmp_path / "brief.json"
    md.write_text(markdown, encoding="utf-8")
    js.write_text(json.dumps({"account": {"arr": arr}}), encoding="utf-8")
    return {"brief_md": str(md), "brief_json": str(js)}


def test_schema_requires_the_sections_and_recommendation_fields(store: Store, tmp_path: Path) -> None:
    md = BRIEF_MD.format(arr="$85K", seats=25)
    full = brief(
        health=health(),
        placement=make_placement(),
        findings=findings([rec("seat_expansion", "Marketing")]),
        markdown=md,
        deliverables=_deliverables(tmp_path, md),
    )
    (ok,) = schema.evaluate(eval_input(scenario(), full, store, tmp_path))
    assert ok.score == 1.0, ok.reasons
    cut = md.replace("## Stakeholder Gaps\n", "").replace("- **Evidence**: department:ACCT-3421-DEP-2\n", "")
    broken = full.model_copy(update={"markdown": cut, "deliverables": _deliverables(tmp_path, cut)})
    (bad,) = schema.evaluate(eval_input(scenario(), broken, store, tmp_path))
    assert bad.score is not None and bad.score < 1.0
    assert any("stakeholder gaps" in r for r in bad.reasons) and any("missing ['Evidence']" in r for r in bad.reasons)
    failed = brief(status="failed", error="boom")
    (none,) = schema.evaluate(eval_input(scenario(), failed, store, tmp_path))
    assert none.score is not None and none.score < 0.5 and "run finished: status failed: boom" in none.reasons


def test_numeric_reconciles_arr_seats_sizes_and_formulas_with_the_store(store: Store, tmp_path: Path) -> None:
    md = BRIEF_MD.format(arr="$85K", seats=25)
    good = brief(
        placement=make_placement(),
        findings=findings([rec("seat_expansion", "Marketing")]),
        markdown=md,
        deliverables=_deliverables(tmp_path, md),
    )
    (ok,) = numeric.evaluate(eval_input(scenario(), good, store, tmp_path))
    assert ok.score == 1.0, ok.reasons
    wrong_md = BRIEF_MD.format(arr="$95K", seats=30)
    f = findings([rec("seat_expansion", "Marketing", 18_500), rec("tier_upgrade", "Enterprise", 30_000)])
    f.total_potential = Figure(
        label="Total", value=Decimal(50_000), unit="usd", formula="sum", inputs=[Decimal(18_500), Decimal(30_000)]
    )
    bad = brief(
        placement=make_placement(segment="SMB"),
        findings=f,
        markdown=wrong_md,
        deliverables=_deliverables(tmp_path, wrong_md, arr="95000.00"),
    )
    (out,) = numeric.evaluate(eval_input(scenario(), bad, store, tmp_path))
    reasons = "\n".join(out.reasons)
    for expected in (
        "brief ARR = store ARR",
        "brief seats = store seats",
        "brief.json ARR = store ARR",
        "segment follows from ARR",
        "total_potential = sum(inputs)",
        "size of tier_upgrade",
        "size of seat_expansion",
    ):
        assert expected in reasons, expected
    assert out.score is not None and out.score < 0.5


def test_grounding_resolves_ids_in_the_store_and_numbers_against_tool_values(store: Store, tmp_path: Path) -> None:
    good = brief(health=health(), placement=make_placement(), findings=findings([rec("seat_expansion", "Marketing")]))
    (ok,) = grounding.evaluate(eval_input(scenario(), good, store, tmp_path))
    assert ok.score == 1.0, ok.reasons
    invented = health().model_copy(
        update={
            "drivers": [Claim(text="Usage grew 37% to $123,457.", evidence_ids=["usage:ACCT-3421:api_calls:1999-01"])]
        }
    )
    bad = good.model_copy(update={"health": invented})
    (out,) = grounding.evaluate(eval_input(scenario(), bad, store, tmp_path))
    assert out.score is not None and out.score < 1.0
    assert any("unknown_evidence" in r and "ungrounded_number" in r for r in out.reasons)


def test_metric_scores_are_shares_of_checks_and_core_leaves_out_model_only_checks() -> None:
    m = MetricResult.from_checks(
        "x", [Check(name="a", ok=True), Check(name="b", ok=False, needs="llm"), Check(name="c", ok=False)]
    )
    assert m.score == pytest.approx(1 / 3, abs=1e-3) and m.score_core == 0.5 and m.llm_checks == "0/1"
    assert m.reasons == ["b", "c"]
    assert MetricResult.from_checks("y", []).score is None


def test_results_serialise_with_their_computed_fields() -> None:
    m = MetricResult.from_checks("x", [Check(name="a", ok=True, needs="llm")])
    data = json.loads(m.model_dump_json())
    assert data["score_core"] is None and data["llm_checks"] == "1/1"
    assert MetricResult.model_validate(data).score == 1.0
    assert TECHFLOW in scenario().accounts
