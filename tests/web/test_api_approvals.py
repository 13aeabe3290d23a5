"""The approval actions in the JSON API: what waits for the token's user, one message, approve, edit and reject,
with the permission table per role, 422s that name the field, and no way to send."""

from __future__ import annotations

from account_intel.domain.enums import RecipientKind
from tests.web.drafts import RETAILCO, T1_ACCOUNT, T1_NAME, draft, held
from tests.web.support import Web


def _auth(web: Web, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {web.tokens[role]}"}


def test_pending_drafts_come_a_page_at_a_time_for_the_tokens_user(web: Web) -> None:
    t1 = [draft(web, T1_ACCOUNT, subject=f"Note {n}") for n in range(3)]
    retailco = draft(web, RETAILCO)
    first = web.client.get("/api/v1/approvals?limit=2", headers=_auth(web, "manager")).json()
    assert first["total"] == 4 and [m["id"] for m in first["items"]] == t1[:2] and first["next_offset"] == 2
    rest = web.client.get("/api/v1/approvals?limit=2&offset=2", headers=_auth(web, "manager")).json()
    assert [m["id"] for m in rest["items"]] == [t1[2], retailco] and rest["next_offset"] is None
    assert rest["items"][0]["gate_reasons"] == [f"{T1_NAME} is a T1 account"]
    ae = web.client.get("/api/v1/approvals", headers=_auth(web, "AE")).json()
    assert [m["id"] for m in ae["items"]] == [retailco]  # only the drafts to their own accounts
    csm = web.client.get("/api/v1/approvals", headers=_auth(web, "CSM")).json()
    assert csm["total"] == 0 and csm["items"] == []
    bad = web.client.get("/api/v1/approvals?limit=0", headers=_auth(web, "manager"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limit"]
    assert web.client.get("/api/v1/approvals").status_code == 401


def test_a_message_says_who_it_goes_to_why_it_is_gated_and_whether_you_may_decide(web: Web) -> None:
    message_id = draft(web, RETAILCO, cc="spatel@cedarview-motors.com", evidence_ids=[f"account:{RETAILCO}:arr"])
    shown = web.client.get(f"/api/v1/approvals/{message_id}", headers=_auth(web, "manager")).json()
    assert shown["open"] and shown["may_decide"] and shown["why_not"] is None
    by_address = {r["address"]: r for r in shown["recipients"]}
    assert by_address["twilson@retailco.com"]["account_name"] == "RetailCo"
    assert not by_address["twilson@retailco.com"]["gated"]
    cc = by_address["spatel@cedarview-motors.com"]
    assert cc["kind"] == RecipientKind.CC.value and cc["gated"] and cc["account_id"] == T1_ACCOUNT
    assert cc["reasons"] == [
        f"Sofia Patel is a contact of T1 account {T1_NAME}",
        f"{T1_NAME} is a T1 account (policy rule 't1-accounts')",  # the policy file's rule says it too
    ]
    reasons = set(shown["message"]["gate_reasons"])
    assert all(set(r["reasons"]) <= reasons for r in shown["recipients"])  # the page's words are the gate's
    assert shown["evidence"] == [{"id": f"account:{RETAILCO}:arr", "names": "RetailCo ARR", "found": True}]
    ae = web.client.get(f"/api/v1/approvals/{message_id}", headers=_auth(web, "AE")).json()
    assert not ae["may_decide"] and f"a recipient is a contact of {T1_NAME}" in ae["why_not"]
    missing = web.client.get("/api/v1/approvals/MSG-2024-999999", headers=_auth(web, "AE"))
    assert missing.status_code == 404 and "MSG-2024-999999" in missing.json()["detail"]


def test_the_manager_approves_with_a_token(web: Web) -> None:
    message_id = draft(web, T1_ACCOUNT)
    done = web.client.post(
        f"/api/v1/approvals/{message_id}/approve", json={"note": "Good"}, headers=_auth(web, "manager")
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["outcome"]["decision"] == "approved" and body["outcome"]["message"]["status"] == "approved"
    assert body["approver_name"] == web.logins["manager"].name and body["thread"] is None
    status, subject, _, decisions, _ = held(web, message_id)
    assert (status, subject, decisions) == ("approved", "A next step on your plan", 1)
    again = web.client.post(f"/api/v1/approvals/{message_id}/approve", headers=_auth(web, "manager"))
    assert again.status_code == 400 and "already approved" in again.json()["detail"]


def test_an_edit_takes_a_body_and_the_message_shows_the_diff(web: Web) -> None:
    message_id = draft(web, RETAILCO, subject="Seats", body="Hello Tom,\nShall we talk?")
    missing = web.client.post(f"/api/v1/approvals/{message_id}/edit", json={}, headers=_auth(web, "AE"))
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "body"]
    done = web.client.post(
        f"/api/v1/approvals/{message_id}/edit",
        json={"body": "Hello Tom,\nShall we talk in January?", "subject": "Seats for 2025"},
        headers=_auth(web, "AE"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["outcome"]["decision"] == "edited"
    assert held(web, message_id)[:3] == ("approved", "Seats for 2025", "Hello Tom,\nShall we talk in January?")
    shown = web.client.get(f"/api/v1/approvals/{message_id}", headers=_auth(web, "CSM")).json()
    changes = {c["part"]: c["lines"] for c in shown["changes"]}
    assert changes["body"] == [
        {"change": "same", "text": "Hello Tom,"},
        {"change": "removed", "text": "Shall we talk?"},
        {"change": "added", "text": "Shall we talk in January?"},
    ]
    assert changes["subject"] == [
        {"change": "removed", "text": "Seats"},
        {"change": "added", "text": "Seats for 2025"},
    ]
    assert not shown["open"] and not shown["may_decide"]


def test_a_rejection_needs_a_reason(web: Web) -> None:
    message_id = draft(web, T1_ACCOUNT)
    before = held(web, message_id)
    for payload in ({}, {"reason": "   "}, {"note": "a note is not a reason"}):
        refused = web.client.post(f"/api/v1/approvals/{message_id}/reject", json=payload, headers=_auth(web, "manager"))
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "reason"]
    assert held(web, message_id) == before
    done = web.client.post(
        f"/api/v1/approvals/{message_id}/reject", json={"reason": "Not now"}, headers=_auth(web, "manager")
    )
    assert done.status_code == 200 and done.json()["outcome"]["message"]["status"] == "rejected"
    decisions = done.json()["outcome"]["message"]["decisions"]
    assert decisions[0]["note"] == "Not now" and decisions[0]["approver_name"] == web.logins["manager"].name


def test_each_role_is_refused_what_it_may_not_decide(web: Web) -> None:
    retailco = draft(web, RETAILCO)
    other = draft(web, T1_ACCOUNT)
    copied = draft(web, RETAILCO, cc="spatel@cedarview-motors.com")
    cases = [
        ("CSM", retailco, "approve", {}, "may not approve, edit, reject or send outreach"),
        ("CSM", retailco, "reject", {"reason": "no"}, "may not approve, edit, reject or send outreach"),
        ("AE", other, "approve", {}, f"for {T1_NAME}: only its AE or a manager may"),
        ("AE", other, "edit", {"body": "Changed"}, f"for {T1_NAME}: only its AE or a manager may"),
        ("AE", copied, "approve", {}, f"a recipient is a contact of {T1_NAME}"),
    ]
    for role, message_id, action, payload, says in cases:
        before = held(web, message_id)
        refused = web.client.post(f"/api/v1/approvals/{message_id}/{action}", json=payload, headers=_auth(web, role))
        assert refused.status_code == 403 and says in refused.json()["detail"], (role, action, refused.text)
        assert held(web, message_id) == before  # nothing recorded, nothing changed
    assert web.client.post(f"/api/v1/approvals/{retailco}/approve", headers=_auth(web, "AE")).status_code == 200
    assert web.client.post(f"/api/v1/approvals/{copied}/approve", headers=_auth(web, "manager")).status_code == 200


def test_the_api_decides_but_does_not_send(web: Web) -> None:
    spec = web.client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/approvals",
        "/api/v1/approvals/{message_id}",
        "/api/v1/approvals/{message_id}/approve",
        "/api/v1/approvals/{message_id}/edit",
        "/api/v1/approvals/{message_id}/reject",
    } <= paths
    assert not any("send" in path for path in paths)
    message_id = draft(web, RETAILCO)
    assert web.client.post(f"/api/v1/approvals/{message_id}/send", headers=_auth(web, "AE")).status_code in (404, 405)
    assert held(web, message_id)[0] == "draft"
