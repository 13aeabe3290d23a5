"""The JSON API: bearer tokens, the permission table, pagination, and 4xx answers that name what is wrong."""

from __future__ import annotations

from sqlalchemy import update

from account_intel.store.models import ApiToken
from tests.web.support import Web


def _auth(web: Web, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {web.tokens[role]}"}


def test_without_a_valid_token_the_api_answers_401_and_says_how_to_get_one(web: Web) -> None:
    none = web.client.get("/api/v1/me")
    assert none.status_code == 401 and "users token create" in none.json()["detail"]
    assert none.headers["www-authenticate"] == "Bearer"
    bad = web.client.get("/api/v1/me", headers={"Authorization": "Bearer ai_nope_nope"})
    assert bad.status_code == 401
    web.sign_in("AE")  # a browser session is not an API credential
    assert web.client.get("/api/v1/me").status_code == 401


def test_a_token_proves_its_user_until_it_is_revoked(web: Web) -> None:
    me = web.client.get("/api/v1/me", headers=_auth(web, "CSM"))
    assert me.status_code == 200 and me.json()["role"] == "csm" and me.json()["email"] == web.logins["CSM"].email
    with web.store.transaction() as session:
        session.execute(update(ApiToken).values(revoked_at=web.clock.now()))
    assert web.client.get("/api/v1/me", headers=_auth(web, "CSM")).status_code == 401


def test_accounts_come_a_page_at_a_time(web: Web) -> None:
    first = web.client.get("/api/v1/accounts?limit=15", headers=_auth(web, "AE")).json()
    assert len(first["items"]) == 15 and first["next_offset"] == 15 and first["total"] >= 40
    ids = [row["id"] for row in first["items"]]
    rest: list[str] = []
    offset = first["next_offset"]
    while offset is not None:
        page = web.client.get(f"/api/v1/accounts?limit=15&offset={offset}", headers=_auth(web, "AE")).json()
        rest += [row["id"] for row in page["items"]]
        offset = page["next_offset"]
    assert len(set(ids + rest)) == first["total"]  # every account once
    bad = web.client.get("/api/v1/accounts?limit=0", headers=_auth(web, "AE"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limit"]


def test_an_account_its_analysis_and_the_portfolio_are_the_clis_figures_with_their_day(web: Web) -> None:
    account = web.client.get("/api/v1/accounts/ACCT-2001", headers=_auth(web, "AE")).json()
    assert account["as_of"] == "2024-11-30" and account["as_of_source"] == "the store's data date"
    assert account["profile"]["name"] == "RetailCo"
    analysis = web.client.get("/api/v1/accounts/RetailCo/analysis?as_of=2024-11-30", headers=_auth(web, "AE")).json()
    assert analysis["as_of_source"] == "the date asked for"
    opportunities = analysis["analysis"]["opportunities"]
    counted = [o for o in opportunities if o["in_totals"]]
    total = sum(float(o["counted"]["value"]) for o in counted if o["counted"])
    assert abs(total - float(analysis["analysis"]["total_potential"])) < 0.01  # parts add up to the total
    portfolio = web.client.get("/api/v1/portfolio", headers=_auth(web, "manager")).json()["report"]
    assert portfolio["active_accounts"] > 0 and portfolio["types"]
    missing = web.client.get("/api/v1/accounts/NOPE-404", headers=_auth(web, "AE"))
    assert missing.status_code == 404 and "NOPE-404" in missing.json()["detail"]


def test_the_openapi_document_lists_the_routes(web: Web) -> None:
    spec = web.client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/accounts", "/api/v1/accounts/{ref}", "/api/v1/portfolio"} <= set(spec["paths"])
    assert not any(path.startswith("/sign-in") for path in spec["paths"])
