"""Split the author and reference lists that delimited exports pack into one cell."""

from __future__ import annotations

import re

from evimap.records.model import Author
from evimap.records.normalise import clean_list, clean_text, parse_author

_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.")
_AND = re.compile(r"\s+and\s+")
_TRAILING_ID = re.compile(r"\s*\(\d{5,}\)\s*$")
_HONORIFIC = re.compile(r"^(?:(?:Prof|Dr|Mr|Mrs|Ms|Sir)\.\s+)+")
_PLACEHOLDER = re.compile(r"^\[[^\]]*\]$")
# A piece that is only a person's name (``Cheng M.``, ``Calin GA``, ``Deuflhard, P.``,
# ``Skeel, R. D., Eds.``):
# the newer Scopus layout separates the authors inside a reference with ";", and both layouts
# separate the editors of a cited book that way.
_BARE_NAME = re.compile(
    r"^[^\s,;()][^,;()]{0,60}(?:,\s(?:[A-Z]\.\s?-?)+|\s(?:[A-Z]\.?-?){1,4})(?:,\s*Eds?\.)?$"
)


def split_outside_brackets(value: str, separators: str) -> list[str]:
    """Split at any of ``separators`` except inside round or square brackets.

    Embase writes ``duplication cyst (diagnosis, surgery), colonoscopy``: the comma inside
    the brackets belongs to the term.
    """
    if "(" not in value and "[" not in value:
        return re.split("[" + re.escape(separators) + "]", value)
    items: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(value):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and char in separators:
            items.append(value[start:i])
            start = i + 1
    items.append(value[start:])
    return items


def _names(items: list[str]) -> list[str]:
    """Clean names, dropping placeholders such as Scopus's ``[No author name available]``."""
    return [n for n in clean_list(items) if not _PLACEHOLDER.match(n)]


def split_names(value: str) -> list[str]:
    """Split an author cell into names, whatever separator the export used.

    ``;`` (Scopus, Zotero, Lens, IEEE), ``|`` (OpenAlex), `` and `` (BibTeX-style, Rayyan) or
    ``,`` when every piece is a whole name with initials (``Phillips J.C., Braun R.``, older
    Scopus and Embase). ``Smith, John`` stays one name.
    """
    value = value.strip()
    if not value:
        return []
    for separator in (";", "|", "\n"):
        if separator in value:
            return _names(value.split(separator))
    if _AND.search(value):
        return _names(_AND.split(value))
    if "," in value:
        pieces = [p.strip() for p in value.split(",") if p.strip()]
        if len(pieces) > 1 and all(" " in p and _INITIAL.search(p) for p in pieces):
            return _names(pieces)
    return _names([value])


def split_run_together(value: str) -> list[str]:
    """Split names written one after another without a separator (SpringerLink CSV).

    ``Araz R. AlievNigar T. Ismayilova``: a new name starts where a lower-case letter is
    directly followed by a capitalised word (or an honorific such as ``Dr.``) that a space
    ends, once the current name already has two words. ``McDonald`` stays whole because
    ``Donald`` is not followed by a space there.
    """
    names: list[str] = []
    start = 0
    for i in range(1, len(value)):
        if not (value[i - 1].islower() and value[i].isupper()):
            continue
        if " " not in value[start:i].strip():
            continue
        end = i + 1
        while end < len(value) and value[end].islower():
            end += 1
        if end < len(value) and value[end] == ".":
            end += 1
        if end < len(value) and value[end] == " ":
            names.append(value[start:i])
            start = i
    names.append(value[start:])
    return _names([_HONORIFIC.sub("", n.strip()) for n in names])


def authors_from_names(names: list[str]) -> list[Author]:
    """Parse names into authors, dropping a trailing author ID (``Liu, Fengyuan (604102)``)."""
    authors = []
    for name in names:
        name = _TRAILING_ID.sub("", name)
        if name:
            authors.append(parse_author(name))
    return authors


def split_references(value: str, separator: str = ";") -> list[str]:
    """Split a cited-reference cell into references, in order, repeats kept.

    A piece that is only a person's name cannot be a reference on its own (the newer Scopus
    layout writes ``Cheng M.; Xue Y.; Cui M., Global burden ..., (2025); Li T., ...``), so it
    is joined to the next piece.
    """
    refs: list[str] = []
    pending: list[str] = []
    for piece in value.split(separator):
        piece = clean_text(piece)
        if not piece:
            continue
        if _BARE_NAME.match(piece):
            pending.append(piece)
            continue
        refs.append(f"{separator} ".join([*pending, piece]))
        pending = []
    if pending:
        refs.append(f"{separator} ".join(pending))
    return refs
