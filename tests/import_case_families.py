"""The generated import case families and how many cases each runs, shared by the test suite and the tally."""

from __future__ import annotations

from hypothesis import strategies as st

from tests import import_case_gen as gen
from tests.import_case_run import Case

FAMILIES: dict[str, tuple[st.SearchStrategy[Case], int]] = {
    "valid_rows": (gen.valid_case(), 230),
    "malformed_numbers": (gen.malformed_numbers(), 200),
    "booleans": (gen.malformed_flags(), 90),
    "malformed_other": (gen.malformed_other(), 90),
    "markup_text": (st.one_of(gen.markup_text(), gen.markup_errors()), 70),
    "bom": (gen.bom_case(), 50),
    "safety_flags": (gen.safety_case(), 70),
    "mapping_files": (gen.mapping_case(), 90),
    "headers": (gen.header_case(), 60),
    "reimport": (gen.reimport_case(), 80),
}
