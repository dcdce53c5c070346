"""PubMed syntax.

Precedence: none. PubMed processes Boolean operators left to right (PubMed User Guide), so
``a OR b AND c`` is ``(a OR b) AND c`` and ``a AND b OR c`` is ``(a AND b) OR c``; words side by
side are ANDed. Field tags are suffixes on each term: ``[tiab]`` (title, abstract and author
keywords: evimap's title-abstract-keywords), ``[ti]``, ``[ab]``, ``[ot]`` (author keywords),
``[mh]`` (MeSH), ``[au]``, ``[ta]``/``[journal]``, ``[aid]`` (DOI), ``[dp]`` (``2010:2020[dp]``).
PubMed has no tag on a parenthesised group, so every term carries its own tag. Truncation:
``*`` only. Proximity: ``"a b"[tiab:~n]`` (two words within n words, either order).
"""

from __future__ import annotations

import re

from lark import Token

from evimap.search.grammar import IMPLICIT, GrammarSpec, op, tag
from evimap.search.syntax.base import Syntax
from evimap.search.tree import TOPIC, Near, Node, Phrase, Term, Year

_F = frozenset
_TAGS = (
    r"tiab|title\/abstract|ti|title|ab|abstract|ot|mh|mesh|majr|au|author|ta|journal|aid|lid"
    r"|doi|dp|pdat"
)


class PubMed(Syntax):
    name = "pubmed"
    label = "PubMed"
    spec = GrammarSpec(
        levels=[["AND", "OR", "NOT", IMPLICIT]],
        ops={"AND": op("AND"), "OR": op("OR"), "NOT": op("NOT")},
        word=r'/[^\s()"\[\]]+/',
        suffix=rf"/\[(?:{_TAGS})(?::~\d+)?\]/i",
    )
    tags = {
        "tiab": TOPIC,
        "ti": _F({"title"}),
        "ab": _F({"abstract"}),
        "ot": _F({"keywords"}),
        "mh": _F({"subject"}),
        "au": _F({"author"}),
        "ta": _F({"source"}),
        "aid": _F({"doi"}),
        "dp": _F({"year"}),
    }
    aliases = {
        "title/abstract": TOPIC,
        "title": _F({"title"}),
        "abstract": _F({"abstract"}),
        "mesh": _F({"subject"}),
        "majr": _F({"subject"}),
        "author": _F({"author"}),
        "journal": _F({"source"}),
        "lid": _F({"doi"}),
        "doi": _F({"doi"}),
        "pdat": _F({"year"}),
    }
    group_tags = False
    wildcards = "*"

    def tag_key(self, text: str) -> str:
        return text.strip("[]").split(":")[0].lower()

    def suffix_node(self, token: Token, node: Node) -> Node:
        fields = self.fields_of(token)
        match = re.search(r":~(\d+)", str(token))
        if not match:
            return tag(node, fields, token)
        if not isinstance(node, Phrase) or len(node.words) != 2:
            raise ValueError('proximity needs a two-word phrase: "a b"[tiab:~3]')
        a, b = node.words
        return Near(Term(a, fields), Term(b, fields), int(match.group(1)), False)

    def word(self, text: str, w) -> str:
        if any(c in text for c in "?$") or "*" in text.rstrip("*"):
            cut = min(text.find(c) for c in "*?$" if c in text)
            self.warn(
                w,
                f"only truncates at the end of a word; {text!r} written as "
                f"{text[:cut] + '*'!r} (broader)",
            )
            return text[:cut] + "*"
        return text

    def tag_leaf(self, tag: str, core: str) -> str:
        return f"{core}[{tag}]"

    def near(self, node: Near, inside, w) -> tuple[str, bool]:
        left, right = node.left, node.right
        ok = (
            isinstance(left, Term)
            and isinstance(right, Term)
            and left.fields == right.fields
            and not left.has_wildcard
            and not right.has_wildcard
        )
        tags = self.cover(left.fields or TOPIC, w) if ok else []
        if ok and len(tags) == 1 and tags[0] in ("tiab", "ti", "ab"):
            if node.ordered:
                self.warn(w, "proximity ignores word order; the order of the terms is not kept")
            return f'"{left.text} {right.text}"[{tags[0]}:~{node.distance}]', True
        self.warn(
            w,
            "proximity works only for two plain words in [tiab], [ti] or [ab]; "
            "written with AND (broader)",
        )
        a = self._operand(left, inside, w)
        b = self._operand(right, inside, w)
        return f"{a} AND {b}", False

    def year(self, node: Year, w):
        if node.start is not None and node.start == node.end:
            return f"{node.start}[dp]", True
        start, end = self.year_bounds(node, w, high=3000)
        return f"{start}:{end}[dp]", True
