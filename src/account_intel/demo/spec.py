"""What a demo portfolio is generated from (size, random seed, as-of date); light enough for the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from account_intel.errors import ValidationFailed

DEFAULT_AS_OF = date(2024, 11, 30)
DEFAULT_SEED = 7
DEFAULT_ACCOUNTS = 200
MAX_ACCOUNTS = 1_000_000


@dataclass(frozen=True)
class DemoSpec:
    """What to generate: how many accounts (at least the two story accounts), the random seed and the as-of date."""

    accounts: int = DEFAULT_ACCOUNTS
    seed: int = DEFAULT_SEED
    as_of: date = DEFAULT_AS_OF
    plant_horizon: int | None = None  # days: plant known-truth outcomes in the two windows before as_of (`truth`)

    def __post_init__(self) -> None:
        if not 1 <= self.accounts <= MAX_ACCOUNTS:
            raise ValidationFailed(f"--accounts must be between 1 and {MAX_ACCOUNTS:,}; got {self.accounts}.")
        if self.plant_horizon is not None and not 30 <= self.plant_horizon <= 365:
            raise ValidationFailed(
                f"--plant-outcomes takes a horizon of 30 to 365 days; got {self.plant_horizon}. Try 180."
            )

    @property
    def total(self) -> int:
        """Accounts generated: the two story accounts are included even when fewer are asked for."""
        return max(self.accounts, 2)
