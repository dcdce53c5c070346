"""Comparison keys: each record reduced to the normalised fields that linkage compares.

Every key is a plain string or integer (``None`` when the record has no value), so the same
table feeds the exact passes in Python and Splink on any engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from evimap.records import Record
from evimap.records.normalise import clean_text, normalise_doi, strip_accents

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALPHA = re.compile(r"[^a-z]+")
# "[Chinese]", "[Article in German]", "(author's transl)": tags some databases add to titles.
_TITLE_TAG = re.compile(r"\s*[\[(](?:article in [a-z ]+|[a-z]+|author'?s transl)[\])]\s*\.?$")
_TITLE_NOTE = re.compile(
    r"\s*[\[(]\s*(?:erratum|errata|corrected|comment|retracted|see |published|vol\.? \d)"
    r"|\s*\([^()]*\(\d{4}\)"
)
# Ovid MEDLINE's "[Review] [45 refs]" after a review's title.
_REVIEW_NOTE = re.compile(r"(?:\s*\[(?:review|\d+ refs?)\])+\s*\.?\s*$")
_DIGITS = re.compile(r"\d+")
_NOTICES = [
    ("erratum", re.compile(r"^(?:erratum|errata|corrigendum|correction to)\b")),
    ("retraction", re.compile(r"^(?:retraction|retracted|notice of retraction)\b")),
    ("reply", re.compile(r"^reply\b|\bauthors? s? ?reply\b|\breply to\b|\breply$")),
    ("comment", re.compile(r"^(?:comment|commentary) on\b|^letter to the editor\b")),
]
_STOP = {"the", "of", "and", "in", "for", "on", "a", "an", "de", "la", "le", "der", "und"}

TITLE_KEY_CHARS = 40
"""Characters of the space-free title used as a blocking key at its start and at its end."""
MIN_TITLE_KEY = 20
"""Titles shorter than this (space-free) get no title blocking keys: too common ("Editorial")."""


@dataclass(slots=True)
class Keys:
    """The comparison keys of one record.

    :param unique_id: the record's id in the store.
    :param title: lower case, accents and punctuation removed, language tags dropped.
    :param title_start: the first :data:`TITLE_KEY_CHARS` characters of the title without spaces.
    :param title_end: the last :data:`TITLE_KEY_CHARS` characters of the title without spaces.
    :param authors: family names of all authors, space-separated, in order.
    :param first_author: family name of the first author.
    :param year: publication year.
    :param journal: the source title, normalised.
    :param journal_initials: first letter of each significant word of the source title, so an
        abbreviation (``Nat Rev Nephrol``) meets its full form (``Nature Reviews Nephrology``).
    :param issn: the first ISSN.
    :param volume: the volume's first number.
    :param issue: the issue's first number.
    :param page_start: the first page, letters kept (``s42``).
    :param page_digits: the digits of the first page (``42``).
    :param notice: ``erratum``, ``retraction``, ``reply``, ``comment``, or ``paper``.
    :param doc_type: the document type, coarsely (see :func:`coarse_type`).
    :param doi: the normalised DOI of the work (:func:`work_doi`).
    :param pmid: the PubMed ID.
    :param abstract: the first 300 characters of the normalised abstract.
    """

    unique_id: int
    title: str | None = None
    title_start: str | None = None
    title_end: str | None = None
    authors: str | None = None
    first_author: str | None = None
    year: int | None = None
    journal: str | None = None
    journal_initials: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    page_start: str | None = None
    page_digits: str | None = None
    notice: str = "paper"
    doc_type: str | None = None
    doi: str | None = None
    pmid: str | None = None
    abstract: str | None = None

    def to_dict(self) -> dict:
        """A plain dict (a row of the linkage table)."""
        return asdict(self)


COLUMNS: tuple[str, ...] = tuple(Keys.__dataclass_fields__)


def norm_text(value: str | None) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    if not value:
        return ""
    text = strip_accents(clean_text(value)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def norm_title(value: str | None) -> str:
    """A title for comparison: notes a database appends (``[Erratum appears in ...]``,
    ``(vol 360, pg 542, 2009)``, language tags) and trailing dots dropped, then
    :func:`norm_text`."""
    if not value:
        return ""
    text = strip_accents(clean_text(value)).lower()
    text = _REVIEW_NOTE.sub("", text)
    note = _TITLE_NOTE.search(text)
    if note and note.start() > 20:
        text = text[: note.start()]
    text = text.rstrip(" .")
    text = _TITLE_TAG.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()


def norm_family(value: str | None) -> str:
    """A family name for comparison: letters only (``O'Brien`` -> ``obrien``)."""
    if not value:
        return ""
    return _NON_ALPHA.sub("", strip_accents(value).lower())


def journal_initials(journal: str) -> str:
    """First letters of the significant words of a normalised source title."""
    words = [w for w in journal.split() if w not in _STOP and not w.isdigit()]
    return "".join(w[0] for w in words)


def first_number(value: str | None) -> str:
    """The first run of digits (``"108(4)"`` -> ``"108"``), else the cleaned value."""
    if not value:
        return ""
    text = str(value).strip().lower()
    match = _DIGITS.search(text)
    if match:
        return match.group(0).lstrip("0") or "0"
    return text if text.isalnum() else ""


def page_start(pages: str | None) -> str:
    """The first page of a range, letters kept (``"288-297"`` -> ``"288"``; ``"S42"`` -> ``"s42"``).

    Text that is no page ("No Pagination Specified", "62 p") gives ``""``.
    """
    if not pages:
        return ""
    first = re.split(r"[-–—,;]", str(pages).strip().lower(), maxsplit=1)[0].strip()
    if not re.fullmatch(r"[a-z]{0,4}\.?\s?\d+[a-z]?", first):
        return ""
    return re.sub(r"[^a-z0-9]", "", first).lstrip("0") or "0"


def notice_kind(title: str) -> str:
    """What kind of item a normalised title announces: ``erratum``, ``retraction``, ``reply``,
    ``comment`` or ``""`` for an ordinary paper. A notice is never a duplicate of its article."""
    for kind, pattern in _NOTICES:
        if pattern.search(title):
            return kind
    return ""


_TYPES = [
    ("conference", ("conference", "proceeding", "inproceedings", "meeting", "cpaper", "conf")),
    ("chapter", ("chapter", "inbook", "incollection", "chap")),
    ("book", ("book",)),
    ("thesis", ("thesis", "dissertation", "phdthesis", "mastersthesis", "thes")),
    ("report", ("report", "techreport", "rprt")),
    ("preprint", ("preprint",)),
    ("article", ("article", "journal", "jour", "review", "letter", "editorial", "note", "ejour")),
]


def coarse_type(value: str | None) -> str:
    """A document type as one of a few kinds, so databases' spellings meet.

    ``Article``, ``Journal Article``, ``JOUR`` and ``Review`` are all ``article``;
    ``Conference Paper``, ``inproceedings`` and ``CPAPER`` are ``conference``; unknown is ``""``.
    """
    text = (value or "").lower()
    if not text:
        return ""
    for kind, words in _TYPES:
        if any(w in text for w in words):
            return kind
    return ""


_COCHRANE_VERSION = re.compile(r"^(10\.1002/14651858\.cd\d+)(?:\.pub\d+)?$")


def work_doi(doi: str) -> str:
    """The DOI of the work a normalised DOI names: a Cochrane review's versions
    (``10.1002/14651858.cd002273.pub2``, ``.pub3``) are one review, so the version is dropped;
    any other DOI is itself."""
    match = _COCHRANE_VERSION.match(doi)
    return match.group(1) if match else doi


def _none(value: str) -> str | None:
    return value or None


def keys_for(unique_id: int, record: Record) -> Keys:
    """The comparison keys of one record.

    :param unique_id: the record's id.
    :param record: the record.
    """
    title = norm_title(record.title)
    compact = title.replace(" ", "")
    long_enough = len(compact) >= MIN_TITLE_KEY
    families = [norm_family(a.family or a.literal) for a in record.authors]
    families = [f for f in families if f]
    journal = norm_text(record.source_title)
    doi = work_doi(normalise_doi(record.doi)) if record.doi else ""
    abstract = norm_text(record.abstract)[:300]
    first_page = page_start(record.pages)
    return Keys(
        unique_id=unique_id,
        title=_none(title),
        title_start=compact[:TITLE_KEY_CHARS] if long_enough else None,
        title_end=compact[-TITLE_KEY_CHARS:] if long_enough else None,
        authors=_none(" ".join(families)),
        first_author=families[0] if families else None,
        year=record.year,
        journal=_none(journal),
        journal_initials=_none(journal_initials(journal)),
        issn=record.issn[0] if record.issn else None,
        volume=_none(first_number(record.volume)),
        issue=_none(first_number(record.issue)),
        page_start=_none(first_page),
        page_digits=_none(re.sub(r"\D", "", first_page)),
        notice=notice_kind(title) or "paper",
        doc_type=_none(coarse_type(record.document_type)),
        doi=_none(doi),
        pmid=_none(record.pmid),
        abstract=abstract if len(abstract) >= 50 else None,
    )


def keys_table(records: Iterable[tuple[int, Record]]) -> list[Keys]:
    """Keys for every ``(id, record)`` pair, in order."""
    return [keys_for(uid, record) for uid, record in records]
