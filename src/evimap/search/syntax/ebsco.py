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

from evimap.search.detect import EBSCO_CODES
from evimap.search.grammar import IMPLICIT, GrammarSpec, op
from evimap.search.syntax.base import Syntax
from evimap.search.tree import TOPIC, Heading, Near, Node, Phrase, Term, Year

_F = frozenset
# exact subject headings: MH (MEDLINE, CINAHL), MM (major heading), DE (APA PsycInfo and
# others), ZU (exact subject); a trailing "+" in the quotes explodes the heading
_HEADING_CODES = {"MH", "MM", "DE", "ZU"}


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
        prefix=rf"/(?<![\w.=\[])(?:{EBSCO_CODES})(?:\s+(?=\S)|(?=\())/",
    )
    codes = re.compile(rf"(?<![\w.=\[])(?:{EBSCO_CODES})(?:\s+(?=[\"(\w])|(?=\())")
    limits = {
        "PT": "a publication type limit",
        "LA": "a language limit",
        "ZC": "a methodology limit",
        "AF": "an affiliation search",
    }
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
    aliases = {"TX": TOPIC | {"subject"}, "MW": _F({"subject"})}
    wildcards = "*?$"

    def accepts(self, key: str) -> bool:
        return key in _HEADING_CODES

    def prefix_node(self, token: Token, node: Node) -> Node:
        key = self.tag_key(str(token))
        if key not in _HEADING_CODES:
            return super().prefix_node(token, node)
        if isinstance(node, Term):
            text = node.text
        elif isinstance(node, Phrase):
            text = " ".join(node.words)
        else:
            raise ValueError(f'{key} takes one subject heading in quotes: {key} "Heading"')
        explode = text.endswith("+")
        text = " ".join(text.rstrip("+").split())
        start = token.start_pos if token.start_pos is not None else None
        end = node.span[1] if node.span else None
        return Heading(text, explode, (start, end) if start is not None and end else None)

    def heading(self, node: Heading, w):
        return f'(MH "{node.text}{"+" if node.explode else ""}")', True

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
