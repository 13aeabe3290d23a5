"""Signal strengths of one account for the portfolio scan: the structured signals as light values read from the
rules' own decisions (`signals.cores`), the text signals as `signals.text` builds them; both are matched to targets
by `opportunities.matching.bears_on`, as the per-account analysis matches its signals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.opportunities.matching import bears_on
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.signals import cores
from account_intel.analytics.signals.models import DataValue, Signal, SignalConfig, SignalKind

_NO_DATA: Mapping[str, DataValue] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Structured:
    """A structured signal as the scan keeps it: its strength and what `bears_on` reads of it."""

    kind: SignalKind
    strength: float
    data: Mapping[str, DataValue]  # `metric` for usage (`_NO_DATA`: nothing bears_on reads)
    feature: str | None = None
    department: str | None = None
    geography: str | None = None


@dataclass(slots=True)
class Strengths:
    """Signal strengths of one account: the structured signals and the text signals."""

    structured: list[Structured]
    text: list[Signal] = field(default_factory=list)

    def bearing_on(self, target: Target, catalog: Catalog) -> tuple[list[float], list[Signal]]:
        """The strengths of the signals bearing on a target, structured then text, and those text signals."""
        texts = [s for s in self.text if bears_on(target, s, catalog)]
        found = [s.strength for s in self.structured if bears_on(target, s, catalog)]
        found += [s.strength for s in texts]
        return found, texts


def structured_strengths(facts: AccountFacts, config: SignalConfig) -> list[Structured]:
    """One light value per signal of `usage_limit`, `usage_spike`, `new_department_contact`, `renewal_window` and
    `org_change`, the structured rules whose signals bear on targets."""
    out = [
        Structured(SignalKind.USAGE_LIMIT, hit.strength, {"metric": hit.metric})
        for hit in cores.limits_reached(facts, config.usage_limit)
    ]
    out += [
        Structured(SignalKind.USAGE_SPIKE, found.strength, {"metric": found.metric}, feature=found.feature_id)
        for found in cores.spikes(facts, config.usage_spike)
    ]
    out += [
        Structured(SignalKind.NEW_DEPARTMENT_CONTACT, dept.strength, _NO_DATA, department=dept.name)
        for dept in cores.new_departments(facts, config.new_department_contact)
    ]
    due = cores.renewal_due(facts, config.renewal)
    if due is not None:
        out.append(Structured(SignalKind.RENEWAL_WINDOW, due.strength, _NO_DATA))
    for hit in cores.org_hits(facts, config.org_change):
        e = hit.event
        out.append(
            Structured(SignalKind.ORG_CHANGE, hit.strength, _NO_DATA, department=e.department, geography=e.geography)
        )
    return out


def signal_strengths(facts: AccountFacts, config: SignalConfig, text: list[Signal]) -> Strengths:
    """The account's structured strengths, with its text signals."""
    return Strengths(structured_strengths(facts, config), text)
