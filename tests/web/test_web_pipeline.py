"""The pipeline pages: RetailCo's Marketing expansion created through the form and walked to Won, forms that keep
what was typed and name the field, refused moves that say why, the permission table, and CRM text kept inert."""

from __future__ import annotations

import re

from fastapi import APIRouter, Response
from sqlalchemy import func, select, update

from account_intel.store.models import Opportunity
from account_intel.web.forms import refuse
from account_intel.web.security import DbSession, PageViewer
from tests.web.support import Web

RETAILCO = "ACCT-2001"
MARKETING = {  # README's `opp create` example
    "name": "Marketing Department Staffing",
    "type": "new_department",
    "estimated_value": "150000",
    "source": "client_mention",
    "source_contact": "Tom Wilson",
    "champion": "Tom Wilson",
    "decision_maker": "TBD",
    "expected_close_date": "2024-12-31",
    "target_departments": "Marketing, Digital Marketing",
}


def _opportunities(web: Web) -> int:
    with web.store.transaction() as session:
        return session.scalar(select(func.count()).select_from(Opportunity)) or 0


def _post(web: Web, path: str, data: dict[str, str], *, csrf: bool = True) -> object:
    form = {**data, "csrf_token": web.csrf()} if csrf else data
    return web.client.post(path, data=form, follow_redirects=False)


def _create(web: Web, **overrides: str) -> str:
    created = _post(web, f"/accounts/{RETAILCO}/opportunities", {**MARKETING, **overrides})
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert re.fullmatch(r"/opportunities/EXP-2024-\d{4}", location)
    return location.rsplit("/", 1)[1]


def _field(page: str, name: str) -> str:
    """The label holding the form field `name`, with its messages."""
    match = re.search(rf'<label>(?:(?!</label>).)*name="{name}"(?:(?!</label>).)*</label>', page, re.DOTALL)
    assert match, name
    return match.group(0)


def test_retailco_marketing_expansion_from_the_form_to_won_raises_arr_to_520k_and_the_tier_to_t1(web: Web) -> None:
    web.sign_in("AE")
    account = web.client.get("/accounts/RetailCo").text
    assert f'href="/accounts/{RETAILCO}/opportunities/new" data-dialog="#opportunity-form"' in account
    assert "/static/pipeline.js" in account
    assert "$340K" in account and ">T2<" in account
    form = web.client.get(f"/accounts/{RETAILCO}/opportunities/new")
    assert form.status_code == 200 and 'id="opportunity-form"' in form.text
    assert '<option value="Tom Wilson">' in form.text  # the account's contacts are suggested

    exp = _create(web)
    page = web.client.get(f"/opportunities/{exp}").text
    assert "Marketing Department Staffing" in page and "Identified" in page and "Tom Wilson" in page
    assert "As of 2024-11-30, the store&#39;s data date." in page
    assert "Marketing, Digital Marketing" in page
    assert "Research" in page  # the research checklist, as `opp create` adds it

    for stage in ("qualified", "proposal", "negotiation", "verbal_agreement"):
        moved = _post(web, f"/opportunities/{exp}/move", {"stage": stage, "probability": "", "note": ""})
        assert moved.status_code == 303 and moved.headers["location"] == f"/opportunities/{exp}"
    walked = web.client.get(f"/opportunities/{exp}").text
    assert "Verbal Agreement" in walked and "90%" in walked
    history = walked.split('id="history"')[1].split("</section>")[0]
    assert history.count("<tr>") == 6  # the header, created, and four moves

    won = _post(web, f"/opportunities/{exp}/win", {"closed_value": "180000"})
    assert won.status_code == 200
    result = won.text.split('id="won"')[1].split("</section>")[0]
    assert "$340K to $520K (+53%)" in result and "T2 to T1" in result and "153%" in result
    assert "amendment to" in result and "Update QBR schedule" in result  # a new T1 account gets quarterly QBRs
    assert 'action="/opportunities/' not in won.text.split('id="won"')[1]  # a closed opportunity offers no forms

    after = web.client.get("/accounts/RetailCo").text
    assert "$520K" in after and ">T1<" in after
    api = web.client.get(f"/api/v1/accounts/{RETAILCO}", headers={"Authorization": f"Bearer {web.tokens['AE']}"})
    assert (api.json()["profile"]["arr"], api.json()["profile"]["tier"]) == ("520000.00", "T1")
    again = _post(web, f"/opportunities/{exp}/win", {"closed_value": "180000"})  # a resubmitted win changes nothing
    assert again.status_code == 400 and "a closed opportunity cannot change stage" in again.text
    assert "$520K" in web.client.get("/accounts/RetailCo").text


