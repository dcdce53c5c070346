"""Ovid's own export format ("Ovid fields"), not RIS: records open with ``<1. >`` markers.

Two layouts share the markers. The tagged one (``Fields: Complete Reference``, the usual
choice for reference managers)::

    <1. >
    VN  - Ovid Technologies
    DB  - APA PsycInfo
    AN  - 2019-65183-001
    TI  - The influence of ...

and the labelled display layout, a field name on its own line with its values indented under it
(``Accession Number`` / ``  2019-65183-001``). A record runs to the next marker; an indented
line (or, in the tagged layout, any untagged line) continues the previous field, and blank lines
inside a field (Ovid leaves them in long SY/DE fields) are kept out of the values. Text before
the first marker (the search history Ovid can prepend) is skipped.

A record holds each of its identifying fields (:data:`ONCE`: version, database, accession
number, title) once. Seeing one twice means that a ``<N. >`` marker is missing and two records
ran together: the entry is an error that holds (and, skipped, loses) both.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import ClassVar

from evimap.importers.base import Entry, Reader, damaged_tag
from evimap.importers.databases import MEDLINE, PUBMED, canonical_database, database_from_tag
from evimap.importers.ris import DOI_IN_LINK, issns, unreadable_issn
from evimap.records import Author, Record
from evimap.records.normalise import (
    clean_text,
    normalise_doi,
    normalise_isbn,
    normalise_pages,
    normalise_pmid,
    normalise_year,
    parse_author,
)

_MARKER = re.compile(r"^<(\d+)\.?\s*>\s*$")
_SNIFF_MARKER = re.compile(r"^<\d+\.?\s*>\s*$", re.M)
_SNIFF_VN = re.compile(r"^VN {1,2}- Ovid Technologies", re.M)
_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {1,2}- ?(.*)$")
# A field name of the labelled layout: words (``Digital Object Identifier``, ``Issue/Part``).
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9 /&()'.,-]*:?")
#: Fields every Ovid record has at most once; a second one starts another record.
ONCE = frozenset({"VN", "DB", "AN", "UI", "TI"})

# Field names of the labelled layout, as Ovid prints them, to the tags of the tagged layout.
LABELS: dict[str, str] = {
    "version": "VN",
    "database": "DB",
    "accession number": "AN",
    "unique identifier": "UI",
    "title": "TI",
    "author": "AU",
    "authors": "AU",
    "authors full name": "FA",
    "institution": "IN",
    "source": "SO",
    "journal name": "JN",
    "issn": "IS",
    "isbn": "IB",
    "volume": "VO",
    "issue": "IP",
    "issue/part": "IP",
    "page": "PG",
    "pages": "PG",
    "year of publication": "YR",
    "publication year": "YR",
    "digital object identifier": "DO",
    "doi": "DO",
    "abstract": "AB",
    "keywords": "KW",
    "subject headings": "MH",
    "mesh subject headings": "MH",
    "major headings": "MH",
    "language": "LG",
    "publication type": "PT",
    "document type": "DT",
    "classification": "CC",
    "publisher": "PB",
    "url": "UR",
    "link to the ovid full text or citation": "XL",
    "references": "RF",
}

_AUTHOR_NOTE = re.compile(r"\s*\[[^\]]*\]?\s*$")
_AUTHOR_TAIL = re.compile(r"[0-9,+*\s]+$")
_TITLE_KIND = re.compile(r"\s*\[(?:Article|Report|Miscellaneous|Editorial|Review|Letter)\]\s*$")
_SO_VOL_ISSUE = re.compile(r"(?:Vol\.?\s*)?(\d+)\s*\(([^)]+)\)")
_SO_VOL = re.compile(r"Vol\.?\s*(\d+)|;\s*(\d+)\s*:")
_SO_PAGES = re.compile(
    r"pp\.?\s*([A-Za-z]?\d+(?:\s*-\s*[A-Za-z]?\d+)?)|:\s*([A-Za-z]?\d+(?:-[A-Za-z]?\d+)?)"
)
_SO_JOURNAL_END = re.compile(
    r"\.\s+(?=Vol\b|\d)|\s+(?=\d+[(,])|\s+(?=(?:January|February|March|April|May|June|July|August"
    r"|September|October|November|December|Spring|Summer|Fall|Autumn|Winter)\b)|\s+(?=\d{4};)"
)


class OvidReader(Reader):
    """Ovid "Ovid fields" exports, tagged (``XX  - value``) or labelled."""

    name: ClassVar[str] = "ovid"
    label: ClassVar[str] = "Ovid fields (<1. > records; PsycINFO, MEDLINE, Embase via Ovid)"
    title_field = "TI"
    ends_records = False

    @classmethod
    def sniff(cls, head: str) -> int:
        """Sure when the head has ``<1. >`` record markers (and Ovid's ``VN`` line)."""
        if not _SNIFF_MARKER.search(head):
            return 0
        return 97 if _SNIFF_VN.search(head) else 85

    def database(self, head: str) -> str:
        """The database the first record's DB field names."""
        for entry in self.split(head.splitlines(keepends=True)):
            return _database(entry.fields)
        return ""

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        """One entry per ``<N. >`` marker; a tag before the first marker is an error."""
        number = 0
        fields: dict[str, list[str]] | None = None
        raw: list[str] = []
        start = 0
        last: list[str] | None = None
        labelled: bool | None = None  # decided by the record's first field line
        again: list[tuple[str, int]] = []  # identifying fields (ONCE) seen again, and where
        orphan: list[str] = []  # lines of a record before the first marker
        orphan_start, orphan_field = 0, ""
        bad: tuple[int, str] | None = None  # a damaged line of the open record, and why
        label_line = 0  # the line of the labelled layout's field name being read
        for line in lines:
            number += 1
            if line.startswith("<") and _MARKER.match(line):
                if orphan:
                    yield _orphan(orphan_start, orphan, orphan_field)
                    orphan = []
                if fields is not None:
                    bad = bad or _empty_label(labelled, last, label_line)
                    yield _entry(start, raw, fields, again, bad)
                fields, raw, start, last, labelled = {}, [line], number, None, None
                again, bad = [], None
                continue
            if fields is None:
                # Before the first marker: Ovid's search history, or a record whose marker is
                # missing (a tag line, or a field name of the labelled layout, shows that).
                if orphan:
                    orphan.append(line)
                elif (match := _TAG.match(line.rstrip())) or (
                    line[:1].strip() and line.strip().lower().rstrip(":") in LABELS
                ):
                    orphan, orphan_start = [line], number
                    orphan_field = match.group(1) if match else line.strip()
                continue
            raw.append(line)
            text = line.strip()
            if not text:
                continue
            indented = line[0] in " \t"
            if not indented:
                match = _TAG.match(line.rstrip())
                if labelled is None:
                    labelled = match is None
                if not labelled and match:
                    tag, value = match.group(1), match.group(2).strip()
                    last = fields.setdefault(tag, [])
                    if last and tag in ONCE:
                        again.append((tag, number))
                    last.append(value)
                    continue
                if labelled:
                    tag = LABELS.get(text.lower().rstrip(":"), text)
                    if tag == text and not _LABEL.fullmatch(text):
                        bad = bad or (
                            number,
                            f"line {number} is neither a field name nor an indented value: "
                            f"{text[:30]!r}",
                        )
                    bad = bad or _empty_label(labelled, last, label_line)
                    if tag in ONCE and tag in fields:
                        again.append((tag, number))
                    last = fields.setdefault(tag, [])
                    label_line = number
                    continue
                if bad is None and damaged_tag(line):
                    bad = (
                        number,
                        f"line {number} looks like a field line with a damaged tag "
                        f"({text[:20]!r}): its text would be read into the field before it",
                    )
            if last is None:
                continue
            if labelled:
                last.append(text)
            elif last:
                last[-1] = f"{last[-1]}\n{text}" if last[-1] else text
        if orphan:
            yield _orphan(orphan_start, orphan, orphan_field)
        if fields is not None:
            bad = bad or _empty_label(labelled, last, label_line)
            yield _entry(start, raw, fields, again, bad)

    def _issns(self, values: list[str] | None) -> list[str]:
        found = issns(values)
        if not found and values and unreadable_issn(values):
            self.warn(
                "the IS field of {n} records holds no ISSN or ISBN that could be read; kept "
                "as written in the raw record"
            )
        return found

    def convert(self, entry: Entry) -> Record:
        """Map Ovid's fields onto a :class:`Record`, reading SO for what has no field."""
        f = entry.fields
        get = f.get
        source = _first(f, "SO")
        journal, volume, issue, pages, so_year = _parse_source(source)

        names = get("FA") or get("AU") or ()
        authors: list[Author] = []
        for value in names:
            for name in value.split(";") if ";" in value else (value,):
                name = _AUTHOR_TAIL.sub("", _AUTHOR_NOTE.sub("", name))
                if name:
                    authors.append(parse_author(name))

        keywords: list[str] = []
        for value in get("KW") or ():
            keywords.extend(p.strip() for p in re.split(r"[;\n]", value) if p.strip())
        indexed: list[str] = []
        for tag in ("MH", "DE", "HW"):
            for value in get(tag) or ():
                indexed.extend(p.strip() for p in value.split("\n") if p.strip())

        doi = ""
        for value in (get("DO") or []) + (get("DI") or []):
            doi = normalise_doi(value)
            if doi:
                break
        if not doi:
            for value in (get("UR") or []) + (get("XL") or []):
                match = DOI_IN_LINK.search(value)
                if match:
                    doi = normalise_doi(match.group(1))
                    break

        cited = []
        for tag in ("RF", "CR"):
            for value in get(tag) or ():
                cited.extend(clean_text(p) for p in value.split("\n") if p.strip())

        title = _TITLE_KIND.sub("", _first(f, "TI"))
        document_type = _first(f, "PT", "DT").rstrip(".")
        url = _first(f, "UR") or _first(f, "XL")
        return Record(
            title=clean_text(title),
            abstract=clean_text(" ".join(get("AB") or ())),
            authors=authors,
            year=normalise_year(_first(f, "YR", "PY", "DP")) or so_year,
            source_title=clean_text(_first(f, "JN", "JT", "JF", "BT") or journal),
            volume=clean_text(_first(f, "VO", "VI", "VL") or volume),
            issue=clean_text(_first(f, "IP") or issue),
            pages=normalise_pages(_first(f, "PG") or pages),
            doi=doi,
            issn=self._issns(get("IS")),
            pmid=_pmid(f),
            isbn=normalise_isbn(" ".join(get("IB") or ())),
            keywords=list(dict.fromkeys(keywords)),
            indexed_keywords=list(dict.fromkeys(indexed)),
            language=clean_text(_first(f, "LG", "LA")).rstrip("."),
            document_type=clean_text(document_type),
            subject_areas=[clean_text(v) for v in get("CC") or () if v.strip()],
            cited_references=cited,
            publisher=clean_text(_first(f, "PB", "PU")),
            url=url.split("\n", 1)[0].strip(),
            source_database=_database(f),
            source_record_id=_first(f, "AN", "UI"),
            line=entry.line,
            raw=entry.raw,
        )


def _orphan(start: int, lines: list[str], field: str) -> Entry:
    return Entry(
        start,
        "".join(lines),
        error="fields outside any record (no <1. > marker before them): a marker is missing?",
        error_field=field,
    )


def _empty_label(
    labelled: bool | None, last: list[str] | None, line: int
) -> tuple[int, str] | None:
    """In the labelled layout, a field name with no value under it (Ovid prints none such):
    its value went elsewhere (a damaged line between them)."""
    if labelled and last is not None and not last:
        return line, f"the field named on line {line} has no value under it"
    return None


def _entry(
    start: int,
    raw: list[str],
    fields: dict[str, list[str]],
    again: list[tuple[str, int]],
    bad: tuple[int, str] | None = None,
) -> Entry:
    if not fields:
        return Entry(start, "".join(raw), fields, error="record has no fields")
    if again:
        tag, line = again[0]
        held = 1 + max(Counter(t for t, _ in again).values())
        return Entry(
            start,
            "".join(raw),
            fields,
            error=f"{held} records ran together: a <N. > marker is missing before line {line} "
            f"(where a second {tag} field starts)",
            error_line=line,
            error_field=tag,
            records=held,
        )
    if bad:
        return Entry(start, "".join(raw), fields, error=bad[1], error_line=bad[0])
    return Entry(start, "".join(raw), fields)


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        for value in fields.get(tag) or ():
            value = value.strip()
            if value:
                return value
    return ""


def _pmid(fields: dict[str, list[str]]) -> str:
    """The PubMed ID: Ovid MEDLINE's unique identifier (UI), or its accession number (AN)."""
    if _database(fields) not in (MEDLINE, PUBMED):
        return ""
    return normalise_pmid(_first(fields, "UI", "AN"))


def _database(fields: dict[str, list[str]]) -> str:
    """DB names the database on every Ovid record; unknown names are kept as written."""
    value = _first(fields, "DB")
    if not value:
        return ""
    return database_from_tag(value) or canonical_database(value)


def _parse_source(source: str) -> tuple[str, str, str, str, int | None]:
    """Journal, volume, issue, pages and year from an Ovid SO citation.

    ``Clinical Psychology & Psychotherapy. Vol.27(1), Jan-Feb 2020, pp. 57-63.`` (PsycINFO),
    ``Forest Ecology & Management. 201(2-3):327-334, November 15, 2004.`` (BIOSIS, MEDLINE),
    ``Acta Biochimica et Biophysica Sinica August 2011;43(8):647-653`` (Journals@Ovid).
    """
    if not source:
        return "", "", "", "", None
    source = " ".join(source.split())
    journal = _SO_JOURNAL_END.split(source, maxsplit=1)[0].strip().rstrip(".")
    volume = issue = pages = ""
    match = _SO_VOL_ISSUE.search(source)
    if match:
        volume, issue = match.group(1), match.group(2)
    else:
        match = _SO_VOL.search(source)
        if match:
            volume = match.group(1) or match.group(2)
    match = _SO_PAGES.search(source)
    if match:
        pages = (match.group(1) or match.group(2)).replace(" ", "")
    return journal, volume, issue, pages, normalise_year(source)
