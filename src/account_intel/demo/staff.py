"""The vendor's own people: account executives, CSMs, account managers and their managers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from account_intel.demo.catalog import VENDOR_DOMAIN
from account_intel.demo.pools import FIRST_NAMES, LAST_NAMES
from account_intel.demo.rows import Bundle
from account_intel.domain.enums import UserRole

TEAM = (
    (UserRole.MANAGER, "mgr", 2, 0),
    (UserRole.AE, "ae", 8, 12),
    (UserRole.CSM, "csm", 8, 20),
    (UserRole.AM, "am", 6, 15),
)


@dataclass(frozen=True)
class Staff:
    """User ids by role, for assigning account owners."""

    ae: list[str] = field(default_factory=list)
    csm: list[str] = field(default_factory=list)
    am: list[str] = field(default_factory=list)
    manager: list[str] = field(default_factory=list)


def generate_staff(seed: int, bundle: Bundle) -> Staff:
    """Add 2 managers, 8 AEs, 8 CSMs and 6 AMs to `bundle` (managers first: others report to them)."""
    rng = random.Random(f"staff:{seed}")
    staff = Staff()
    names: set[str] = set()
    for role, prefix, count, capacity in TEAM:
        ids = getattr(staff, role.value)
        for number in range(1, count + 1):
            name = _unique_name(rng, names)
            user_id = f"u-{prefix}-{number:02d}"
            # Managers: the first leads sales (AEs, AMs), the second leads customer success (CSMs)
            manager = None if role == UserRole.MANAGER else staff.manager[1 if role == UserRole.CSM else 0]
            email = f"{name.lower().replace(' ', '.')}@{VENDOR_DOMAIN}"
            bundle.add(
                "users",
                id=user_id,
                name=name,
                email=email,
                role=role,
                manager_id=manager,
                capacity=capacity or 12,
                active=True,
            )
            ids.append(user_id)
    return staff


def _unique_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in taken:
            taken.add(name)
            return name
