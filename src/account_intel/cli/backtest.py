"""`account-intel backtest`: replay the portfolio on a date and score what happened after it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import DbOption, JsonOption, console, open_store, parse_date, print_json, thresholds_for
from account_intel.errors import ValidationFailed
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.analytics.backtest.fitting import LogisticModel
    from account_intel.analytics.backtest.metrics import CalibrationBucket
    from account_intel.analytics.backtest.run import BacktestReport


def backtest(
    as_of: Annotated[str, typer.Option("--as-of", metavar="DATE", help="Replay the portfolio as of this date.")],
    horizon: Annotated[int, typer.Option("--horizon", min=1, metavar="DAYS", help="Days after it to score.")],
    fit: Annotated[
        bool,
        typer.Option(
            "--fit", help="Learn health weights from churn after an earlier date and save them (see --weights)."
        ),
    ] = False,
    fit_as_of: Annotated[
        str | None,
        typer.Option(
            "--fit-as-of",
            metavar="DATE",
            help="Date to fit on (default: as-of minus horizon; labels must end by as-of).",
        ),
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            metavar="NAME",
            help="Weight set compared with the default; with --fit, the name the fitted set is saved as "
            "(default 'fitted').",
        ),
    ] = None,
    k: Annotated[
        int | None, typer.Option("--k", min=1, help="k of precision@k (default: a tenth of accounts).")
    ] = None,
    exclude_undated_churn: Annotated[
        bool,
        typer.Option(
            "--exclude-undated-churn",
            help="Leave out accounts flagged churned without a churn date (the report says how many).",
        ),
    ] = False,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="Churn flags without a date are labels of one snapshot: flagged accounts are scored as the "
            "customers they were on --as-of, and --fit is measured by cross-validation on the snapshot.",
        ),
    ] = False,
    calibration: Annotated[
        str,
        typer.Option(
            "--calibration",
            metavar="METHOD",
            help="How --fit calibrates its models' probabilities: platt (default) or isotonic (needs more rows).",
        ),
    ] = "platt",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Health against churn (AUC, Red precision/recall) and propensity against expansion (AUC, precision@k vs ARR)."""
    from account_intel.analytics.backtest.run import run_backtest
    from account_intel.analytics.health.config import load_weights
    from account_intel.analytics.signals.mention_store import refresh_mentions

    if calibration not in ("platt", "isotonic"):
        raise ValidationFailed(f"--calibration {calibration!r} is not known: use platt or isotonic.")
    day = parse_date(as_of)
    if day is None:
        raise ValidationFailed("--as-of is required.")
    store, settings = open_store(db, Intent.READ)
    compare = None if fit or weights is None else load_weights(weights, home=settings.home)
    refresh_mentions(store, home=settings.home)
    with store.transaction() as session:
        report = run_backtest(
            session,
            as_of=day,
            horizon=horizon,
            thresholds=thresholds_for(settings),
            compare=compare,
            fit=fit,
            fit_as_of=parse_date(fit_as_of, option="--fit-as-of"),
            save_as=weights or "fitted",
            home=settings.home,
            k=k,
            exclude_undated_churn=exclude_undated_churn,
            calibration=calibration,  # type: ignore[arg-type]
            snapshot=snapshot,
        )
    if json_out:
        print_json(report)
        return
    render_backtest(console, report)


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render_backtest(out: Console, r: BacktestReport) -> None:
    """Print the population, the health and propensity evaluations and the fit."""
    out.print(
        Text(
            f"Backtest as of {r.as_of}, horizon {r.horizon_days} days (to {r.window_end}): {r.accounts:,} customers, "
            f"{r.churned:,} churned, {r.upgraded:,} upgraded, {r.won:,} won an expansion",
            style="bold",
        )
    )
    out.print(Text(f"Evaluation: {r.evaluated_on}"))
    table = Table(title="Health against churn")
    for col in (
        "Weights",
        "AUC",
        "95% interval",
        "Red precision",
        "Red recall",
        "Green",
        "Yellow",
        "Red",
        "Churn G/Y/R",
    ):
        table.add_column(col, justify="left" if col == "Weights" else "right")
    for h in r.health:
        rates = "/".join(
            "-" if h.churn_rate_by_band[b] is None else f"{h.churn_rate_by_band[b]:.0%}" for b in h.accounts_by_band
        )
        table.add_row(
            h.weights,
            _f(h.auc),
            _interval(h.auc_interval),
            _f(h.red.precision),
            _f(h.red.recall),
            *(f"{h.accounts_by_band[b]:,}" for b in ("Green", "Yellow", "Red")),
            rates,
        )
    out.print(table)
    p = r.propensity
    at = p.precision_at_k
    out.print(
        Text(
            f"Propensity against expansion: {p.expanded:,} of {p.accounts:,} expanded; AUC {_f(p.auc)} "
            f"(95% interval {_interval(p.auc_interval)}); "
            f"precision@{at.k} {_f(at.model)} vs {_f(at.baseline)} ranking by ARR (base rate {_f(at.base_rate)}, "
            f"lift {_f(at.lift_over_baseline, 2)}); close probability Brier {_f(p.probability.brier)}"
        )
    )
    _render_reliability(out, "Close probability calibration (deciles)", p.probability.calibration)
    if r.fit is not None:
        f = r.fit
        weights = ", ".join(f"{c} {w:.2f}" for c, w in f.weights.items())
        out.print(
            Text(
                f"Fitted on {f.train_as_of} (labels to {f.train_window_end}): {f.rows:,} accounts, {f.churned:,} "
                f"churned; weights {weights}; clipped: {', '.join(f.clipped) or 'none'}; {_cv(f.model)}; saved as "
                f"'{f.saved_as}' ({f.path})"
            )
        )
        for m in f.models:
            strongest = sorted(m.coefficients.items(), key=lambda kv: -abs(kv[1]))[:4]
            out.print(
                Text(
                    f"Model '{m.name}' ({m.outcome}, {m.calibration} calibration): {m.rows:,} accounts, "
                    f"{m.positives:,} with the outcome; kept {m.selected} (forward selection from "
                    f"{m.baseline}, out of fold); out-of-fold AUC {_f(m.cv_auc)}, Brier {_f(m.cv_brier)} "
                    f"({m.cv_folds} folds); strongest features (log-odds per SD) "
                    + ", ".join(f"{k} {v:+.2f}" for k, v in strongest)
                    + f"; saved to {m.path}"
                )
            )
    for e in r.models:
        bands = ""
        if e.red is not None:
            bands = (
                f"; bands from the calibrated probability: Green {e.accounts_by_band.get('Green', 0):,}, Yellow "
                f"{e.accounts_by_band.get('Yellow', 0):,}, Red {e.accounts_by_band.get('Red', 0):,} (Red precision "
                f"{_f(e.red.precision)}, recall {_f(e.red.recall)})"
            )
        out.print(
            Text(
                f"Model '{e.name}' on {r.as_of}: AUC {_f(e.report.auc)}, Brier {_f(e.report.brier)}{bands}",
                style="bold",
            )
        )
        _render_reliability(out, f"Reliability of '{e.name}' (deciles)", e.report.calibration)
    _render_side_by_side(out, r)
    for note in r.notes:
        out.print(Text(f"Note: {note}", style="yellow"))
    out.print(Text("Leakage controls: " + "; ".join(r.leakage_controls), style="dim"))


