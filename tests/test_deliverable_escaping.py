"""Text from the CRM cannot inject HTML into a deliverable people open in a Markdown viewer."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.content.templates import markdown_safe
from account_intel.store.engine import Store
from account_intel.store.models import Account, Contact

runner = CliRunner()
HOSTILE = 'TechFlow <script>alert("x")</script> &#60;img src=x onerror=alert(1)&#62; AT&T'


@given(st.text())
def test_markdown_safe_text_opens_no_tag_and_spells_no_entity(text: str) -> None:
    safe = markdown_safe(text)
    assert "<" not in safe
    assert safe.replace("&lt;", "<").replace("&amp;", "&") == text  # nothing else changes: it reads as written


def test_a_hostile_account_name_and_title_reach_the_brief_and_qbr_inert(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert runner.invoke(app, ["demo", "--accounts", "20", "--db", url, "--json"]).exit_code == 0
    store = Store(url)
    with store.transaction() as session:
        session.execute(update(Account).where(Account.id == "ACCT-3421").values(name=HOSTILE))
        session.execute(
            update(Contact).where(Contact.account_id == "ACCT-3421").values(title="<b onmouseover=x>VP</b>")
        )
    store.dispose()
    for kind, key in (("brief", "brief_md"), ("qbr", "qbr_md")):
        result = runner.invoke(app, [kind, "ACCT-3421", "--db", url, "--json"])
        assert result.exit_code == 0, result.output
        markdown = Path(json.loads(result.stdout)["deliverables"][key]).read_text()
        assert "&lt;script>" in markdown and "AT&T" in markdown
        assert "<script" not in markdown and "<b " not in markdown and "&#60;" not in markdown
