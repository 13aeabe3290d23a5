"""The pipeline in the JSON API: `opp create|move|win|lose|list|show` over HTTP, with the CLI's messages, the
permission table per role, and pages of opportunities."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from account_intel.store.models import Opportunity
from tests.web.support import Web

RETAILCO = "ACCT-2001"
MARKETING = {
    "name": "Marketing Department Staffing",
    "type": "new_department",
    "estimated_value": 150000,
    "source": "client_mention",
    "source_contact": "Tom Wilson",
    "champion": "Tom Wilson",
    "decision_maker": "TBD",
    "decision_maker_note": "Likely VP Marketing or Procurement",
    "expected_close_date": "2024-12-31",
    "target_departments": ["Marketing", "Digital Marketing"],
}


def _auth(web: Web, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {web.tokens[role]}"}


def _count(web: Web) -> int:
    with web.store.transaction() as session:
        return session.scalar(select(func.count()).select_from(Opportunity)) or 0


def _create(web: Web, role: str = "AE", **overrides: object) -> dict:
    created = web.client.post(
        f"/api/v1/accounts/{RETAILCO}/opportunities", json={**MARKETING, **overrides}, headers=_auth(web, role)
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_the_retailco_story_over_the_api_wins_520k_arr_and_t1(web: Web) -> None:
    opp = _create(web, at="2024-11-30")
    assert (opp["stage"], opp["probability"], opp["account_name"]) == ("identified", 40, "RetailCo")
    assert opp["decision_maker"] is None and opp["decision_maker_note"] == "Likely VP Marketing or Procurement"
    assert opp["champion"]["name"] == "Tom Wilson" and opp["created_at"].startswith("2024-11-30")
    exp = opp["id"]
    for stage, on, probability in (
        ("qualified", "2024-12-02", 25),
        ("proposal", "2024-12-09", 60),
        ("negotiation", "2024-12-12", 75),
        ("verbal_agreement", "2024-12-17", 90),
    ):
        moved = web.client.post(
            f"/api/v1/opportunities/{exp}/move", json={"stage": stage, "at": on}, headers=_auth(web, "AE")
        )
        assert moved.status_code == 200 and moved.json()["probability"] == probability
    won = web.client.post(
        f"/api/v1/opportunities/{exp}/win",
        json={"closed_value": "180000", "at": "2024-12-22"},
        headers=_auth(web, "AE"),
    ).json()
    assert (won["old_arr"], won["new_arr"]) == ("340000.00", "520000.00")
    assert (won["old_tier"], won["new_tier"], won["nrr_contribution_pct"]) == ("T2", "T1", "153")
    assert won["days_to_close"] == 22 and won["amendment"] and won["close_date"] == "2024-12-22"
    assert {"kickoff", "delivery_owner", "first_roles", "check_ins", "qbr"} <= {t["kind"] for t in won["tasks"]}
    profile = web.client.get("/api/v1/accounts/RetailCo?as_of=2024-12-22", headers=_auth(web, "AE")).json()
    assert (profile["profile"]["arr"], profile["profile"]["tier"]) == ("520000.00", "T1")
    shown = web.client.get(f"/api/v1/opportunities/{exp}", headers=_auth(web, "CSM")).json()  # a CSM reads
    assert shown["stage"] == "closed_won" and shown["closed_value"] == "180000.00"
    assert [h["to_stage"] for h in shown["stage_history"]] == [
        "identified",
        "qualified",
        "proposal",
        "negotiation",
        "verbal_agreement",
        "closed_won",
    ]


def test_bad_input_is_a_4xx_with_the_clis_message_naming_the_field(web: Web) -> None:
    before = _count(web)
    url = f"/api/v1/accounts/{RETAILCO}/opportunities"
    bad = web.client.post(url, json={**MARKETING, "name": " ", "estimated_value": "0"}, headers=_auth(web, "AE"))
    assert bad.status_code == 422
    assert bad.json()["detail"] == (
        "Failed to create opportunity. Check required fields. Name is required. "
        "Estimated value must be a positive number."
    )
    wrong_type = web.client.post(url, json={**MARKETING, "type": "upsell"}, headers=_auth(web, "AE"))
    assert wrong_type.status_code == 422 and "Type must be one of new_department" in wrong_type.json()["detail"]
    unknown = web.client.post(url, json={**MARKETING, "budget": 1}, headers=_auth(web, "AE"))
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "budget"]
    date = web.client.post(url, json={**MARKETING, "expected_close_date": "31-12-2024"}, headers=_auth(web, "AE"))
    assert date.status_code == 422 and date.json()["detail"][0]["loc"] == ["body", "expected_close_date"]
    contact = web.client.post(url, json={**MARKETING, "decision_maker": "Nobody Here"}, headers=_auth(web, "AE"))
    assert contact.status_code == 404 and contact.json()["detail"].startswith("Decision maker contact not found")
    missing = web.client.post("/api/v1/accounts/NOPE-404/opportunities", json=MARKETING, headers=_auth(web, "AE"))
    assert missing.status_code == 404 and "NOPE-404" in missing.json()["detail"]
    assert _count(web) == before

    exp = _create(web)["id"]
    skip = web.client.post(f"/api/v1/opportunities/{exp}/move", json={"stage": "proposal"}, headers=_auth(web, "AE"))
    assert skip.status_code == 400 and skip.json()["detail"] == "Cannot move to Proposal without Qualified stage."
    stage = web.client.post(f"/api/v1/opportunities/{exp}/move", json={"stage": "done"}, headers=_auth(web, "AE"))
    assert stage.status_code == 422 and "Stage must be one of identified" in stage.json()["detail"]
    lose = web.client.post(f"/api/v1/opportunities/{exp}/lose", json={}, headers=_auth(web, "AE"))
    assert lose.status_code == 422 and "A loss reason is required" in lose.json()["detail"]
    nowhere = web.client.post("/api/v1/opportunities/EXP-1999-0001/win", json={}, headers=_auth(web, "AE"))
    assert nowhere.status_code == 404 and "EXP-1999-0001" in nowhere.json()["detail"]


@pytest.mark.parametrize(("role", "allowed"), [("AE", True), ("manager", True), ("CSM", False)])
def test_each_role_works_the_pipeline_as_the_permission_table_says(web: Web, role: str, allowed: bool) -> None:
    before = _count(web)
    created = web.client.post(f"/api/v1/accounts/{RETAILCO}/opportunities", json=MARKETING, headers=_auth(web, role))
    if not allowed:
        assert created.status_code == 403 and "(csm) may not work the pipeline" in created.json()["detail"]
        assert _count(web) == before
        exp = _create(web, "AE")["id"]
        for action, body in (("move", {"stage": "qualified"}), ("win", {}), ("lose", {"reason": "budget"})):
            refused = web.client.post(f"/api/v1/opportunities/{exp}/{action}", json=body, headers=_auth(web, role))
            assert refused.status_code == 403, action
        with web.store.transaction() as session:
            opportunity = session.get(Opportunity, exp)
            assert opportunity is not None and opportunity.stage.value == "identified"
        return
    assert created.status_code == 201
    exp = created.json()["id"]
    moved = web.client.post(f"/api/v1/opportunities/{exp}/move", json={"stage": "qualified"}, headers=_auth(web, role))
    assert moved.status_code == 200
    lost = web.client.post(
        f"/api/v1/opportunities/{exp}/lose", json={"reason": "timing", "note": "next year"}, headers=_auth(web, role)
    )
    assert lost.status_code == 200 and lost.json()["follow_up"]["due_date"] == "2025-02-28"
    assert web.client.post(f"/api/v1/opportunities/{exp}/move", json={}, headers={}).status_code == 401


def test_opportunities_come_a_page_at_a_time_and_filter_like_opp_list(web: Web) -> None:
    exp = _create(web)["id"]
    _create(web, name="Store openings", type="new_location", estimated_value="60000")
    everything = web.client.get("/api/v1/opportunities?limit=500", headers=_auth(web, "CSM")).json()
    total = everything["total"]
    assert total == len(everything["items"]) >= 3 and everything["next_offset"] is None
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = web.client.get(f"/api/v1/opportunities?limit=7&offset={offset}", headers=_auth(web, "CSM")).json()
        seen += [row["id"] for row in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == total  # every opportunity once
    stages = [row["stage"] for row in everything["items"]]
    closed = [s in ("closed_won", "closed_lost") for s in stages]
    assert closed == sorted(closed)  # open first, as `opp list`

    mine = web.client.get(
        f"/api/v1/opportunities?account=RetailCo&type=new-department&open=true&owner={web.logins['AE'].email}",
        headers=_auth(web, "AE"),
    ).json()
    assert [row["id"] for row in mine["items"]] == [exp]
    identified = web.client.get("/api/v1/opportunities?stage=Identified", headers=_auth(web, "AE")).json()
    assert exp in [row["id"] for row in identified["items"]]
    assert {row["stage"] for row in identified["items"]} == {"identified"}

    bad_type = web.client.get("/api/v1/opportunities?type=upsell", headers=_auth(web, "AE"))
    assert bad_type.status_code == 422 and bad_type.json()["detail"].startswith("Invalid filter. Type must be one of")
    bad_owner = web.client.get("/api/v1/opportunities?owner=nobody", headers=_auth(web, "AE"))
    assert bad_owner.status_code == 404 and bad_owner.json()["detail"].startswith("Owner 'nobody'")
    bad_limit = web.client.get("/api/v1/opportunities?limit=0", headers=_auth(web, "AE"))
    assert bad_limit.status_code == 422 and bad_limit.json()["detail"][0]["loc"] == ["query", "limit"]
    assert web.client.get("/api/v1/opportunities").status_code == 401
