from __future__ import annotations

from datetime import date
from decimal import Decimal

from account_intel.agents.grounding import check_claim, check_figure, check_text
from account_intel.agents.schemas import Claim, Figure
from account_intel.analytics.evidence import row_evidence, usage_evidence
from account_intel.tools.context import EvidenceSink


def _sink() -> EvidenceSink:
    sink = EvidenceSink()
    sink.add_evidence(
        [
            usage_evidence("ACCT-1", "api_calls", date(2024, 11, 1), 950000),
            row_evidence("ticket", "T-1", "severity", "high"),
        ]
    )
    sink.numbers.update({Decimal("18000"), Decimal("85000.00"), Decimal("0.5833"), Decimal("1.45"), Decimal("12")})
    return sink


def test_written_numbers_must_be_tool_values_at_their_precision() -> None:
    sink = _sink()
    allowed = set(sink.numbers)
    assert check_text("Marketing seats worth $18K; ARR $85,000; 58% adoption; NRR 145%; 12 hires", allowed, "x") == []
    issues = check_text("Potential of $99K and 73% growth", allowed, "x")
    assert [i.detail for i in issues] == [
        "'$99K' is not a value any tool returned",
        "'73%' is not a value any tool returned",
    ]
    assert check_text("Renewal on 2025-05-31 for ACCT-3421 in FY2025", allowed, "x") == []


def test_figures_need_a_tool_value_or_a_named_formula() -> None:
    sink = _sink()
    assert check_figure(Figure(label="ARR", value=Decimal("85000"), unit="usd"), sink, "f") == []
    assert (
        check_figure(
            Figure(
                label="x",
                value=Decimal("103000"),
                unit="usd",
                formula="sum",
                inputs=[Decimal("85000"), Decimal("18000")],
            ),
            sink,
            "f",
        )
        == []
    )
    wrong = check_figure(
        Figure(
            label="x", value=Decimal("104000"), unit="usd", formula="sum", inputs=[Decimal("85000"), Decimal("18000")]
        ),
        sink,
        "f",
    )
    assert wrong[0].kind == "bad_formula"
    made_up = check_figure(Figure(label="x", value=Decimal("99000"), unit="usd"), sink, "f")
    assert made_up[0].kind == "ungrounded_number"
    assert (
        check_figure(
            Figure(label="x", value=Decimal("1"), unit="usd", formula="magic", inputs=[Decimal(1)]), sink, "f"
        )[0].kind
        == "unknown_formula"
    )


def test_claims_cite_evidence_from_this_run() -> None:
    sink = _sink()
    ok = Claim(text="API calls at 950,000 this month", evidence_ids=["usage:ACCT-1:api_calls:2024-11"])
    sink.numbers.add(Decimal(950000))
    assert check_claim(ok, sink, "c") == []
    bad = Claim(text="Escalations rising", evidence_ids=["ticket:T-404"])
    assert check_claim(bad, sink, "c")[0].kind == "unknown_evidence"
