"""What a brief or QBR packet depends on, as one key: a cached deliverable is reused only while its key holds.

The key covers the kind, the as-of date, the brain, the account's facts as of the date (lines, usage, contacts,
activities, opportunities, events...), the health override in force, the analytics configuration files, the
saved models a brief shows (churn and expansion: absent, or their file's bytes) and the content hash of agents/,
prompts/ and tools/. Any change gives a new key, so the deliverable is recomputed.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from account_intel.analytics.config_loader import resolve_file
from account_intel.analytics.facts import load_facts
from account_intel.analytics.fitted.files import model_path
from account_intel.analytics.health.overrides import active_override
from account_intel.content.stamp import content_hash
from account_intel.settings import Settings
from account_intel.store.engine import Store

CONFIG_FILES = ("health.yaml", "propensity.yaml", "signals.yaml", "text_signals.yaml")


def data_version(store: Store, account_id: str, as_of: date) -> str:
    """A digest of the account's facts as of the date and the health override in force."""
    with store.sessions() as session:
        facts = load_facts(session, as_of, [account_id]).get(account_id)
        override = active_override(session, account_id=account_id, as_of=as_of)
    text = repr(facts) + "|" + (override.model_dump_json() if override is not None else "-")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def config_version(settings: Settings) -> str:
    """A digest of the analytics configuration files in use (a user's copy or the packaged default)."""
    digest = hashlib.sha256()
    home = Path(settings.home).expanduser()
    for name in CONFIG_FILES:
        digest.update(name.encode("utf-8") + b"\0" + resolve_file(name, home=home).read_bytes() + b"\0")
    models = [m for m in (settings.churn_model, settings.expansion_model) if m]
    if settings.expansion_model:  # the models of each expansion type a recommendation shows
        folder = model_path(settings.expansion_model, home=home).parent
        models += sorted(p.stem for p in folder.glob(f"{settings.expansion_model}-*.json"))
    for model in models:
        path = model_path(model, home=home)
        saved = path.read_bytes() if path.is_file() else b"-"
        digest.update(b"model\0" + model.encode("utf-8") + b"\0" + saved + b"\0")
    return digest.hexdigest()[:16]


def inputs_key(*, store: Store, settings: Settings, account_id: str, as_of: date, kind: str, brain: str) -> str:
    """The key of one deliverable: kind, date, brain, data, configuration and content."""
    content, _ = content_hash(settings.content_dir)
    parts = (kind, as_of.isoformat(), brain, data_version(store, account_id, as_of), config_version(settings), content)
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:16]
