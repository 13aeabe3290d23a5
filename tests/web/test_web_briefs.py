"""Briefs from the account page: started by a POST (form token, drafting permission), followed as server-sent
events to a final event, then shown escaped and downloadable; jobs are in memory."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from account_intel.domain.enums import ActivityKind
from account_intel.runs.brief import BriefResult
from account_intel.store.models import Account, Activity
from account_intel.web.brief_jobs import BriefJob
from account_intel.web.context import WebContext
from tests.web.support import Web

HOSTILE = '<script>alert("crm")</script>'


def _ctx(web: Web) -> WebContext:
    ctx: WebContext = web.client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def _events(web: Web, url: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Read a job's event stream to its end (the server closes it after the final event)."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with web.client.stream("GET", url, headers=headers or {}) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-cache"
        for line in stream.iter_lines():
            if not line:
                if "event" in current:
                    events.append(current)
                current = {}
            elif line.startswith(("id: ", "event: ")):
                key, _, value = line.partition(": ")
                current[key] = value
            elif line.startswith("data: "):
                current["data"] = json.loads(line.removeprefix("data: "))
    return events


def _start(web: Web, ref: str = "ACCT-2001") -> str:
    answer = web.client.post(
        f"/accounts/{ref}/brief", data={"csrf_token": web.csrf(f"/accounts/{ref}")}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/briefs/")
    return location


def test_a_csm_generates_a_brief_and_follows_it_to_the_end(web: Web) -> None:
    with web.store.transaction() as session:
        session.add(
            Activity(
                id="ACT-HOSTILE",
                account_id="ACCT-2001",
                kind=ActivityKind.NOTE,
                occurred_at=datetime(2024, 11, 20, 9, tzinfo=UTC),
                subject=HOSTILE,
                body=f"Marketing wants more seats {HOSTILE}",
            )
        )
        session.execute(update(Account).where(Account.id == "ACCT-2001").values(name=f"RetailCo {HOSTILE}"))
    web.sign_in("CSM")  # drafting is allowed to a CSM, though working the pipeline is not
    account_page = web.client.get("/accounts/ACCT-2001").text
    assert "Generate brief" in account_page and 'action="/accounts/ACCT-2001/brief"' in account_page

    job_url = _start(web)
    events = _events(web, f"{job_url}/events")
    progress = [e for e in events if e["event"] == "progress"]
    nodes = [e["data"]["node"] for e in progress if e["data"]["node"]]
    assert progress[0]["data"]["text"] == "Started (rules brain)"  # no model configured: the rules brain
    assert nodes[:2] == ["load_context", "score_health"] and "compose_deliverables" in nodes
    assert [int(e["id"]) for e in events] == list(range(1, len(events) + 1))
    final = events[-1]
    assert final["event"] == "done" and [e["event"] for e in events[:-1]] == ["progress"] * (len(events) - 1)
    assert final["data"]["url"] == job_url and final["data"]["download"] == f"{job_url}/brief.md"
    assert final["data"]["status"] in {"completed", "awaiting_approval"} and final["data"]["cached"] is False

    page = web.client.get(job_url)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and HOSTILE not in page.text
    assert "RetailCo &lt;script&gt;alert(&#34;crm&#34;)&lt;/script&gt;" in page.text  # the name, as text
    assert "&amp;lt;script&gt;" in page.text  # the brief's Markdown (written inert) shown as text once more
    assert f"Computed</dt><dd>{web.clock.now().isoformat(timespec='seconds')}" in page.text
    assert "As of 2024-11-30, the store&#39;s data date." in page.text
    assert 'id="brief-running"' not in page.text  # finished: nothing left to follow

    download = web.client.get(f"{job_url}/brief.md")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/markdown")
    assert download.headers["content-disposition"] == 'attachment; filename="brief_ACCT-2001_2024-11-30.md"'
    on_disk = Path(_ctx(web).settings.home) / "runs" / "brief_ACCT-2001_2024-11-30" / "brief.md"
    assert download.text == on_disk.read_text(encoding="utf-8")  # the CLI's deliverable, where the CLI puts it
    assert "RetailCo &lt;script>" in download.text and HOSTILE not in download.text


def test_starting_a_brief_needs_the_form_token_and_a_known_account(web: Web) -> None:
    web.sign_in("AE")
    refused = web.client.post("/accounts/ACCT-2001/brief", data={}, follow_redirects=False)
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    token = web.csrf("/accounts/ACCT-2001")
    missing = web.client.post("/accounts/NOPE-404/brief", data={"csrf_token": token}, follow_redirects=False)
    assert missing.status_code == 404 and "NOPE-404" in missing.text
    bad_day = web.client.post(
        "/accounts/ACCT-2001/brief", data={"csrf_token": token, "as_of": "30-11-2024"}, follow_redirects=False
    )
    assert bad_day.status_code == 422 and "as_of" in bad_day.text
    unknown = web.client.get("/briefs/not-a-job")
    assert unknown.status_code == 404 and "kept in memory" in unknown.text
    web.client.post("/sign-out", data={"csrf_token": token})
    signed_out = web.client.get("/briefs/not-a-job/events", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")


def _held_job(web: Web, release: threading.Event) -> tuple[BriefJob, Callable[[], None]]:
    """A job whose run waits for the test: it reports one node, then holds until released."""
    reached = threading.Event()
    result = BriefResult(account_id="ACCT-2001", thread_id="t", status="completed", markdown=f"# {HOSTILE}\n")

    def run(on_node: Callable[[str], None]) -> BriefResult:
        on_node("load_context")
        reached.set()
        release.wait(timeout=60)
        return result

    job = BriefJob(
        id="held-job",
        account_id="ACCT-2001",
        account_name="RetailCo",
        as_of=date(2024, 11, 30),
        as_of_source="the store's data date",
        brain="rules",
        started_by="Test",
        started_at=web.clock.now(),
    )
    started = _ctx(web).briefs.start(job, run)
    assert reached.wait(timeout=60)
    return started, release.set


def test_a_running_brief_page_works_without_javascript_and_a_reconnect_resumes(web: Web) -> None:
    web.sign_in("manager")
    release = threading.Event()
    job, let_go = _held_job(web, release)
    running = web.client.get(job.url)
    assert 'data-events="/briefs/held-job/events"' in running.text
    assert "<li>Started (rules brain)</li>" in running.text and "<li>Read the account&#39;s data</li>" in running.text
    assert '<a href="/briefs/held-job">Refresh</a>' in running.text  # the page without JavaScript
    assert web.client.get(f"{job.url}/brief.md").status_code == 404  # nothing to download yet
    same = web.client.post(
        "/accounts/ACCT-2001/brief", data={"csrf_token": web.csrf("/")}, follow_redirects=False
    )  # the same account and day while it runs: the running job, not a second run on the same graph thread
    assert same.headers["location"] == job.url

    let_go()
    resumed = _events(web, f"{job.url}/events", headers={"Last-Event-ID": "2"})
    assert [e["event"] for e in resumed] == ["done"] and resumed[0]["id"] == "3"
    finished = web.client.get(job.url).text
    assert "&lt;script&gt;" in finished and HOSTILE not in finished
    assert web.client.get(f"{job.url}/brief.md").text == f"# {HOSTILE}\n"  # a download, not a page: as written
