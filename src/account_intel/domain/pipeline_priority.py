"""How the pipeline's four priorities read: P1 to P4 by propensity and value (account tiers are T1 to T3)."""

from __future__ import annotations

PRIORITY_MEANING = {
    1: "high propensity, high value",
    2: "high propensity, medium value",
    3: "medium propensity, high value",
    4: "medium propensity, medium value",
}


def priority_code(priority: int | None) -> str:
    """'P1' for priority 1; '-' when the opportunity has none (below both bands)."""
    return f"P{priority}" if priority else "-"


def priority_label(priority: int | None) -> str:
    """'P1 high propensity, high value'; 'Below every priority' for accounts in none."""
    if not priority:
        return "Below every priority"
    return f"{priority_code(priority)} {PRIORITY_MEANING.get(priority, '')}".strip()
