"""Parsed content files are kept while their text is unchanged, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from account_intel.analytics.config_loader import PACKAGED, read_yaml
from account_intel.content import ContentError
from account_intel.content.templates import parse_template, render
from account_intel.errors import ValidationFailed

TEMPLATE = """{#---
name: hello
description: A greeting.
variables:
  who: whom to greet
---#}
Hello {{ who }}!
"""


def test_an_edit_of_the_same_size_is_read_at_once(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text("usage: 10\n")
    assert read_yaml(path) == {"usage": 10}
    path.write_text("usage: 20\n")  # same size, likely the same modification-time tick
    assert read_yaml(path) == {"usage": 20}


def test_read_yaml_gives_a_fresh_copy_each_time(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text("weights:\n  usage: 10\n")
    first = read_yaml(path)
    first["weights"]["usage"] = 99
    assert read_yaml(path) == {"weights": {"usage": 10}}


def test_a_broken_file_fails_every_time_until_fixed(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text("usage: [\n")
    for _ in range(2):
        with pytest.raises(ValidationFailed, match="not valid YAML"):
            read_yaml(path)
    path.write_text("usage: 1\n")
    assert read_yaml(path) == {"usage": 1}


@pytest.mark.parametrize("path", sorted(PACKAGED.glob("*.yaml")), ids=lambda p: p.name)
def test_the_packaged_configs_read_as_the_pure_python_parser_reads_them(path: Path) -> None:
    assert read_yaml(path) == (yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def test_a_broken_file_is_described_as_the_pure_python_parser_describes_it(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text("weights:\n  usage: [10\n  adoption: 5\n")
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    with pytest.raises(ValidationFailed) as raised:
        read_yaml(path)
    assert str(raised.value) == f"{path} is not valid YAML: {expected.value}"


def test_templates_are_parsed_once_while_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "hello.md.j2"
    path.write_text(TEMPLATE)
    spec = parse_template(path)
    assert parse_template(path) is spec
    assert render(spec, who="Ada") == "Hello Ada!\n"
    path.write_text(TEMPLATE.replace("Hello", "Howdy"))
    changed = parse_template(path)
    assert changed is not spec and render(changed, who="Ada") == "Howdy Ada!\n"
    path.write_text(TEMPLATE.replace("{{ who }}", "{{ whom }}"))
    with pytest.raises(ContentError, match="undeclared"):
        parse_template(path)
