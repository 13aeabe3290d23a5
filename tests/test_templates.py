from __future__ import annotations

from pathlib import Path

import pytest

from account_intel.content import ContentError
from account_intel.content.templates import all_templates, parse_template, render


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.md.j2"
    path.write_text(text)
    return path


def test_declared_variables_must_match_the_body(tmp_path: Path) -> None:
    good = parse_template(
        _write(tmp_path, "{#---\nname: t\ndescription: d\nvariables:\n  who: a name\n---#}\nHi {{ who }}\n")
    )
    assert render(good, who="Tom") == "Hi Tom\n"
    with pytest.raises(ContentError, match="needs variables \\['who'\\]"):
        render(good)
    with pytest.raises(ContentError, match="does not declare \\['extra'\\]"):
        render(good, who="Tom", extra=1)
    with pytest.raises(ContentError, match="undeclared variables \\['other'\\]"):
        parse_template(
            _write(tmp_path, "{#---\nname: t\ndescription: d\nvariables:\n  who: x\n---#}\n{{ who }}{{ other }}")
        )
    with pytest.raises(ContentError, match="never uses: \\['who'\\]"):
        parse_template(_write(tmp_path, "{#---\nname: t\ndescription: d\nvariables:\n  who: x\n---#}\nstatic"))
    with pytest.raises(ContentError, match="front-matter comment"):
        parse_template(_write(tmp_path, "Hi {{ who }}"))


def test_every_shipped_template_is_valid() -> None:
    for spec in all_templates():
        assert spec.description and spec.variables
