"""Signing in and out of the web app.

The sign-in form is protected against cross-site posting before any session exists by a double-submit token: a
random value in a short-lived HttpOnly cookie and the same value in the form. The session cookie is HttpOnly,
SameSite=Lax, and Secure when the request came over TLS (directly, or through a proxy uvicorn trusts).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from account_intel.auth.passwords import authenticate
from account_intel.auth.web_sessions import LIFETIME, end_session, open_session
from account_intel.web.context import web_context
from account_intel.web.security import COOKIE, DbSession, PageViewer

router = APIRouter()
PRE_COOKIE = "ai_signin"


def sign_in_url(next_path: str = "/") -> str:
    """The sign-in page, coming back to `next_path` afterwards."""
    return "/sign-in" if next_path in ("", "/") else f"/sign-in?next={quote(next_path, safe='/')}"


def _safe_next(value: str | None) -> str:
    """Only a path on this site (never another host, never a scheme): an open redirect is refused."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


def _form(request: Request, *, error: str | None = None, email: str = "", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    ctx = web_context(request)
    response = ctx.templates.TemplateResponse(
        request,
        "sign_in.html",
        {"error": error, "email": email, "token": token, "next": _safe_next(request.query_params.get("next"))},
        status_code=status_code,
    )
    secure = request.url.scheme == "https"
    response.set_cookie(PRE_COOKIE, token, max_age=900, httponly=True, samesite="strict", secure=secure)
    return response


@router.get("/sign-in", include_in_schema=False)
def sign_in_page(request: Request) -> Response:
    """The sign-in form."""
    return _form(request)


@router.post("/sign-in", include_in_schema=False)
def sign_in(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    token: Annotated[str, Form(alias="csrf_token", max_length=64)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "/",
) -> Response:
    """Check the password (rate-limited), open a session and go where the visitor was going."""
    expected = request.cookies.get(PRE_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, token):
        return _form(request, error="The sign-in form expired: try again.", email=email, status_code=400)
    ctx = web_context(request)
    at = ctx.clock.now()
    found = authenticate(session, email=email, password=password, client=_client(request), at=at)
    if isinstance(found, str):
        session.commit()  # the failed attempt counts towards the limit
        return _form(request, error=found, email=email, status_code=401)
    key, _ = open_session(session, found, at=at)
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(
        COOKIE,
        key,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/sign-out", include_in_schema=False)
def sign_out(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """End this browser's session."""
    end_session(session, request.cookies.get(COOKIE), at=web_context(request).clock.now())
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
