"""Free-text references as papers print them: APA and Harvard (author, year, title), Vancouver
(authors. Title. Journal. 2010;12(3):45-67), IEEE (authors, "Title," journal, vol., pp., year),
with or without a list marker (``12.``, ``[12]``), a DOI or a link."""

from __future__ import annotations

import re

from evimap.citations.model import Reference
from evimap.citations.names import author_list, is_initials, plausible_author_block
from evimap.records.normalise import clean_text, normalise_doi

YEAR = r"(1[5-9]\d\d|20\d\d)"
_MARKER = re.compile(r"^\s*(?:\[\d+[a-z]?\]|\(\d+\)|\d{1,4}[.)](?!\d)|[•*–-])\s*")
_DOI = re.compile(r"(?:doi[:\s]*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s,;]+)", re.I)
_URL = re.compile(r"\b(?:available (?:at|from):?\s*|retrieved from\s*)?https?://\S+", re.I)
_ACCESSED = re.compile(r"\[?\(?(?:accessed|cited|retrieved)(?: on)?\s[^\])]{3,30}[\])]?", re.I)
_APA_YEAR = re.compile(r"\(\s*" + YEAR + r"[a-z]?(?:,\s*[^)]{1,30})?\)|\((?:n\.\s?d\.|in press)\)")
_HARVARD_YEAR = re.compile(r"(?:^|[.,]\s|\s)" + YEAR + r"[a-z]?(?:[.,:]\s|\.$|$)")
_VANCOUVER_YEAR = re.compile(
    YEAR + r"(?:\s[A-Z][a-z]{2,8}\.?(?:[-/][A-Z][a-z]{2})?(?:\s\d{1,2})?)?\s?[;:]"
)
_ANY_YEAR = re.compile(r"(?<![\d/.-])" + YEAR + r"[a-z]?(?![\d/-])")
_QUOTED = re.compile(r"[“\"]([^”\"]{8,}?)[,.]?[”\"]")
# Vancouver authors: "Smith AB, Jones C-D, van Eck NJ" ending in ". "
_VANCOUVER_AUTHORS = re.compile(
    r"^((?:[^\W\d_][^,.;:()]{0,50}? (?:[A-Z]{1,4}|[A-Z]-[A-Z])(?:, |\.\s|\.$))+"
    r"(?:et al\.\s)?)"
)
# "Journal, 28, 2, 255-281" (PsycINFO)
_THREE_NUMBERS = re.compile(
    r",\s*([A-Za-z]?\d+),\s*(\d+),\s*([A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?)\s*\.?$"
)
_ABBREVIATIONS = {"vs", "e.g", "i.e", "st", "dr", "no", "vol", "ed", "eds", "pp", "jr", "sr"}
_VOLUME = re.compile(r"\bvol(?:ume)?\.?\s*([A-Za-z]?\d+)", re.I)
_ISSUE = re.compile(r"\b(?:no|nr|issue)\.?\s*(\d+)", re.I)
_PAGES = re.compile(r"\b(?:pp?\.|pages?)\s*([A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?)", re.I)
_VOL_ISSUE_PAGES = re.compile(
    r"(?:^|[\s,.;])([A-Za-z]?\d+)\s*(?:\((\d+(?:[-–/]\d+)?)\))?\s*[:,]\s*"
    r"([A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?)\s*\.?$"
)


def _sentence_end(text: str, start: int = 0) -> int:
    """Index of the end of the first sentence of ``text`` from ``start`` (``.``, ``?``, ``!``
    followed by a space, not after an initial or a common abbreviation), or ``len(text)``."""
    for match in re.finditer(r"[.?!](?=\s|$)", text[start:]):
        end = start + match.start()
        word = re.split(r"[\s(]", text[start:end])[-1] if text[start:end] else ""
        if text[end] == "." and (
            (len(word) == 1 and word.isupper()) or word.lower() in _ABBREVIATIONS
        ):
            continue
        return end
    return len(text)


def _strip_links(text: str) -> tuple[str, str]:
    """The text without DOIs, links and access dates, and the DOI it named."""
    doi = ""
    match = _DOI.search(text)
    if match:
        doi = normalise_doi(match.group(1))
        text = text[: match.start()] + text[match.end() :]
    text = _URL.sub("", text)
    text = _ACCESSED.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" .,;"), doi


