"""Pipeline settings from the environment (`ACCOUNT_INTEL_PIPELINE_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """Defaults of the expansion pipeline that a team may tune."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNT_INTEL_PIPELINE_", extra="ignore")

    loss_follow_up_days: int = Field(
        default=90, ge=90, le=180, description="Days after a loss to follow up (3 to 6 months)."
    )
    proposal_follow_up_days: int = Field(
        default=3, ge=1, le=30, description="Days after sending a proposal to follow up if there is no response."
    )
    min_months_active: int = Field(default=3, ge=0, description="Months an account must be active (precondition).")
