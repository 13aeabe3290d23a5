"""Which whitespace row a candidate is, which of the account's signals bear on it, and which play runs it.

Signals bear on a target as follows; `bears_on` is the one implementation of this table, for a full `Signal` and for
the portfolio scan's light structured strengths (`opportunities.strengths`) alike:

| signal | bears on |
|---|---|
| usage_limit (seats_used) | seats for a served department's remainder, or for employees without a seat |
| usage_limit, usage_spike (other metric) | the next plan; a usage package extending that metric |
| new_department_contact, org_change (department) | seats for that department |
| org_change (location) | that location |
| renewal_window | the rate increase and contract extension |
| text_department_mention | seats for that department; a module whose adjacent departments it names |
| text_location_mention | that location (name, city or country) |
| text_initiative | a module serving it (SOC 2 -> Compliance Suite); 'International expansion' -> every location |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from account_intel.analytics.facts import Catalog
from account_intel.analytics.opportunities.models import PlayRecommendation, Strategy
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.propensity.config import ExpansionType, PlayKey, PropensityConfig
from account_intel.analytics.signals.models import DataValue, Signal, SignalKind
from account_intel.analytics.whitespace.demand import MODULE_ADJACENT, MODULE_TERMS, module_key, usage_metric
from account_intel.analytics.whitespace.models import Play, Status, WhitespaceItem
from account_intel.analytics.whitespace.penetration import SEAT_METRIC

_PLAY_TYPE = {
    Play.SEAT_EXPANSION: ExpansionType.SEAT_EXPANSION,
    Play.GEOGRAPHIC_EXPANSION: ExpansionType.GEOGRAPHIC_EXPANSION,
    Play.TIER_UPGRADE: ExpansionType.TIER_UPGRADE,
    Play.CROSS_SELL: ExpansionType.CROSS_SELL,
    Play.NEW_SERVICE: ExpansionType.NEW_SERVICE,
    Play.VOLUME_INCREASE: ExpansionType.VOLUME_INCREASE,
}
INTERNATIONAL = "international expansion"


def target_of(item: WhitespaceItem, catalog: Catalog) -> Target:
    """The target of a whitespace row with a level and a size."""
    kind = _PLAY_TYPE[item.play]  # type: ignore[index]
    if kind is ExpansionType.SEAT_EXPANSION:
        if item.scope == "department":
            return Target(
                kind,
                "department",
                item.scope_name or item.key,
                department_id=item.scope_id,
                product_id=item.product_id,
                served=item.status is Status.PARTIAL,
            )
        return Target(kind, "account", item.scope_name or "seats", product_id=item.product_id, served=True)
    if kind is ExpansionType.GEOGRAPHIC_EXPANSION:
        return Target(
            kind, "geography", item.scope_name or item.key, geography_id=item.scope_id, product_id=item.product_id
        )
    product = catalog.products.get(item.product_id)
    metric = usage_metric(product) if product is not None and kind is ExpansionType.VOLUME_INCREASE else None
    return Target(kind, "product", item.product, product_id=item.product_id, metric=metric)


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _place_names(name: str) -> set[str]:
    city, _, country = (part.strip().lower() for part in name.partition(","))
    return {name.lower(), city} | ({country} if country else set())


class Bearing(Protocol):
    """What `bears_on` reads of a signal: a `Signal`, or a structured strength of the portfolio scan."""

    @property
    def kind(self) -> SignalKind:
        """What triggered the signal."""

    @property
    def data(self) -> Mapping[str, DataValue]:
        """The numbers behind it (`metric` for usage, `value` for an initiative)."""

    @property
    def feature(self) -> str | None:
        """The catalog feature concerned, if any."""

    @property
    def department(self) -> str | None:
        """The department concerned, if any."""

    @property
    def geography(self) -> str | None:
        """The location concerned, if any."""


def bears_on(target: Target, signal: Bearing, catalog: Catalog) -> bool:
    """Whether the signal is about the target (see the module table)."""
    kind, data = signal.kind, signal.data
    if kind is SignalKind.USAGE_LIMIT or (kind is SignalKind.USAGE_SPIKE and signal.feature is None):
        metric = str(data.get("metric"))
        if target.kind is ExpansionType.SEAT_EXPANSION:
            return kind is SignalKind.USAGE_LIMIT and metric == SEAT_METRIC and target.served
        if target.kind is ExpansionType.TIER_UPGRADE:
            return metric != SEAT_METRIC
        return target.kind is ExpansionType.VOLUME_INCREASE and metric == target.metric
    if kind in (SignalKind.NEW_DEPARTMENT_CONTACT, SignalKind.ORG_CHANGE, SignalKind.TEXT_DEPARTMENT_MENTION):
        department = (signal.department or "").lower()
        if target.scope == "department" and department and department == target.name.lower():
            return target.kind is ExpansionType.SEAT_EXPANSION
        if kind is SignalKind.TEXT_DEPARTMENT_MENTION and target.kind is ExpansionType.CROSS_SELL:
            product = catalog.products.get(target.product_id or "")
            words = MODULE_ADJACENT.get(module_key(product, MODULE_ADJACENT) or "", ((), ()))[1] if product else ()
            return any(w in department for w in words)
        if kind is SignalKind.ORG_CHANGE and target.scope == "geography" and signal.geography:
            return signal.geography.lower() in _place_names(target.name)
        return False
    if kind is SignalKind.TEXT_LOCATION_MENTION:
        return target.scope == "geography" and (signal.geography or "").lower() in _place_names(target.name)
    if kind is SignalKind.TEXT_INITIATIVE:
        value = str(data.get("value") or "")
        if target.scope == "geography":
            return value.lower() == INTERNATIONAL
        if target.kind is not ExpansionType.CROSS_SELL:
            return False
        product = catalog.products.get(target.product_id or "")
        terms = MODULE_TERMS.get(module_key(product, MODULE_TERMS) or "", ()) if product else ()
        return any(_norm(t) == _norm(value) for t in terms)
    if kind is SignalKind.RENEWAL_WINDOW:
        return target.kind in (ExpansionType.RATE_INCREASE, ExpansionType.CONTRACT_EXTENSION)
    return False


def match_signals(target: Target, signals: list[Signal], catalog: Catalog) -> list[Signal]:
    """The account's signals that bear on the target, strongest first."""
    return [s for s in signals if bears_on(target, s, catalog)]


def play_for(target: Target, config: PropensityConfig, item: WhitespaceItem | None) -> PlayRecommendation:
    """The play and the multi-thread strategy for the target's type."""
    kind = target.kind
    key: PlayKey
    strategy: Strategy | None
    if kind in (ExpansionType.SEAT_EXPANSION, ExpansionType.GEOGRAPHIC_EXPANSION):
        key = "seat_expansion"
        strategy = "upsell" if target.served else "land_and_expand"
    elif kind in (ExpansionType.TIER_UPGRADE, ExpansionType.VOLUME_INCREASE):
        key, strategy = "tier_upgrade", "upsell"
    elif kind in (ExpansionType.CROSS_SELL, ExpansionType.NEW_SERVICE):
        key, strategy = "cross_sell", "cross_sell"
    else:
        key = "renewal"
        strategy = "upsell" if kind is ExpansionType.RATE_INCREASE else None
    spec = config.plays[key]
    return PlayRecommendation(key=key, name=spec.name, strategy=strategy, steps=list(spec.steps))
