"""Generated import cases, tallied: how many round-trip, are refused clearly, crash, write partly or change a value.

    python bench/import_cases.py [--scale 1.0] [--show 3]

Runs every family of tests/import_case_families.py (the cases the test suite runs, `--scale` times as many) through
`account-intel import` in-process and prints one row per family and a total. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings
from tests.import_case_families import FAMILIES
from tests.import_case_run import Case, build_base, dump, run_case

COLUMNS = ("cases", "round_trip", "clear_error", "crash", "partial_write", "silent_change", "data_loss",
           "unclear_error", "wrong_refusal")  # fmt: skip


def main() -> None:
    """Run the families and print the tally."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="cases per family, relative to the test suite")
    parser.add_argument("--show", type=int, default=3, help="failing cases shown per family")
    parser.add_argument("--family", action="append", help="run only this family (repeatable)")
    args = parser.parse_args()
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    failures: dict[str, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        base = build_base(Path(tmp))
        before = dump(base)
        for family, (strategy, examples) in FAMILIES.items():
            if args.family and family not in args.family:
                continue

            def recorder(family: str) -> Callable[[Case], None]:
                def record(case: Case) -> None:
                    outcome = run_case(case, base, before)
                    tally[family]["cases"] += 1
                    tally[family][outcome.kind] += 1
                    if not outcome.passed and len(failures[family]) < args.show:
                        failures[family].append(f"{outcome.kind}: {outcome.detail[:400]!r}\n    case: {case!r:.600}")

                return record

            run = settings(
                max_examples=max(1, int(examples * args.scale)),
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(strategy)(recorder(family)))
            run()
    total: Counter[str] = Counter()
    print(f"{'family':<18}" + "".join(f"{c:>15}" for c in COLUMNS))
    for family, counts in tally.items():
        total.update(counts)
        print(f"{family:<18}" + "".join(f"{counts[c]:>15,}" for c in COLUMNS))
    print(f"{'total':<18}" + "".join(f"{total[c]:>15,}" for c in COLUMNS))
    for family, shown in failures.items():
        for line in shown:
            print(f"[{family}] {line}")


if __name__ == "__main__":
    main()
