"""Showing results: Rich tables for the terminal, and the JSON and Markdown files of a run or a comparison."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from account_intel.domain.wording import count
from account_intel.evals.compare import Comparison
from account_intel.evals.results import RunResult, ScenarioResult, Spread

SHORT = {
    "opp_recall": "recall",
    "opp_precision": "precision",
    "opp_top1": "top-1",
    "placement": "placement",
    "mentions": "mentions",
    "stakeholder_gaps": "gaps",
    "grounding": "grounding",
    "numeric": "numeric",
    "schema": "schema",
    "safety": "safety",
    "judge": "judge",
}
ORDER = tuple(SHORT)


def metric_names(names: set[str] | list[str]) -> list[str]:
    """Known metrics in their display order, then any others."""
    return [m for m in ORDER if m in names] + sorted(set(names) - set(ORDER))


def cell(value: Spread | None, *, spread: bool = False, places: int = 2) -> str:
    """0.83, 0.83±0.05 with repeats, or '-' when not applicable."""
    if value is None or value.mean is None:
        return "-"
    text = f"{value.mean:.{places}f}"
    if spread and value.stdev:
        text += f"±{value.stdev:.{places}f}"
    return text


def scenario_table(run: RunResult) -> Table:
    """One row per scenario, one column per metric, the verdict and the model-only checks."""
    names = metric_names({n for s in run.scenarios for n in s.metrics})
    repeats = run.stamp.repeat > 1
    table = Table(title=f"Eval run: {run.stamp.brain} brain" + (f" ({run.stamp.model})" if run.stamp.model else ""))
    table.add_column("scenario", no_wrap=True)
    for name in names:
        table.add_column(SHORT.get(name, name), justify="right")
    table.add_column("needs llm", justify="right")
    table.add_column("pass", justify="center")
    for s in run.scenarios:
        mark = Text("✓", "green") if s.passed else (Text("✗", "red") if s.pass_rate == 0 else f"{s.pass_rate:.0%}")
        table.add_row(s.id, *[cell(s.metrics.get(n), spread=repeats) for n in names], s.llm_checks or "", mark)
    table.add_row(
        Text("mean over scenarios", "bold"),
        *[Text(cell(run.metrics.get(n), places=3), "bold") for n in names],
        "",
        Text(f"{run.pass_rate:.0%}", "bold"),
    )
    return table


TABLE_WIDTH = 160


def wide(console: Console) -> Console:
    """A console at least TABLE_WIDTH wide on the same output (CI logs are often 80 columns)."""
    if console.width >= TABLE_WIDTH:
        return console
    return Console(file=console.file, width=TABLE_WIDTH, force_terminal=console.is_terminal, markup=False)


def print_run(run: RunResult, console: Console) -> None:
    """The scenario table, the stamp, the spread over repeats and the failures."""
    wide(console).print(scenario_table(run))
    s = run.stamp
    console.print(
        f"content {s.content_hash[:12]} · {s.brain}" + (f" · {s.model}" if s.model else "") + f" · {s.date} · "
        f"{count(s.scenarios, 'scenario', zero='0')} × {s.repeat} · "
        f"{count(s.tokens['calls'], 'model call', zero='0')}, "
        f"{s.tokens['input_tokens']:,} in / {s.tokens['output_tokens']:,} out tokens · "
        f"{s.seconds:.1f} s · mode {s.mode}"
    )
    if run.run_spread:
        spreads = ", ".join(
            f"{SHORT.get(n, n)} {v.mean:.2f}±{v.stdev or 0:.2f}"
            for n, v in run.run_spread.items()
            if v.mean is not None
        )
        console.print(f"Run-level mean ± stdev over {count(s.repeat, 'repeat')}: {spreads}")
    failed = [x for x in run.scenarios if not x.passed]
    for scenario in failed:
        console.print(
            Text.assemble((f"✗ {scenario.id}", "red"), ": " + "; ".join(scenario.repeats[0].failures[:4])),
            soft_wrap=True,
        )
    if not run.safety_ok:
        console.print(Text("SAFETY BELOW 1.0: the run fails whatever else passed.", "bold red"))


def _failed_checks(s: ScenarioResult) -> list[str]:
    lines = []
    for account in s.repeats[0].accounts:
        if account.error:
            lines.append(f"{account.account_id}: error: {account.error}")
        for m in account.metrics:
            for reason in m.reasons if m.score is not None and m.score < 1 else []:
                lines.append(f"{account.account_id} · {m.metric}: {reason}")
    return lines


def run_markdown(run: RunResult) -> str:
    """The run as a Markdown report: stamp, metrics, scenarios, what failed and why, coverage."""
    s = run.stamp
    names = metric_names({n for x in run.scenarios for n in x.metrics})
    out = [
        f"# Eval run: {s.brain} brain" + (f" ({s.model})" if s.model else ""),
        "",
        "| stamp | value |",
        "|---|---|",
        f"| content hash (agents/, prompts/, tools/) | `{s.content_hash}` ({s.content_files} files) |",
        f"| brain / model | {s.brain} / {s.model or '-'} |",
        f"| date | {s.date} |",
        f"| mode | {s.mode}" + (f" (cassettes: {s.cassettes})" if s.cassettes else "") + " |",
        f"| scenarios × repeats | {s.scenarios} × {s.repeat} |",
        f"| tokens | {s.tokens['calls']} calls, {s.tokens['input_tokens']:,} in, {s.tokens['output_tokens']:,} out |",
        f"| run time | {s.seconds:.1f} s |",
        f"| pass rate | {run.pass_rate:.1%} |",
        f"| safety | {'1.0 everywhere' if run.safety_ok else 'BELOW 1.0: ' + '; '.join(run.gate_failures)} |",
        "",
        "## Metrics (mean over scenarios)",
        "",
        "| metric | mean | stdev over scenarios | min | scenarios | stdev over repeats |",
        "|---|---|---|---|---|---|",
    ]
    for n in names:
        v = run.metrics[n]
        rep = run.run_spread.get(n)
        out.append(
            f"| {n} | {cell(v, places=3)} | {'-' if v.stdev is None else v.stdev} | {'-' if v.min is None else v.min} "
            f"| {v.n} | {rep.stdev if rep else '-'} |"
        )
    llm_total = [x.llm_checks for x in run.scenarios if x.llm_checks]
    if llm_total:
        passed = sum(int(t.split("/")[0]) for t in llm_total)
        total = sum(int(t.split("/")[1]) for t in llm_total)
        out += [
            "",
            f"Checks marked `needs: llm` (signals only in free text): **{passed}/{total} passed** in "
            f"{count(len(llm_total), 'scenario')}. The rules brain is expected to miss them; they are reported, "
            "not gated, for it.",
        ]
    out += [
        "",
        "## Scenarios",
        "",
        "| scenario | " + " | ".join(SHORT.get(n, n) for n in names) + " | needs llm | pass |",
    ]
    out.append("|---|" + "---|" * (len(names) + 2))
    for x in run.scenarios:
        cells = " | ".join(cell(x.metrics.get(n), spread=s.repeat > 1) for n in names)
        out.append(f"| {x.id} | {cells} | {x.llm_checks or ''} | {'✓' if x.passed else '✗'} |")
    out += ["", "## What fell short, and why", ""]
    for x in run.scenarios:
        lines = _failed_checks(x)
        if lines:
            out.append(f"### {x.id}: {x.title}")
            out += [f"- {line}" for line in lines[:20]]
            out.append("")
    out += ["## Coverage", "", "| tag | scenarios |", "|---|---|"]
    tags: dict[str, list[str]] = {}
    for x in run.scenarios:
        for tag in x.covers:
            tags.setdefault(tag, []).append(x.id)
    out += [f"| {tag} | {', '.join(ids)} |" for tag, ids in sorted(tags.items())]
    return "\n".join(out) + "\n"


def compact(run: RunResult) -> RunResult:
    """The run with each metric's passed checks left out (scores, reasons and model-only checks stay)."""
    scenarios = []
    for s in run.scenarios:
        repeats = []
        for r in s.repeats:
            accounts = [a.model_copy(update={"metrics": [m.compact() for m in a.metrics]}) for a in r.accounts]
            repeats.append(r.model_copy(update={"accounts": accounts}))
        scenarios.append(s.model_copy(update={"repeats": repeats}))
    return run.model_copy(update={"scenarios": scenarios})