def _render_reliability(out: Console, title: str, buckets: list[CalibrationBucket]) -> None:
    """Predicted against observed rate per decile, with the lift over the base rate."""
    if not buckets:
        return
    table = Table(title=title)
    for col in ("Decile", "Accounts", "Mean predicted", "Observed", "Lift"):
        table.add_column(col, justify="right")
    for b in buckets:
        table.add_row(
            str(b.index + 1), f"{b.count:,}", f"{b.mean_predicted:.2f}", f"{b.observed_rate:.2f}", _f(b.lift, 2)
        )
    out.print(table)


def _cv(model: LogisticModel) -> str:
    if model.cv_auc is None:
        return "no cross-validation (too few accounts of one outcome to hold some out)"
    return f"cross-validated AUC {model.cv_auc:.3f} ({model.cv_folds} stratified folds, out of fold)"


def _interval(value: tuple[float, float] | None) -> str:
    return "-" if value is None else f"{value[0]:.3f}-{value[1]:.3f}"


def _render_side_by_side(out: Console, r: BacktestReport) -> None:
    """Baselines beside the scores, per outcome, with a warning where ties cross a cut."""
    typed = sorted({row.outcome for row in r.side_by_side if row.outcome.startswith("expansion:")})
    for outcome, title, cut in (
        ("churn", "Churn: baselines beside health", "flagged = the default's Red count"),
        ("expansion", "Expansion: baselines beside propensity", "flagged = the top k"),
        *(
            (o, f"Expansion of type {o.partition(':')[2]}: baselines beside its own model", "flagged = the top k")
            for o in typed
        ),
    ):
        rows = [row for row in r.side_by_side if row.outcome == outcome]
        if not rows:
            continue
        table = Table(title=f"{title} ({cut})")
        for col in ("Ranked by", "AUC", "95% interval", "Flagged", "Precision", "Recall"):
            table.add_column(col, justify="left" if col == "Ranked by" else "right")
        for row in rows:
            table.add_row(
                row.name, _f(row.auc), _interval(row.auc_interval), f"{row.alerts:,}", _f(row.precision), _f(row.recall)
            )
        out.print(table)
        for row in rows:
            if row.tied_at_cut:
                out.print(
                    Text(
                        f"Note: {row.tied_at_cut:,} accounts share the score at the cut of '{row.name}'; its precision "
                        "counts them at their expected value under random tie-breaking.",
                        style="yellow",
                    )
                )
