"""The portfolio and account pages: the CLI's figures, the day they are of, and CRM text rendered inert."""

from __future__ import annotations

from sqlalchemy import select, update

from account_intel.store.models import Activity, Contact
from tests.web.support import Web

PAYLOADS = ('<script>alert("x")</script>', '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">hi</a>')


def test_the_portfolio_page_shows_the_scan_and_the_day_it_is_of(web: Web) -> None:
    web.sign_in("manager")
    page = web.client.get("/")
    assert page.status_code == 200
    assert "As of 2024-11-30, the store&#39;s data date." in page.text  # never today's view of a store dated elsewhere
    for heading in ("Pipeline by type", "By segment", "By priority", "Campaign lists", "Target list"):
        assert heading in page.text
    assert 'href="/accounts/' in page.text  # the target list links to its accounts
    earlier = web.client.get("/?as_of=2024-09-30")
    assert "As of 2024-09-30, the date asked for." in earlier.text


def test_the_account_page_shows_health_whitespace_and_recommendations(web: Web) -> None:
    web.sign_in("AE")
    page = web.client.get("/accounts/RetailCo")  # a name works as on the CLI
    assert page.status_code == 200
    for part in ('id="health"', 'id="whitespace"', 'id="expansion"', 'id="contacts"', "Marketing", "Tom Wilson"):
        assert part in page.text
    missing = web.client.get("/accounts/NOPE-404")
    assert missing.status_code == 404 and "NOPE-404" in missing.text


def test_a_bad_date_is_a_4xx_that_names_the_field(web: Web) -> None:
    web.sign_in("AE")
    bad = web.client.get("/?as_of=30-11-2024")
    assert bad.status_code == 422 and "as_of" in bad.text


def test_crm_text_is_escaped_and_the_page_forbids_inline_script(web: Web) -> None:
    with web.store.transaction() as session:
        activity = session.scalars(select(Activity).where(Activity.account_id == "ACCT-2001").limit(1)).one()
        activity.subject = PAYLOADS[0]
        session.execute(update(Contact).where(Contact.name == "Tom Wilson").values(title=PAYLOADS[1], email=None))
        session.execute(
            update(Contact)
            .where(Contact.account_id == "ACCT-2001", Contact.name != "Tom Wilson")
            .values(title=PAYLOADS[2])
        )
    web.sign_in("AE")
    page = web.client.get("/accounts/ACCT-2001")
    assert page.status_code == 200
    for payload in PAYLOADS:
        assert payload not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
