"""RIS, as Scopus, Web of Science, EBSCOhost, Ovid, ProQuest, Embase, Dimensions, Lens, Zotero,
EndNote and Rayyan write it.

The line loop is written by hand, not on top of rispy: it is the hot path of every RIS import,
so it tests each line with one slice comparison, calls no helper per line, and keeps fields as
raw strings until :meth:`RisReader.convert`; it splits a file in about half the time
``rispy.load`` takes to parse it (``benchmarks/import_speed.py --stages``). rispy's tag table
(``rispy.config.TAG_KEY_MAPPING``) was the checklist for the tags read here, and its
reference-type names fill in the TY codes this module does not name itself.

Flavours handled:

- continuation lines (no tag) append to the previous tag's value; under ``KW`` each is its own
  keyword (Rayyan, EndNote), under ``N1  - References:`` each is a cited reference (Scopus);
- Ovid's record numbers (``1.``) and link text between records, and tags written after ``ER``
  (Ovid's ``NL``), which belong to the record just closed;
- blank lines anywhere, ``ER`` directly followed by ``TY`` (Lens), BOM and CRLF (decoded
  upstream by :mod:`evimap.importers.detect`);
- tags in lower or mixed case (``ti  - ``), read as their upper-case tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import ClassVar

from rispy.config import TYPE_OF_REFERENCE_MAPPING

from evimap.importers.base import Entry, Reader, damaged_tag
from evimap.importers.databases import (
    DIMENSIONS,
    EBSCO,
    EMBASE,
    MEDLINE,
    PUBMED,
    SCOPUS,
    WEB_OF_SCIENCE,
    database_from_link,
    database_from_tag,
)
from evimap.importers.languages import language_name
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
)

_SNIFF_TY = re.compile(r"^TY  - ", re.M)
_SNIFF_ER = re.compile(r"^ER  -", re.M)

# TY codes as readable document types; codes not named here take rispy's label.
_TYPES: dict[str, str] = {
    "JOUR": "Journal Article",
    "EJOUR": "Journal Article",
    "JFULL": "Journal",
    "ABST": "Abstract",
    "BOOK": "Book",
    "EBOOK": "Book",
    "EDBOOK": "Edited Book",
    "CHAP": "Book Chapter",
    "ECHAP": "Book Chapter",
    "CONF": "Conference Proceedings",
    "CPAPER": "Conference Paper",
    "THES": "Thesis",
    "RPRT": "Report",
    "GEN": "Generic",
    "NEWS": "Newspaper Article",
    "MGZN": "Magazine Article",
    "ELEC": "Web Page",
    "INPR": "In Press",
    "UNPB": "Unpublished Work",
    "SER": "Serial",
    "DATA": "Dataset",
    "PAT": "Patent",
    "GOVDOC": "Government Document",
}
_BOOK_TYPES = frozenset({"BOOK", "EBOOK", "EDBOOK"})

# Ovid PsycINFO writes its classification (``Health Psychology & Medicine [3360]``) in M3.
# PsycINFO classification codes run from 2100 to 4290, so a year (2019) is never taken for one.
_CLASSIFICATION = re.compile(r"\s\[?(?:2[1-9]|3\d|4[0-2])\d\d\]?$")
# An Ovid PsycINFO reference in M1: ``Andres, PG, & Friedman, LS (1999). Epidemiology ...``.
_REFERENCE = re.compile(r"^[^(\d]{2,300}?\((?:\d{4}[a-z]?|n\.d\.)\)")
# A DOI inside a link: doi.org/10..., /doi/full/10...; not URL-encoded resolver parameters.
DOI_IN_LINK = re.compile(
    r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/|epdf/)?)(10\.\d{4,9}/[^?#&\s]+)", re.I
)
_DOTTED_DOI = re.compile(r"^10\.(\d{4,9})\.(\S+)$")
_EID = re.compile(r"\beid=(2-s2\.0-\d+)")
_ACCESSION_NOTE = re.compile(r"(?:Accession Number|accession-num):\s*([^\s;<]+)", re.I)
_EBSCO_AN = re.compile(r"[?&]AN=([^&\s]+)")
_ID_LIKE = re.compile(r"^(?:L\d{6,}|\d{4}-\d{5}-\d{3}|\d{6,})$")
_SN_TOKEN = re.compile(r"[\dXx][\dXx-]{6,}[\dXx]")
_DIGIT = re.compile(r"\d")


class RisReader(Reader):
    """RIS files (``TY  - `` ... ``ER  -``) from any database or reference manager."""

    name: ClassVar[str] = "ris"
    label: ClassVar[str] = "RIS (Scopus, WoS, EBSCOhost, Ovid, ProQuest, Embase, Zotero ...)"
    title_field = "TI"

    @classmethod
    def sniff(cls, head: str) -> int:
        """Sure when the head has ``TY  - `` lines (after a BOM, blank lines or Ovid's ``1.``)."""
        if not _SNIFF_TY.search(head):
            return 0
        return 95 if _SNIFF_ER.search(head) else 80

    def database(self, head: str) -> str:
        """The database the head's records name when nearly all (4 in 5) name the same one.

        Re-exports that mix databases (Zotero, EndNote, Rayyan) get ``""`` here and keep each
        record's own database. Ovid files whose records name none are read from Ovid's link
        lines between records (``D=caba6`` is CAB Abstracts).
        """
        found: list[str] = []
        for entry in self.split(head.splitlines(keepends=True)):
            if entry.error is None:
                found.append(record_database(entry.fields))
        named = {name for name in found if name}
        if len(named) == 1 and 5 * found.count(next(iter(named))) >= 4 * len(found):
            return named.pop()
        if not named:
            for line in head.splitlines():
                if line.startswith("Link to the Ovid"):
                    database = database_from_link(line)
                    if database:
                        return database
        return ""

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        """Yield one entry per ``TY`` ... ``ER`` record; structural faults become error entries.

        Every line is tested once by slicing (``line[2:5] == "  -"``); values are kept as the
        file wrote them, continuation lines joined with ``\\n``.
        """
        number = 0
        fields: dict[str, list[str]] | None = None  # the open record's tags, None outside
        raw: list[str] = []
        start = 0
        last: list[str] | None = None  # values of the last tag seen, for continuation lines
        closed: Entry | None = None  # the record just closed by ER, open to trailing tags
        orphan: list[str] = []  # tag lines met outside any record
        orphan_start = 0
        damaged: int | None = None  # the open record's first line that looks like a bad tag
        for number, line in enumerate(lines, 1):
            if line[2:5] == "  -" and ((tag := line[:2]).isupper() or (tag := _lower_tag(tag))):
                if fields is not None:
                    # The hot path: a tag line inside a record.
                    if tag != "ER" and tag != "TY":
                        last = fields.get(tag)
                        if last is None:
                            fields[tag] = last = [line[6:].rstrip()]
                        else:
                            last.append(line[6:].rstrip())
                        raw.append(line)
                        continue
                    if tag == "ER":
                        raw.append(line)
                        closed = Entry(start, "".join(raw), fields)
                        if damaged is not None:
                            closed.error = (
                                f"line {damaged} looks like a tag line with a damaged tag "
                                f"({raw[damaged - start].strip()[:20]!r}): its text would be "
                                "read into the field before it"
                            )
                            closed.error_line = damaged
                        fields = None
                        continue
                    # A TY inside an open record: that record never got its ER.
                    yield Entry(
                        start,
                        "".join(raw),
                        fields,
                        error=f"record has no ER line before the next TY at line {number}",
                        error_line=number,
                    )
                    fields = None
                if tag == "TY":
                    if closed is not None:
                        yield _closed(closed, orphan)
                        closed, orphan = None, []
                    elif orphan:
                        yield _orphan_entry(orphan_start, orphan)
                        orphan = []
                    start = number
                    last = [line[6:].rstrip()]
                    fields = {"TY": last}
                    raw = [line]
                    damaged = None
                    continue
                if tag == "ER":
                    if closed is not None:
                        yield closed
                        closed = None
                    if orphan:
                        orphan.append(line)
                        yield Entry(
                            orphan_start,
                            "".join(orphan),
                            error=f"ER at line {number} closes a record that has no TY line",
                            error_field="TY",
                        )
                        orphan = []
                    else:
                        yield Entry(
                            number, line, error="ER line outside any record", error_field="ER"
                        )
                    continue
                # A tag outside a record: right after ER it may be Ovid's NL, which belongs to
                # the record just closed, unless an ER follows (a record that lost its TY).
                if not orphan:
                    orphan_start = number
                orphan.append(line)
                continue
            # A line without a tag.
            if fields is not None:
                raw.append(line)
                text = line.strip()
                if text and last is not None:
                    if damaged is None and damaged_tag(line):
                        damaged = number
                    last[-1] = f"{last[-1]}\n{text}" if last[-1] else text
                continue
            if closed is not None:
                yield _closed(closed, orphan)
                closed, orphan = None, []
            elif orphan and line.strip():
                orphan.append(line)
            # Otherwise: blank lines, Ovid's "1." numbering and link text between records.
        if closed is not None:
            yield _closed(closed, orphan)
            orphan = []
        if fields is not None and len(fields) > 1:
            yield Entry(
                start,
                "".join(raw),
                fields,
                error="the file ends before this record's ER line",
                error_line=number,
            )
        if orphan:
            yield _orphan_entry(orphan_start, orphan)

    def convert(self, entry: Entry) -> Record:
        """Map the record's tags onto a :class:`Record` (see the module notes for each flavour)."""
        f = entry.fields
        get = f.get
        ty = (get("TY") or [""])[0].strip().upper()
        database = record_database(f)

        title = _first(f, "TI", "T1", "CT")
        if not title and ty in _BOOK_TYPES:
            title = _first(f, "BT")
        if not title:
            title = _first(f, "ST")

        abstract = ""
        for tag in ("AB", "N2"):
            values = get(tag)
            if values:
                parts = [v for v in values if v and not v.startswith("Copyright of ")]
                abstract = " ".join(parts or values)
                if abstract:
                    break

        authors: list[Author] = []
        for tag in ("AU", "A1"):
            for value in get(tag) or ():
                if value:
                    authors.append(parse_author(value))

        # JF/JO name the journal where present; EBSCOhost then uses T2 for a translated title.
        source = _first(f, "JF", "JO", "T2", "JA", "J2", "J1", "T3")
        if not source and ty not in _BOOK_TYPES:
            source = _first(f, "BT")

        pages = _pages(_first(f, "SP"), _first(f, "EP"))

        document_type = ""
        subject_areas: list[str] = []
        for value in get("M3") or ():
            value = value.strip()
            if not value or value.startswith("10.") or "doi.org/" in value:
                continue
            if _CLASSIFICATION.search(value):
                subject_areas.append(clean_text(value))
            elif not document_type:
                document_type = clean_text(value)
        if not document_type and ty:
            document_type = _TYPES.get(ty) or TYPE_OF_REFERENCE_MAPPING.get(ty, ty)

        keywords: list[str] = []
        indexed: list[str] = []
        for value in get("KW") or ():
            pieces = value.split("\n") if "\n" in value else value.split(";")
            for piece in pieces:
                piece = piece.strip()
                if piece and piece != "No terms assigned":
                    keywords.append(piece)
        if keywords:
            keywords = list(dict.fromkeys(keywords))
            if database == WEB_OF_SCIENCE:
                # WoS RIS puts Keywords Plus (always upper case) after the author keywords.
                indexed = [k for k in keywords if k.isupper()]
                if indexed:
                    keywords = [k for k in keywords if not k.isupper()]

        notes = get("N1") or ()
        cited: list[str] = []
        for value in notes:
            if value.startswith("References:"):
                cited.extend(_references(value[11:]))
        for value in get("CR") or ():
            cited.extend(_references(value))
        for value in get("M1") or ():
            if _REFERENCE.match(value):
                cited.append(clean_text(value))

        language = language_name(_first(f, "LA", "LG"))

        return Record(
            title=clean_text(title),
            abstract=clean_text(abstract),
            authors=authors,
            year=normalise_year(_first(f, "PY", "Y1", "DA", "YR")),
            source_title=clean_text(source),
            volume=clean_text(_first(f, "VL")),
            issue=clean_text(_first(f, "IS", "CP")),
            pages=pages,
            doi=self._doi(f, notes),
            issn=self._issns(get("SN"), "SN"),
            pmid=_pmid(f, notes, database),
            isbn=normalise_isbn(" ".join((get("SN") or []) + (get("BN") or []))),
            keywords=keywords,
            indexed_keywords=indexed,
            language=clean_text(language),
            document_type=document_type,
            subject_areas=subject_areas,
            cited_references=cited,
            publisher=clean_text(_first(f, "PB", "PU")),
            url=_url(f),
            source_database=database,
            source_record_id=_record_id(f, notes),
            line=entry.line,
            raw=entry.raw,
        )

    def _issns(self, values: list[str] | None, tag: str) -> list[str]:
        """ISSNs of an SN field; one that holds neither an ISSN nor an ISBN is kept as written
        (in the raw record) and noted once a file."""
        found = issns(values)
        if not found and values and unreadable_issn(values):
            self.warn(
                f"the {tag} field of {{n}} records holds no ISSN or ISBN that could be read; "
                "kept as written in the raw record"
            )
        return found

    def _doi(self, fields: dict[str, list[str]], notes: Iterable[str]) -> str:
        doi = _doi(fields, notes)
        if not doi and any(v.strip() for v in fields.get("DO") or ()):
            self.warn(
                "the DO field of {n} records holds no DOI that could be read; kept as written "
                "in the raw record"
            )
        return doi


def unreadable_issn(values: list[str]) -> bool:
    """True when SN/IS values hold no token shaped like an ISSN (8 digits) or ISBN (10, 13)."""
    tokens = _SN_TOKEN.findall(" ".join(values))
    return not any(len(t.replace("-", "")) in (8, 10, 13) for t in tokens)


def record_database(fields: dict[str, list[str]]) -> str:
    """The database one RIS record names: its DB, then DP tag, then its IDs and links.

    ``""`` when the record says nothing (the file's database then applies).
    """
    platform = ""
    for tag in ("DB", "DP"):
        for value in fields.get(tag) or ():
            found = database_from_tag(value)
            if found == EBSCO:
                platform = found
            elif found:
                return found
    for tag in ("AN", "UT", "ID"):
        for value in fields.get(tag) or ():
            if value.startswith("WOS:"):
                return WEB_OF_SCIENCE
            if value.startswith("pub.1"):
                return DIMENSIONS
    for tag in ("UR", "L2", "LK"):
        for value in fields.get(tag) or ():
            found = database_from_link(value)
            if found and found != EBSCO:
                return found
            platform = platform or found
    for value in fields.get("N1") or ():
        if "ccession" in value:
            match = _ACCESSION_NOTE.search(value)
            if match:
                if match.group(1).startswith("WOS:"):
                    return WEB_OF_SCIENCE
                if match.group(1).startswith("pub.1"):
                    return DIMENSIONS
    return platform


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    """The first non-empty value of the first of ``tags`` the record has, stripped."""
    for tag in tags:
        values = fields.get(tag)
        if values:
            for value in values:
                value = value.strip()
                if value:
                    return value
    return ""


def _pages(start: str, end: str) -> str:
    # Ovid writes "SP  - No" / "EP  - Specified" for "No page numbers specified".
    pages = normalise_pages(start, end)
    return pages if _DIGIT.search(pages) else ""


def _references(text: str) -> list[str]:
    """One cited reference per line (Scopus ends each with ``;``)."""
    out = []
    for line in text.split("\n"):
        line = line.strip().rstrip(";").strip()
        if line:
            out.append(line)
    return out


def _doi(fields: dict[str, list[str]], notes: Iterable[str]) -> str:
    """DO first (bare or as a doi.org link); then EBSCO's L3, M3; then links; then notes."""
    for tag in ("DO", "DI", "L3", "M3"):
        for value in fields.get(tag) or ():
            doi = normalise_doi(value)
            if doi:
                return doi
            if tag == "DO":
                # "10.1037.a0037593": the prefix's slash typed as a dot.
                match = _DOTTED_DOI.match(value.strip())
                if match:
                    return f"10.{match.group(1)}/{match.group(2)}".lower()
    for tag in ("UR", "L2", "L1", "LK"):
        for value in fields.get(tag) or ():
            if "10." in value:
                match = DOI_IN_LINK.search(value)
                if match:
                    return normalise_doi(match.group(1))
    for value in notes:
        if not value.startswith("References:") and "10." in value:
            for line in value.split("\n"):
                if "doi" in line.lower():
                    doi = normalise_doi(line[line.lower().index("doi") :])
                    if doi:
                        return doi
    return ""


def issns(values: list[str] | None) -> list[str]:
    """ISSNs from SN values, leaving out ISBNs (10 or 13 digits) that share the tag."""
    if not values:
        return []
    kept = [t for t in _SN_TOKEN.findall(" ".join(values)) if len(t.replace("-", "")) == 8]
    return normalise_issn(" ".join(kept))


def _pmid(fields: dict[str, list[str]], notes: Iterable[str], database: str) -> str:
    """The PubMed ID where each database puts it: Scopus in C2, Embase in C5, PubMed and
    MEDLINE (EndNote, Ovid) in AN; EBSCOhost writes ``PMID: n`` in a note; Lens and Rayyan
    link to PubMed (UR, L2)."""
    tag = {SCOPUS: "C2", EMBASE: "C5", PUBMED: "AN", MEDLINE: "AN"}.get(database)
    if tag:
        pmid = normalise_pmid(_first(fields, tag))
        if pmid:
            return pmid
    for value in notes:
        if "PMID" in value:
            pmid = normalise_pmid(value[value.index("PMID") :])
            if pmid:
                return pmid
    for tag in ("UR", "L2"):
        for value in fields.get(tag) or ():
            if "pubmed" in value:
                for piece in value.split():
                    pmid = normalise_pmid(piece) if "pubmed" in piece else ""
                    if pmid:
                        return pmid
    return ""


def _url(fields: dict[str, list[str]]) -> str:
    for tag in ("UR", "L2"):
        for value in fields.get(tag) or ():
            for piece in value.replace(";", "\n").split("\n"):
                piece = piece.strip()
                if piece.startswith(("http://", "https://")):
                    return piece
    return ""


def _record_id(fields: dict[str, list[str]], notes: Iterable[str]) -> str:
    """Accession number (AN), Embase's U2, Scopus EID, a noted accession number, then ID."""
    value = _first(fields, "AN", "U2")
    if value:
        return value.split(";", 1)[0].strip()
    for value in fields.get("UR") or ():
        match = _EID.search(value)
        if match:
            return match.group(1)
    for value in notes:
        if "ccession" in value:
            match = _ACCESSION_NOTE.search(value)
            if match:
                return match.group(1)
    for value in fields.get("UR") or ():
        if "ebscohost" in value:
            match = _EBSCO_AN.search(value)
            if match:
                return match.group(1)
    value = _first(fields, "ID", "UT")
    if value:
        return value
    for value in fields.get("M1") or ():
        value = value.strip()
        if _ID_LIKE.match(value):
            return value
    return ""


def _lower_tag(tag: str) -> str:
    """A tag written in lower or mixed case (``ti``, ``Au``) in upper case; ``""`` if none."""
    if tag.isascii() and tag.isalnum() and tag[0].isalpha():
        return tag.upper()
    return ""


def _closed(entry: Entry, trailing: list[str]) -> Entry:
    """The closed record, with the tag lines written right after its ER (Ovid's NL) added."""
    for line in trailing:
        entry.fields.setdefault(line[:2].upper(), []).append(line[6:].rstrip())
    if trailing:
        entry.raw += "".join(trailing)
    return entry


def _orphan_entry(start: int, lines: list[str]) -> Entry:
    tag = lines[0][:2]
    return Entry(
        start,
        "".join(lines),
        error=f"tag {tag} outside any record (no TY line before it)",
        error_field=tag,
    )