def _source_details(ref: Reference, rest: str) -> None:
    """Source, volume, issue and pages from what follows the title."""
    rest = re.sub(r"^In:?\s", "", rest.strip(" .,"))
    if not rest:
        return
    match = _THREE_NUMBERS.search(rest) or _VOL_ISSUE_PAGES.search(rest)
    if match:
        ref.volume, ref.issue, ref.pages = match.group(1), match.group(2) or "", match.group(3)
        ref.source = rest[: match.start()].strip(" .,;")
    else:
        for pattern, name in ((_VOLUME, "volume"), (_ISSUE, "issue"), (_PAGES, "pages")):
            found = pattern.search(rest)
            if found:
                setattr(ref, name, found.group(1))
        cut = re.search(r",\s*(?:vol|no|pp?)\.|,\s*\d", rest)
        ref.source = rest[: cut.start() if cut else _sentence_end(rest)].strip(" .,;")
    ref.pages = re.sub(r"\s*[–—]\s*", "-", ref.pages)
    ref.source = re.sub(r"\s*\([^)]*$", "", ref.source).strip(" .,;")


def _title_and_rest(after: str) -> tuple[str, str]:
    after = after.strip(" .,:")
    quoted = _QUOTED.match(after)
    if quoted:
        return quoted.group(1).strip(" ,."), after[quoted.end() :]
    end = _sentence_end(after)
    return after[:end].strip(" .,"), after[end + 1 :]


def parse_apa(raw: str, text: str, doi: str) -> Reference | None:
    """``Authors (2010). Title. Source, 12(3), 45-67.`` or ``Authors 2010. Title. ...``."""
    match = _APA_YEAR.search(text)
    style = "apa"
    if not match or not plausible_author_block(text[: match.start()]):
        match = _HARVARD_YEAR.search(text)
        style = "harvard"
        if not match or not plausible_author_block(text[: match.start()]):
            return None
    ref = Reference(raw=raw, doi=doi, style=style)
    ref.authors = author_list(text[: match.start()])
    if match.lastindex:
        ref.year = int(match.group(1))
    title, rest = _title_and_rest(text[match.end() :])
    ref.title = title
    _source_details(ref, rest)
    return ref


def parse_vancouver(raw: str, text: str, doi: str) -> Reference | None:
    """``Smith AB, Jones CD. Title. J Abbrev. 2010;12(3):45-67.``"""
    authors = _VANCOUVER_AUTHORS.match(text)
    if not authors:
        return None
    ref = Reference(raw=raw, doi=doi, style="vancouver")
    ref.authors = author_list(authors.group(1))
    title, rest = _title_and_rest(text[authors.end() :])
    ref.title = title
    year = _VANCOUVER_YEAR.search(rest) or _ANY_YEAR.search(rest)
    if year:
        ref.year = int(year.group(1))
        ref.source = rest[: year.start()].strip(" .,;")
        tail = rest[year.end() :]
        match = re.match(r"\s*([A-Za-z]?\d+)?\s*(?:\((\d+[^)]*)\))?\s*:?\s*([\w-]+)?", tail)
        if match:
            ref.volume, ref.issue, ref.pages = (g or "" for g in match.groups())
    else:
        _source_details(ref, rest)
    return ref


def parse_ieee(raw: str, text: str, doi: str) -> Reference | None:
    """``A. B. Smith and C. Jones, "Title," Journal, vol. 12, no. 3, pp. 45-67, 2010.``"""
    quoted = _QUOTED.search(text)
    if not quoted or _APA_YEAR.search(text[: quoted.start()]):
        return None
    if not plausible_author_block(text[: quoted.start()]):
        return None
    ref = Reference(raw=raw, doi=doi, style="ieee")
    ref.authors = author_list(text[: quoted.start()])
    ref.title = quoted.group(1).strip(" ,.")
    rest = text[quoted.end() :].strip(" ,.")
    years = _ANY_YEAR.findall(rest) or _ANY_YEAR.findall(text[: quoted.start()])
    if years:
        ref.year = int(years[-1])
    _source_details(ref, rest)
    return ref


def parse_text(raw: str) -> Reference:
    """Parse a free-text reference in whichever common style it is written.

    :param raw: one reference as printed.
    """
    text = _MARKER.sub("", clean_text(raw))
    text, doi = _strip_links(text)
    candidates = [parser(raw, text, doi) for parser in (parse_ieee, parse_apa, parse_vancouver)]
    found = [c for c in candidates if c is not None and c.has_author_year]
    if found:
        return max(found, key=_completeness)
    # Anything else: the leading names, if they read as names, and the first year.
    ref = Reference(raw=raw, doi=doi, style="text")
    head = re.split(r"[.(]\s|\s\(|:\s", text, maxsplit=1)[0]
    if plausible_author_block(head):
        ref.authors = author_list(head)
    years = _ANY_YEAR.findall(text)
    if years:
        ref.year = int(years[0])
    partial = next((c for c in candidates if c is not None), None)
    if partial is not None:
        ref.title = partial.title
        ref.source = partial.source
    return ref


def _completeness(ref: Reference) -> tuple[int, int]:
    fields = (ref.title, ref.source, ref.volume, ref.pages)
    names = sum(1 for a in ref.authors if not is_initials(a.family))
    return (sum(1 for f in fields if f), names)
