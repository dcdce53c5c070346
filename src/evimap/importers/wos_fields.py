"""Web of Science field tags -> :class:`Record`: the one mapping both WoS readers share.

The plain-text export (``wos``) and the tab-delimited export (``wos-tab``) carry the same
two-letter tags; they differ only in layout. Each reader turns its layout into
``tag -> list of strings`` where a tag in :data:`LIST_TAGS` holds one item per element (an
author, a cited reference) and any other tag holds pieces of one text (wrapped lines) that are
joined with spaces. Tags: https://images.webofknowledge.com/images/help/WOS/hs_wos_fieldtags.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from evimap.importers.databases import ZOOLOGICAL_RECORD, database_from_accession
from evimap.records import Author, Record
from evimap.records.normalise import (
    clean_text,
    normalise_doi,
    normalise_isbn,
    normalise_issn,
    normalise_pages,
    normalise_pmid,
    normalise_year,
    parse_author,
    split_list,
)

Fields = Mapping[str, Sequence[str]]

# Tags whose value is a list: one item per line in plain text, "; "-separated in tab-delimited.
# (C1 is not here: its "[names] address" groups hold ";" themselves; it stays in the raw text.)
LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "CR"})

# Publication type codes (PT), used when a record has no document type (DT).
PUBLICATION_TYPES = {
    "J": "Journal",
    "B": "Book",
    "S": "Book in series",
    "P": "Patent",
    "C": "Conference",
}

_ANONYMOUS = re.compile(r"^\[?anonymous\]?$", re.IGNORECASE)


def text(fields: Fields, tag: str) -> str:
    """The tag's value as one clean string (wrapped lines joined by spaces)."""
    return clean_text(" ".join(fields.get(tag, ())))


def items(fields: Fields, tag: str) -> list[str]:
    """The tag's list items, cleaned, empty ones dropped."""
    return [v for v in (clean_text(x) for x in fields.get(tag, ())) if v]


def authors(fields: Fields) -> list[Author]:
    """Authors in file order: full names (AF) if given, else AU; book authors when neither;
    group authors (CA, GP) after them as literal names; ``[Anonymous]`` dropped."""
    names = items(fields, "AF") or items(fields, "AU") or items(fields, "BF") or items(fields, "BA")
    people = [parse_author(n) for n in names if not _ANONYMOUS.match(n)]
    groups = [Author(family=g, literal=g) for g in items(fields, "CA") + items(fields, "GP")]
    return [a for a in people if a.family] + groups


def accession(fields: Fields) -> tuple[str, str]:
    """``(record ID, database)``: Zoological Record keeps its AN; otherwise the UT."""
    an = text(fields, "AN")
    ut = text(fields, "UT")
    if an.startswith("ZOOR") or ut.startswith("ZOOREC:"):
        return an or ut.removeprefix("ZOOREC:"), ZOOLOGICAL_RECORD
    record_id = ut or an
    return record_id, database_from_accession(record_id) if record_id else ""


def record_from_fields(fields: Fields, *, line: int = 0, raw: str = "") -> Record:
    """Map one WoS record's tags to a :class:`Record`.

    :param fields: ``tag -> values`` as described in the module docstring.
    :param line: the line the record starts on.
    :param raw: the record's verbatim text.
    """
    record_id, database = accession(fields)
    subject_areas = split_list(text(fields, "WC")) or split_list(text(fields, "SC"))
    document_type = text(fields, "DT") or PUBLICATION_TYPES.get(text(fields, "PT"), "")
    pages = (
        normalise_pages(text(fields, "BP"), text(fields, "EP"))
        or text(fields, "AR").removeprefix("UNSP ")
        or text(fields, "PS")
    )
    year = None
    for tag in ("PY", "EY", "EA", "PD"):
        year = normalise_year(text(fields, tag))
        if year:
            break
    return Record(
        title=text(fields, "TI"),
        abstract=text(fields, "AB"),
        authors=authors(fields),
        year=year,
        source_title=text(fields, "SO") or text(fields, "SE"),
        volume=text(fields, "VL"),
        issue=text(fields, "IS") or text(fields, "SU"),
        pages=pages,
        doi=normalise_doi(text(fields, "DI")) or normalise_doi(text(fields, "D2")),
        issn=normalise_issn(" ".join((text(fields, "SN"), text(fields, "EI")))),
        pmid=normalise_pmid(text(fields, "PM")),
        isbn=normalise_isbn(text(fields, "BN")),
        keywords=split_list(text(fields, "DE")),
        # Keywords Plus (ID); Zoological Record's broad terms (BD) play the same part.
        indexed_keywords=split_list(text(fields, "ID")) + split_list(text(fields, "BD")),
        language=text(fields, "LA"),
        document_type=document_type,
        subject_areas=subject_areas,
        cited_references=items(fields, "CR"),
        publisher=text(fields, "PU"),
        source_database=database,
        source_record_id=record_id,
        line=line,
        raw=raw,
    )