def test_a_refused_form_keeps_every_input_and_names_each_field(web: Web) -> None:
    web.sign_in("AE")
    before = _opportunities(web)
    typed = {**MARKETING, "name": "", "estimated_value": "-5", "probability": "50", "discovery_notes": "Keep <me>"}
    refused = _post(web, f"/accounts/{RETAILCO}/opportunities", typed)
    assert refused.status_code == 422
    page = refused.text
    assert "Failed to create opportunity. Check required fields." in page
    assert "Name is required." in _field(page, "name")
    assert "Estimated value must be a positive number." in _field(page, "estimated_value")
    assert "Probability must be one of 10, 25, 40, 60, 75, 90 (got 50)." in _field(page, "probability")
    assert 'value="-5"' in _field(page, "estimated_value") and 'value="50" selected' in page
    assert "Keep &lt;me&gt;</textarea>" in page and 'value="Tom Wilson"' in _field(page, "champion")
    assert 'value="new_department" selected' in page and 'value="client_mention" selected' in page
    assert 'value="2024-12-31"' in page and 'value="Marketing, Digital Marketing"' in page
    assert _opportunities(web) == before

    unknown = _post(web, f"/accounts/{RETAILCO}/opportunities", {**MARKETING, "champion": "Nobody Here"})
    assert unknown.status_code == 404  # the CLI's not-found, next to the field that named the contact
    assert "Champion contact not found in system. (&#39;Nobody Here&#39;: add the contact first.)" in _field(
        unknown.text, "champion"
    )
    assert 'value="Marketing Department Staffing"' in unknown.text
    assert _opportunities(web) == before


def test_a_refused_stage_move_shows_its_reason_and_changes_nothing(web: Web) -> None:
    web.sign_in("AE")
    exp = _create(web)
    skipped = _post(web, f"/opportunities/{exp}/move", {"stage": "negotiation", "note": "too fast"})
    assert skipped.status_code == 400
    move = skipped.text.split('id="move"')[1].split("</div>\n  <div")[0]
    assert "Cannot move to Negotiation without Proposal stage." in move
    assert 'value="negotiation" selected' in move and 'value="too fast"' in move  # the choice is kept
    early = _post(web, f"/opportunities/{exp}/win", {"closed_value": ""})
    assert early.status_code == 400 and "Cannot move to Closed Won without Verbal Agreement stage." in early.text
    with web.store.transaction() as session:
        opportunity = session.get(Opportunity, exp)
        assert opportunity is not None and opportunity.stage.value == "identified"


def test_losing_needs_a_reason_and_sets_the_follow_up(web: Web) -> None:
    web.sign_in("manager")
    exp = _create(web)
    vague = _post(web, f"/opportunities/{exp}/lose", {"reason": "other", "note": "", "follow_up_days": "30"})
    assert vague.status_code == 422
    assert "Follow-up must be 90 to 180 days out (3-6 months); got 30." in vague.text
    lost = _post(
        web, f"/opportunities/{exp}/lose", {"reason": "budget", "note": "Frozen until Q3", "follow_up_days": ""}
    )
    assert lost.status_code == 200
    summary = lost.text.split('id="lost"')[1].split("</section>")[0]
    assert "closed lost (Budget: Frozen until Q3); no ARR impact" in summary and "on 2025-02-28" in summary


