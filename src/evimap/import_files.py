"""The imported files of a review: list them, remove one, relabel one with another database.

Removing an import takes its records out of the review in one transaction, with every row that
refers to them: their places in dedup clusters (a cluster that loses members is recomputed, one
left empty is dropped), scored pairs, reviewers' pair decisions and removals before screening.
Records that screening or charting already uses are not removed unless forced (the stage gate of
:mod:`evimap.screening.gate`, as for dedup). Forced, their screening stops counting the way a
forced dedup change voids it: one ``screen.move`` event unassigns them (so the PRISMA screening
boxes replayed from the log agree with the tables), then their screening rows go with them;
charted values keep their study key but lose the link to the record, and citation links lose
it too. The event log keeps the history (``imports.remove``, ``imports.relabel``), and PRISMA's
identification box reads it: a removed file no longer counts, a relabelled one counts under its
new database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from evimap.errors import ImportInUse, UnknownImport
from evimap.importers.databases import canonical_database
from evimap.store import EventLog, Store
from evimap.store.kinds import Kind
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_charting import ChartedValueRow
from evimap.store.models_citations import CitationLink
from evimap.store.models_dedup import (
    DedupCluster,
    DedupDecision,
    DedupMember,
    DedupPair,
    DedupRun,
    Removal,
)
from evimap.store.models_prioritise import ShownRow
from evimap.store.models_screening import (
    AssignmentRow,
    DecisionRow,
    FulltextRow,
    NoteRow,
    SettlementRow,
)

KIND_REMOVE = Kind.IMPORTS_REMOVE
KIND_RELABEL = Kind.IMPORTS_RELABEL

After = Callable[[Session], None]
"""Called in the removing (or relabelling) transaction once the change is made: the review
re-applies its removal rules there, so every record keeps exactly one status."""

_SCREENING_TABLES = (AssignmentRow, DecisionRow, NoteRow, SettlementRow, FulltextRow)


@dataclass
class ImportedFile:
    """One imported file as the store holds it now.

    :param id: the import's id (``FILE_ID`` of ``evimap imports remove``).
    :param records: records of this file in the review now.
    :param skipped: records ``--skip-bad`` left out when it was imported.
    :param by_database: its records per source database.
    :param in_screening: its records that screening uses (assigned, decided, ...).
    :param charted: its records that charted values name.
    :param deduplicated: imported as already deduplicated (dedup never merges two of its records).
    """

    id: int
    name: str
    path: str
    format: str
    database: str
    records: int
    skipped: int
    imported_at: datetime
    imported_by: str
    sha256: str
    by_database: dict[str, int] = field(default_factory=dict)
    in_screening: int = 0
    charted: int = 0
    deduplicated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = dict(self.__dict__)
        data["imported_at"] = self.imported_at.isoformat()
        return data


@dataclass
class RemovedImport:
    """What removing an import did.

    :param records: records removed.
    :param screening_rows: screening rows removed with them (only when forced).
    :param charted_unlinked: charted values that lost their link to a removed record.
    :param clusters_changed: dedup clusters recomputed or dropped.
    :param dedup_rows: scored pairs, pair decisions and removals before screening removed.
    """

    file: ImportedFile
    records: int
    screening_rows: int = 0
    charted_unlinked: int = 0
    clusters_changed: int = 0
    dedup_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = dict(self.__dict__)
        data["file"] = self.file.to_dict()
        return data


def list_imports(store: Store) -> list[ImportedFile]:
    """Every imported file, oldest first, with its current record counts."""
    with store.read() as session:
        return _imports(session)


def get_import(store: Store, file_id: int) -> ImportedFile:
    """One imported file by id.

    :raises UnknownImport: when no import has this id.
    """
    with store.read() as session:
        return _one(session, file_id)


def _imports(session: Session, file_id: int | None = None) -> list[ImportedFile]:
    query = select(SourceFile).order_by(SourceFile.id)
    counts = select(RecordRow.source_file_id, RecordRow.source_database, func.count())
    if file_id is not None:
        query = query.where(SourceFile.id == file_id)
        counts = counts.where(RecordRow.source_file_id == file_id)
    files = list(session.scalars(query))
    by_database: dict[int, Counter[str]] = {f.id: Counter() for f in files}
    grouped = counts.group_by(RecordRow.source_file_id, RecordRow.source_database)
    for source_id, database, n in session.execute(grouped):
        by_database.setdefault(source_id, Counter())[database] += n
    screened = _count_by_file(session, _screened_ids())
    charted = _count_by_file(session, _charted_ids())
    return [
        _imported(f, by_database[f.id], screened.get(f.id, 0), charted.get(f.id, 0)) for f in files
    ]


def _one(session: Session, file_id: int) -> ImportedFile:
    found = _imports(session, file_id)
    if not found:
        raise UnknownImport(file_id)
    return found[0]


def remove_import(
    store: Store,
    file_id: int,
    *,
    force: bool = False,
    actor: str = "",
    why: str = "",
    database_order: list[str] | None = None,
    after: After | None = None,
) -> RemovedImport:
    """Take an imported file's records out of the review, in one transaction, and log it.

    :param store: the review's store.
    :param file_id: the import's id (see :func:`list_imports`).
    :param force: remove even when screening or charting uses its records.
    :param actor: who removes it.
    :param why: the reason, kept in the log.
    :param database_order: the protocol's database order (a recomputed cluster keeps the
        record of the first database, as dedup does).
    :param after: called in the transaction once the records are gone (see :data:`After`).
    :raises UnknownImport: when no import has this id.
    :raises ImportInUse: when screening or charting uses its records and ``force`` is not set
        (a :class:`~evimap.errors.StageLocked`).
    """
    with store.transaction() as session:
        # Checked inside the transaction that removes, so nothing can start using the
        # records in between.
        imported = _one(session, file_id)
        if (imported.in_screening or imported.charted) and not force:
            raise ImportInUse(imported.name, file_id, imported.in_screening, imported.charted)
        ids = select(RecordRow.id).where(RecordRow.source_file_id == file_id)
        result = RemovedImport(imported, imported.records)
        record_ids = sorted(session.scalars(ids))
        if imported.in_screening:
            _void_screening(session, ids, actor)
        decisions = select(DecisionRow.id).where(DecisionRow.record_id.in_(ids))
        session.execute(delete(ShownRow).where(ShownRow.decision_id.in_(decisions)))
        for table in _SCREENING_TABLES:
            done = session.execute(delete(table).where(table.record_id.in_(ids)))
            result.screening_rows += done.rowcount or 0
        done = session.execute(
            update(ChartedValueRow).where(ChartedValueRow.record_id.in_(ids)).values(record_id=None)
        )
        result.charted_unlinked = done.rowcount or 0
        for column in (CitationLink.from_record_id, CitationLink.target_record_id):
            session.execute(update(CitationLink).where(column.in_(ids)).values({column.key: None}))
        result.dedup_rows, result.clusters_changed = _remove_from_dedup(
            session, ids, database_order or []
        )
        session.execute(delete(RecordRow).where(RecordRow.source_file_id == file_id))
        session.execute(delete(SourceFile).where(SourceFile.id == file_id))
        session.flush()
        if after is not None:
            after(session)
        EventLog.append(
            session,
            KIND_REMOVE,
            actor=actor,
            subject=imported.name,
            why=why,
            counts={
                "records": result.records,
                "by_database": imported.by_database,
                "screening_rows": result.screening_rows,
                "charted_unlinked": result.charted_unlinked,
                "clusters_changed": result.clusters_changed,
                **_dedup_snapshot(session),
            },
            details={
                "source_file_id": file_id,
                "sha256": imported.sha256,
                "path": imported.path,
                "format": imported.format,
                "database": imported.database,
                "forced": force,
                "record_ids": record_ids,
            },
        )
    return result


def _void_screening(session: Session, ids, actor: str) -> None:
    """Unassign the records ``ids`` selects, logged as one ``screen.move`` (voided), the way a
    forced dedup change voids the screening of a record removed before screening."""
    unassigned: dict[str, dict[str, list[int]]] = {}
    voided: list[dict[str, Any]] = []
    query = (
        select(AssignmentRow.stage, AssignmentRow.reviewer, AssignmentRow.record_id)
        .where(AssignmentRow.record_id.in_(ids), AssignmentRow.active.is_(True))
        .order_by(AssignmentRow.stage, AssignmentRow.record_id, AssignmentRow.id)
    )
    for stage, reviewer, record_id in session.execute(query):
        unassigned.setdefault(stage, {}).setdefault(reviewer, []).append(record_id)
        entry = {"stage": stage, "record_id": record_id}
        if not voided or voided[-1] != entry:
            voided.append(entry)
    cause = KIND_REMOVE.value
    EventLog.append(
        session,
        Kind.SCREEN_MOVE,
        actor=actor,
        subject=cause,
        why=f"{cause} took records out of the review after assignment (forced)",
        counts={"moved": 0, "voided": len(voided), "decisions": 0, "settlements": 0},
        details={
            "cause": cause,
            "moves": [],
            "voided": voided,
            "assigned": {},
            "unassigned": unassigned,
        },
    )


def relabel_import(
    store: Store,
    file_id: int,
    database: str,
    *,
    actor: str = "",
    why: str = "",
    after: After | None = None,
) -> ImportedFile:
    """Give an imported file and all its records another source database, and log it.

    The same as importing the file with ``--database``: every record of the file takes the
    new database.

    :param store: the review's store.
    :param file_id: the import's id.
    :param database: the database (any spelling ``--database`` takes: ``wos``, ``psycinfo``).
    :param actor: who relabels it.
    :param why: the reason, kept in the log.
    :param after: called in the transaction once the records are relabelled.
    :raises UnknownImport: when no import has this id.
    """
    name = canonical_database(database)
    if not name:
        raise UnknownImport(file_id, "name the database to relabel it with")
    with store.transaction() as session:
        before = _one(session, file_id)
        records = update(RecordRow).where(RecordRow.source_file_id == file_id)
        session.execute(records.values(source_database=name))
        session.execute(update(SourceFile).where(SourceFile.id == file_id).values(database=name))
        session.flush()
        if after is not None:
            after(session)
        EventLog.append(
            session,
            KIND_RELABEL,
            actor=actor,
            subject=before.name,
            why=why,
            counts={
                "records": before.records,
                "by_database": {name: before.records} if before.records else {},
                "before_by_database": before.by_database,
                **_dedup_snapshot(session),
            },
            details={
                "source_file_id": file_id,
                "sha256": before.sha256,
                "from": before.database,
                "to": name,
            },
        )
    return get_import(store, file_id)


def _imported(source: SourceFile, by_database: Counter[str], screened: int, charted: int):
    return ImportedFile(
        id=source.id,
        name=source.name,
        path=source.path,
        format=source.format,
        database=source.database,
        records=sum(by_database.values()),
        skipped=source.skipped_count,
        imported_at=source.imported_at,
        imported_by=source.imported_by,
        sha256=source.sha256,
        by_database=dict(sorted(by_database.items(), key=lambda kv: (-kv[1], kv[0]))),
        in_screening=screened,
        charted=charted,
        deduplicated=bool(source.deduplicated),
    )


def _screened_ids():
    return [select(table.record_id) for table in _SCREENING_TABLES]


def _charted_ids():
    return [select(ChartedValueRow.record_id).where(ChartedValueRow.record_id.is_not(None))]


def _count_by_file(session: Session, selects: list) -> dict[int, int]:
    """Records per file that any of ``selects`` (queries of record ids) names."""
    used: set[int] = set()
    for query in selects:
        used.update(session.scalars(query))
    if not used:
        return {}
    counts: Counter[int] = Counter()
    ids = sorted(used)
    for start in range(0, len(ids), 5000):
        query = select(RecordRow.source_file_id, func.count()).where(
            RecordRow.id.in_(ids[start : start + 5000])
        )
        for file_id, n in session.execute(query.group_by(RecordRow.source_file_id)):
            counts[file_id] += n
    return dict(counts)


def _remove_from_dedup(session: Session, ids, database_order: list[str]) -> tuple[int, int]:
    """Delete the dedup rows that name the records ``ids`` selects; recompute their clusters.

    :returns: (rows deleted from pairs, decisions and removals; clusters recomputed or dropped)
    """
    from evimap.dedup.state import rewrite_cluster

    rows = 0
    for table, columns in (
        (DedupPair, (DedupPair.record_a, DedupPair.record_b)),
        (DedupDecision, (DedupDecision.record_a, DedupDecision.record_b)),
        (Removal, (Removal.record_id,)),
    ):
        done = session.execute(delete(table).where(or_(*(c.in_(ids) for c in columns))))
        rows += done.rowcount or 0
    clusters = list(
        session.scalars(
            select(DedupCluster).where(
                DedupCluster.id.in_(
                    select(DedupMember.cluster_id).where(DedupMember.record_id.in_(ids))
                )
            )
        )
    )
    session.execute(delete(DedupMember).where(DedupMember.record_id.in_(ids)))
    for cluster in clusters:
        remaining = list(
            session.scalars(
                select(DedupMember.record_id).where(DedupMember.cluster_id == cluster.id)
            )
        )
        if remaining:
            rewrite_cluster(session, cluster, sorted(remaining), database_order)
        else:
            session.delete(cluster)
    session.flush()
    return rows, len(clusters)


def _dedup_snapshot(session: Session) -> dict[str, Any]:
    """The dedup state after the change, when dedup has run (PRISMA's duplicates box reads
    the newest snapshot, so a removal or relabel keeps it true)."""
    from evimap.dedup.state import state

    if not session.scalar(select(func.count()).select_from(DedupRun)):
        return {}
    now = state(session)
    return {
        "duplicates_removed": now["duplicates_removed"],
        "duplicates_removed_by_database": now["duplicates_removed_by_database"],
    }