def write_run(run: RunResult, folder: Path, name: str) -> tuple[Path, Path]:
    """`<folder>/<name>.json` and `<folder>/<name>.md`."""
    folder.mkdir(parents=True, exist_ok=True)
    js, md = folder / f"{name}.json", folder / f"{name}.md"
    js.write_text(compact(run).model_dump_json(indent=1) + "\n", encoding="utf-8")
    md.write_text(run_markdown(run), encoding="utf-8")
    return js, md


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def comparison_tables(c: Comparison) -> tuple[Table, Table]:
    """The per-metric table and the per-scenario table of a comparison."""
    metrics = Table(title="eval compare: per metric (mean over common scenarios)")
    for column in ("metric", "baseline", "candidate", "delta", "tolerance", "verdict"):
        metrics.add_column(column, justify="left" if column == "metric" else "right")
    for m in [*c.metrics, c.pass_rate]:
        verdict = Text("REGRESSED", "red") if m.regressed else "ok"
        spread = f" ±{m.candidate_spread:.2f}" if m.candidate_spread else ""
        metrics.add_row(
            m.metric,
            "-" if m.baseline is None else f"{m.baseline:.3f}",
            "-" if m.candidate is None else f"{m.candidate:.3f}{spread}",
            _signed(m.delta),
            f"{m.tolerance}",
            verdict,
        )
    names = [m.metric for m in c.metrics]
    scenarios = Table(title="eval compare: per scenario (delta of the mean)")
    scenarios.add_column("scenario", overflow="fold")
    for n in names:
        scenarios.add_column(SHORT.get(n, n), justify="right")
    scenarios.add_column("pass", justify="center")
    for s in c.scenarios:
        changed = any(d for d in s.deltas.values()) or s.passed_before != s.passed_after
        if not changed:
            continue
        row = [
            (Text(_signed(s.deltas.get(n)), "red") if n in s.dropped else _signed(s.deltas.get(n)))
            if s.deltas.get(n)
            else ""
            for n in names
        ]
        scenarios.add_row(s.id, *row, f"{'✓' if s.passed_before else '✗'}→{'✓' if s.passed_after else '✗'}")
    return metrics, scenarios


