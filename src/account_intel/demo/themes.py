"""Which expansion stories a generated account hides in its notes and org events (its themes).

Thriving accounts get one or two, steady and declining ones at most one, at-risk ones none. A new-office theme
adds the office as a geography opening around the as-of date.
"""

from __future__ import annotations

import random

from account_intel.demo import catalog as c
from account_intel.demo.dates import days
from account_intel.demo.draft import AccountDraft, GeographyDraft
from account_intel.demo.pools import COUNTRIES, COUNTRY_SHORT


def choose_themes(rng: random.Random, draft: AccountDraft, plan: str, modules: set[str]) -> list[str]:
    """Pick the account's expansion themes (more for thriving accounts); a new office gets its geography."""
    count = {"thriving": rng.randint(1, 2), "steady": rng.randint(0, 1), "declining": rng.randint(0, 1)}
    wanted = count.get(draft.archetype, 0)
    options = ["new_office", "consolidation", "budget"]
    if any(not d.seats for d in draft.departments):
        options += ["department_growth", "department_growth"]
    if c.COMPLIANCE not in modules:
        options.append("compliance")
    if c.ANALYTICS not in modules:
        options.append("analytics")
    if plan != c.ENTERPRISE:
        options.append("upgrade")
    themes = sorted(set(rng.sample(options, min(wanted, len(options)))))
    if "new_office" in themes and not _add_new_office(rng, draft):
        themes.remove("new_office")
    return themes


def _add_new_office(rng: random.Random, draft: AccountDraft) -> bool:
    hq = draft.geographies[0]
    o_country, o_region, _, cities = rng.choice(COUNTRIES)
    name = f"{rng.choice(cities)}, {COUNTRY_SHORT.get(o_country, o_country)}"
    if any(g.name == name for g in draft.geographies) or hq.headcount < 6 or len(draft.geographies) >= 4:
        return False
    size = max(2, min(hq.headcount // 3, rng.randint(3, 25)))
    hq.headcount -= size
    opened = draft.as_of + days(rng.randint(-20, 120))
    number = len(draft.geographies) + 1
    draft.geographies.append(GeographyDraft(f"{draft.id}-GEO-{number}", name, o_country, o_region, size, False, opened))
    return True
