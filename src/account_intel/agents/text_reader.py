"""Reading free text: the opportunity-identifier's first step on the llm brain.

The model reads the account's recent notes, tickets and emails (template `signal_extraction`, the texts fenced as
data) and answers `TextSignals`. Each signal must quote its source verbatim: a signal whose source id was not given
or whose quote is not in that text is dropped, and counted. The kept ones reach the opportunity-identifier as
upstream data and its findings as text-signal claims citing their source. The rules brain's answer to the same
contract is the keyword matcher's mentions; it is also the fallback when the model fails or the budget is spent.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from langchain.agents.structured_output import StructuredOutputValidationError
from langchain_core.messages import AIMessage

from account_intel.agents.brains import FALLBACK_ERRORS
from account_intel.agents.schemas import Claim, OpportunityFindings, TextSignal, TextSignals
from account_intel.agents.untrusted import fence_safe, instruction_patterns, reads_like_instruction
from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import AccountFacts
from account_intel.analytics.signals.text_matcher import TextMatcher, account_mentions
from account_intel.content.templates import load_template, render
from account_intel.llm.retry import retrying
from account_intel.llm.usage import CallUsage
from account_intel.redaction import failure_reason
from account_intel.tools.context import NUMBER, ToolContext

MAX_TEXTS = 10
MAX_CHARS = 700
MAX_SIGNALS = 12
AGENT = "opportunity-identifier"
KINDS = {
    "department": "a department or team that is growing, asking, or not yet served",
    "location": "a new office, site, country or region",
    "initiative": "a project, programme or compliance need (for example SOC 2, a migration, a rollout)",
    "vendor_pain": "trouble with another vendor or with consolidating several tools",
    "growth": "hiring, headcount, funding or usage growth",
    "org_change": "a new executive, an acquisition, a reorganisation",
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SourceText:
    """One text the model may read, with its evidence id."""

    evidence: Evidence
    kind: str
    date: str
    words: str

    @property
    def id(self) -> str:
        """The evidence id the model cites."""
        return self.evidence.id


@dataclass
class Reading:
    """What the reading gave: the verified signals, which brain read, why it fell back, what was dropped."""

    signals: list[TextSignal]
    brain: str
    fallback: str | None = None
    dropped: list[str] = field(default_factory=list)
    suspicious: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """What the run record keeps about the reading."""
        return {
            "brain": self.brain,
            "fallback": self.fallback,
            "kept": len(self.signals),
            "dropped": self.dropped,
            "suspicious": self.suspicious,
        }


def source_texts(facts: AccountFacts) -> list[SourceText]:
    """The account's notes, emails, calls and tickets with words in them, most recent first, trimmed."""
    found: list[tuple[str, SourceText]] = []
    for a in facts.activities:
        words = _join(a.subject, a.body)
        if words:
            day = a.occurred_on.isoformat()
            ev = row_evidence("activity", a.id, f"{a.kind}_text", period=day)
            found.append((day, SourceText(ev, a.kind, day, words)))
    for t in facts.tickets:
        words = _join(t.subject, t.body)
        if words:
            day = t.opened_on.isoformat()
            ev = row_evidence("ticket", t.id, "ticket_text", period=day)
            found.append((day, SourceText(ev, "ticket", day, words)))
    found.sort(key=lambda item: (item[0], item[1].id), reverse=True)
    return [text for _, text in found[:MAX_TEXTS]]


def _join(subject: str | None, body: str | None) -> str:
    words = "\n".join(part.strip() for part in (subject, body) if part and part.strip())
    return words[:MAX_CHARS]


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def verify(reading: TextSignals, texts: list[SourceText]) -> tuple[list[TextSignal], list[str]]:
    """Keep a signal only when its source was given and its quote is in that source's words."""
    by_id = {t.id: _normal(t.words) for t in texts}
    kept: list[TextSignal] = []
    dropped: list[str] = []
    for s in reading.signals[:MAX_SIGNALS]:
        words = by_id.get(s.source_id)
        quote = _normal(s.quote)
        if words is None:
            dropped.append(f"{s.kind} '{s.value}': source {s.source_id} was not among the texts given")
        elif not quote or quote not in words:
            dropped.append(f"{s.kind} '{s.value}': the quote is not in {s.source_id}")
        elif not set(NUMBER.findall(s.meaning)) <= set(NUMBER.findall(s.quote)):
            dropped.append(f"{s.kind} '{s.value}': its meaning adds numbers the quote does not hold")
        else:
            kept.append(s)
    return kept, dropped


