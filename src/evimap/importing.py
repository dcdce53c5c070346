"""Import export files into a review's store: detect, decode, parse, normalise, store, log.

Each file is one transaction: a broken record stops the import of its file and nothing of that
file is written, unless ``skip_bad`` is set, in which case the broken record is left out and
logged with its line and reason (and how many records its text held: every lost record is
counted). A record that cannot be read whole is never merged with its neighbour or stored
mangled; a record without a title is broken. When ``skip_bad`` leaves nothing to import, the
import fails and the file is not marked imported. Control characters are removed with a warning.

Reading, converting and storing run in one thread, in batches of :data:`BATCH` rows. A reader
thread that parsed while the store wrote was measured slower, not faster: the SQLite driver
hands the GIL back and forth on every row it steps (``benchmarks/import_speed.py``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from evimap.errors import ImportFormatError, SkippedRecord
from evimap.importers.base import Reader
from evimap.importers.databases import canonical_database
from evimap.importers.detect import ReadNotes, decode_head, detect, iter_lines
from evimap.store import EventLog, Store
from evimap.store.kinds import Kind
from evimap.store.models import SourceFile
from evimap.store.records import insert_rows, record_to_row

BATCH = 2000

Progress = Callable[[int], None]


@dataclass
class FileImport:
    """What importing one file did.

    :param already_imported: the same content was imported before; nothing was added.
    :param skipped: the broken entries ``skip_bad`` left out.
    :param warnings: what was read with a warning (control characters removed, a secondary
        field kept as written, no database named), each once with its count.
    """

    path: str
    name: str
    format: str = ""
    database: str = ""
    added: int = 0
    by_database: dict[str, int] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)
    already_imported: bool = False
    source_file_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Records left out by ``skip_bad`` (an entry that ran records together loses each)."""
        return sum(s.records for s in self.skipped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "path": self.path,
            "name": self.name,
            "format": self.format,
            "database": self.database,
            "added": self.added,
            "by_database": self.by_database,
            "skipped": [s.__dict__ for s in self.skipped],
            "lost": self.lost,
            "warnings": self.warnings,
            "already_imported": self.already_imported,
            "source_file_id": self.source_file_id,
        }


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    store: Store,
    path: str | Path,
    *,
    database: str | None = None,
    format_name: str | None = None,
    encoding: str = "utf-8",
    skip_bad: bool = False,
    actor: str = "",
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    extra: Callable[[Any, FileImport], None] | None = None,
    deduplicated: bool = False,
) -> FileImport:
    """Import one export file in one transaction.

    :param store: the review's store.
    :param path: the export file.
    :param database: the source database, overriding what the file says.
    :param format_name: a reader name, overriding detection.
    :param encoding: the file's text encoding.
    :param skip_bad: leave broken records out (logged) instead of failing the file.
    :param actor: who imports (for the event log).
    :param options: reader options (e.g. ``{"columns": {...}}`` for generic CSV).
    :param progress: called with the number of characters read since the last call.
    :param extra: called with the session and the result before the transaction commits (more
        events of the same import, e.g. its ``import.role``).
    :param deduplicated: the file's records are already free of duplicates among themselves
        (a library deduplicated before): dedup never merges two of them.
    :raises ImportFormatError: naming file, line and field, when the file or a record is bad,
        and when ``skip_bad`` left no record to import.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=path)
    sha = file_sha256(path)
    result = FileImport(path=str(path), name=path.name)
    with store.read() as session:
        existing = session.scalar(select(SourceFile).where(SourceFile.sha256 == sha))
    if existing is not None:
        result.already_imported = True
        result.format = existing.format
        result.database = existing.database
        result.source_file_id = existing.id
        return result

    head = decode_head(path, encoding)
    reader_cls = detect(path, head, format_name).reader
    reader = reader_cls(path.name, options)
    forced = canonical_database(database) if database else ""
    file_database = forced or reader.database(head)
    result.format = reader_cls.name
    result.database = file_database
    counts: Counter[str] = Counter()
    notes = ReadNotes()

    with store.transaction() as session:
        source = SourceFile(
            name=path.name,
            path=str(path),
            sha256=sha,
            format=reader_cls.name,
            database=file_database,
            record_count=0,
            skipped_count=0,
            imported_by=actor,
            deduplicated=deduplicated,
        )
        session.add(source)
        session.flush()
        for batch in _record_batches(
            reader,
            path,
            encoding,
            notes,
            progress,
            skip_bad,
            forced,
            file_database,
            source.id,
            result.skipped,
            counts,
        ):
            insert_rows(session, batch)
        result.added = sum(counts.values())
        result.by_database = dict(counts)
        result.source_file_id = source.id
        source.record_count = result.added
        source.skipped_count = result.lost
        if result.added == 0 and not result.skipped:
            raise ImportFormatError(f"no records found (read as {reader_cls.name})", file=path)
        if result.added == 0:
            raise _nothing_kept(path, result.skipped)
        result.warnings = _warnings(notes, reader, counts, file_database, source.id)
        EventLog.append(
            session,
            Kind.IMPORT_FILE,
            actor=actor,
            subject=path.name,
            counts={
                "records": result.added,
                "skipped": result.lost,
                "by_database": result.by_database,
            },
            details={
                "path": str(path),
                "sha256": sha,
                "source_file_id": source.id,
                "format": reader_cls.name,
                "database": file_database,
                "deduplicated": deduplicated,
                "skipped": [s.__dict__ for s in result.skipped],
                "warnings": result.warnings,
            },
        )
        if extra is not None:
            extra(session, result)
    return result


def _nothing_kept(path: Path, skipped: list[SkippedRecord]) -> ImportFormatError:
    """``skip_bad`` left every record out: fail (nothing is written, the file stays importable)."""
    lost = sum(s.records for s in skipped)
    first = skipped[0]
    where = f"line {first.line}" + (f" [{first.field}]" if first.field else "")
    return ImportFormatError(
        f"no record could be read: all {lost} were broken (the first at {where}: "
        f"{first.reason}); nothing was imported",
        file=path,
    )


def _warnings(
    notes: ReadNotes, reader: Reader, counts: Counter[str], database: str, file_id: int
) -> list[str]:
    """The import's warnings, each once with its count."""
    out = [notes.message()] if notes.count else []
    if notes.unterminated_line and not reader.ends_records:
        out.append(
            f"the file does not end with a line break: its last record (last line "
            f"{notes.unterminated_line}) may be cut short; check it against the database"
        )
    out.extend(reader.warning_messages())
    unknown = counts.get("", 0)
    if unknown and not database:
        out.append(
            f"the file does not say which database it came from: {unknown} record(s) are "
            "labelled (unknown); name it with --database (e.g. --database scopus), or relabel "
            f"this import with `evimap imports relabel REVIEW {file_id} --database NAME`"
        )
    return out


