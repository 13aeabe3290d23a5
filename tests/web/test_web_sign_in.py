"""Sign-in, sessions and form tokens: who may see the pages, and what a cross-site form or a guesser gets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from account_intel.auth.passwords import MAX_FAILURES
from account_intel.auth.web_sessions import IDLE
from account_intel.store.models import SignInAttempt, User, WebSession
from tests.web.support import Web


def test_a_signed_out_visitor_is_sent_to_sign_in_and_comes_back_where_they_were_going(web: Web) -> None:
    page = web.client.get("/accounts/ACCT-2001", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/sign-in?next=/accounts/ACCT-2001"
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    signed = web.sign_in("AE", next_path="/accounts/ACCT-2001")
    assert signed.status_code == 303 and signed.headers["location"] == "/accounts/ACCT-2001"
    cookie = signed.headers["set-cookie"]
    assert "ai_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; behind TLS the cookie is Secure
    account = web.client.get("/accounts/ACCT-2001")
    assert account.status_code == 200 and "RetailCo" in account.text and web.logins["AE"].name in account.text


def test_the_session_cookie_is_secure_over_tls(web: Web) -> None:
    page = web.client.get("https://127.0.0.1/sign-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    login = web.logins["AE"]
    signed = web.client.post(
        "https://127.0.0.1/sign-in",
        data={"email": login.email, "password": login.password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and "Secure" in signed.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_refusal(web: Web) -> None:
    wrong = web.sign_in("AE", password="not the password at all")
    assert wrong.status_code == 401 and "do not match a user who may sign in" in wrong.text
    assert "ai_session" not in wrong.headers.get("set-cookie", "")
    web.logins["AE"] = web.logins["AE"].model_copy(update={"email": "nobody@example.com"})
    unknown = web.sign_in("AE")
    assert unknown.status_code == 401 and "do not match a user who may sign in" in unknown.text


def test_guessing_is_rate_limited_per_address_and_the_attempts_are_kept(web: Web) -> None:
    for _ in range(MAX_FAILURES):
        assert web.sign_in("CSM", password="guess guess guess").status_code == 401
    blocked = web.sign_in("CSM")  # the right password, too late
    assert blocked.status_code == 401 and "Too many failed sign-ins" in blocked.text
    with web.store.transaction() as session:
        rows = session.scalars(select(SignInAttempt).where(SignInAttempt.email == web.logins["CSM"].email)).all()
    assert len(rows) == MAX_FAILURES + 1 and not any(r.succeeded for r in rows)
    assert web.sign_in("AE").status_code == 303  # another address is not locked out
    web.clock.advance(timedelta(minutes=16))
    assert web.sign_in("CSM").status_code == 303  # the window passed


def test_a_sign_in_form_posted_from_elsewhere_is_refused(web: Web) -> None:
    login = web.logins["AE"]
    web.client.cookies.clear()
    forged = web.client.post(
        "/sign-in", data={"email": login.email, "password": login.password, "csrf_token": "x"}, follow_redirects=False
    )
    assert forged.status_code == 400 and "ai_session" not in forged.headers.get("set-cookie", "")


def test_next_never_leaves_the_site(web: Web) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        signed = web.sign_in("AE", next_path=target)
        assert signed.headers["location"] == "/"


def test_state_changing_requests_need_the_session_form_token(web: Web) -> None:
    web.sign_in("manager")
    refused = web.client.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    assert web.client.get("/", follow_redirects=False).status_code == 200  # still signed in
    out = web.client.post("/sign-out", data={"csrf_token": web.csrf()}, follow_redirects=False)
    assert out.status_code == 303
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_the_htmx_header_carries_the_form_token_too(web: Web) -> None:
    web.sign_in("manager")
    token = web.csrf()
    out = web.client.post("/sign-out", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert out.status_code == 303


def test_a_session_ends_when_idle_and_when_its_user_is_deactivated(web: Web) -> None:
    web.sign_in("AE")
    web.clock.advance(IDLE - timedelta(minutes=1))
    assert web.client.get("/", follow_redirects=False).status_code == 200  # and touched: idle time restarts
    web.clock.advance(IDLE - timedelta(minutes=1))
    assert web.client.get("/", follow_redirects=False).status_code == 200
    web.clock.advance(IDLE)
    assert web.client.get("/", follow_redirects=False).status_code == 303
    web.sign_in("AE")
    with web.store.transaction() as session:
        session.execute(update(User).where(User.email == web.logins["AE"].email).values(active=False))
    assert web.client.get("/", follow_redirects=False).status_code == 303
    assert web.sign_in("AE").status_code == 401  # a deactivated user cannot sign in again


def test_only_hashes_are_stored(web: Web) -> None:
    signed = web.sign_in("AE")
    key = signed.cookies["ai_session"]
    with web.store.transaction() as session:
        stored = session.scalars(select(WebSession.key_hash)).all()
        hashes = session.scalars(select(User.password_hash).where(User.password_hash.is_not(None))).all()
    assert key not in stored and len(stored) == 1
    assert all(h.startswith("$argon2id$") for h in hashes) and web.logins["AE"].password not in hashes
