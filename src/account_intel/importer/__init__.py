"""CSV import: canonical CSV files, or any export through a YAML mapping, validated and loaded in one transaction.

Modules: `values` (cell types), `schema` (row models), `entities` (tables, keys, foreign keys), `mapping` (the mapping
file), `reader` (streaming CSV), `transforms` (named derivations), `sources` (a file to records), `references`
(keys and foreign keys), `consistency` (cross-entity quirks), `writer` (upserts), `pipeline` (the run), `report`.
"""

from account_intel.importer.issues import ImportIssue, Quirk
from account_intel.importer.mapping import MappingFile, identity_mapping, load_mapping
from account_intel.importer.pipeline import Progress, run_import
from account_intel.importer.report import EntityCounts, ImportReport

__all__ = [
    "EntityCounts",
    "ImportIssue",
    "ImportReport",
    "MappingFile",
    "Progress",
    "Quirk",
    "identity_mapping",
    "load_mapping",
    "run_import",
]
