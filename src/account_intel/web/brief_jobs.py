"""Briefs started from a page: each runs on a worker thread while the request that started it returns at once, and
reports the graph's progress as events a page follows (server-sent events, `routes/briefs.py`).

Jobs live in this process's memory only: a restart forgets them (the deliverables stay under HOME/runs, and the
same brief asked again with the same inputs comes back from the store's checkpoint at once), and with several
server processes a job is known only to the one that started it. At most `KEPT` jobs are remembered; the oldest
finished ones are forgotten first.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from account_intel.errors import DomainError, NotFoundError
from account_intel.runs.brief import BriefResult

log = logging.getLogger(__name__)

WORKERS = 2
KEPT = 200
EventKind = Literal["progress", "done", "failed"]
FINAL: frozenset[str] = frozenset({"done", "failed"})

NODE_TEXT = {
    "load_context": "Read the account's data",
    "score_health": "Scored health",
    "place_in_segment": "Placed the account in its segment and chose its route",
    "find_opportunities": "Found, sized and ranked the opportunities",
    "check_grounding": "Checked every claim against its evidence",
    "compose_deliverables": "Wrote the brief",
    "route_outbound": "Stored the outreach drafts and applied the outbound policy",
    "await_approval": "Paused: gated drafts wait for a person's decision",
    "deliver": "Sent the approved and ungated drafts to the outbox",
    "record_run": "Stored the run record",
}


class BriefEvent(BaseModel):
    """One event of a job's stream: its number (the SSE id), kind and JSON data."""

    id: int
    kind: EventKind
    data: dict[str, Any]

    def sse(self) -> str:
        """The event in the text/event-stream format."""
        return f"id: {self.id}\nevent: {self.kind}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n"


class BriefJob(BaseModel):
    """A brief being computed (or computed) for one account and day, and the events so far."""

    id: str
    account_id: str
    account_name: str
    as_of: date
    as_of_source: str
    brain: str
    started_by: str = Field(description="Name of the user who started it.")
    started_at: datetime
    result: BriefResult | None = None
    error: str | None = None
    events: list[BriefEvent] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Whether the final event (done or failed) was sent."""
        return bool(self.events) and self.events[-1].kind in FINAL

    @property
    def url(self) -> str:
        """The job's page."""
        return f"/briefs/{self.id}"


BriefRunner = Callable[[Callable[[str], None]], BriefResult]


class BriefJobs:
    """The jobs of this process, and the worker threads that run them."""

    def __init__(self, workers: int = WORKERS, kept: int = KEPT) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, BriefJob] = {}
        self._kept = kept
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def start(self, job: BriefJob, run: BriefRunner) -> BriefJob:
        """Queue `run` for the job (it is told each node's name as it finishes); a brief of the same account and day
        already running is returned instead of a second one on the same graph thread."""
        with self._lock:
            running = next(
                (
                    j
                    for j in self._jobs.values()
                    if not j.finished and j.account_id == job.account_id and j.as_of == job.as_of
                ),
                None,
            )
            if running is not None:
                return running
            self._forget_old()
            self._jobs[job.id] = job
            self._add(job, "progress", {"step": 0, "node": None, "text": f"Started ({job.brain} brain)"})
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="brief")
            self._pool.submit(self._run, job, run)
        return job

    def get(self, job_id: str) -> BriefJob:
        """A job by id; unknown (or forgotten after a restart) is a 404 that says what to do."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"No brief '{job_id}' in this server: jobs are kept in memory and a restart forgets them. "
                "Start it again from the account page."
            )
        return job

    def events_after(self, job: BriefJob, after: int) -> list[BriefEvent]:
        """The job's events numbered above `after`."""
        with self._lock:
            return [e for e in job.events if e.id > after]

    def close(self) -> None:
        """Let running briefs finish and drop the queued ones (at shutdown)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _add(self, job: BriefJob, kind: EventKind, data: dict[str, Any]) -> None:
        job.events.append(BriefEvent(id=len(job.events) + 1, kind=kind, data=data))

    def _node(self, job: BriefJob, name: str) -> None:
        with self._lock:
            step = sum(1 for e in job.events if e.data.get("node"))
            self._add(job, "progress", {"step": step + 1, "node": name, "text": NODE_TEXT.get(name, name)})

    def _run(self, job: BriefJob, run: BriefRunner) -> None:
        try:
            result = run(lambda name: self._node(job, name))
        except DomainError as exc:
            self._fail(job, str(exc))
        except Exception:
            log.exception("brief job %s for %s failed", job.id, job.account_id)
            self._fail(job, "The brief stopped on an unexpected error; the server's log has the details.")
        else:
            with self._lock:
                job.result = result
                self._add(
                    job,
                    "done",
                    {
                        "status": result.status,
                        "cached": result.cached,
                        "computed_at": result.computed_at,
                        "url": job.url,
                        "download": f"{job.url}/brief.md" if result.markdown else None,
                    },
                )

    def _fail(self, job: BriefJob, message: str) -> None:
        with self._lock:
            job.error = message
            self._add(job, "failed", {"error": message, "url": job.url})

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished]
        for old in sorted(finished, key=lambda j: j.started_at)[: max(0, len(self._jobs) + 1 - self._kept)]:
            del self._jobs[old.id]


def new_job_id() -> str:
    """An id nobody can guess (it is the job's address)."""
    return secrets.token_urlsafe(16)
