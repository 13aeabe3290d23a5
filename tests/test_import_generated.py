"""Generated import cases: every case round-trips exactly, or is refused naming its file, line, column and value
with the store left byte for byte as it was. `python bench/import_cases.py` prints the tally of the same cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from tests.import_case_families import FAMILIES
from tests.import_case_run import Case, Dump, build_base, dump, run_case

SUITE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dump]:
    """One store with the canonical example imported, copied afresh for every case."""
    db = build_base(tmp_path_factory.mktemp("import-base"))
    return db, dump(db)


def _family_test(family: str) -> Callable[[tuple[Path, Dump]], None]:
    strategy, examples = FAMILIES[family]

    @settings(SUITE, max_examples=examples)
    @given(case=strategy)
    def test(base: tuple[Path, Dump], case: Case) -> None:
        outcome = run_case(case, *base)
        assert outcome.passed, f"{outcome.kind}: {outcome.detail}"

    test.__name__ = f"test_{family}"
    return test


test_valid_rows = _family_test("valid_rows")
test_malformed_numbers = _family_test("malformed_numbers")
test_booleans = _family_test("booleans")
test_malformed_other = _family_test("malformed_other")
test_markup_text = _family_test("markup_text")
test_bom = _family_test("bom")
test_safety_flags = _family_test("safety_flags")
test_mapping_files = _family_test("mapping_files")
test_headers = _family_test("headers")
test_reimport = _family_test("reimport")


def test_the_suite_runs_at_least_a_thousand_cases() -> None:
    assert sum(examples for _, examples in FAMILIES.values()) >= 1000
    assert {name.removeprefix("test_") for name in globals() if name.startswith("test_")} >= set(FAMILIES)


def _draws(strategy: st.SearchStrategy[Case], valid: bool) -> bool:
    """Whether the strategy draws a case of this kind (a search, so a rare kind is found, not hoped for)."""
    try:
        find(strategy, lambda case: (case.error is None) == valid, settings=settings(max_examples=2000, database=None))
    except NoSuchExample:
        return False
    return True


@pytest.mark.parametrize("family", ["markup_text", "bom", "safety_flags", "mapping_files", "headers"])
def test_a_mixed_family_draws_valid_and_refused_cases(family: str) -> None:
    """A family that only ever drew valid files (or only refused ones) would test half of what it claims."""
    assert _draws(FAMILIES[family][0], valid=True) and _draws(FAMILIES[family][0], valid=False)
