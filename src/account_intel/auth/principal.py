"""Who is acting: the user a presented token proves, read from `ACCOUNT_INTEL_TOKEN` or a 0600 credentials file."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy.orm import Session

from account_intel.auth.tokens import user_for_token
from account_intel.errors import AuthenticationError
from account_intel.settings import Settings
from account_intel.store.models import User

CREDENTIALS_FILE = "credentials"


def credentials_path(settings: Settings) -> Path:
    """`HOME/credentials`: one line, the token."""
    return Path(settings.home).expanduser() / CREDENTIALS_FILE


def presented_token(settings: Settings) -> str:
    """The token from the environment, else from the credentials file (refused unless only its owner can read it)."""
    if settings.token is not None and settings.token.get_secret_value().strip():
        return settings.token.get_secret_value().strip()
    path = credentials_path(settings)
    if not path.is_file():
        raise AuthenticationError(
            f"This needs your token: set ACCOUNT_INTEL_TOKEN, or write it to {path} (chmod 600). "
            "An admin issues one with `account-intel users token create --user YOU`."
        )
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuthenticationError(f"{path} can be read by others: run `chmod 600 {path}` first.")
    return path.read_text(encoding="utf-8").strip()


def current_user(session: Session, settings: Settings) -> User:
    """The authenticated user behind this command."""
    return user_for_token(session, presented_token(settings))
