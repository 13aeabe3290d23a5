"""Unique, plausible company names and web domains for generated accounts."""

from __future__ import annotations

import random
import re

from account_intel.demo.pools import NAME_HEADS, NAME_NOUNS, NAME_SUFFIXES, NAME_TAILS

RESERVED = ("techflow", "retailco")


class NameRegistry:
    """Hands out company names that are unique (and never contain a story account's name) with unique domains."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._domains: set[str] = set()

    def reserve(self, name: str, domain: str) -> None:
        """Mark a fixed account's name and domain as taken."""
        self._names.add(name.lower())
        self._domains.add(domain)

    def company(self, rng: random.Random) -> tuple[str, str]:
        """A new (name, domain) pair."""
        for attempt in range(50):
            head = rng.choice(NAME_HEADS) + rng.choice(NAME_TAILS)
            base = f"{head} {rng.choice(NAME_NOUNS)}"
            name = base + rng.choice(NAME_SUFFIXES)
            if attempt >= 20:
                name = f"{base} {rng.randint(2, 999)}"
            squashed = name.lower().replace(" ", "")
            if name.lower() in self._names or any(word in squashed for word in RESERVED):
                continue
            self._names.add(name.lower())
            return name, self._domain(base)
        raise RuntimeError("could not find a unique company name")  # pragma: no cover

    def _domain(self, base: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
        domain, number = f"{slug}.com", 2
        while domain in self._domains:
            domain, number = f"{slug}{number}.com", number + 1
        self._domains.add(domain)
        return domain
