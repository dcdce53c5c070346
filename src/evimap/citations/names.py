"""Author names as reference lists write them: ``Aria M``, ``Smith, J. A.``, ``J. A. Smith``,
``Andres, PG``, ``[Anonymous]``, corporate authors."""

from __future__ import annotations

import re

from evimap.records import Author
from evimap.records.normalise import clean_text

_ORG = re.compile(
    r"\b(?:univ\w*|institut\w*|organi[sz]ation|association|ministry|department|council|agency"
    r"|society|commission|bureau|office|cent(?:re|er)|foundation|committee|group|network"
    r"|federation|board|service|government|authority|programme|program|consortium|team"
    r"|college|academy|nations|union|bank|trust|fund|inc|ltd|corporation|company|press)\b",
    re.IGNORECASE,
)
_ANONYMOUS = re.compile(r"^\[?(?:anonymous|anon\.?|no author[^\]]*|not available)\]?$", re.I)
_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "le", "la"}
_PARTICLES |= {"dos", "das", "ter", "ten", "st", "st.", "mac", "bin", "al", "el", "y"}
_ETAL = re.compile(r"\s*(?:,?\s*et\.?\s*al\.?|,?\s*\.\.\.|…).*$", re.IGNORECASE)
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)


def is_initials(text: str) -> bool:
    """``J.``, ``JA``, ``J. A.``, ``A.-W.``, ``M.M.``: initials only (at most four letters)."""
    letters = re.sub(r"[.\-\s‐]", "", text)
    return 0 < len(letters) <= 4 and letters.isalpha() and letters.isupper()


def is_anonymous(text: str) -> bool:
    """``[Anonymous]``, ``Anon.``, ``[No author name available]``."""
    return bool(_ANONYMOUS.match(text.strip()))


def looks_corporate(text: str) -> bool:
    """A name that is an organisation (``World Health Organization``, ``Adnan Menderes
    Üniversitesi``) rather than a person."""
    return bool(_ORG.search(text))


def _capitalised(word: str) -> bool:
    first = word.lstrip("'’(")[:1]
    return first.isupper()


def family_initials(name: str) -> Author:
    """A name written family first, given names or initials last, no comma (WoS ``CR``,
    Vancouver, newer Scopus): ``Aria M``, ``van Eck NJ``, ``Harzing A.-W.``, ``Crane Diana.``,
    ``Di Martino MT``. A corporate name stays whole."""
    literal = clean_text(name).strip(" ,;")
    if not literal or is_anonymous(literal):
        return Author("", "", literal)
    words = literal.split()
    if len(words) == 1 or len(words) > 5 or looks_corporate(literal):
        return Author(literal.rstrip("."), "", literal)
    if _SUFFIX.match(words[-1]) and len(words) > 2:
        words = words[:-1]
    last = words[-1]
    if is_initials(last) or (last.endswith(".") and len(words) == 2):
        return Author(" ".join(words[:-1]), last, literal)
    # "Smith John Andrew" (WoS writes full given names in a few entries): family first.
    return Author(words[0], " ".join(words[1:]), literal)


def given_family(name: str) -> Author:
    """A name written given names first (``J. A. Smith``, ``A.-W. Harzing``, ``Jan van Eck``)."""
    literal = clean_text(name).strip(" ,;")
    words = literal.split()
    if not words:
        return Author("", "", literal)
    if len(words) > 2 and _SUFFIX.match(words[-1]):
        words = words[:-1]
    start = len(words) - 1
    while start > 0 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return Author(" ".join(words[start:]), " ".join(words[:start]), literal)


def one_name(name: str) -> Author:
    """One name in whatever order: ``Smith, J. A.``, ``Smith JA``, ``J. A. Smith``."""
    name = clean_text(name).strip(" ,;&")
    if not name or is_anonymous(name):
        return Author("", "", name)
    if "," in name:
        family, given = name.split(",", 1)
        return Author(family.strip(), given.strip(), name)
    words = name.split()
    if len(words) > 1 and is_initials(words[0]) and not is_initials(words[-1]):
        return given_family(name)
    return family_initials(name)


def author_list(block: str) -> list[Author]:
    """Authors of an author block in any of the common layouts.

    ``Smith, J. A., Jones, B., & Lee, C.`` (APA, older Scopus), ``Andres, PG, & Friedman, LS``
    (PsycINFO), ``Smith JA, Jones B, Lee C`` (Vancouver), ``Cheng M.; Xue Y.`` (newer Scopus),
    ``J. A. Smith, B. Jones and C. Lee`` (IEEE), a corporate author alone. ``et al.`` and what
    follows it are dropped.
    """
    block = _ETAL.sub("", clean_text(block)).strip(" ,;.")
    if not block:
        return []
    if is_anonymous(block):
        return [Author("", "", block)]
    if ";" in block:
        return [a for a in (one_name(p) for p in block.split(";")) if a.family or a.literal]
    pieces = [
        p.strip()
        for p in re.split(r",|\s&\s|\s+and\s+|^&\s", block.replace(", &", ",").replace(",&", ","))
        if p.strip() and p.strip() not in ("&", "and")
    ]
    authors: list[Author] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        nxt = pieces[i + 1] if i + 1 < len(pieces) else ""
        if nxt and is_initials(nxt) and not is_initials(piece):
            authors.append(Author(piece, nxt, f"{piece}, {nxt}"))
            i += 2
            continue
        if _SUFFIX.match(piece) and authors:
            i += 1
            continue
        authors.append(one_name(piece))
        i += 1
    return [a for a in authors if a.family]


def plausible_author_block(block: str) -> bool:
    """Whether a piece of text reads as names (capitalised words and initials, few words each)
    rather than a title."""
    block = _ETAL.sub("", clean_text(block)).strip(" ,;.")
    if not block:
        return False
    if is_anonymous(block):
        return True
    pieces = [p.strip() for p in re.split(r"[,;&]|\band\b", block) if p.strip()]
    if not pieces:
        return False
    for piece in pieces:
        words = piece.split()
        if len(words) > 4:
            return False
        if not all(
            _capitalised(w) or w.lower() in _PARTICLES or is_initials(w) or _SUFFIX.match(w)
            for w in words
        ):
            return False
    return True
