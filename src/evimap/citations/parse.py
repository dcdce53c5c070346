"""Parse a cited reference whatever wrote it: pick the layout from the citing record's database
and the text, and fall back to the other readers when the first reads no author and year."""

from __future__ import annotations

from collections.abc import Callable

from evimap.citations.model import Reference
from evimap.citations.parse_scopus import SCOPUS_NEW, SCOPUS_OLD, parse_scopus
from evimap.citations.parse_text import parse_text
from evimap.citations.parse_wos import WOS_CR, parse_wos
from evimap.records.normalise import clean_text

Parser = Callable[[str], Reference]
PARSERS: dict[str, Parser] = {"wos": parse_wos, "scopus": parse_scopus, "text": parse_text}


def detect_style(raw: str, database: str = "") -> str:
    """``wos``, ``scopus`` or ``text``: the reader for one reference.

    :param raw: the reference.
    :param database: the database of the record that cites it (``Web of Science``,
        ``Scopus``...), a hint that the text confirms or overrides.
    """
    text = clean_text(raw)
    wos = bool(WOS_CR.search(text))
    scopus = bool(SCOPUS_NEW.match(text) or SCOPUS_OLD.match(text))
    db = database.lower()
    if "web of science" in db and wos:
        return "wos"
    if "scopus" in db and scopus:
        return "scopus"
    if wos and not scopus:
        return "wos"
    if scopus:
        return "scopus"
    return "text"


def parse_reference(raw: str, database: str = "") -> Reference:
    """One reference, parsed into first author, year, title, source, volume, pages and DOI.

    :param raw: the reference as written.
    :param database: the citing record's database (a hint, see :func:`detect_style`).
    """
    style = detect_style(raw, database)
    ref = PARSERS[style](raw)
    if ref.has_author_year:
        return ref
    for name, parser in PARSERS.items():
        if name == style:
            continue
        other = parser(raw)
        if other.has_author_year:
            return other
    return ref
