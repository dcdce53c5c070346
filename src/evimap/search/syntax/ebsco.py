"""EBSCOhost syntax (APA PsycInfo, Academic Search ...).

Precedence (EBSCOhost help: "And takes precedence over Or"), tightest first: ``Nn``/``Wn`` >
``NOT`` > ``AND`` > ``OR``. Field codes are prefixes applying to the next word, phrase or
parenthesised group: ``TI``, ``AB``, ``KW`` (author keywords), ``SU`` (subjects), ``AU``,
``SO``, ``DI`` (DOI), ``DT 2010-2020`` (date); EBSCOhost has no single title-abstract-keywords
code, so a topic search is written ``(TI x OR AB x OR KW x)``. Wildcards: ``*`` truncation,
``?`` one character, ``#`` zero or one character (evimap's ``$``). ``Nn``: within n words,
either order; ``Wn``: within n words, in the order typed. Words side by side are ANDed.
"""

from __future__ import annotations

import re

from lark import Token

from evimap.search.grammar import IMPLICIT, GrammarSpec, op
from evimap.search.syntax.base import Syntax
from evimap.search.tree import Near, Year

_F = frozenset


class Ebsco(Syntax):
    name = "ebsco"
    label = "EBSCOhost"
    spec = GrammarSpec(
        levels=[["OR"], ["AND", IMPLICIT], ["NOT"], ["N", "W"]],
        ops={
            "OR": op("OR"),
            "AND": op("AND"),
            "NOT": op("NOT"),
            "N": op("N", r"\d+"),
            "W": op("W", r"\d+"),
        },
        prefix=r"/\b(?:TI|AB|KW|SU|AU|SO|DI|DT)\s+(?=\S)/",
    )
    tags = {
        "TI": _F({"title"}),
        "AB": _F({"abstract"}),
        "KW": _F({"keywords"}),
        "SU": _F({"subject"}),
        "AU": _F({"author"}),
        "SO": _F({"source"}),
        "DI": _F({"doi"}),
        "DT": _F({"year"}),
    }
    wildcards = "*?$"

    def word_text(self, text: str) -> str:
        return text.replace("#", "$")

    def word(self, text: str, w) -> str:
        return super().word(text, w).replace("$", "#")

    def near_args(self, token: Token):
        match = re.fullmatch(r"([NW])(\d+)", str(token).upper())
        if match:
            return int(match.group(2)), match.group(1) == "W"
        return None

    def tag_leaf(self, tag: str, core: str) -> str:
        return f"{tag} {core}"

    def group(self, tag: str, inner: str) -> str:
        return f"{tag} ({inner})"

    def near_op(self, node: Near, w) -> str:
        return f"{'W' if node.ordered else 'N'}{node.distance}"

    def year(self, node: Year, w):
        if node.start is not None and node.start == node.end:
            return f"DT {node.start}", True
        start, end = self.year_bounds(node, w)
        return f"DT {start}-{end}", True
