"""Environment settings (pydantic-settings): where data lives and the business thresholds."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings read from `ACCOUNT_INTEL_*` environment variables; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNT_INTEL_", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.home() / ".account-intel",
        description="Folder for the default SQLite store, outbox and run artefacts.",
    )
    db_url: str | None = Field(default=None, description="SQLAlchemy URL of the CRM store; default: SQLite under home.")
    content_dir: Path | None = Field(
        default=None,
        description="A user's own copy of agents/, prompts/ and tools/ to use instead of the packaged content.",
    )
    tier_t1_min_arr: Decimal = Field(default=Decimal("500000"), description="ARR at or above which an account is T1.")
    tier_t2_min_arr: Decimal = Field(default=Decimal("100000"), description="ARR at or above which an account is T2.")
    segment_enterprise_above: Decimal = Field(
        default=Decimal("50000"), description="ARR above which an account is Enterprise."
    )
    segment_midmarket_min: Decimal = Field(
        default=Decimal("20000"), description="ARR at or above which an account is Mid-Market."
    )

    @model_validator(mode="after")
    def _check_thresholds(self) -> Settings:
        if self.tier_t1_min_arr <= self.tier_t2_min_arr:
            raise ValueError("ACCOUNT_INTEL_TIER_T1_MIN_ARR must be greater than ACCOUNT_INTEL_TIER_T2_MIN_ARR")
        if self.segment_enterprise_above < self.segment_midmarket_min:
            raise ValueError(
                "ACCOUNT_INTEL_SEGMENT_ENTERPRISE_ABOVE must be at least ACCOUNT_INTEL_SEGMENT_MIDMARKET_MIN"
            )
        return self

    @cached_property
    def resolved_db_url(self) -> str:
        """The store URL: the configured one, or a SQLite file under the home folder."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.home.expanduser() / 'account-intel.db').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (for example `--db`) taking precedence."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)  # type: ignore[arg-type]
