"""In a real browser: signing in, being sent to sign in, and CRM text that never runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from account_intel.store.models import Activity, Contact
from tests.browser.conftest import Site


def sign_in(page: Any, site: Site, role: str, path: str = "/") -> None:
    """Sign in through the form as the demo's `role`."""
    page.goto(site.url + path)
    page.fill("input[name=email]", site.logins[role].email)
    page.fill("input[name=password]", site.logins[role].password)
    page.click("button[type=submit]")


def test_a_signed_out_visitor_is_sent_to_sign_in_and_the_demo_ae_signs_in(page: Any, site: Site) -> None:
    page.goto(site.url + "/accounts/ACCT-2001")
    assert page.url.startswith(site.url + "/sign-in?next=/accounts/ACCT-2001")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("input[name=email]", site.logins["AE"].email)
    page.fill("input[name=password]", site.logins["AE"].password)
    page.click("button[type=submit]")
    assert page.url == site.url + "/accounts/ACCT-2001"
    assert "RetailCo" in page.locator("h1").inner_text()
    assert site.logins["AE"].name in page.locator("header").inner_text()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["ai_session"]["httpOnly"] is True
    assert page.evaluate("document.cookie").find("ai_session") == -1  # script cannot read the session


def test_a_wrong_password_shows_the_refusal_and_no_session(page: Any, site: Site) -> None:
    page.goto(site.url + "/sign-in")
    page.fill("input[name=email]", site.logins["CSM"].email)
    page.fill("input[name=password]", "certainly not the password")
    page.click("button[type=submit]")
    assert "do not match a user who may sign in" in page.locator(".error").inner_text()
    assert "ai_session" not in {c["name"] for c in page.context.cookies()}


def test_script_planted_in_crm_text_never_runs(page: Any, site: Site) -> None:
    with site.store.transaction() as session:
        activity = session.scalars(select(Activity).where(Activity.account_id == "ACCT-2001").limit(1)).one()
        activity.subject = "<script>window.__xss = 'script'</script>"
        session.execute(
            update(Contact)
            .where(Contact.name == "Tom Wilson")
            .values(title="<img src=x onerror=\"window.__xss='img'\">")
        )
        session.execute(
            update(Contact)
            .where(Contact.account_id == "ACCT-2001", Contact.name != "Tom Wilson")
            .values(title='<a id="js" href="javascript:window.__xss=\'link\'">open</a>')
        )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, site, "AE", "/accounts/ACCT-2001")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss === undefined")
    assert "<script>window.__xss" in page.locator("#activity").inner_text()  # shown as text
    assert page.locator("#contacts a#js").count() == 0  # the link is text, not an element
    assert not dialogs
