"""Finding and reading the analytics' YAML files: an explicit path, a user's copy in the home folder, or the package's.

Validation errors become one `ValidationFailed` naming the file and the offending keys (unknown keys included).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from account_intel.content.filecache import by_file_text
from account_intel.errors import NotFoundError, ValidationFailed

PACKAGED = Path(__file__).with_name("config")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: the same values, parsed faster

ModelT = TypeVar("ModelT", bound=BaseModel)


def packaged_file(filename: str) -> Path:
    """The default file shipped inside the package."""
    return PACKAGED / filename


def home_folder(home: Path | None) -> Path:
    """The given home folder, else ACCOUNT_INTEL_HOME from the settings (read when asked, never at import)."""
    if home is not None:
        return home.expanduser()
    from account_intel.settings import load_settings

    return load_settings().home.expanduser()


def resolve_file(filename: str, *, path: Path | None = None, home: Path | None = None) -> Path:
    """An explicit path (must exist), else `<home>/<filename>` when present, else the packaged default."""
    if path is not None:
        if not path.is_file():
            raise NotFoundError(f"Configuration file {path} does not exist.")
        return path
    user_copy = home_folder(home) / filename
    return user_copy if user_copy.is_file() else packaged_file(filename)


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping at the top of a YAML file (an empty file is an empty mapping); a fresh copy on every call."""
    return copy.deepcopy(_parsed_yaml(path))


@by_file_text
def _parsed_yaml(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        try:  # the pure-Python parser's message quotes the offending line
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationFailed(f"{path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path} must hold a mapping of keys to values at the top level.")
    return data


def parse_model(model: type[ModelT], data: dict[str, Any], *, source: str) -> ModelT:
    """Validate `data` as `model`; errors name the source and every offending key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{key}: {message}")
        raise ValidationFailed(f"{source}: " + "; ".join(problems)) from None


def digest(data: Any) -> str:
    """A short, stable fingerprint of JSON-able data (which configuration produced a stored result)."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


NonNegative = Annotated[float, Field(ge=0)]


class ConfigSection(BaseModel):
    """A section of an editable YAML config: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WeightSection(ConfigSection):
    """Non-negative relative weights, at least one above 0, normalised to sum 1 in `ORDER`."""

    ORDER: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be above 0")
        return self

    def normalised(self) -> dict[str, float]:
        """Weights scaled to sum 1, in the section's order."""
        values = self.model_dump()
        total = sum(values.values())
        return {name: values[name] / total for name in self.ORDER}
