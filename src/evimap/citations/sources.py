"""Where the references to chase come from: the included records (their exported reference
lists, else the reference list of their attached full text), every screened record, or a file
(an export, a PDF, a pasted list)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from evimap.citations.reflist import pdf_text, split_references
from evimap.errors import CitationError, EvimapError, UnknownFormat
from evimap.records import Record
from evimap.screening import ledger, units


@dataclass
class Citing:
    """A work whose references are read.

    :param origin: what it is, for the log (``record 12``, ``refs.pdf``).
    :param record_id: its record in the review, when it has one.
    :param references: ``(reference, database)`` pairs; the database of the citing record is
        a hint for the parser.
    :param record: its record (to match a file's citing records to the review).
    :param via: where its references were read: ``export`` or ``fulltext``.
    """

    origin: str
    record_id: int | None = None
    references: list[tuple[str, str]] = field(default_factory=list)
    record: Record | None = None
    via: str = "export"


def from_records(session: Session, folder: Path, record_ids: list[int]) -> Iterator[Citing]:
    """The citing works of the review's records: their exported reference lists, else the
    reference list of their attached full-text PDF.

    :param session: an open session.
    :param folder: the review folder (full texts live under it).
    :param record_ids: the records (screening units).
    """
    records = units.unit_records(session, record_ids)
    fulltext = ledger.fulltext_status(session)
    for rid in record_ids:
        record = records.get(rid)
        if record is None:
            continue
        database = record.source_database
        refs = [(r, database) for r in record.cited_references]
        via = "export"
        row = fulltext.get(rid)
        if not refs and row is not None and row.status == "attached" and row.path:
            pdf = Path(row.path)
            pdf = pdf if pdf.is_absolute() else folder / pdf
            if pdf.is_file():
                refs = [(r, "") for r in split_references(pdf_text(pdf))]
                via = "fulltext"
        yield Citing(f"record {rid}", rid, refs, record, via)


def references_in_file(path: str | Path, encoding: str = "utf-8") -> list[tuple[str, str]]:
    """Every reference a file holds, with the database of the record that cites it.

    :param path: an export (any format evimap imports), a PDF, or a plain-text list.
    :param encoding: the text encoding of an export or a text file.
    """
    return [ref for citing in citing_in_file(path, encoding) for ref in citing.references]


def citing_in_file(path: str | Path, encoding: str = "utf-8") -> list[Citing]:
    """The citing works a file holds: each record of an export (with its reference list), or
    the one reference list of a PDF or a text file.

    :param path: the file.
    :param encoding: the text encoding of an export or a text file.
    :raises CitationError: when the file is missing or holds no reference.
    """
    from evimap.importers.csv_generic import WEAK_CLAIM
    from evimap.importers.detect import decode_head, detect, iter_lines

    path = Path(path)
    if not path.is_file():
        raise CitationError(f"{path}: no such file")
    if path.suffix.lower() == ".pdf":
        refs = split_references(pdf_text(path))
        return [Citing(path.name, None, [(r, "") for r in refs], via="fulltext")]
    try:
        head = decode_head(path, encoding)
        detected = detect(path, head, None)
        # A table claimed only weakly (no column evimap knows, just lines with as many commas
        # as the first) is a pasted reference list whose lines happen to contain commas.
        reader = detected.reader(path.name, None) if detected.score > WEAK_CLAIM else None
    except UnknownFormat:
        reader = None
    except EvimapError as exc:
        raise CitationError(str(exc)) from exc
    if reader is None:
        text = path.read_text(encoding=encoding, errors="replace")
        refs = split_references(text)
        return [Citing(path.name, None, [(r, "") for r in refs], via="text")]
    database = reader.database(head)
    out = []
    for entry in reader.split(iter_lines(path, encoding)):
        try:
            record = reader.convert(entry)
        except EvimapError:
            continue
        db = record.source_database or database
        record.source_database = db
        out.append(
            Citing(
                f"{path.name}:{entry.line}",
                None,
                [(r, db) for r in record.cited_references],
                record,
            )
        )
    return out
