"""In a real browser: an AE turns RetailCo's Marketing mention into a won expansion through the modal, a manager
approves a T1 draft in the inbox, and a CSM cannot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from account_intel.store.models import Contact, OutboundMessage
from account_intel.store.outbound import draft_message
from tests.browser.conftest import Site
from tests.browser.test_browser_sign_in import sign_in

T1_ACCOUNT = "ACCT-1002"  # a T1 account of the demo: mail to its contacts waits for a person


def _t1_draft(site: Site) -> str:
    with site.store.transaction() as session:
        contact = session.scalars(
            select(Contact).where(Contact.account_id == T1_ACCOUNT, Contact.email.is_not(None)).order_by(Contact.id)
        ).first()
        assert contact is not None
        message = draft_message(
            session, account_id=T1_ACCOUNT, contact_id=contact.id, subject="Your plan next year",
            body="Hello,\n\nCould we talk next week?\n\nBest", at=site.clock.now(), created_by="agent", origin="agent",
        )  # fmt: skip
        return message.id


def test_the_ae_creates_the_marketing_opportunity_in_the_modal_and_wins_it(page: Any, site: Site) -> None:
    sign_in(page, site, "AE", "/accounts/ACCT-2001")
    page.click("text=Create expansion opportunity")
    page.wait_for_selector("dialog[open]")  # the form opens over the account page
    dialog = page.locator("dialog[open]")
    assert page.url == site.url + "/accounts/ACCT-2001"
    dialog.locator("input[name=name]").fill("Marketing Department Staffing")
    dialog.locator("select[name=type]").select_option("new_department")
    dialog.locator("input[name=estimated_value]").fill("150000")
    dialog.locator("select[name=source]").select_option("client_mention")
    dialog.locator("input[name=source_contact]").fill("Tom Wilson")
    dialog.locator("input[name=champion]").fill("Tom Wilson")
    dialog.locator("input[name=decision_maker]").fill("TBD")
    dialog.locator("input[name=expected_close_date]").fill("2024-12-31")
    dialog.locator("button[type=submit]").click()
    page.wait_for_url(f"{site.url}/opportunities/**")
    assert "Marketing Department Staffing" in page.locator("h1").inner_text()
    for stage in ("qualified", "proposal", "negotiation", "verbal_agreement"):
        page.select_option("form[action$='/move'] select[name=stage]", stage)
        page.click("form[action$='/move'] button[type=submit]")
        page.wait_for_load_state("load")
    page.fill("form[action$='/win'] input[name=closed_value]", "180000")
    page.click("form[action$='/win'] button[type=submit]")
    page.wait_for_load_state("load")
    assert "$340K to $520K" in page.content() and "T2 to T1" in page.content()
    page.goto(site.url + "/accounts/ACCT-2001")
    figures = page.locator(".figures").inner_text()
    assert "$520K" in figures and "T1" in figures


def test_a_manager_approves_a_t1_draft_in_the_inbox(page: Any, site: Site) -> None:
    message_id = _t1_draft(site)
    sign_in(page, site, "manager", "/approvals")
    page.click(f"a[href='/approvals/{message_id}']")
    assert "T1" in page.content()
    page.click("form[action$='/approve'] button[type=submit]")
    page.wait_for_load_state("load")
    with site.store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None and message.status.value in ("approved", "sent")


def test_a_csm_sees_no_approve_button_and_a_forged_approval_is_refused(page: Any, site: Site) -> None:
    message_id = _t1_draft(site)
    sign_in(page, site, "CSM", f"/approvals/{message_id}")
    assert page.locator("form[action$='/approve'] button").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"{site.url}/approvals/{message_id}/approve", form={"csrf_token": token or ""})
    assert answer.status == 403
    with site.store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None and message.status.value == "draft"
