"""Column names of screening's CSV exports (a light module: the CLI imports it at start)."""

DECISION_COLUMNS: list[str] = [
    "record_id",
    "source_record_id",
    "doi",
    "title",
    "year",
    "stage",
    "reviewer",
    "role",
    "kind",
    "decision",
    "reason",
    "why",
    "at",
]
"""Columns of a decisions export (``evimap decisions export``), re-readable by the import:
``kind`` is ``decision`` (a reviewer's) or ``settlement`` (an arbiter's, with ``why``)."""
