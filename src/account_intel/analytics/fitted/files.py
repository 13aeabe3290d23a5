"""Where fitted models live: `<ACCOUNT_INTEL_HOME>/models/<name>.json`, one JSON document per model."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from account_intel.analytics.config_loader import home_folder
from account_intel.analytics.fitted.model import FittedModel
from account_intel.errors import NotFoundError, ValidationFailed

MODELS_DIR = "models"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def model_path(name: str, *, home: Path | None = None) -> Path:
    """The file of a named model."""
    if not _NAME.match(name):
        raise ValidationFailed(f"Model name '{name}' may use letters, digits, '.', '_' and '-' only.")
    return home_folder(home) / MODELS_DIR / f"{name}.json"


def save_model(model: FittedModel, *, home: Path | None = None) -> Path:
    """Write the model as JSON (replacing one of the same name); return its path."""
    path = model_path(model.name, home=home)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(model.model_dump_json(indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def load_model(name: str, *, home: Path | None = None) -> FittedModel:
    """Read a named model; a missing or damaged file is refused with its path."""
    path = model_path(name, home=home)
    if not path.is_file():
        known = ", ".join(available_models(home=home)) or "none saved yet"
        raise NotFoundError(f"Model '{name}' not found in {path.parent} (known: {known}). Fit one with backtest --fit.")
    try:
        return FittedModel.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ValidationFailed(f"{path} is not a fitted model ({exc.error_count()} errors); fit it again.") from exc


def available_models(*, home: Path | None = None) -> list[str]:
    """Names of the saved models."""
    folder = home_folder(home) / MODELS_DIR
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
