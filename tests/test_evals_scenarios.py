"""Eval datasets: at least 30 scenarios that pass the schema, cover every trigger and play, and load errors that
name the file, the scenario and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from account_intel.evals.scenario import (
    SCHEMA_FILE,
    Dataset,
    ScenarioError,
    load_dataset,
    load_scenarios,
    scenario_schema,
)

EVALS = Path(__file__).resolve().parents[1] / "evals"

TRIGGERS = {
    "usage_80",
    "usage_90",
    "usage_95",
    "usage_spike",
    "new_department_contact",
    "nps_promoter",
    "csat_rise",
    "renewal_180",
    "qbr_d30",
    "org_executive_change",
    "org_funding",
    "org_acquisition",
    "org_new_office",
    "org_hiring",
    "whitespace_detected",
    "health_decline",
}
PLAYS = {
    "seat_expansion",
    "tier_upgrade",
    "cross_sell",
    "land_and_expand",
    "upsell",
    "platform",
    "rescue",
    "multithreading",
    "churned",
    "t1_strategic",
    "geographic_expansion",
}
HARD = {
    "free_text_only",
    "contradictory",
    "missing_data",
    "champion_left",
    "prompt_injection",
    "do_not_contact",
    "tiny_account",
    "huge_account",
}


def test_at_least_30_scenarios_over_several_files_pass_the_schema() -> None:
    loaded = load_scenarios(EVALS / "datasets")
    assert len(loaded) >= 30
    assert {s.dataset for s in loaded} >= {"stories.yaml", "triggers.yaml", "plays.yaml", "hard_cases.yaml"}


def test_every_trigger_play_and_hard_case_is_covered() -> None:
    tags = {tag for s in load_scenarios(EVALS / "datasets") for tag in s.scenario.covers}
    assert {f"trigger:{t}" for t in TRIGGERS} <= tags
    assert {f"play:{p}" for p in PLAYS} <= tags
    assert {f"hard:{h}" for h in HARD} <= tags
    assert {"story:techflow", "story:retailco", "question:qbr", "question:portfolio"} <= tags


def test_free_text_only_expectations_are_marked_as_needing_a_model() -> None:
    free_text = [s.scenario for s in load_scenarios(EVALS / "datasets") if "hard:free_text_only" in s.scenario.covers]
    assert len(free_text) >= 3
    for scenario in free_text:
        needs = [m.needs for m in scenario.expect.mentions] + [scenario.expect.opportunities.top_needs]
        assert "llm" in needs, scenario.id


def test_the_smoke_set_has_its_cassettes() -> None:
    smoke = [s.scenario.id for s in load_scenarios(EVALS / "datasets") if s.scenario.smoke]
    assert 2 <= len(smoke) <= 4
    for scenario_id in smoke:
        assert (EVALS / "cassettes" / "smoke" / f"{scenario_id}.json").is_file(), scenario_id


def test_the_committed_schema_is_the_models_schema() -> None:
    committed = json.loads((EVALS / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert committed == scenario_schema() == Dataset.model_json_schema()
    assert "Scenario" in committed["$defs"]


def test_a_bad_field_is_named_with_file_scenario_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "scenarios:\n"
        "  - id: bad-one\n"
        "    title: t\n"
        "    covers: [x]\n"
        "    question: {text: q, account: ACCT-3421}\n"
        "    fixture: {patches: [{op: set_nps, score: 11}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_dataset(path)
    message = str(err.value)
    assert str(path) in message and "scenario 'bad-one'" in message and "fixture.patches[0]" in message


def test_an_unknown_patch_op_and_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "scenarios:\n  - {id: dup-one, title: t, covers: [x], question: {text: q, account: ACCT-3421}}\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "scenarios:\n  - {id: dup-one, title: t, covers: [x], question: {text: q, account: ACCT-3421}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"already defined in a\.yaml"):
        load_scenarios(tmp_path)
    (tmp_path / "b.yaml").write_text(
        "scenarios:\n  - {id: other, title: t, covers: [x], question: {text: q, account: A},"
        " fixture: {patches: [{op: delete_everything}]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"scenario 'other': fixture\.patches"):
        load_scenarios(tmp_path)