def print_comparison(c: Comparison, console: Console) -> None:
    """Both tables, the notes and the verdict."""
    metrics, scenarios = comparison_tables(c)
    console.print(metrics)
    if scenarios.row_count:
        wide(console).print(scenarios)
    else:
        console.print("No scenario changed.")
    for note in c.notes:
        console.print(f"note: {note}")
    if c.only_in_baseline or c.only_in_candidate:
        console.print(f"only in baseline: {c.only_in_baseline or '-'}; only in candidate: {c.only_in_candidate or '-'}")
    if c.ok:
        console.print(Text("No metric dropped beyond its tolerance; safety held.", "green"))
    for failure in c.failures:
        console.print(Text.assemble(("FAIL", "bold red"), f" {failure}"), soft_wrap=True)


def _stamp_line(label: str, stamp: dict[str, object]) -> str:
    return f"{label}: {stamp.get('brain')} · content `{str(stamp.get('content_hash'))[:12]}` · {stamp.get('date')}"


def comparison_markdown(c: Comparison) -> str:
    """The comparison as Markdown."""
    out = [
        "# eval compare",
        "",
        _stamp_line("baseline", c.baseline_stamp),
        _stamp_line("candidate", c.candidate_stamp),
        "",
        "| metric | baseline | candidate | delta | tolerance | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for m in [*c.metrics, c.pass_rate]:
        out.append(
            f"| {m.metric} | {m.baseline} | {m.candidate} | {_signed(m.delta)} | {m.tolerance} | "
            f"{'REGRESSED' if m.regressed else 'ok'} |"
        )
    out += ["", "## Verdict", ""]
    out += [f"- FAIL: {f}" for f in c.failures] or ["- ok: no metric dropped beyond its tolerance; safety held."]
    return "\n".join(out) + "\n"
