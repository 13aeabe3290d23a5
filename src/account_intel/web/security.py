"""Who is asking: the signed-in browser (session cookie, with its form token) or a bearer token (the API).

Pages answer a signed-out visitor with a redirect to the sign-in page; the API answers 401. Every state-changing
form or request carries the session's form token (a hidden field, or the `X-CSRF-Token` header that htmx sends),
checked before the handler runs. Permissions are `auth.permissions`, the table the CLI enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from account_intel.auth.tokens import user_for_token
from account_intel.auth.web_sessions import csrf_ok, session_for
from account_intel.errors import AuthenticationError
from account_intel.store.models import User, WebSession
from account_intel.web.context import db, web_context

COOKIE = "ai_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

DbSession = Annotated[Session, Depends(db, scope="function")]


class SignInRequired(Exception):
    """A page asked for by a signed-out visitor: answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user of a page request, and their session (whose form token the page's forms carry)."""

    user: User
    session: WebSession

    @property
    def csrf_token(self) -> str:
        """The token every form of this session carries."""
        return self.session.csrf_token


async def form_token(request: Request) -> str | None:
    """The form token a state-changing request presents: the `X-CSRF-Token` header, else the form's field."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def page_viewer(request: Request, session: DbSession, presented: Annotated[str | None, Depends(form_token)]) -> Viewer:
    """The signed-in user of a page; a signed-out visitor is sent to sign in, and a state-changing request without
    the session's form token is refused (403)."""
    found = session_for(session, request.cookies.get(COOKIE), at=web_context(request).clock.now())
    if found is None:
        raise SignInRequired(request.url.path)
    viewer = Viewer(user=found[1], session=found[0])
    if request.method not in SAFE_METHODS and not csrf_ok(viewer.session, presented):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This form has expired or did not come from this site: reload.")
    return viewer


def api_user(request: Request, session: DbSession) -> User:
    """The user a bearer token proves (`Authorization: Bearer ai_...`); 401 without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Send your personal token as 'Authorization: Bearer <token>'; an admin issues one with "
            "`account-intel users token create --user YOU`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return user_for_token(session, token.strip())
    except AuthenticationError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


PageViewer = Annotated[Viewer, Depends(page_viewer)]
ApiUser = Annotated[User, Depends(api_user)]
