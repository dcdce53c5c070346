"""Import export files into a review's store: detect, decode, parse, normalise, store, log.

Each file is one transaction: a broken record stops the import of its file and nothing of that
file is written, unless ``skip_bad`` is set, in which case the broken record is left out and
logged with its line and reason.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from evimap.errors import ImportFormatError, SkippedRecord
from evimap.importers.base import Entry, Reader, TextBatch
from evimap.importers.databases import canonical_database
from evimap.importers.detect import decode_head, detect, iter_text
from evimap.store import EventLog, Store
from evimap.store.models import SourceFile
from evimap.store.records import insert_rows, record_to_row

BATCH = 2000

Progress = Callable[[int], None]


@dataclass
class FileImport:
    """What importing one file did.

    :param already_imported: the same content was imported before; nothing was added.
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
            "already_imported": self.already_imported,
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
    :raises ImportFormatError: naming file, line and field, when the file or a record is bad.
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
        )
        session.add(source)
        session.flush()
        job = _Job(path, skip_bad, forced, file_database, source.id)
        workers = _worker_count(reader, path)
        if workers:
            batches = _parallel_batches(reader, job, encoding, progress, workers, result.skipped,
                                        counts)
        else:
            batches = _in_background(
                _record_batches(reader, job, encoding, progress, result.skipped, counts)
            )
        for batch in batches:
            insert_rows(session, batch)
        result.added = sum(counts.values())
        result.by_database = dict(counts)
        result.source_file_id = source.id
        source.record_count = result.added
        source.skipped_count = len(result.skipped)
        if result.added == 0 and not result.skipped:
            raise ImportFormatError(f"no records found (read as {reader_cls.name})", file=path)
        EventLog.append(
            session,
            "import.file",
            actor=actor,
            subject=path.name,
            counts={
                "records": result.added,
                "skipped": len(result.skipped),
                "by_database": result.by_database,
            },
            details={
                "path": str(path),
                "sha256": sha,
                "format": reader_cls.name,
                "database": file_database,
                "skipped": [s.__dict__ for s in result.skipped],
            },
        )
    return result


@dataclass(frozen=True)
class _Job:
    """What turning one file's entries into store rows needs besides the reader."""

    path: Path
    skip_bad: bool
    forced: str
    file_database: str
    source_id: int


def _rows(
    reader: Reader,
    entries: Iterable[Entry],
    job: _Job,
    skipped: list[SkippedRecord],
    counts: Counter[str],
) -> Iterator[tuple[Any, ...]]:
    """Convert entries to store rows; a broken entry raises, or is skipped with ``skip_bad``."""
    path = job.path
    for entry in entries:
        try:
            if entry.error:
                raise ImportFormatError(
                    entry.error, file=path, line=entry.error_line or entry.line,
                    field=entry.error_field,
                )
            record = reader.convert(entry)
        except ImportFormatError as exc:
            problem = ImportFormatError(
                exc.problem.message, file=path, line=exc.line or entry.line, field=exc.field
            )
            if not job.skip_bad:
                raise problem from None
            skipped.append(
                SkippedRecord(str(path), problem.line or entry.line, problem.problem.message,
                              problem.field)
            )
            continue
        record.source_file = path.name
        record.line = record.line or entry.line
        if not record.raw:
            record.raw = entry.raw
        if job.forced or not record.source_database:
            record.source_database = job.file_database
        counts[record.source_database] += 1
        yield record_to_row(record, job.source_id)


def _record_batches(
    reader: Reader,
    job: _Job,
    encoding: str,
    progress: Progress | None,
    skipped: list[SkippedRecord],
    counts: Counter[str],
) -> Iterator[list[tuple[Any, ...]]]:
    """Read, convert and serialise the file's records in batches of store rows."""
    entries = reader.split_text(_counted(iter_text(job.path, encoding), progress))
    rows: list[tuple[Any, ...]] = []
    for row in _rows(reader, entries, job, skipped, counts):
        rows.append(row)
        if len(rows) >= BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


