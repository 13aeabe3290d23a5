"""Signing in to a fresh demo store: the demo's first manager gets a token, so approvals work at once.

The demo's builder is the store's operator, so it issues the token itself (the bootstrap of a real store is
`users add --role admin` and `users token create`). On the default store the token is written to
`HOME/credentials` (0600), replacing the previous demo's; with `--db` it is printed for ACCOUNT_INTEL_TOKEN, so a
team's credentials file is never overwritten.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import select

from account_intel.auth.principal import credentials_path
from account_intel.auth.tokens import issue_token
from account_intel.domain.enums import UserRole
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import User


class DemoAccess(BaseModel):
    """Who the demo signed you in as, and where the token is."""

    user_id: str
    user_name: str
    credentials_file: str | None = Field(description="Where the token was written; null when it is printed instead.")
    token: str | None = Field(default=None, description="The token, only when it was not written to a file.")


def sign_in_demo(store: Store, settings: Settings, *, write_file: bool, at: datetime) -> DemoAccess:
    """Issue a token to the demo's first manager; write it to the credentials file or hand it back."""
    with store.transaction() as session:
        stmt = select(User).where(User.role == UserRole.MANAGER, User.active.is_(True)).order_by(User.id).limit(1)
        manager = session.scalars(stmt).one()
        _, plaintext = issue_token(session, user=manager, name="demo", at=at, created_by="demo")
        user_id, name = manager.id, manager.name
    if not write_file:
        return DemoAccess(user_id=user_id, user_name=name, credentials_file=None, token=plaintext)
    path = credentials_path(settings)
    write_secret(path, plaintext)
    return DemoAccess(user_id=user_id, user_name=name, credentials_file=str(path))


def write_secret(path: Path, secret: str) -> None:
    """Write a one-line secret readable by its owner only (0600), replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class WebLogin(BaseModel):
    """A demo sign-in for the web app, printed once by `demo`."""

    role: str
    name: str
    email: str
    password: str


def demo_web_logins(store: Store, *, at: datetime, story_account: str) -> list[WebLogin]:
    """Passwords, random per demo, for the story account's AE, its CSM and the demo's first manager (the people the
    web app's flows are walked through as)."""
    from account_intel.auth.passwords import set_password
    from account_intel.store.models import Account

    logins = []
    with store.transaction() as session:
        account = session.get(Account, story_account)
        picks = [
            ("AE", session.get(User, account.ae_id) if account and account.ae_id else None),
            ("CSM", session.get(User, account.csm_id) if account and account.csm_id else None),
        ]
        stmt = select(User).where(User.role == UserRole.MANAGER, User.active.is_(True)).order_by(User.id).limit(1)
        picks.append(("manager", session.scalars(stmt).first()))
        for role, user in picks:
            if user is None:
                continue
            password = "-".join(secrets.token_hex(3) for _ in range(4))
            set_password(session, user, password, at=at, actor="demo")
            logins.append(WebLogin(role=role, name=user.name, email=user.email, password=password))
    return logins
