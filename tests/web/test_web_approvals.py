"""The approval inbox pages: who sees what, who may decide, the decision flow the CLI uses (a paused run resumes),
the edit's diff, and draft text rendered inert."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from account_intel.clock import FixedClock
from account_intel.domain.enums import MessageStatus
from account_intel.runs.brief import run_brief
from account_intel.store.models import AgentRun, Event, MessageApproval, OutboundMessage, User
from tests.web.conftest import AS_OF
from tests.web.drafts import RETAILCO, T1_ACCOUNT, T1_NAME, draft, held
from tests.web.support import Web


def _post(web: Web, path: str, data: dict[str, str] | None = None) -> httpx.Response:
    """A decision form posted as the page posts it, with the session's form token."""
    return web.client.post(path, data={**(data or {}), "csrf_token": web.csrf("/approvals")}, follow_redirects=False)


def test_the_manager_approves_a_t1_draft_from_the_inbox(web: Web) -> None:
    message_id = draft(web, T1_ACCOUNT, evidence_ids=[f"account:{T1_ACCOUNT}:arr", "ticket:T-NOPE"])
    web.sign_in("manager")
    inbox = web.client.get("/approvals")
    assert inbox.status_code == 200 and 'href="/approvals"' in inbox.text  # the nav links to it
    waiting = inbox.text.split('id="waiting"')[1].split('id="others"')[0]
    assert message_id in waiting and f"{T1_NAME} is a T1 account" in waiting
    page = web.client.get(f"/approvals/{message_id}")
    assert page.status_code == 200
    recipients = page.text.split('id="recipients"')[1].split("</section>")[0]
    assert "Sofia Patel" in recipients and "spatel@cedarview-motors.com" in recipients and T1_NAME in recipients
    assert f"{T1_NAME} is a T1 account" in recipients and "<td>yes</td>" in recipients
    evidence = page.text.split('id="evidence"')[1].split("</section>")[0]
    assert f"account:{T1_ACCOUNT}:arr" in evidence and f"{T1_NAME} ARR" in evidence
    assert "ticket:T-NOPE" in evidence and "no longer in the store" in evidence
    for action in ("approve", "edit", "reject"):
        assert f'action="/approvals/{message_id}/{action}"' in page.text
    assert page.text.count('name="csrf_token"') >= 4  # sign-out and the three decision forms

    done = _post(web, f"/approvals/{message_id}/approve", {"note": "Fine to send"})
    assert done.status_code == 303 and done.headers["location"] == f"/approvals/{message_id}?done=approved"
    with web.store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        decision = session.scalars(select(MessageApproval).where(MessageApproval.message_id == message_id)).one()
        manager = session.scalars(select(User).where(User.email == web.logins["manager"].email)).one()
        assert message is not None and message.status == MessageStatus.APPROVED
        assert decision.approver_id == manager.id and decision.note == "Fine to send"
        assert decision.decided_at == web.clock.now()  # the app's clock, never a date from the form
    after = web.client.get(done.headers["location"])
    assert "Approved;" in after.text and f'action="/approvals/{message_id}/approve"' not in after.text
    assert "Fine to send" in after.text
    history = web.client.get("/approvals").text.split('id="history"')[1]
    assert message_id in history and web.logins["manager"].name in history and "Fine to send" in history
    again = _post(web, f"/approvals/{message_id}/approve")
    assert again.status_code == 400 and "already approved" in again.text  # one decision per message


def test_a_decision_in_the_inbox_resumes_the_paused_run_and_it_delivers(web: Web) -> None:
    settings = web.client.app.state.ctx.settings  # type: ignore[attr-defined]
    brief = run_brief(
        store=web.store,
        settings=settings,
        account=T1_ACCOUNT,
        as_of=AS_OF,
        brain="rules",
        out_dir=settings.home / "runs",
        clock=FixedClock.on(AS_OF),
    )
    assert brief.status == "awaiting_approval"
    gated = [d for d in brief.drafts if d["gated"]]
    assert gated
    message_id = gated[0]["message_id"]
    web.sign_in("manager")
    page = web.client.get(f"/approvals/{message_id}")
    assert "awaiting approval" in page.text  # the run that drafted it waits
    evidence = page.text.split('id="evidence"')[1].split("</section>")[0]
    assert all(e in evidence for e in gated[0]["evidence_ids"])  # the draft's citations, recorded when drafted
    done = _post(web, f"/approvals/{message_id}/approve")
    assert done.status_code == 303
    with web.store.transaction() as session:
        assert session.get(OutboundMessage, message_id).status == MessageStatus.SENT  # type: ignore[union-attr]
        run = session.get(AgentRun, brief.thread_id)
        assert run is not None and run.status == "completed"
        kinds = list(session.scalars(select(Event.kind).where(Event.entity_id == message_id).order_by(Event.id)))
        assert kinds[-3:] == ["message.approved", "message.sent", "message.delivered"]
    assert (settings.home / "outbox" / f"{message_id}.eml").exists()
    shown = web.client.get(done.headers["location"]).text
    assert "Approved, and sent." in shown and "completed" in shown


