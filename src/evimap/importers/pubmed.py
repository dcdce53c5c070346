"""PubMed MEDLINE export (``.nbib``, "PubMed" format ``.txt``).

Layout: each record starts with ``PMID- ``; a tag is up to four characters padded with spaces
to four, then ``- `` and the value (``AU  - ``, ``FAU - ``, ``STAT- ``); continuation lines are
indented six spaces; a blank line separates records. Tags: NLM's "MEDLINE/PubMed Data Element
(Field) Descriptions".

Database: **PubMed**. This layout is what PubMed's "Save > PubMed format" and citation-manager
export (``.nbib``) write. ``STAT- MEDLINE`` is the record's indexing status inside PubMed, not
the database searched, so it does not make a record "MEDLINE" (Ovid MEDLINE exports RIS or its
own layout, recognised by the RIS reader). ``--database`` overrides.

Hand-written rather than Biopython's ``Bio.Medline``: that parser yields neither the line a
record starts on nor its verbatim text, which errors and provenance need, and it would pull in
Biopython (and NumPy) for forty lines of splitting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from evimap.importers.base import Entry, Reader
from evimap.importers.databases import PUBMED
from evimap.importers.languages import language_name
from evimap.records import Author, Record
from evimap.records.normalise import (
    clean_text,
    normalise_doi,
    normalise_isbn,
    normalise_issn,
    normalise_pmid,
    normalise_year,
    parse_author,
)

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,2}- ?(.*)$")


def expand_pages(pages: str) -> str:
    """MEDLINE shortens end pages (``188-97`` is 188-197); write them in full.

    :param pages: the PG value.
    """
    match = re.fullmatch(r"(\d+)-(\d+)", pages.strip())
    if not match:
        return pages.strip()
    start, end = match.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{start}-{end}"


def _values(fields: dict[str, list[str]], tag: str) -> list[str]:
    return [v for v in (clean_text(x) for x in fields.get(tag, ())) if v]


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        for value in fields.get(tag, ()):
            value = clean_text(value)
            if value:
                return value
    return ""


def _doi(fields: dict[str, list[str]]) -> str:
    """The DOI from LID or AID entries marked ``[doi]``."""
    for tag in ("LID", "AID"):
        for value in _values(fields, tag):
            if value.lower().endswith("[doi]"):
                doi = normalise_doi(value[: -len("[doi]")])
                if doi:
                    return doi
    return ""


def _authors(fields: dict[str, list[str]]) -> list[Author]:
    """Full names (FAU, "Family, Given") when the record has them, else AU ("Family GI");
    collective names (CN) after them."""
    names = _values(fields, "FAU") or _values(fields, "AU")
    people = [parse_author(n) for n in names]
    groups = [Author(family=n, literal=n) for n in _values(fields, "CN")]
    return [a for a in people if a.family] + groups


def _field(fields: dict[str, list[str]], tag: str) -> str:
    return clean_text(" ".join(fields.get(tag, ())))


class MedlineReader(Reader):
    """PubMed MEDLINE tagged format (``.nbib``)."""

    name = "medline"
    label = "PubMed MEDLINE / .nbib"
    ends_records = False
    title_field = "TI"

    @classmethod
    def sniff(cls, head: str) -> int:
        lines = [line for line in head.splitlines()[:40] if line.strip()]
        if lines and lines[0].startswith("PMID- "):
            return 100
        if re.search(r"^PMID- \d+", head, re.M) and re.search(r"^(?:FAU|STAT|OWN) - ", head, re.M):
            return 90
        return 0

    def database(self, head: str) -> str:
        return PUBMED

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        current: Entry | None = None
        raw: list[str] = []
        last_tag: str | None = None
        after_blank = True
        number = 0
        for number, line in enumerate(lines, 1):
            body = line.rstrip("\r\n")
            if not body.strip():
                after_blank = True
                if current is not None:
                    raw.append(line)
                continue
            match = None if body[0] in " \t" else _TAG.match(body)
            if match and (match.group(1) == "PMID" or current is None or after_blank):
                if current is not None:
                    current.raw = "".join(raw).rstrip("\n") + "\n"
                    yield _checked(current)
                current, raw, last_tag = Entry(line=number, raw=""), [], None
            after_blank = False
            if current is None:
                yield Entry(
                    line=number,
                    raw=line,
                    error="text before the first record (records start with 'PMID- ')",
                )
                continue
            raw.append(line)
            if match:
                last_tag = match.group(1)
                current.fields.setdefault(last_tag, []).append(match.group(2).strip())
            elif body[0] in " \t" and last_tag is not None:
                current.fields[last_tag][-1] += " " + body.strip()
            elif current.error is None:
                current.error = (
                    f"line is neither a tag ('XXXX- value') nor an indented "
                    f"continuation: {body[:40]!r}"
                )
                current.error_line = number
        if current is not None:
            current.raw = "".join(raw).rstrip("\n") + "\n"
            yield _checked(current)

    def convert(self, entry: Entry) -> Record:
        fields = entry.fields
        pmid = _first(fields, "PMID")
        title = _field(fields, "TI") or _field(fields, "BTI")
        types = _values(fields, "PT")
        language = _first(fields, "LA")
        return Record(
            title=title,
            abstract=_field(fields, "AB"),
            authors=_authors(fields),
            year=normalise_year(_first(fields, "DP", "DEP", "EDAT")),
            # A chapter's book title (BTI) is its source; a whole book's BTI is its title.
            source_title=_first(fields, "JT", "TA")
            or (_field(fields, "BTI") if _field(fields, "TI") else ""),
            volume=_first(fields, "VI"),
            issue=_first(fields, "IP"),
            pages=expand_pages(_first(fields, "PG")),
            doi=_doi(fields),
            issn=normalise_issn(" ".join(_values(fields, "IS"))),
            pmid=normalise_pmid(pmid),
            isbn=normalise_isbn(" ".join(_values(fields, "ISBN"))),
            # A leading "*" marks a major topic (OT) / major heading or subheading (MH).
            keywords=[ot.lstrip("*") for ot in _values(fields, "OT")],
            indexed_keywords=[mh.replace("*", "") for mh in _values(fields, "MH")],
            language=language_name(language),
            document_type="; ".join(types),
            publisher=_first(fields, "PB"),
            url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid.isdigit() else "",
            source_database=PUBMED,
            source_record_id=pmid,
            line=entry.line,
            raw=entry.raw,
        )


def _checked(entry: Entry) -> Entry:
    """A record without its ``PMID`` line (every MEDLINE record starts with one) lost its
    first line: an error, not a record without an ID."""
    if entry.error is None and "PMID" not in entry.fields:
        entry.error = "the record has no PMID line (each MEDLINE record starts with one)"
        entry.error_field = "PMID"
    return entry
