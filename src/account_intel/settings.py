"""Environment settings (pydantic-settings): where data lives and the business thresholds."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings read from `ACCOUNT_INTEL_*` environment variables; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNT_INTEL_", extra="ignore", populate_by_name=True)

    home: Path = Field(
        default_factory=lambda: Path.home() / ".account-intel",
        description="Folder for the default SQLite store, outbox and run artefacts.",
    )
    db_url: str | None = Field(default=None, description="SQLAlchemy URL of the CRM store; default: SQLite under home.")
    db_busy_timeout_seconds: float = Field(
        default=30.0, ge=0, description="How long a command waits for a store locked by another program, then fails."
    )
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

    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "ACCOUNT_INTEL_OPENAI_API_KEY"),
        description="Key for the OpenAI-compatible endpoint; never logged.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "ACCOUNT_INTEL_OPENAI_BASE_URL"),
        description="Any OpenAI-compatible endpoint (OpenAI, Azure gateway, vLLM, Ollama, LiteLLM).",
    )
    model_analyst: str = Field(default="gpt-4o-mini", description="Model name for the 'analyst' role.")
    model_writer: str = Field(default="gpt-4o-mini", description="Model name for the 'writer' role.")
    llm_timeout_seconds: float = Field(default=60.0, gt=0, description="Per-request timeout of model calls.")
    llm_max_attempts: int = Field(default=4, ge=1, le=10, description="Attempts per model call (tenacity).")
    llm_backoff_max_seconds: float = Field(default=30.0, gt=0, description="Longest wait between retries.")
    llm_requests_per_second: float | None = Field(default=None, gt=0, description="Client-side rate limit.")
    llm_account_token_budget: int = Field(
        default=60000, gt=0, description="Tokens (input + output) one account may use per run before rules take over."
    )
    llm_max_model_calls: int = Field(default=8, ge=1, description="Model calls one agent may make per account.")
    llm_agent_deadline_seconds: float = Field(
        default=150.0, gt=0, description="Wall-clock time one agent may spend on the model before rules answer."
    )
    llm_account_deadline_seconds: float = Field(
        default=420.0, gt=0, description="Wall-clock time all agents of one account may spend on the model."
    )
    llm_circuit_breaker_failures: int = Field(
        default=3, ge=1, description="Consecutive endpoint failures after which the rest of a run uses rules."
    )
    run_lease_seconds: float = Field(
        default=900.0,
        ge=5,
        description="How long a run holds an account it is working on (renewed after each step); another run "
        "skips the account meanwhile, and takes it over once the lease has expired.",
    )

    token: SecretStr | None = Field(
        default=None, description="Your personal API token (ACCOUNT_INTEL_TOKEN); else HOME/credentials is read."
    )
    outreach_cooldown_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="Days within which the same purpose is not drafted again to the same contact, by any run.",
    )
    outreach_max_drafts_per_run: int = Field(
        default=3, ge=0, le=20, description="Outbound drafts one account may get from one run; the rest are dropped."
    )

    churn_model: str = Field(
        default="fitted-churn",
        description="Saved model (backtest --fit) whose calibrated churn probability briefs show; empty: none.",
    )
    expansion_model: str = Field(
        default="fitted-expansion",
        description="Saved model (backtest --fit) whose calibrated expansion probability briefs show; empty: none.",
    )

    default_language: str = Field(
        default="en",
        description="Language customers are written to in when their account names none (a tag like en, de, pt-BR).",
    )

    smtp_host: str | None = Field(default=None, description="SMTP server for outbound mail; unset: .eml files.")
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_username: str | None = Field(default=None, description="SMTP user, if the server needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password; never logged.")
    smtp_starttls: bool = Field(default=True, description="Use STARTTLS when the server offers it.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of SMTP connections and commands.")
    mail_from: str = Field(default="account-intel@localhost", description="From address of outbound mail.")

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        from account_intel.domain.language import InvalidLanguage, normalise_language

        try:
            return normalise_language(value, field="ACCOUNT_INTEL_DEFAULT_LANGUAGE")
        except InvalidLanguage as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _check_thresholds(self) -> Settings:
        if self.tier_t1_min_arr <= self.tier_t2_min_arr:
            raise ValueError("ACCOUNT_INTEL_TIER_T1_MIN_ARR must be greater than ACCOUNT_INTEL_TIER_T2_MIN_ARR")
        if self.segment_enterprise_above < self.segment_midmarket_min:
            raise ValueError(
                "ACCOUNT_INTEL_SEGMENT_ENTERPRISE_ABOVE must be at least ACCOUNT_INTEL_SEGMENT_MIDMARKET_MIN"
            )
        return self

    @property
    def llm_configured(self) -> bool:
        """True when an endpoint or key is set: `--brain auto` then uses the llm brain."""
        return bool(self.openai_base_url or self.openai_api_key)

    def model_for(self, role: str) -> str:
        """The real model name behind a model role of an agent spec."""
        names = {"analyst": self.model_analyst, "writer": self.model_writer}
        if role not in names:
            raise ValueError(f"Unknown model role '{role}'; known roles: {', '.join(sorted(names))}.")
        return names[role]

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