# Worker processes pay off only for large files: starting one (fork) is cheap, but a small file
# is converted before the pool would be busy. 8 MiB is about 2,500 RIS records with abstracts.
PARALLEL_BYTES = 8 << 20


def _worker_count(reader: Reader, path: Path) -> int:
    """How many worker processes to convert the file with (0: convert in this process).

    Only readers that cut their text into batches, only where processes can be forked (the
    workers inherit the loaded reader instead of importing it), and only for large files.
    """
    if not reader.batches or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2 or path.stat().st_size < PARALLEL_BYTES:
        return 0
    return min(cores, 4)


_WORKER: tuple[Reader, _Job] | None = None


def _start_worker(reader: Reader, job: _Job) -> None:
    global _WORKER
    _WORKER = (reader, job)


def _convert_batch(
    batch: TextBatch,
) -> tuple[list[tuple[Any, ...]], Counter[str], list[SkippedRecord], tuple | None]:
    """In a worker: split and convert one batch; a broken record ends it (as a plain tuple)."""
    assert _WORKER is not None
    reader, job = _WORKER
    rows: list[tuple[Any, ...]] = []
    skipped: list[SkippedRecord] = []
    counts: Counter[str] = Counter()
    try:
        rows.extend(_rows(reader, reader.split_batch(batch), job, skipped, counts))
    except ImportFormatError as exc:
        return rows, counts, skipped, (exc.problem.message, exc.line, exc.field)
    return rows, counts, skipped, None


def _parallel_batches(
    reader: Reader,
    job: _Job,
    encoding: str,
    progress: Progress | None,
    workers: int,
    skipped: list[SkippedRecord],
    counts: Counter[str],
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of a large file, split and converted by worker processes, in the file's order.

    This process reads and cuts the text (in a thread) and stores rows; the workers do the
    rest. At most two batches per worker are in flight, so memory stays flat. The first
    broken record stops the file, as in one process; later batches are discarded.
    """
    context = multiprocessing.get_context("fork")
    # The pool forks before the reading thread starts: no thread is running while it forks.
    with context.Pool(workers, initializer=_start_worker, initargs=(reader, job)) as pool:
        pending: deque[Any] = deque()
        texts = _in_background(reader.text_batches(_counted(iter_text(job.path, encoding),
                                                            progress)))
        try:
            for text in texts:
                pending.append(pool.apply_async(_convert_batch, (text,)))
                if len(pending) > 2 * workers:
                    yield _take(pending.popleft().get(), job, skipped, counts)
            while pending:
                yield _take(pending.popleft().get(), job, skipped, counts)
        finally:
            texts.close()


def _take(
    result: tuple[list[tuple[Any, ...]], Counter[str], list[SkippedRecord], tuple | None],
    job: _Job,
    skipped: list[SkippedRecord],
    counts: Counter[str],
) -> list[tuple[Any, ...]]:
    rows, batch_counts, batch_skipped, error = result
    counts.update(batch_counts)
    skipped.extend(batch_skipped)
    if error is not None:
        message, line, field_name = error
        raise ImportFormatError(message, file=job.path, line=line, field=field_name)
    return rows


_DONE = object()


def _in_background(batches: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
    """Produce the batches in a thread while the caller stores the previous ones.

    The store's driver releases the GIL while it writes, so parsing the next batch overlaps
    writing this one. An error in the producer is raised in the caller, in order; if the
    caller stops early (its transaction failed), the producer is told to stop.
    """
    channel: queue.Queue[Any] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        channel.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            channel.put(_DONE)
        except BaseException as exc:  # handed to the caller, raised there
            channel.put(exc)

    worker = threading.Thread(target=produce, name="evimap-import-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = channel.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _counted(blocks: Iterator[str], progress: Progress | None) -> Iterator[str]:
    if progress is None:
        yield from blocks
        return
    pending = 0
    for block in blocks:
        pending += len(block)
        if pending > 1 << 18:
            progress(pending)
            pending = 0
        yield block
    progress(pending)
