from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from account_intel.store.base import Base
from account_intel.store.engine import Store, alembic_config

MINE = {"opportunities", "opportunity_stage_history", "proposals", "proposal_opportunities", "proposal_messages"}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "pipeline.md"


def _table_of(diff: object) -> str:
    op = diff[0] if isinstance(diff, list) else diff
    assert isinstance(op, tuple)
    if op[0] in ("add_table", "remove_table"):
        return str(op[1].name)
    if op[0] in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return str(op[1].table.name)
    return str(op[2])  # column-level: (kind, schema, table, ...)


def test_revision_0002_follows_0001(store: Store) -> None:
    script = ScriptDirectory.from_config(alembic_config(store.engine)).get_revision("0002")
    assert script is not None and script.down_revision == "0001"


def test_pipeline_tables_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert [d for d in diffs if _table_of(d) in MINE] == []
    columns = {c["name"] for c in inspect(store.engine).get_columns("opportunities")}
    assert {"evidence", "recommendation_id", "override_reason", "override_by", "won_line_id"} <= columns


def test_downgrade_to_0001_and_back(store: Store) -> None:
    cfg = alembic_config(store.engine)
    command.downgrade(cfg, "0001")
    assert not (MINE - {"opportunities"}) & set(inspect(store.engine).get_table_names())
    command.upgrade(cfg, "head")
    assert set(inspect(store.engine).get_table_names()) >= MINE


def test_docs_explain_stages_probabilities_and_the_two_disagreements() -> None:
    text = DOCS.read_text()
    for phrase in (
        "stage table is authoritative for stage moves",
        "choices' values are the allowed set of probabilities",
        "Creation without an explicit probability takes the field default, 40",
        "Qualified",
        "Cannot move to Negotiation without Proposal stage.",
        "Verbal Agreement",
        "Contract Sent",
    ):
        assert phrase in text