def matcher_signals(facts: AccountFacts, matcher: TextMatcher, texts: list[SourceText]) -> list[TextSignal]:
    """The rules brain's reading: one signal per (kind, value) the keyword matcher finds in the same texts."""
    given = {t.id for t in texts}
    seen: set[tuple[str, str]] = set()
    out: list[TextSignal] = []
    for m in account_mentions(facts, matcher):
        key = (m.kind.value, m.value.casefold())
        if m.source_id not in given or key in seen:
            continue
        seen.add(key)
        out.append(
            TextSignal(
                kind=m.kind.value,
                value=m.value,
                source_id=m.source_id,
                quote=m.matched,
                meaning=f"{m.kind.value.replace('_', ' ').capitalize()} mentioned: {m.value}.",
            )
        )
    return out[:MAX_SIGNALS]


def read_free_text(runner: Any, ctx: ToolContext, facts: AccountFacts, matcher: TextMatcher) -> Reading:
    """Read the account's texts on the runner's brain; their evidence joins this run's sink either way."""
    every = source_texts(facts)
    ctx.sink.add_evidence(t.evidence for t in every)
    patterns = instruction_patterns(ctx.settings.content_dir)
    flagged = {t.id: why for t in every if (why := reads_like_instruction(t.words, patterns))}
    suspicious = [
        f"{source}: reads like an instruction ({why}); not read as a signal" for source, why in flagged.items()
    ]
    texts = [t for t in every if t.id not in flagged]  # an instruction-like text is never read, by either brain
    if runner.mode != "llm" or not texts:
        return Reading(matcher_signals(facts, matcher, texts), "rules", suspicious=suspicious)
    if (reason := runner.breaker.open_reason()) is not None:  # the endpoint is down for this run: do not wait on it
        return Reading(matcher_signals(facts, matcher, texts), "rules", fallback=reason, suspicious=suspicious)
    try:
        answer = _ask_model(runner, ctx, facts, texts)
    except FALLBACK_ERRORS as exc:  # the model failed: the matcher's reading stands, flagged
        runner.breaker.failure(exc)
        fallback = failure_reason(exc, ctx.settings)
        return Reading(matcher_signals(facts, matcher, texts), "rules", fallback=fallback, suspicious=suspicious)
    runner.breaker.success()
    if answer is None:
        fallback = "token budget spent before reading the texts"
        return Reading(matcher_signals(facts, matcher, texts), "rules", fallback=fallback, suspicious=suspicious)
    kept, dropped = verify(answer, texts)
    for s in kept:  # a number quoted verbatim from a note is grounded in that note
        ctx.sink.add_quoted(s.quote)
    return Reading(kept, "llm", dropped=dropped, suspicious=suspicious)


def _ask_model(runner: Any, ctx: ToolContext, facts: AccountFacts, texts: list[SourceText]) -> TextSignals | None:
    """One structured call, retried on transient errors; None when the account's token budget is spent."""
    spec = runner.specs[AGENT]
    prompt = render(
        load_template("signal_extraction", runner.llm.settings.content_dir),
        account_id=facts.account_id,
        account_name=facts.name,
        kinds=KINDS,
        texts=[replace(t, words=fence_safe(t.words)) for t in texts],
    )
    model = runner.llm.chat_model(spec.model_role).with_structured_output(
        TextSignals, method="function_calling", include_raw=True
    )
    account = str(ctx.account_id)
    deadline = runner.deadline_for(account)
    for attempt in retrying(
        runner.llm.settings.llm_max_attempts, runner.llm.settings.llm_backoff_max_seconds, runner.sleep or time.sleep
    ):
        with attempt:
            if deadline is not None:
                deadline.check()
            if runner.ledger.used(account) >= runner.ledger.account_budget:
                return None
            out = model.invoke([{"role": "user", "content": prompt}])
    raw = out.get("raw")
    if isinstance(raw, AIMessage) and raw.usage_metadata:
        runner.ledger.calls.append(
            CallUsage(
                agent=f"{AGENT}:read_text",
                account_id=account,
                input_tokens=raw.usage_metadata["input_tokens"],
                output_tokens=raw.usage_metadata["output_tokens"],
            )
        )
    if out.get("parsing_error") is not None or not isinstance(out.get("parsed"), TextSignals):
        problem = out.get("parsing_error") or ValueError("the model gave no TextSignals answer")
        raise StructuredOutputValidationError("TextSignals", problem, raw if isinstance(raw, AIMessage) else None)
    return out["parsed"]


def with_text_claims(findings: OpportunityFindings, reading: Reading) -> OpportunityFindings:
    """The findings with one claim per model-read signal the agent did not already state (rules signals already
    arrive through get_signals)."""
    if reading.brain != "llm" or not reading.signals:
        return findings
    present = {(tuple(c.evidence_ids), _normal(c.text)) for c in findings.text_signals}
    added = []
    for s in reading.signals:
        claim = Claim(text=f'{s.meaning} ("{s.quote.strip()}")', evidence_ids=[s.source_id])
        if (tuple(claim.evidence_ids), _normal(claim.text)) not in present:
            added.append(claim)
    return findings.model_copy(update={"text_signals": [*findings.text_signals, *added]})
