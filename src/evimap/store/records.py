"""Write and read records in the store, as :class:`~evimap.records.Record` objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from sqlalchemy import JSON, func, select
from sqlalchemy.orm import Session

from evimap.records import Author, Record
from evimap.store.models import RECORD_COLUMNS, RecordRow, SourceFile

_JSON_COLUMNS = frozenset(
    c.name for c in RecordRow.__table__.columns if isinstance(c.type, JSON)
) - {"authors"}
_INSERT_COLUMNS = ("source_file_id", *RECORD_COLUMNS)


def _encode(value: Any) -> str:
    """JSON text of a list (orjson: about four times faster than json on reference lists)."""
    return orjson.dumps(value).decode()


_ROW_PLAN = tuple(
    (name, 2 if name == "authors" else 1 if name in _JSON_COLUMNS else 0) for name in RECORD_COLUMNS
)


def record_to_row(record: Record, source_file_id: int) -> tuple[Any, ...]:
    """The column values of one record, ready for :func:`insert_rows` (JSON pre-serialised)."""
    values: list[Any] = [source_file_id]
    append = values.append
    for name, kind in _ROW_PLAN:
        value = getattr(record, name)
        if kind:
            if not value:
                value = "[]"
            elif kind == 2:
                value = _encode(
                    [{"family": a.family, "given": a.given, "literal": a.literal} for a in value]
                )
            else:
                value = _encode(value)
        append(value)
    return tuple(values)


def insert_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert a batch of rows from :func:`record_to_row` in one DBAPI executemany.

    Imports are the hot path (``benchmarks/import_speed.py``), so this bypasses the ORM's
    per-row bookkeeping; the statement is plain SQL that SQLite and PostgreSQL both take.
    """
    if not rows:
        return
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO records ({', '.join(_INSERT_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_INSERT_COLUMNS))})"
    )
    connection.exec_driver_sql(sql, rows)


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
