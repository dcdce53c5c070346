"""Scopus advanced search syntax.

Precedence (Scopus search guide), tightest first: ``OR`` > ``W/n``, ``PRE/n`` > ``AND`` >
``AND NOT``; so ``a OR b AND c`` is ``(a OR b) AND c`` and ``a AND NOT b AND c`` is
``a AND NOT (b AND c)``. Field codes are functions: ``TITLE-ABS-KEY()``, ``TITLE-ABS()``,
``TITLE()``, ``ABS()``, ``KEY()`` (author keywords and index terms), ``AUTHKEY()``,
``INDEXTERMS()``, ``AUTH()``, ``SRCTITLE()``, ``DOI()``; years as ``PUBYEAR > 2009``,
``PUBYEAR < 2021``, ``PUBYEAR = 2015``. ``"..."`` is a loose phrase, ``{...}`` an exact one (both
read as phrases). Wildcards ``*`` and ``?``; Scopus has no ``$``. ``W/n``: within n words,
either order; ``PRE/n``: first term precedes the second by at most n words.
"""

from __future__ import annotations

import re

from lark import Token

from evimap.search.detect import SCOPUS_CODES
from evimap.search.grammar import IMPLICIT, GrammarSpec, op
from evimap.search.syntax.base import Syntax
from evimap.search.tree import TOPIC, Near, Year

_F = frozenset


class Scopus(Syntax):
    name = "scopus"
    label = "Scopus"
    spec = GrammarSpec(
        levels=[["ANDNOT"], ["AND", IMPLICIT], ["W", "PRE"], ["OR"]],
        ops={
            "ANDNOT": r"/\b(?:AND\s+)?NOT(?=[\s()\"]|$)/i",
            "AND": op("AND"),
            "OR": op("OR"),
            "W": op("W", r"\/\d+"),
            "PRE": op("PRE", r"\/\d+"),
        },
        word=r'/[^\s()"{}]+/',
        phrase=r'/"[^"]*"|\{[^}]*\}/',
        func=rf"/\b(?:{SCOPUS_CODES})\s*\(/i",
        extra={"PUBYEAR": r"/\bPUBYEAR\s*(?:>|<|=|AFT|BEF|IS)\s*\d{4}/i"},
    )
    tags = {
        "TITLE-ABS-KEY": TOPIC,
        "TITLE-ABS": _F({"title", "abstract"}),
        "TITLE": _F({"title"}),
        "ABS": _F({"abstract"}),
        "KEY": _F({"keywords"}),
        "INDEXTERMS": _F({"subject"}),
        "AUTH": _F({"author"}),
        "SRCTITLE": _F({"source"}),
        "DOI": _F({"doi"}),
    }
    aliases = {
        "AUTHKEY": _F({"keywords"}),
        "AUTHOR-NAME": _F({"author"}),
        "ALL": _F({"title", "abstract", "keywords", "subject", "author", "source", "doi"}),
    }
    codes = re.compile(rf"\b(?:{SCOPUS_CODES})\s*\(", re.I)
    limits = {
        key: "a Scopus limit (document type, language, subject area, access ...)"
        for key in (
            "LIMIT-TO",
            "EXCLUDE",
            "DOCTYPE",
            "LANGUAGE",
            "SUBJAREA",
            "SRCTYPE",
            "PUBSTAGE",
            "OPENACCESS",
        )
    }
    wildcards = "*?"
    NOT = "AND NOT"

    def tag_key(self, text: str) -> str:
        return text.strip().rstrip("(").strip().upper()

    def near_args(self, token: Token):
        match = re.fullmatch(r"(W|PRE)/(\d+)", str(token).upper())
        if match:
            return int(match.group(2)), match.group(1) == "PRE"
        return None

    def extra(self, token: Token):
        match = re.fullmatch(r"PUBYEAR\s*(>|<|=|AFT|BEF|IS)\s*(\d{4})", str(token), re.I)
        rel, year = match.group(1).upper(), int(match.group(2))
        span = (token.start_pos, token.end_pos)
        if rel in (">", "AFT"):
            return Year(year + 1, None, span)
        if rel in ("<", "BEF"):
            return Year(None, year - 1, span)
        return Year(year, year, span)

    def tag_leaf(self, tag: str, core: str) -> str:
        return f"{tag}({core})"

    def group(self, tag: str, inner: str) -> str:
        return f"{tag}({inner})"

    def near_op(self, node: Near, w) -> str:
        return f"{'PRE' if node.ordered else 'W'}/{node.distance}"

    def year(self, node: Year, w):
        if node.start is not None and node.start == node.end:
            return f"PUBYEAR = {node.start}", True
        parts = []
        if node.start is not None:
            parts.append(f"PUBYEAR > {node.start - 1}")
        if node.end is not None:
            parts.append(f"PUBYEAR < {node.end + 1}")
        return " AND ".join(parts), len(parts) == 1
