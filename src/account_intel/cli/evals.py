"""`account-intel eval run|compare`: the prompt-regression harness (scenarios in evals/, results stamped)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from account_intel.cli.common import console, parse_date, settings_for
from account_intel.clock import SystemClock

app = typer.Typer(help="Evals: run the scenarios, compare results with a baseline.", no_args_is_help=True)

EvalsDir = Annotated[
    Path, typer.Option("--evals-dir", help="Folder with datasets/, baselines/, cassettes/ and tolerances.yaml.")
]


@app.command("run")
def run_command(
    brain: Annotated[str, typer.Option("--brain", help="rules (offline, deterministic) or llm.")] = "rules",
    model: Annotated[str | None, typer.Option("--model", help="Model name for the llm brain (both roles).")] = None,
    dataset: Annotated[str, typer.Option("--dataset", help="Glob of dataset files under datasets/.")] = "*.yaml",
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", help="Only this scenario id (repeatable).")
    ] = None,
    smoke: Annotated[bool, typer.Option("--smoke", help="Only scenarios marked smoke: true.")] = False,
    repeat: Annotated[int, typer.Option("--repeat", min=1, max=20, help="Run each scenario N times.")] = 1,
    out: Annotated[Path, typer.Option("--out", help="Folder for the JSON and Markdown results.")] = Path("out/evals"),
    name: Annotated[
        str | None, typer.Option("--name", help="File name of the results (default: <brain>-<date>).")
    ] = None,
    record: Annotated[bool, typer.Option("--record", help="llm brain: store the HTTP exchanges as cassettes.")] = False,
    replay: Annotated[bool, typer.Option("--replay", help="llm brain: run offline from the cassettes.")] = False,
    stub: Annotated[
        bool, typer.Option("--stub", help="Record against the built-in scripted stub server (no live model).")
    ] = False,
    cassettes: Annotated[str, typer.Option("--cassettes", help="Cassette set under cassettes/.")] = "smoke",
    judge: Annotated[bool, typer.Option("--judge", help="Add the LLM-as-judge (needs a live endpoint).")] = False,
    min_pass_rate: Annotated[float, typer.Option("--min-pass-rate", min=0, max=1, help="Fail below this.")] = 0.0,
    day: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Date stamped on the results.")] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep each scenario's store and deliverables under --out.")
    ] = False,
    evals_dir: EvalsDir = Path("evals"),
) -> None:
    """Run the scenarios; print a table per scenario and metric; write <name>.json and <name>.md under --out.

    Exits 1 when safety is below 1.0 anywhere, when a scenario run crashed (or a replay did not match its
    cassette), or when the pass rate is below --min-pass-rate.
    """
    from account_intel.evals.report import print_run, write_run
    from account_intel.evals.runner import EvalError, RunOptions, run_evals

    brain = brain.strip().lower()
    if brain not in ("rules", "llm"):
        raise EvalError("--brain is rules or llm.")
    if record and replay:
        raise EvalError("--record and --replay exclude each other.")
    mode: Literal["offline", "live", "record", "replay"] = (
        "replay" if replay else "record" if (record or stub) else "live" if brain == "llm" else "offline"
    )
    settings = settings_for(None)
    judge_impl = None
    if judge:
        from account_intel.evals.evaluators.judge import Judge
        from account_intel.llm.factory import LLMFactory

        if not settings.llm_configured:
            raise EvalError("--judge needs a live model endpoint (OPENAI_BASE_URL / OPENAI_API_KEY).")
        judge_impl = Judge(LLMFactory(settings), evals_dir / "judge.md.j2")
    stamp_day = parse_date(day, option="--date") or SystemClock().now().date()
    options = RunOptions(
        brain=brain,  # type: ignore[arg-type]
        evals_dir=evals_dir,
        out_dir=out,
        day=stamp_day,
        settings=settings,
        dataset=dataset,
        scenario_ids=tuple(scenario or ()),
        smoke_only=smoke,
        repeat=repeat,
        model=model,
        mode=mode,
        cassette_set=cassettes,
        judge=judge_impl,
        keep_stores=keep,
        on_scenario=lambda s: console.print(
            f"{'✓' if s.passed else '✗'} {s.id}" + ("" if s.passed else f": {'; '.join(s.repeats[0].failures[:2])}"),
            highlight=False,
            soft_wrap=True,
        ),
    )
    if stub:
        from account_intel.evals.stub_script import ScriptedModel, load_script
        from account_intel.evals.stub_server import running_stub

        model_stub = ScriptedModel(load_script(evals_dir / "cassettes" / cassettes / "stub_script.yaml"))
        with running_stub(model_stub) as base_url:
            options.stub, options.stub_base_url = model_stub, base_url
            options.model = model or "scripted-stub"
            options.extra_meta = {
                "against": "account-intel's local scripted stub server (no live endpoint was reachable)",
                "note": "Answers are scripted from the rules brain: they test the llm pipeline's mechanics, "
                "not a model.",
            }
            result = run_evals(options)
    else:
        if mode == "record":
            options.extra_meta = {"against": settings.openai_base_url or "https://api.openai.com/v1"}
        result = run_evals(options)
    print_run(result, console)
    js, md = write_run(result, out, name or f"{brain}-{stamp_day.isoformat()}")
    console.print(f"Wrote {js} and {md}")
    drift = sorted({f"{s.id}: {d}" for s in result.scenarios for r in s.repeats for a in r.accounts for d in a.drift})
    for line in drift[:10]:
        console.print(
            f"schema drift (recorded schema differs; the replay still holds): {line}", markup=False, soft_wrap=True
        )
    if drift:
        console.print("Re-record the cassettes to clear schema drift (docs/evals.md).", markup=False)
    errors = [f"{s.id}: {a.error}" for s in result.scenarios for r in s.repeats for a in r.accounts if a.error]
    if not result.safety_ok or errors or result.pass_rate < min_pass_rate:
        for line in errors[:10]:
            console.print("[red]error[/] ", end="", markup=True)
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        if result.pass_rate < min_pass_rate:
            console.print(
                f"[red]pass rate {result.pass_rate:.1%} is below --min-pass-rate {min_pass_rate:.0%}[/]", markup=True
            )
        raise typer.Exit(1)


@app.command("compare")
def compare_command(
    baseline: Annotated[Path, typer.Argument(help="Baseline result JSON (e.g. evals/baselines/rules.json).")],
    candidate: Annotated[Path, typer.Argument(help="Candidate result JSON from `eval run`.")],
    md: Annotated[Path | None, typer.Option("--md", help="Also write the comparison as Markdown here.")] = None,
    evals_dir: EvalsDir = Path("evals"),
) -> None:
    """Deltas per metric and per scenario; exits 1 when a metric drops beyond its tolerance or safety < 1.0."""
    from account_intel.evals.compare import compare, load_result
    from account_intel.evals.report import comparison_markdown, print_comparison
    from account_intel.evals.tolerances import TOLERANCES_FILE, load_tolerances

    result = compare(load_result(baseline), load_result(candidate), load_tolerances(evals_dir / TOLERANCES_FILE))
    print_comparison(result, console)
    if md is not None:
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(comparison_markdown(result), encoding="utf-8")
    if not result.ok:
        raise typer.Exit(1)


@app.command("schema")
def schema_command(
    write: Annotated[bool, typer.Option("--write", help="Write scenario.schema.json instead of printing.")] = False,
    evals_dir: EvalsDir = Path("evals"),
) -> None:
    """The JSON schema of a dataset file (checked at load; the committed copy must equal it)."""
    from account_intel.evals.scenario import SCHEMA_FILE, schema_text

    if write:
        path = evals_dir / SCHEMA_FILE
        path.write_text(schema_text(), encoding="utf-8")
        console.print(f"Wrote {path}")
    else:
        typer.echo(schema_text(), nl=False)
