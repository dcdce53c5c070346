"""What the review's outputs hold, computed once for every shell: the rows of ``evimap records``,
the record sets of ``evimap export``, and the report (``review.report``).

The CLI prints these and the web app renders them; neither computes anything of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evimap.errors import EvimapError
from evimap.members import Member
from evimap.records import Record

if TYPE_CHECKING:  # pragma: no cover
    from evimap.review import Review

RECORD_COLUMNS = [
    "id",
    "source_database",
    "source_file",
    "source_record_id",
    "title",
    "year",
    "doi",
    "cited_references",
]
ACCOUNTING_COLUMNS = ["status", "kept_id", "reason"]
"""Every imported record's dedup status (``review.dedup.accounting``), listed when no outcome is
asked for: ``unique``, ``duplicate`` (``kept_id``: the record it merged into) or ``removed``
(``reason``: the removal rule's)."""
OUTCOME_COLUMNS = ["outcome", "reason", "settled_by"]


@dataclass
class RecordList:
    """Records as ``evimap records`` lists them.

    :param rows: one dict a record (:data:`RECORD_COLUMNS`, plus :data:`OUTCOME_COLUMNS` when
        listing a stage's outcome).
    :param records: ``(id, record)`` of each row (for RIS and other exports).
    :param by_database: every record of the review counted by source database.
    :param total: how many records the selection holds before ``limit``.
    """

    rows: list[dict[str, Any]]
    records: list[tuple[int, Record]]
    by_database: dict[str, int]
    total: int
    stage: str | None = None
    outcome: str | None = None
    columns: list[str] = field(default_factory=lambda: list(RECORD_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "stage": self.stage,
            "outcome": self.outcome,
            "total": self.total,
            "records": self.rows,
            "records_by_database": self.by_database,
        }


def _row(record_id: int, record: Record) -> dict[str, Any]:
    return {
        "id": record_id,
        "source_database": record.source_database,
        "source_file": record.source_file,
        "source_record_id": record.source_record_id,
        "title": record.title,
        "year": record.year,
        "doi": record.doi,
        "cited_references": len(record.cited_references),
    }


def record_list(
    review: Review,
    *,
    database: str | None = None,
    limit: int = 0,
    stage: str | None = None,
    outcome: str | None = None,
    member: Member | None = None,
    ids: list[int] | None = None,
) -> RecordList:
    """The records of ``evimap records``: every imported record, or the screening units with an
    outcome at a stage as ``member`` may see them (see ``review.screening.outcomes``), or the
    included studies (``outcome="included"`` without a stage).

    :param review: the open review.
    :param database: only records from this source database (any spelling).
    :param limit: at most this many rows (0: all).
    :param stage: the screening stage of ``outcome``.
    :param outcome: ``todo``, ``included``, ``excluded``, ``maybe``, ``conflict`` or ``pending``.
    :param member: the viewer (``todo`` needs one; blind rules apply).
    :param ids: only these record ids.
    """
    from evimap.importers.databases import canonical_database
    from evimap.screening.units import unit_records
    from evimap.store.records import iter_records

    wanted = canonical_database(database) if database else None
    outcomes: dict[int, Any] = {}
    if outcome is not None and stage is None and outcome != "included":
        raise EvimapError(f"say at which stage (--stage) to list the {outcome} records")
    if outcome == "included" and stage is None:
        order = review.included(member=member)
    elif outcome is not None:
        found = review.screening.outcomes(stage, outcome, member=member)
        outcomes = {o.record_id: o for o in found}
        order = [o.record_id for o in found]
    else:
        order = None
    if ids is not None:
        keep = set(ids)
        order = [i for i in order if i in keep] if order is not None else list(ids)
    with review.store.read() as session:
        if order is None:
            pairs = list(iter_records(session, database=wanted))
        else:
            found_records = unit_records(session, order)
            pairs = [(i, found_records[i]) for i in order if i in found_records]
            if wanted:
                pairs = [(i, r) for i, r in pairs if r.source_database == wanted]
    total = len(pairs)
    if limit:
        pairs = pairs[:limit]
    statuses = {s.record_id: s for s in review.dedup.accounting()} if outcome is None else {}
    rows = []
    for record_id, record in pairs:
        row = _row(record_id, record)
        if record_id in statuses:
            status = statuses[record_id]
            row.update(status=status.status, kept_id=status.kept_id, reason=status.reason)
        if outcome is not None:
            found = outcomes.get(record_id)
            row["outcome"] = found.outcome if found else "included"
            row["reason"] = found.reason if found else ""
            row["settled_by"] = (found.arbiter or found.by) if found else ""
        rows.append(row)
    columns = list(RECORD_COLUMNS) + (
        OUTCOME_COLUMNS if outcome is not None else ACCOUNTING_COLUMNS
    )
    return RecordList(
        rows, pairs, review.records.count_by_database(), total, stage, outcome, columns
    )


def export_text(
    review: Review,
    to: str,
    *,
    included: bool = False,
    database: str | None = None,
    ids: list[int] | None = None,
    stage: str | None = None,
    outcome: str | None = None,
    member: Member | None = None,
    path: str | Path | None = None,
) -> tuple[str, int]:
    """A record set as RIS, BibTeX or CSV text (written to ``path`` when given).

    :param review: the open review.
    :param to: ``ris``, ``bib`` or ``csv``.
    :param included: only the included studies (the one definition).
    :param database: only this source database.
    :param ids: only these record ids.
    :param stage: with ``outcome``: the records with that outcome at this stage.
    :param outcome: see :func:`record_list`.
    :param member: the viewer (blind rules apply to outcomes).
    :param path: the file to write.
    :returns: ``(text, number of records)``.
    """
    from evimap.report.exports import export_records

    if included:
        outcome, stage = "included", None
    listing = record_list(
        review, database=database, stage=stage, outcome=outcome, member=member, ids=ids
    )
    return export_records(listing.records, to, path), len(listing.records)


@dataclass
class ReportFiles:
    """The files a report wrote, by name, and what it holds."""

    folder: str
    files: dict[str, str]
    included: int
    charted: int
    member: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


def write_review_report(
    review: Review,
    out: str | Path | None = None,
    *,
    member: Member | None = None,
    paper_numbers: str | Path | None = None,
    reviewer: str | None = None,
) -> ReportFiles:
    """Compute the report and write its files (see ``docs/report.md``).

    :param review: the open review.
    :param out: the folder (default: ``REVIEW/report``).
    :param member: whose view (the event log and agreement follow the blindness rule).
    :param paper_numbers: a paper_numbers.toml to check printed numbers against.
    :param reviewer: whose charting (default: the primary charter).
    """
    from evimap.report.build import compute_report, write_report

    data = compute_report(review, paper_numbers=paper_numbers, reviewer=reviewer, member=member)
    folder = Path(out) if out is not None else review.folder / "report"
    files = write_report(data, folder)
    return ReportFiles(
        str(folder),
        {name: str(p) for name, p in files.items()},
        len(data.included),
        len(data.studies),
        member.name if member else None,
    )
