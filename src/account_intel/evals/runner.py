"""`eval run`: every scenario (times --repeat) on a fresh fixture store, through the brief use case, then scored.

Each scenario repeat gets its own folder: the fixture store (and its checkpoints), the home, the deliverables.
The result is stamped with the content hash of agents/, prompts/ and tools/, the brain, the model, the date it
is given (no clock is read here) and the tokens used. With the llm brain the HTTP exchanges go through the
record or replay transports (see `cassettes`) when asked.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from account_intel import __version__
from account_intel.clock import FixedClock
from account_intel.content.stamp import content_hash
from account_intel.domain.wording import count
from account_intel.errors import DomainError
from account_intel.evals.cassettes import (
    AsyncRecordingTransport,
    AsyncReplayTransport,
    Cassette,
    Player,
    Recorder,
    RecordingTransport,
    ReplayTransport,
    cassette_path,
)
from account_intel.evals.evaluators import EVALUATORS, EvalInput
from account_intel.evals.fixtures import build_store
from account_intel.evals.results import AccountRun, MetricResult, RepeatResult, RunResult, ScenarioResult, Stamp
from account_intel.evals.scenario import AS_OF, LoadedScenario, load_scenarios
from account_intel.evals.scoring import assemble, score_repeat, score_scenario
from account_intel.evals.tolerances import TOLERANCES_FILE, Tolerances, load_tolerances
from account_intel.llm.factory import LLMFactory
from account_intel.settings import Settings

Mode = Literal["offline", "live", "record", "replay"]
REPLAY_BASE_URL = "http://replay.invalid/v1"


class EvalError(DomainError):
    """The eval run cannot start as asked (no endpoint for the llm brain, no cassettes, no scenarios)."""


@dataclass
class RunOptions:
    """How to run: which brain and model, which scenarios, how often, and how the llm brain reaches a model."""

    brain: Literal["rules", "llm"]
    evals_dir: Path
    out_dir: Path
    day: date
    settings: Settings
    dataset: str = "*.yaml"
    scenario_ids: tuple[str, ...] = ()
    smoke_only: bool = False
    repeat: int = 1
    model: str | None = None
    mode: Mode = "offline"
    cassette_set: str = "smoke"
    judge: Any = None  # an evaluators.judge.Judge, when the judge is on
    keep_stores: bool = False
    stub_base_url: str | None = None  # record against a local scripted stub (see stub_server)
    stub: Any = None  # the stub's ScriptedModel, bound to each scenario's store before it runs
    on_scenario: Callable[[ScenarioResult], None] | None = None
    extra_meta: dict[str, Any] = field(default_factory=dict)


def select_scenarios(options: RunOptions) -> list[LoadedScenario]:
    """The scenarios of the dataset files matching the glob, filtered by id and smoke flag."""
    found = load_scenarios(options.evals_dir / "datasets", options.dataset)
    if options.scenario_ids:
        unknown = sorted(set(options.scenario_ids) - {s.scenario.id for s in found})
        if unknown:
            raise EvalError(f"Unknown scenario ids: {', '.join(unknown)}.")
        found = [s for s in found if s.scenario.id in options.scenario_ids]
    if options.smoke_only:
        found = [s for s in found if s.scenario.smoke]
    if not found:
        raise EvalError("No scenario selected.")
    return found


def _settings(options: RunOptions, folder: Path, store_url: str, cassette: Cassette | None) -> Settings:
    """The run's settings: its own home and store, the model endpoint (or the replay's recorded model)."""
    update: dict[str, Any] = {"home": folder / "home", "db_url": store_url}
    model = options.model or (cassette.meta.get("model") if cassette else None)
    if model:
        update |= {"model_analyst": model, "model_writer": model}
    if options.mode == "replay":
        update |= {"openai_base_url": REPLAY_BASE_URL, "openai_api_key": None, "llm_requests_per_second": None}
    elif options.stub_base_url:
        update |= {"openai_base_url": options.stub_base_url, "llm_requests_per_second": None}
    return Settings(**(options.settings.model_dump() | update))


def _factory(
    options: RunOptions, settings: Settings, recorder: Recorder | None, player: Player | None
) -> LLMFactory | None:
    if options.brain != "llm":
        return None
    if player is not None:
        return LLMFactory(settings, transport=ReplayTransport(player), async_transport=AsyncReplayTransport(player))
    if recorder is not None:
        return LLMFactory(
            settings, transport=RecordingTransport(recorder), async_transport=AsyncRecordingTransport(recorder)
        )
    return LLMFactory(settings)


def _fallback_errors(brains: dict[str, Any]) -> list[str]:
    return [
        f"{agent} fell back to rules: {b.get('fallback')}"
        for agent, b in brains.items()
        if isinstance(b, dict) and b.get("fallback")
    ]


def run_account(
    loaded: LoadedScenario, account: str, ctx: dict[str, Any], options: RunOptions, judge: Any
) -> AccountRun:
    """One account through run_brief, then every evaluator."""
    from account_intel.runs.brief import run_brief  # the use case pulls in the whole graph

    scenario = loaded.scenario
    started = time.perf_counter()
    no_wait = options.mode == "replay"
    try:
        result = run_brief(
            store=ctx["store"],
            settings=ctx["settings"],
            account=account,
            as_of=AS_OF,
            brain=options.brain,
            out_dir=ctx["folder"] / "out",
            clock=FixedClock.on(AS_OF),
            llm=ctx["llm"],
            kind=scenario.run_kind,
            sleep=(lambda _s: None) if no_wait else None,
        )
    except Exception as exc:  # a crash is a result of the scenario, recorded with its type and message
        return AccountRun(
            account_id=account,
            status="failed",
            seconds=round(time.perf_counter() - started, 2),
            error=f"{type(exc).__name__}: {exc}",
        )
    data = EvalInput(
        scenario=scenario,
        expect=scenario.expectations_for(result.account_id),
        account_id=result.account_id,
        result=result,
        store=ctx["store"],
        settings=ctx["settings"],
        as_of=AS_OF,
        brain=options.brain,
    )
    metrics: list[MetricResult] = []
    for evaluate in EVALUATORS:
        metrics += evaluate(data)
    if judge is not None:
        metrics += judge.evaluate(data)
    errors = list(ctx["player"].errors) if ctx["player"] else []
    if options.mode == "replay":
        errors += _fallback_errors(result.brains)
    return AccountRun(
        account_id=result.account_id,
        status=result.status,
        seconds=round(time.perf_counter() - started, 2),
        brains=result.brains,
        tokens=result.tokens,
        metrics=metrics,
        error="; ".join(errors) if errors else result.error,
        drift=list(ctx["player"].drift) if ctx["player"] else [],
    )


def run_repeat(loaded: LoadedScenario, repeat: int, options: RunOptions, gates: Tolerances, work: Path) -> RepeatResult:
    """One repeat of one scenario on a fresh fixture store."""
    scenario = loaded.scenario
    folder = work / scenario.id / f"r{repeat}"
    store = build_store(scenario, folder)
    path = cassette_path(options.evals_dir / "cassettes", options.cassette_set, scenario.id)
    cassette = Cassette.load(path) if options.mode == "replay" else None
    player = Player(cassette) if cassette is not None else None
    recorder = (
        Recorder(options.extra_meta | {"scenario": scenario.id}) if options.mode == "record" and repeat == 1 else None
    )
    settings = _settings(options, folder, store.url, cassette)
    if options.stub is not None:
        options.stub.bind(store, settings, scenario.id, AS_OF)
    llm = _factory(options, settings, recorder, player)
    ctx = {"store": store, "settings": settings, "folder": folder, "llm": llm, "player": player}
    try:
        accounts = [run_account(loaded, account, ctx, options, options.judge) for account in scenario.accounts]
    finally:
        if llm is not None:
            llm.close()
        store.dispose()
    if player is not None and player.unused() and not any(a.error for a in accounts):
        accounts[-1].error = f"the run made {count(player.unused(), 'request')} fewer than the cassette recorded"
    if cassette is not None and any(a.error for a in accounts):
        recorded, current = cassette.meta.get("content_hash"), options.extra_meta.get("content_hash")
        if recorded and recorded != current:
            hint = (
                f" (the cassette was recorded with content {str(recorded)[:12]}, the content is now "
                f"{str(current)[:12]}: re-record it, see docs/evals.md)"
            )
            for account in accounts:
                account.error = account.error + hint if account.error else None
    if recorder is not None:
        recorder.cassette.meta |= {"model": settings.model_analyst, "exchanges": len(recorder.cassette.exchanges)}
        recorder.cassette.save(path)
    if not options.keep_stores:
        shutil.rmtree(folder, ignore_errors=True)
    return score_repeat(repeat, accounts, options.brain, gates)


def _check_endpoint(options: RunOptions) -> None:
    if options.brain != "llm":
        if options.mode in ("record", "replay"):
            raise EvalError("--record and --replay apply to the llm brain: add --brain llm.")
        return
    if options.mode == "replay":
        return
    if not (options.settings.llm_configured or options.stub_base_url):
        raise EvalError(
            "The llm brain needs a model endpoint (OPENAI_BASE_URL / OPENAI_API_KEY), or --replay to run it offline "
            "from the recorded cassettes."
        )


def run_evals(options: RunOptions) -> RunResult:
    """Run the selected scenarios and aggregate; nothing here reads the clock except to time the run."""
    _check_endpoint(options)
    gates = load_tolerances(options.evals_dir / TOLERANCES_FILE)
    selected = select_scenarios(options)
    digest, files = content_hash(options.settings.content_dir)
    options.extra_meta = {
        "set": options.cassette_set,
        "content_hash": digest,
        "recorded_on": options.day.isoformat(),
        **options.extra_meta,
    }
    started = time.perf_counter()
    results: list[ScenarioResult] = []
    with tempfile.TemporaryDirectory(prefix="account-intel-eval-") as tmp:
        work = options.out_dir / "work" if options.keep_stores else Path(tmp)
        for loaded in selected:
            repeats = [run_repeat(loaded, k, options, gates, work) for k in range(1, options.repeat + 1)]
            result = score_scenario(loaded, repeats)
            results.append(result)
            if options.on_scenario:
                options.on_scenario(result)
    tokens = {"calls": 0, "input_tokens": 0, "output_tokens": 0}
    for s in results:
        for r in s.repeats:
            for a in r.accounts:
                for key in tokens:
                    tokens[key] += int(a.tokens.get(key, 0))
    stamp = Stamp(
        content_hash=digest,
        content_files=files,
        brain=options.brain,
        model=(options.model or options.settings.model_analyst) if options.brain == "llm" else None,
        date=options.day,
        repeat=options.repeat,
        datasets=sorted({s.dataset for s in selected}),
        scenarios=len(results),
        tokens=tokens,
        mode=options.mode,
        cassettes=options.cassette_set if options.mode in ("record", "replay") else None,
        seconds=round(time.perf_counter() - started, 1),
        package_version=__version__,
    )
    if options.mode == "replay" and results:
        first = Cassette.load(cassette_path(options.evals_dir / "cassettes", options.cassette_set, results[0].id))
        stamp.model = first.meta.get("model", stamp.model)
    return assemble(stamp, results)
