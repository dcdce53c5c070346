"""Write and read records in the store, as :class:`~evimap.records.Record` objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from evimap.records import Author, Record
from evimap.store.models import RECORD_COLUMNS, RecordRow, SourceFile

_FIELDS = tuple(c for c in RECORD_COLUMNS if c != "source_record_id") + ("source_record_id",)


def record_to_row(record: Record, source_file_id: int) -> dict[str, Any]:
    """The column values of one record (``source_file`` is implied by the file's id)."""
    row = {name: getattr(record, name) for name in RECORD_COLUMNS}
    row["authors"] = [asdict(a) for a in record.authors]
    row["source_file_id"] = source_file_id
    return row


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert a batch of record rows in one executemany."""
    if rows:
        session.execute(insert(RecordRow), rows)


def row_to_record(row: RecordRow, file_name: str = "") -> Record:
    """A :class:`Record` from a stored row."""
    data = {name: getattr(row, name) for name in RECORD_COLUMNS}
    data["authors"] = [Author(**a) for a in row.authors or []]
    data["source_file"] = file_name
    return Record(**data)


def iter_records(
    session: Session, database: str | None = None, ids: Iterable[int] | None = None
) -> Iterator[tuple[int, Record]]:
    """``(id, record)`` for every stored record, in import order, optionally filtered."""
    query = (
        select(RecordRow, SourceFile.name)
        .join(SourceFile, SourceFile.id == RecordRow.source_file_id)
        .order_by(RecordRow.id)
    )
    if database is not None:
        query = query.where(RecordRow.source_database == database)
    if ids is not None:
        query = query.where(RecordRow.id.in_(list(ids)))
    for row, name in session.execute(query).yield_per(2000):
        yield row.id, row_to_record(row, name)


def count_by_database(session: Session) -> dict[str, int]:
    """Number of records per source database (``""`` for unknown)."""
    query = select(RecordRow.source_database, func.count()).group_by(RecordRow.source_database)
    return {db: n for db, n in session.execute(query)}
