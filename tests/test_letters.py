"""Letters to customers in their language: the templates, the choice of language, and drafts end to end."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.content import content_root
from account_intel.content.letters import letter_language, money_in, write_letter
from account_intel.content.templates import parse_template
from account_intel.domain.language import InvalidLanguage, normalise_language, primary_language
from account_intel.settings import Settings
from account_intel.store.accounts import find_account
from account_intel.store.engine import Store
from account_intel.store.models import Account, Event
from tests.factories import sign_in

LETTERS = content_root() / "prompts" / "letters"
KINDS = ("outreach_email", "proposal_email")
PURPOSES = ("intro_request", "qbr_invitation", "multithreading", "rescue_check_in")
runner = CliRunner()


def _languages(kind: str) -> list[str]:
    return sorted(p.name.removeprefix(f"{kind}_").split(".")[0] for p in LETTERS.glob(f"{kind}_*.txt.j2"))


def _outreach(language: str, purpose: str, target_kind: str = "department") -> tuple[str, str]:
    letter = write_letter(
        "outreach_email",
        language=language,
        default_language="en",
        root=None,
        purpose=purpose,
        contact_name="Priya",
        account_name="TechFlow",
        target_kind=target_kind,
        target="Marketing" if target_kind == "department" else "London, UK",
        owner_name="Zoe Weber",
    )
    return letter.subject, letter.body


@pytest.mark.parametrize("kind", KINDS)
def test_every_language_takes_exactly_the_variables_english_does(kind: str) -> None:
    english = parse_template(LETTERS / f"{kind}_en.txt.j2").variables
    assert {"en", "de", "fr", "es", "pt", "nl"} <= set(_languages(kind))
    for language in _languages(kind):
        assert parse_template(LETTERS / f"{kind}_{language}.txt.j2").variables.keys() == english.keys(), language


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("target_kind", ["department", "location"])
def test_each_outreach_letter_has_a_subject_a_greeting_and_the_aes_signature(purpose: str, target_kind: str) -> None:
    english = _outreach("en", purpose, target_kind)
    for language in _languages("outreach_email"):
        subject, body = _outreach(language, purpose, target_kind)
        assert subject and "\n" not in subject and "{" not in subject + body
        assert "Priya" in body and body.rstrip().endswith("Zoe Weber")
        assert "Subject:" not in body
        if purpose in ("intro_request", "qbr_invitation"):
            assert "TechFlow" in body
        if purpose == "intro_request":
            assert ("Marketing" if target_kind == "department" else "London, UK") in subject + body
        if language != "en":
            assert (subject, body) != english and english[1].splitlines()[2] not in body  # translated, not copied


def test_a_proposal_email_is_in_the_customers_language_with_its_money_written_their_way() -> None:
    def letter(language: str) -> tuple[str, str]:
        made = write_letter(
            "proposal_email",
            language=language,
            default_language="en",
            root=None,
            recipient={"name": "Jennifer Martinez", "first_name": "Jennifer"},
            proposal={"id": "P-1", "title": "Marketing Staffing", "net_value_fmt": money_in(Decimal(180000), language)},
            account={"name": "RetailCo"},
            sender={"name": "Avery Stone", "email": "avery@vendor.test"},
        )
        return made.subject, made.body

    assert letter("en")[0] == "Marketing Staffing - Proposal for RetailCo" and "$180,000" in letter("en")[1]
    assert letter("de")[0] == "Marketing Staffing - Angebot für RetailCo" and "180.000 $" in letter("de")[1]
    assert "Proposta" in letter("pt-BR")[0] and "US$ 180.000" in letter("pt-BR")[1]
    assert "180\u202f000 $" in letter("fr")[1]


def test_the_language_falls_back_to_the_default_then_english_and_says_so() -> None:
    assert letter_language("outreach_email", "pt-BR", "en", None) == "pt"
    assert letter_language("outreach_email", "ja", "de", None) == "de"
    assert letter_language("outreach_email", "ja", "sv", None) == "en"
    letter = write_letter(
        "outreach_email",
        language="ja",
        default_language="en",
        root=None,
        purpose="qbr_invitation",
        contact_name="Aiko",
        account_name="Kaito",
        target_kind="",
        target="",
        owner_name="Zoe Weber",
    )
    assert letter.fell_back and letter.language == "en"
    assert letter.note() is not None and "'ja'" in letter.note()  # type: ignore[operator]


def test_a_users_own_content_folder_can_add_a_language(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(content_root(), tmp_path / "content", ignore=shutil.ignore_patterns("__pycache__"))
    english = (tmp_path / "content" / "prompts" / "letters" / "outreach_email_en.txt.j2").read_text()
    swedish = english.replace("name: outreach_email_en", "name: outreach_email_sv").replace("Hi ", "Hej ")
    (tmp_path / "content" / "prompts" / "letters" / "outreach_email_sv.txt.j2").write_text(swedish)
    assert letter_language("outreach_email", "sv-SE", "en", tmp_path / "content") == "sv"


@given(st.text(max_size=20))
def test_a_language_tag_is_refused_or_normalised_for_good(value: str) -> None:
    try:
        tag = normalise_language(value)
    except InvalidLanguage as exc:
        assert repr(value)[1:-1] in str(exc) or value in str(exc)
        return
    assert normalise_language(tag) == tag and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}", tag)
    assert primary_language(tag) == tag.split("-")[0]


def test_language_tags_read_as_people_write_them() -> None:
    assert [normalise_language(v) for v in ("DE", " pt-br ", "zh-hant-tw", "es-419")] == [
        "de",
        "pt-BR",
        "zh-Hant-TW",
        "es-419",
    ]
    for bad in ("German", "d", "de_DE", "en-", "12"):
        with pytest.raises(InvalidLanguage, match="is not a language tag"):
            normalise_language(bad)
    with pytest.raises(ValueError, match="ACCOUNT_INTEL_DEFAULT_LANGUAGE 'English' is not a language tag"):
        Settings(default_language="English")


def test_a_german_customer_gets_its_introduction_in_german_signed_by_its_ae(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set the language as a signed-in user; the brief's draft is then German, the change an event."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert runner.invoke(app, ["demo", "--accounts", "20", "--db", url, "--json"]).exit_code == 0
    with Store(url).transaction() as session:
        techflow = find_account(session, "TechFlow")
        ae, name = techflow.ae_id, techflow.name
    sign_in(monkeypatch, url, str(ae))
    refused = runner.invoke(app, ["accounts", "set-language", "TechFlow", "Deutsch", "--db", url])
    assert "'Deutsch' is not a language tag" in str(refused.exception)
    done = runner.invoke(app, ["accounts", "set-language", "TechFlow", "DE", "--db", url])
    assert done.exit_code == 0 and f"{name} is written to in de." in done.output
    brief = json.loads(runner.invoke(app, ["brief", "TechFlow", "--db", url, "--json"]).stdout)
    (draft,) = brief["drafts"]
    assert draft["subject"] == "Kontakt zu Ihrem Team Marketing" and draft["language"] == "de"
    assert draft["body"].startswith("Hallo ") and "Introduction" not in draft["body"]
    with Store(url).transaction() as session:
        event = session.scalars(select(Event).where(Event.kind == "account.language_changed")).one()
        assert (event.actor, event.payload) == (ae, {"from": None, "to": "de"})
    shown = runner.invoke(app, ["accounts", "show", "TechFlow", "--db", url])
    assert "Language de" in shown.output


def test_the_demo_writes_to_customers_abroad_in_their_language(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert runner.invoke(app, ["demo", "--accounts", "60", "--db", url, "--json"]).exit_code == 0
    with Store(url).transaction() as session:
        pairs = {
            (country, language) for country, language in session.execute(select(Account.hq_country, Account.language))
        }
    assert ("Germany", "de") in pairs and ("United States", None) in pairs


def _with_languages(tmp_path: Path, acme: str, globex: str) -> Path:
    import shutil

    from tests.test_import import CANONICAL

    folder = tmp_path / "export"
    shutil.copytree(CANONICAL, folder)
    path = folder / "accounts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = {"ACME": acme, "GLOBEX": globex}
    rows = [lines[0] + ",language"] + [f"{line},{extra.get(line.split(',')[0], '')}" for line in lines[1:]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_an_import_normalises_the_language_column_and_refuses_what_is_not_a_tag(store: Store, tmp_path: Path) -> None:
    from tests.test_import import _import

    assert _import(store, _with_languages(tmp_path / "good", "EN-us", "de")).ok
    with store.transaction() as session:
        assert session.get(Account, "ACME").language == "en-US"  # type: ignore[union-attr]
        assert session.get(Account, "GLOBEX").language == "de"  # type: ignore[union-attr]
    refused = _import(store, _with_languages(tmp_path / "bad", "en", "Deutsch"))
    assert not refused.ok and not refused.written
    message = " ".join(e.message for e in refused.errors)
    assert "accounts.csv" in message and "language" in message and "'Deutsch'" in message, message
    with store.transaction() as session:
        assert session.get(Account, "GLOBEX").language == "de"  # type: ignore[union-attr]  # nothing half-written
