"""The pipeline's forms as typed in a browser: every field kept as text (so a refused form shows it again as it
was), then validated by the same `parse` calls the `opp` commands make, so the messages are the CLI's."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from account_intel.pipeline.closing import CLOSE_FAILED
from account_intel.pipeline.errors import CREATE_FAILED, MOVE_FAILED
from account_intel.pipeline.schemas import LossInput, OpportunityCreate, StageMove, WinInput, parse
from account_intel.pipeline.stages import DEFAULT_PROBABILITY

TEXT = 2000  # far above every field's own limit, whose message then speaks; only abuse is cut off here
LONG_TEXT = 10_000


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)  # extra: the form token


def _blank(value: str) -> str | None:
    return value or None


def split_values(value: str) -> list[str]:
    """A comma-separated field as a list of trimmed values (as the CLI splits a repeated or comma-separated option)."""
    return [part.strip() for part in value.split(",") if part.strip()]


class OpportunityForm(_Form):
    """The fields of the creation form (`opp create`'s options; lists comma-separated)."""

    name: str = Field(default="", max_length=TEXT)
    type: str = Field(default="", max_length=TEXT)
    estimated_value: str = Field(default="", max_length=TEXT)
    probability: str = Field(default=str(DEFAULT_PROBABILITY), max_length=TEXT)
    expected_close_date: str = Field(default="", max_length=TEXT)
    source: str = Field(default="", max_length=TEXT)
    source_contact: str = Field(default="", max_length=TEXT)
    champion: str = Field(default="", max_length=TEXT)
    decision_maker: str = Field(default="", max_length=TEXT)
    decision_maker_note: str = Field(default="", max_length=TEXT)
    influencers: str = Field(default="", max_length=TEXT)
    target_departments: str = Field(default="", max_length=TEXT)
    discovery_notes: str = Field(default="", max_length=LONG_TEXT)
    owner: str = Field(default="", max_length=TEXT)
    client_initiated: bool = False
    override_reason: str = Field(default="", max_length=TEXT)

    def validated(self, account_id: str) -> OpportunityCreate:
        """The opportunity to create on `account_id`, or the CLI's FieldProblems naming each field."""
        return parse(
            OpportunityCreate,
            CREATE_FAILED,
            account=account_id,
            name=self.name,
            type=_blank(self.type),
            estimated_value=self.estimated_value,
            probability=self.probability,
            expected_close_date=_blank(self.expected_close_date),
            source=_blank(self.source),
            source_contact=_blank(self.source_contact),
            discovery_notes=_blank(self.discovery_notes),
            champion=_blank(self.champion),
            decision_maker=_blank(self.decision_maker),
            decision_maker_note=_blank(self.decision_maker_note),
            influencers=split_values(self.influencers),
            target_departments=split_values(self.target_departments),
            owner=_blank(self.owner),
            client_initiated=self.client_initiated,
            override_reason=_blank(self.override_reason),
        )


class MoveForm(_Form):
    """A stage move (`opp move`): the stage, an optional probability and a note."""

    stage: str = Field(default="", max_length=TEXT)
    probability: str = Field(default="", max_length=TEXT)
    note: str = Field(default="", max_length=TEXT)

    def validated(self) -> StageMove:
        """The move, or the CLI's FieldProblems."""
        return parse(
            StageMove, MOVE_FAILED, stage=self.stage, probability=_blank(self.probability), note=_blank(self.note)
        )


class WinForm(_Form):
    """Closing as won (`opp win`): the closed annual value, default the estimate."""

    closed_value: str = Field(default="", max_length=TEXT)

    def validated(self) -> WinInput:
        """The win, or the CLI's FieldProblems."""
        return parse(WinInput, CLOSE_FAILED, closed_value=_blank(self.closed_value))


class LoseForm(_Form):
    """Closing as lost (`opp lose`): the reason, a note and the follow-up in days."""

    reason: str = Field(default="", max_length=TEXT)
    note: str = Field(default="", max_length=LONG_TEXT)
    follow_up_days: str = Field(default="", max_length=TEXT)

    def validated(self) -> LossInput:
        """The loss, or the CLI's FieldProblems."""
        return parse(
            LossInput,
            CLOSE_FAILED,
            reason=_blank(self.reason),
            note=_blank(self.note),
            follow_up_days=_blank(self.follow_up_days),
        )
