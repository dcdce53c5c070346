"""Export a set of records as RIS (rispy), BibTeX (bibtexparser 2) or CSV."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

from evimap.csvtable import csv_text
from evimap.records import Record
from evimap.records.normalise import strip_accents

EXPORT_FORMATS = ("ris", "bib", "csv")
#: Column names the generic CSV importer knows (Rayyan-like: key, title, authors, journal...),
#: so an exported record set imports back.
CSV_COLUMNS = (
    "key",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "issn",
    "language",
    "keywords",
    "abstract",
    "url",
    "document_type",
    "source_database",
    "record_id",
)

_RIS_TYPES = {"book": "BOOK", "chapter": "CHAP", "book chapter": "CHAP", "thesis": "THES"}


class _Writer(rispy.RisWriter):
    """rispy's writer without its numbered header line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _pages(record: Record) -> tuple[str, str]:
    first, _, last = record.pages.partition("-")
    return first.strip(), last.strip()


def _key(record_id: int | str, record: Record) -> str:
    return record.source_record_id or str(record_id)


def to_ris(records: Iterable[tuple[int | str, Record]]) -> str:
    """RIS text of ``(id, record)`` pairs; the record's key (``source_record_id``) is its ``ID``.

    :param records: the records to write.
    """
    entries = []
    for record_id, record in records:
        first, last = _pages(record)
        entry = {
            "type_of_reference": _RIS_TYPES.get(record.document_type.lower(), "JOUR"),
            "id": _key(record_id, record),
            "authors": [a.display() if a.family else a.literal for a in record.authors],
            "year": str(record.year) if record.year else "",
            "title": record.title,
            "secondary_title": record.source_title,
            "volume": record.volume,
            "number": record.issue,
            "start_page": first,
            "end_page": last,
            "doi": record.doi,
            "issn": "; ".join(record.issn),
            "language": record.language,
            "keywords": list(record.keywords),
            "abstract": record.abstract,
            "publisher": record.publisher,
            "urls": [record.url] if record.url else [],
        }
        entries.append({k: v for k, v in entry.items() if v not in ("", [], None)})
    return rispy.dumps(entries, implementation=_Writer)


def _bib_key(record_id: int | str, record: Record, used: set[str]) -> str:
    key = record.source_record_id
    if not key or not re.fullmatch(r"[A-Za-z0-9_:.-]+", key):
        family = record.authors[0].family if record.authors else "anon"
        key = re.sub(r"[^A-Za-z0-9]", "", strip_accents(family)).lower() or "anon"
        key += str(record.year or "")
    base, n = key, 1
    while key in used:
        n += 1
        key = f"{base}{chr(ord('a') + n - 1)}"
    used.add(key)
    return key


def to_bibtex(records: Iterable[tuple[int | str, Record]]) -> str:
    """BibTeX text (``@article`` entries) of ``(id, record)`` pairs, written with bibtexparser 2.

    :param records: the records to write.
    """
    library = bibtexparser.Library()
    used: set[str] = set()
    for record_id, record in records:
        fields = {
            "author": " and ".join(
                f"{{{a.literal}}}" if not a.family else a.display() for a in record.authors
            ),
            "title": f"{{{record.title}}}" if record.title else "",
            "journal": record.source_title,
            "year": str(record.year or ""),
            "volume": record.volume,
            "number": record.issue,
            "pages": record.pages.replace("-", "--") if "--" not in record.pages else record.pages,
            "doi": record.doi,
            "issn": ", ".join(record.issn),
            "language": record.language,
            "keywords": ", ".join(record.keywords),
            "abstract": record.abstract,
            "publisher": record.publisher,
            "url": record.url,
        }
        entry_type = "book" if record.document_type.lower() == "book" else "article"
        library.add(
            Entry(
                entry_type,
                _bib_key(record_id, record, used),
                [Field(k, v) for k, v in fields.items() if v],
            )
        )
    return bibtexparser.write_string(library)


def to_csv(records: Iterable[tuple[int | str, Record]]) -> str:
    """CSV text, one row a record (authors ``;``-separated as ``Family, Given``); a cell a
    spreadsheet would run as a formula is quoted (:mod:`evimap.csvtable`).

    :param records: the records to write.
    """
    rows = []
    for record_id, record in records:
        rows.append(
            {
                "record_id": record_id,
                "key": _key(record_id, record),
                "authors": "; ".join(a.display() or a.literal for a in record.authors),
                "year": record.year or "",
                "title": record.title,
                "journal": record.source_title,
                "volume": record.volume,
                "issue": record.issue,
                "pages": record.pages,
                "doi": record.doi,
                "issn": "; ".join(record.issn),
                "language": record.language,
                "document_type": record.document_type,
                "source_database": record.source_database,
                "keywords": "; ".join(record.keywords),
                "abstract": record.abstract,
                "url": record.url,
            }
        )
    return csv_text(rows, CSV_COLUMNS)


WRITERS = {"ris": to_ris, "bib": to_bibtex, "csv": to_csv}


def export_records(
    records: Iterable[tuple[int | str, Record]], fmt: str, path: str | Path | None = None
) -> str:
    """Export records as ``ris``, ``bib`` or ``csv``; write to ``path`` when given.

    :param records: ``(id, record)`` pairs.
    :param fmt: one of :data:`EXPORT_FORMATS`.
    :param path: the file to write (optional).
    :returns: the text.
    """
    try:
        writer = WRITERS[fmt]
    except KeyError:
        from evimap.errors import EvimapError

        raise EvimapError(
            f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}"
        ) from None
    text = writer(records)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