def _record_batches(
    reader: Reader,
    path: Path,
    encoding: str,
    notes: ReadNotes,
    progress: Progress | None,
    skip_bad: bool,
    forced: str,
    file_database: str,
    source_id: int,
    skipped: list[SkippedRecord],
    counts: Counter[str],
) -> Iterator[list[tuple[Any, ...]]]:
    """Read, convert and serialise the file's records in batches of store rows."""
    rows: list[tuple[Any, ...]] = []
    lines = iter_lines(path, encoding, notes)
    for entry in reader.split(_counted(lines, progress) if progress else lines):
        try:
            if entry.error:
                raise ImportFormatError(
                    entry.error,
                    file=path,
                    line=entry.error_line or entry.line,
                    field=entry.error_field,
                )
            record = reader.convert(entry)
            if not record.title:
                raise ImportFormatError(
                    "the record has no title", line=entry.line, field=reader.title_field
                )
        except ImportFormatError as exc:
            problem = ImportFormatError(
                exc.problem.message, file=path, line=exc.line or entry.line, field=exc.field
            )
            if not skip_bad:
                raise problem from None
            skipped.append(
                SkippedRecord(
                    str(path),
                    problem.line or entry.line,
                    problem.problem.message,
                    problem.field,
                    records=entry.records,
                )
            )
            continue
        record.source_file = path.name
        record.line = record.line or entry.line
        if not record.raw:
            record.raw = entry.raw
        if forced or not record.source_database:
            record.source_database = file_database
        counts[record.source_database] += 1
        rows.append(record_to_row(record, source_id))
        if len(rows) >= BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def _counted(lines: Iterator[str], progress: Progress) -> Iterator[str]:
    pending = 0
    for line in lines:
        pending += len(line)
        if pending > 1 << 18:
            progress(pending)
            pending = 0
        yield line
    progress(pending)
