"""Scopus cited references (CSV ``References``, RIS ``N1 References:``, BibTeX ``references``).

Two layouts:

- up to 2023: ``Smith, J.A., Lee, B., Title (2017) Source, 29 (2), pp. 1-10`` (the title
  may be missing: ``Kalé, L., Skeel, R., (1999) J Comp Phys, 151, p. 283``);
- from 2023: ``Smith J.A.; Lee B., Title, Source, 29, 2, pp. 1-10, (2017)``, the year last.
"""

from __future__ import annotations

import re

from evimap.citations.model import Reference
from evimap.citations.names import (
    author_list,
    is_anonymous,
    is_initials,
    looks_corporate,
    plausible_author_block,
)
from evimap.records import Author
from evimap.records.normalise import clean_text, normalise_doi

_YEAR_PAREN = re.compile(r"\((1[5-9]\d\d|20\d\d)[a-z]?\)")
_YEAR_LOOSE = re.compile(r"(?<![\d/.-])(1[5-9]\d\d|20\d\d)(?![\d/-])")
_NEW_TAIL = re.compile(r",?\s*\((1[5-9]\d\d|20\d\d)[a-z]?\)\s*\.?$")
_PAGES = re.compile(r"^(?:pp?\.|art\.?\s*no\.?|art\.)\s*(.+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[A-Za-z]?\d+[A-Za-z]?(?:\s*\(([^)]*)\))?$")
# One author of the older layout: "Smith, J.A.," / "Van Den-Heuvel, M.P.," / "Kalé, L.,"
_OLD_AUTHOR = re.compile(
    r"[^\W\d_][^,();]{0,60}?,\s(?:(?:[^\W\d_]{1,2}\.|[A-ZÀ-Þ]{1,3})\s?-?){1,5}"
    r"(?:,\s(?:Jr|Sr|II|III)\.?)?(?:,\s|$)"
)
_DOI = re.compile(r"\b(?:doi[:\s]*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)", re.I)
SCOPUS_NEW = re.compile(
    r"^[^,]{1,60}\.?(?:; [^;,]{1,60})*, .+, \((?:1[5-9]|20)\d\d[a-z]?\)\s*\.?$"
    r"|^.+, \((?:1[5-9]|20)\d\d\)$"
)
"""A reference in the newer Scopus layout (year last, in brackets)."""
SCOPUS_OLD = re.compile(
    r"^(?:[^,()&]{1,60}, (?:[^\W\d_]{1,2}\.-?)+, )+[^&]*\((?:1[5-9]|20)\d\d\)(?!\.)"
)
"""A reference in the older Scopus layout (``Family, I.,`` authors, the year in brackets)."""


def _split_tail(text: str) -> tuple[str, str, str, str]:
    """``Source, 29 (2), pp. 1-10`` -> source, volume, issue, pages."""
    parts = [p.strip() for p in re.split(r",\s", text) if p.strip()]
    volume = issue = pages = ""
    source: list[str] = []
    for part in parts:
        part = part.rstrip(". ")
        match = _PAGES.match(part)
        if match and source:
            pages = pages or match.group(1).strip()
            continue
        number = _NUMBER.match(part)
        if number and source and not pages:
            if not volume:
                volume = part.split("(")[0].strip()
                issue = (number.group(1) or "").strip()
            elif not issue:
                issue = part
            continue
        if not volume and not pages:
            source.append(part)
    return ", ".join(source).strip(" .,"), volume, issue, pages


def _old_authors(text: str) -> tuple[str, str]:
    """Split the older layout's head into its author block and the rest."""
    end = 0
    while True:
        match = _OLD_AUTHOR.match(text, end)
        if not match:
            break
        end = match.end()
    rest = text[end:]
    if rest.lower().startswith("et al"):
        cut = rest.find(",")
        rest = rest[cut + 1 :] if cut >= 0 else ""
    return text[:end], rest.strip(" ,")


def parse_scopus(raw: str) -> Reference:
    """Parse one Scopus cited reference in either layout.

    :param raw: the reference as the export wrote it.
    """
    text = clean_text(raw).rstrip(";").strip()
    doi_match = _DOI.search(text)
    doi = normalise_doi(doi_match.group(1)) if doi_match else ""
    if doi_match:
        text = (text[: doi_match.start()] + text[doi_match.end() :]).strip(" ,.")
    tail = _NEW_TAIL.search(text)
    if tail and not _YEAR_PAREN.search(text[: tail.start()]) and not _OLD_AUTHOR.match(text):
        ref = _parse_new(raw, text[: tail.start()], int(tail.group(1)))
    else:
        ref = _parse_old(raw, text)
    ref.doi = doi
    return ref


def _parse_old(raw: str, text: str) -> Reference:
    ref = Reference(raw=raw, style="scopus")
    year = _YEAR_PAREN.search(text)
    head, after = (text[: year.start()], text[year.end() :]) if year else (text, "")
    if year:
        ref.year = int(year.group(1))
    else:
        # no year in brackets: "..., Compr Physiol, , 2013;3(1):403-428"
        loose = _YEAR_LOOSE.findall(text)
        ref.year = int(loose[-1]) if loose else None
    block, title = _old_authors(head.strip(" ,"))
    ref.authors = author_list(block)
    if not ref.authors and "," in head:
        # a single author without initials, or a corporate one: "WHO, Title (2019) ..."
        first, rest = head.split(",", 1)
        first = first.strip()
        person = (
            plausible_author_block(first) and len(first.split()) <= 3 and not is_anonymous(first)
        )
        if person or (looks_corporate(first) and first[:1].isupper()):
            ref.authors = [Author(first, "", first)]
            title = rest.strip(" ,")
    ref.title = title.strip(" ,.")
    ref.source, ref.volume, ref.issue, ref.pages = _split_tail(after.strip(" ,."))
    return ref


def _parse_new(raw: str, text: str, year: int) -> Reference:
    ref = Reference(raw=raw, year=year, style="scopus-new")
    parts = [p.strip() for p in re.split(r",\s", text)]
    block = ""
    if ";" in parts[0] or _is_new_name(parts[0]):
        # "Cheng M.; Xue Y.; Cui M., Title, ..." : the authors end at the first comma after
        # the last semicolon.
        block, parts = parts[0], parts[1:]
    ref.authors = author_list(block) if block else []
    # from the right: pages, issue, volume, then the source; the rest is the title
    tail: list[str] = []
    while parts and (_PAGES.match(parts[-1]) or _NUMBER.match(parts[-1])):
        tail.insert(0, parts.pop())
    if len(parts) >= 2:
        source = parts.pop()
        ref.title = ", ".join(parts).strip(" .")
    else:
        source = parts[0] if parts else ""
    ref.source, ref.volume, ref.issue, ref.pages = _split_tail(", ".join([source, *tail]))
    return ref


def _is_new_name(piece: str) -> bool:
    """``Nagamine T.``, ``Leone E``, ``de Franchis R.``: one name, family then initials."""
    words = piece.split()
    return 2 <= len(words) <= 4 and is_initials(words[-1]) and words[0][:1].isalpha()
