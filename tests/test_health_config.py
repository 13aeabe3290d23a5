"""health.yaml: schema (unknown keys refused by name), normalised weights, resolution and named weight sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from account_intel.analytics.health.config import (
    COMPONENTS,
    available_weights,
    default_health_config,
    load_weights,
    parse_health_config,
    save_weights,
)
from account_intel.errors import NotFoundError, ValidationFailed


def test_packaged_default_documents_every_key_and_loads() -> None:
    config = default_health_config()
    assert config.name == "default"
    assert config.bands.green == 70 and config.bands.yellow == 60
    assert list(config.shares) == list(COMPONENTS)
    assert sum(config.shares.values()) == pytest.approx(1.0)
    packaged = Path(config.source).read_text()
    for section in ("bands:", "weights:", "usage:", "adoption:", "support:", "sentiment:", "engagement:"):
        assert section in packaged


def test_weights_are_relative() -> None:
    tenths = parse_health_config({"weights": {name: 1 for name in COMPONENTS}}, source="a")
    percents = parse_health_config({"weights": {name: 20 for name in COMPONENTS}}, source="b")
    assert tenths.shares == percents.shares


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weights": {"usage": 1, "usage_trend": 2}}, r"weights\.usage_trend: unknown key"),
        ({"support": {"severity_points": {"low": 1}, "sla": 3}}, r"support\.sla: unknown key"),
        ({"colour": "green"}, r"colour: unknown key"),
        ({"weights": {"usage": -0.1}}, r"weights\.usage: .*greater than or equal to 0"),
        ({"weights": {name: 0 for name in COMPONENTS}}, "at least one weight"),
        ({"bands": {"green": 50, "yellow": 60}}, "yellow must not be above"),
        ({"usage": {"trend_zero": 0.2, "trend_full": 0.1}}, "trend_full must be above"),
        ({"support": {"severity_points": {"critical": 9}}}, "unknown severities: critical"),
    ],
)
def test_invalid_configuration_is_refused_naming_the_key(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationFailed, match=message):
        parse_health_config(data, source="mine.yaml")


def test_resolution_explicit_path_then_home_then_package(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert load_weights(home=home).source == default_health_config().source
    home.mkdir()
    (home / "health.yaml").write_text("bands: {green: 75, yellow: 65}\n")
    from_home = load_weights(home=home)
    assert (from_home.name, from_home.bands.green, from_home.source) == ("default", 75, str(home / "health.yaml"))
    explicit = tmp_path / "strict.yaml"
    explicit.write_text("bands: {green: 80, yellow: 70}\n")
    chosen = load_weights(explicit, home=home)
    assert (chosen.name, chosen.bands.green) == ("strict", 80)
    assert load_weights(str(explicit), home=home).bands.green == 80
    with pytest.raises(NotFoundError, match="does not exist"):
        load_weights(tmp_path / "nope.yaml", home=home)


def test_invalid_yaml_file_is_reported_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: [unclosed\n")
    with pytest.raises(ValidationFailed, match=r"bad\.yaml is not valid YAML"):
        load_weights(bad)
    bad.write_text("weights:\n  usage: 1\n  engagment: 2\n")
    with pytest.raises(ValidationFailed, match=r"bad\.yaml: weights\.engagment: unknown key"):
        load_weights(bad)


def test_named_weight_sets_round_trip(tmp_path: Path) -> None:
    home = tmp_path / "home"
    fitted = parse_health_config({"weights": {"usage": 3, "support": 1}}, source="fit")
    path = save_weights(fitted, "fit-2024q4", home=home, comment="Fitted by backtest.\nAUC 0.71")
    assert path == home / "weights" / "fit-2024q4.yaml"
    assert path.read_text().startswith("# Fitted by backtest.\n# AUC 0.71\n")
    loaded = load_weights("fit-2024q4", home=home)
    assert loaded.name == "fit-2024q4"
    assert loaded.model_dump() == fitted.model_dump() and loaded.digest == fitted.digest
    assert available_weights(home=home) == ["fit-2024q4"]
    with pytest.raises(NotFoundError, match=r"Weight set 'nope' not found .*known: fit-2024q4"):
        load_weights("nope", home=home)
    with pytest.raises(ValidationFailed, match="letters, digits"):
        save_weights(fitted, "../escape", home=home)


def test_code_defaults_equal_the_packaged_file_and_digest_follows_values() -> None:
    built_in = parse_health_config({}, source="built-in")
    assert built_in.model_dump() == default_health_config().model_dump()
    assert built_in.digest == default_health_config().digest
    assert built_in.digest != parse_health_config({"weights": {"usage": 0.5}}, source="b").digest