def test_a_csm_reads_the_pipeline_but_may_not_work_it(web: Web) -> None:
    web.sign_in("AE")
    exp = _create(web)
    web.client.cookies.clear()
    web.sign_in("CSM")
    before = _opportunities(web)
    account = web.client.get("/accounts/RetailCo").text
    assert "Create expansion opportunity" not in account
    form = web.client.get(f"/accounts/{RETAILCO}/opportunities/new")
    assert form.status_code == 403 and "(csm) may not work the pipeline" in form.text
    created = _post(web, f"/accounts/{RETAILCO}/opportunities", MARKETING)
    assert created.status_code == 403 and "(csm) may not work the pipeline" in created.text
    assert _opportunities(web) == before
    page = web.client.get(f"/opportunities/{exp}")
    assert page.status_code == 200 and "may read the pipeline but not work it" in page.text
    assert f'action="/opportunities/{exp}/move"' not in page.text
    moved = _post(web, f"/opportunities/{exp}/move", {"stage": "qualified"})
    assert moved.status_code == 403
    assert web.client.get("/pipeline").status_code == 200


def test_a_post_without_the_form_token_is_refused_and_writes_nothing(web: Web) -> None:
    web.sign_in("AE")
    before = _opportunities(web)
    refused = _post(web, f"/accounts/{RETAILCO}/opportunities", MARKETING, csrf=False)
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    forged = web.client.post(
        f"/accounts/{RETAILCO}/opportunities", data={**MARKETING, "csrf_token": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert _opportunities(web) == before
    exp = _create(web)
    assert _post(web, f"/opportunities/{exp}/move", {"stage": "qualified"}, csrf=False).status_code == 403


def test_the_board_has_a_column_per_stage_in_order_and_filters_by_owner_and_type(web: Web) -> None:
    web.sign_in("AE")
    exp = _create(web)
    board = web.client.get("/pipeline")
    assert board.status_code == 200 and "As of 2024-11-30" in board.text
    headings = re.findall(r'<div class="column stage-(\w+)">', board.text)
    assert headings == [
        "identified",
        "qualified",
        "proposal",
        "negotiation",
        "verbal_agreement",
        "closed_won",
        "closed_lost",
    ]
    identified = board.text.split('stage-identified">')[1].split('<div class="column')[0]
    assert f'href="/opportunities/{exp}"' in identified and "RetailCo" in identified and "$150K" in identified
    assert "Close by 2024-12-31" in identified and "New department" in identified
    with web.store.transaction() as session:
        owner = session.get(Opportunity, exp).owner_id  # type: ignore[union-attr]
    mine = web.client.get(f"/pipeline?owner={owner}&type=new_department").text
    assert f'href="/opportunities/{exp}"' in mine
    assert f'href="/opportunities/{exp}"' not in web.client.get("/pipeline?type=new_location").text
    bad = web.client.get("/pipeline?type=bogus")
    assert bad.status_code == 422 and "Type must be one of" in bad.text and "(got &#39;bogus&#39;)" in bad.text
    assert web.client.get("/pipeline?owner=nobody@example.com").status_code == 404


def test_crm_text_in_an_opportunity_name_is_escaped_on_the_board(web: Web) -> None:
    web.sign_in("AE")
    exp = _create(web)
    payload = '<script>alert("x")</script>'
    with web.store.transaction() as session:
        session.execute(update(Opportunity).where(Opportunity.id == exp).values(name=payload))
    for path in ("/pipeline", f"/opportunities/{exp}"):
        page = web.client.get(path)
        assert page.status_code == 200
        assert payload not in page.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_a_refused_form_keeps_nothing_its_request_wrote(web: Web) -> None:
    router = APIRouter()

    @router.post("/test-only/refuse")
    def refused(session: DbSession, viewer: PageViewer) -> Response:
        session.execute(update(Opportunity).values(name="written before the refusal"))
        return refuse(session, Response("refused", status_code=409))

    web.client.app.include_router(router)  # type: ignore[attr-defined]
    web.sign_in("AE")
    exp = _create(web)
    answer = _post(web, "/test-only/refuse", {})
    assert (answer.status_code, answer.text) == (409, "refused")
    with web.store.transaction() as session:
        assert session.scalar(select(func.count()).where(Opportunity.name == "written before the refusal")) == 0
        assert session.get(Opportunity, exp).name == MARKETING["name"]  # type: ignore[union-attr]
