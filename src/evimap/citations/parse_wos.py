"""Web of Science cited references (``CR``): ``Author, Year, Source, V12, P34, DOI 10.x/y``.

Every field but the first is optional; the source is WoS's 20-character abbreviation (``J
INFORMETR``) or a book title as cited; ``DOI [a, b]`` lists several DOIs; corporate authors
may start with ``*`` and an unknown author is ``[Anonymous]``.
"""

from __future__ import annotations

import re

from evimap.citations.model import Reference
from evimap.citations.names import family_initials, is_anonymous
from evimap.records.normalise import clean_text, normalise_doi

_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)[a-z]?$")
_VOLUME = re.compile(r"^V(\S+)$")
_PAGE = re.compile(r"^P(?!UNSP\b)(\S+)$|^PUNSP\s+(\S+)$|^ARTN\s+(\S+)$")
_DOI_FIELD = re.compile(r"^DOI\s+(?:DOI\s+)?(.+)$", re.IGNORECASE)
WOS_CR = re.compile(
    r"^(?:[^,\[\]]{1,80}|\[[^\]]*\]), (?:(?:1[5-9]|20)\d\d[a-z]?(?:, |$)|[^,]+, V\d)"
    r"|, V\d+[A-Z]?, P\S+(?:, DOI|$)|, DOI 10\.\d|, DOI \[10\."
)
"""A reference that reads as a WoS ``CR`` entry."""


def _fields(text: str) -> list[str]:
    """Split at ``", "`` except inside square brackets (``DOI [a, b]``)."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return [f for f in out if f]


def _doi(value: str) -> str:
    value = value.strip()
    if value.startswith("["):
        for piece in value.strip("[]").split(","):
            doi = normalise_doi(piece.replace("DOI ", ""))
            if doi:
                return doi
        return ""
    return normalise_doi(value)


def parse_wos(raw: str) -> Reference:
    """Parse one WoS ``CR`` entry.

    :param raw: the entry as the export wrote it.
    """
    text = clean_text(raw)
    ref = Reference(raw=raw, style="wos")
    fields = _fields(text)
    if not fields:
        return ref
    first = fields[0]
    rest = fields[1:]
    if _YEAR.match(first):  # no author: "2019, WHO REPORT"
        rest = fields
    elif not is_anonymous(first):
        ref.authors = [family_initials(first.lstrip("*"))]
    source_parts: list[str] = []
    for field in rest:
        if ref.year is None and not source_parts and _YEAR.match(field):
            ref.year = int(field[:4])
            continue
        doi = _DOI_FIELD.match(field)
        if doi:
            ref.doi = ref.doi or _doi(doi.group(1))
            continue
        volume = _VOLUME.match(field)
        if volume and source_parts and not ref.volume:
            ref.volume = volume.group(1)
            continue
        page = _PAGE.match(field)
        if page and source_parts and not ref.pages:
            ref.pages = next(g for g in page.groups() if g)
            continue
        if not ref.volume and not ref.pages and not ref.doi:
            source_parts.append(field)
    ref.source = ", ".join(source_parts)
    return ref