def test_an_edit_is_what_is_sent_and_the_page_shows_what_changed(web: Web) -> None:
    message_id = draft(web, RETAILCO, subject="Marketing seats", body="Hello Tom,\n\nShall we talk seats?\n\nZoe")
    web.sign_in("AE")
    done = _post(
        web,
        f"/approvals/{message_id}/edit",
        {"subject": "Marketing seats for 2025", "body": "Hello Tom,\n\nShall we talk seats in January?\n\nZoe"},
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=edited")
    status, subject, body, decisions, _ = held(web, message_id)
    assert (status, subject, decisions) == ("approved", "Marketing seats for 2025", 1)
    assert body == "Hello Tom,\n\nShall we talk seats in January?\n\nZoe"
    page = web.client.get(done.headers["location"]).text
    changes = page.split('id="changes"')[1].split("</section>")[0]
    assert '<li class="diff-removed"><span class="mark">-</span>Shall we talk seats?</li>' in changes
    assert '<li class="diff-added"><span class="mark">+</span>Shall we talk seats in January?</li>' in changes
    assert '<li class="diff-same"><span class="mark"> </span>Hello Tom,</li>' in changes
    assert '<span class="mark">-</span>Marketing seats</li>' in changes  # the subject's change too
    assert '<span class="mark">+</span>Marketing seats for 2025</li>' in changes
    blank = draft(web, RETAILCO)
    refused = _post(web, f"/approvals/{blank}/edit", {"subject": "Kept", "body": "   "})
    assert refused.status_code == 422 and "body: an edited message needs a body" in refused.text
    assert held(web, blank)[0] == "draft"


def test_a_rejection_needs_a_reason(web: Web) -> None:
    message_id = draft(web, T1_ACCOUNT)
    web.sign_in("manager")
    before = held(web, message_id)
    for data in ({}, {"reason": "   "}):
        refused = _post(web, f"/approvals/{message_id}/reject", data)
        assert refused.status_code == 422 and "reason: a rejection needs a reason" in refused.text
        assert held(web, message_id) == before
    done = _post(web, f"/approvals/{message_id}/reject", {"reason": "Wrong contact for this"})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=rejected")
    assert held(web, message_id)[0] == "rejected"
    page = web.client.get(done.headers["location"]).text
    assert "Rejected: it will not be sent." in page and "Wrong contact for this" in page


def test_a_csm_reads_the_inbox_but_may_not_decide(web: Web) -> None:
    message_id = draft(web, RETAILCO)
    web.sign_in("CSM")
    inbox = web.client.get("/approvals").text
    assert "reads the inbox but does not decide" in inbox
    assert message_id in inbox.split('id="others"')[1] and message_id not in inbox.split('id="others"')[0]
    page = web.client.get(f"/approvals/{message_id}").text
    assert "/approve" not in page and "You may not decide on this message" in page
    assert "is neither the account&#39;s AE nor a manager" in page
    before = held(web, message_id)
    refused = _post(web, f"/approvals/{message_id}/approve")
    assert refused.status_code == 403 and "may not approve, edit, reject or send outreach" in refused.text
    assert held(web, message_id) == before  # nothing recorded, nothing changed


def test_an_ae_decides_only_on_their_own_accounts(web: Web) -> None:
    other = draft(web, T1_ACCOUNT)
    copied = draft(web, RETAILCO, cc="spatel@cedarview-motors.com")  # a Cc to the other AE's T1 account
    mine = draft(web, RETAILCO)
    web.sign_in("AE")
    waiting = web.client.get("/approvals").text.split('id="waiting"')[1].split('id="others"')[0]
    assert mine in waiting and other not in waiting and copied not in waiting
    before = held(web, other)
    refused = _post(web, f"/approvals/{other}/approve")
    assert refused.status_code == 403 and f"for {T1_NAME}: only its AE or a manager may" in refused.text
    assert held(web, other) == before
    page = web.client.get(f"/approvals/{copied}").text
    recipients = page.split('id="recipients"')[1].split("</section>")[0]
    assert f"Sofia Patel is a contact of T1 account {T1_NAME}" in recipients
    refused = _post(web, f"/approvals/{copied}/reject", {"reason": "no"})
    assert refused.status_code == 403 and f"a recipient is a contact of {T1_NAME}" in refused.text
    assert held(web, copied)[0] == "draft"
    assert _post(web, f"/approvals/{mine}/approve").status_code == 303
    assert held(web, mine)[0] == "approved"


def test_a_decision_without_the_form_token_is_refused(web: Web) -> None:
    message_id = draft(web, T1_ACCOUNT)
    web.sign_in("manager")
    before = held(web, message_id)
    for data in ({}, {"csrf_token": "forged"}):
        refused = web.client.post(f"/approvals/{message_id}/approve", data=data, follow_redirects=False)
        assert refused.status_code == 403 and "did not come from this site" in refused.text
    assert held(web, message_id) == before
    web.client.cookies.clear()
    signed_out = web.client.post(f"/approvals/{message_id}/approve", data={}, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")
    assert held(web, message_id) == before


def test_draft_text_is_escaped_on_every_page(web: Web) -> None:
    payload = '<script>alert("x")</script>'
    message_id = draft(web, RETAILCO, subject=f"Hi {payload}", body=f"Body <img src=x onerror=alert(1)> {payload}")
    web.sign_in("AE")
    for path in ("/approvals", f"/approvals/{message_id}"):
        page = web.client.get(path)
        assert page.status_code == 200
        assert payload not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "unsafe-inline" not in page.headers["content-security-policy"]
    done = _post(web, f"/approvals/{message_id}/edit", {"subject": "Hi there", "body": f"Now {payload}"})
    changes = web.client.get(done.headers["location"]).text.split('id="changes"')[1]
    assert payload not in changes and "Now &lt;script&gt;" in changes


def test_an_unknown_message_is_a_404(web: Web) -> None:
    web.sign_in("manager")
    missing = web.client.get("/approvals/MSG-2024-999999")
    assert missing.status_code == 404 and "MSG-2024-999999" in missing.text
