"""Normalisers shared by every importer: DOIs, ISSNs, years, pages, names, whitespace."""

from __future__ import annotations

import html
import re
import unicodedata

from evimap.records.model import Author

_DOI_PREFIX = re.compile(
    r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/|(?:dx\.)?doi\.org/)", re.IGNORECASE
)
_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_ISSN = re.compile(r"(\d{4})-?(\d{3}[\dXx])")
# "PMID: 123", "pubmed/123", "pubmed.ncbi.nlm.nih.gov/123/", or the bare number.
_PMID = re.compile(r"(?:pmid[:\s]*|pubmed[/.:]\D{0,25}?)(\d{1,9})(?!\d)", re.IGNORECASE)
# An ISBN-13 (978/979) or ISBN-10, hyphens between its groups.
_ISBN = re.compile(r"(?<![\dX-])(97[89](?:-?\d){10}|\d(?:-?\d){8}-?[\dXx])(?![\dXx-])")
_EMAIL = re.compile(r"\([^)]*@[^)]*\)")
_INITIALS = re.compile(r"(?:[A-Z]\.?-?){1,4}")
_TAGS = re.compile(r"</?(?:p|i|b|em|strong|sub|sup|jats:[a-z]+|br)\s*/?>", re.IGNORECASE)


def clean_text(value: str | None) -> str:
    """Collapse whitespace, unescape HTML entities, drop simple inline markup."""
    if not value:
        return ""
    if "<" in value:
        value = _TAGS.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    # Fast path (imports call this on every abstract): a printable text (no whitespace but the
    # plain space, see str.isprintable) without double spaces needs no more than a strip.
    # Otherwise str.split() splits on exactly the characters `\s` matches, and is three times
    # faster than a regex substitution.
    if value.isprintable() and "  " not in value:
        return value.strip()
    return " ".join(value.split())


def normalise_doi(value: str | None) -> str:
    """Return the bare DOI in lower case (``10.1000/xyz``), or ``""`` if none is found.

    Accepts ``doi:`` and ``https://doi.org/`` prefixes, trailing ``[doi]`` markers (PubMed) and
    trailing punctuation.
    """
    if not value:
        return ""
    text = value.strip()
    text = _DOI_PREFIX.sub("", text)
    match = _DOI_IN_TEXT.search(text)
    if not match:
        return ""
    doi = match.group(0)
    doi = doi.rstrip(".,;)]}>\"'")
    if doi.endswith("[doi"):
        doi = doi[:-4]
    return doi.lower()


def normalise_issn(value: str | None) -> list[str]:
    """All ISSNs found in the text, as ``NNNN-NNNX``, in order, without repeats."""
    if not value:
        return []
    found: list[str] = []
    for a, b in _ISSN.findall(value):
        issn = f"{a}-{b.upper()}"
        if issn not in found:
            found.append(issn)
    return found


def normalise_pmid(value: str | None) -> str:
    """The PubMed ID in a value (``30529964``, ``PMID: 30529964``, a PubMed link) as digits,
    or ``""``. A PMC id (``PMC7756398``) is no PMID."""
    if not value:
        return ""
    text = str(value).strip()
    if text.isdigit():
        return text.lstrip("0") if len(text) <= 9 else ""
    if text.upper().startswith("PMC") or "/pmc/" in text.lower():
        return ""
    match = _PMID.search(text)
    if not match:
        return ""
    pmid = match.group(1).lstrip("0")
    return pmid if pmid else ""


def _isbn13(digits: str) -> str:
    """ISBN-10 -> ISBN-13 (978 prefix, new check digit); an ISBN-13 unchanged."""
    if len(digits) == 13:
        return digits
    core = "978" + digits[:9]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def normalise_isbn(value: str | None) -> list[str]:
    """All ISBNs in the text as 13 digits (ISBN-10 converted), in order, without repeats.

    ``978-1-5386-6240-3`` and ``1538662403`` give the same ISBN, so print and electronic
    spellings of one book meet.
    """
    if not value:
        return []
    found: list[str] = []
    for match in _ISBN.findall(str(value)):
        digits = match.replace("-", "").upper()
        if len(digits) not in (10, 13):
            continue
        isbn = _isbn13(digits)
        if isbn not in found:
            found.append(isbn)
    return found


def normalise_year(value: str | int | None) -> int | None:
    """The first plausible four-digit year in the value (``2019//``, ``2017 Nov 15``)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def normalise_pages(start: str | None, end: str | None = None) -> str:
    """``start-end`` from a start and end page, or a page range as given (``212-222``)."""
    start = clean_text(start)
    end = clean_text(end)
    if start and end and end != start:
        return f"{start}-{end}"
    return start.replace("--", "-").replace("–", "-")


def strip_accents(value: str) -> str:
    """Remove diacritics (``José`` → ``Jose``)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_author(name: str) -> Author:
    """Split an author as exports write it: ``Family, Given``; ``Family G.``; ``Given Family``.

    A trailing e-mail in brackets (Zoological Record) is dropped.
    """
    literal = clean_text(_EMAIL.sub("", name) if "@" in name else name)
    if not literal:
        return Author(family="", literal=name)
    if "," in literal:
        family, given = literal.split(",", 1)
        return Author(family.strip(), given.strip(), literal)
    parts = literal.split(" ")
    if len(parts) == 1:
        return Author(literal, "", literal)
    # "Phillips J.C." (Scopus CSV) or "Smith JA" (PubMed AU): initials come last.
    last = parts[-1]
    if _INITIALS.fullmatch(last):
        return Author(" ".join(parts[:-1]), last, literal)
    # "A. Hayashi" (IEEE), "Jason James": family name last.
    return Author(parts[-1], " ".join(parts[:-1]), literal)


def split_list(value: str | None, separators: str = ";") -> list[str]:
    """Split a delimited field into clean, non-empty items, keeping order and dropping repeats."""
    if not value:
        return []
    return clean_list(re.split("[" + re.escape(separators) + "]", value))


def clean_list(items: list[str]) -> list[str]:
    """Clean each item, drop empty ones and repeats, keep order."""
    out: list[str] = []
    for item in items:
        item = clean_text(item)
        if item and item not in out:
            out.append(item)
    return out
