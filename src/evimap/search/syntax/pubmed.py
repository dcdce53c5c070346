"""PubMed syntax.

Precedence: none. PubMed processes Boolean operators left to right (PubMed User Guide), so
``a OR b AND c`` is ``(a OR b) AND c`` and ``a AND b OR c`` is ``(a AND b) OR c``. A tag applies
to the words before it up to an operator (``breast cancer[tiab]`` is the phrase); untagged words
side by side are ANDed. ``[mh]`` (``[mesh]``, ``[majr]``) searches a MeSH heading, exploded;
``[mh:noexp]`` the heading alone. Field tags are suffixes on each term: ``[tiab]`` (title,
abstract and author keywords: evimap's title-abstract-keywords), ``[ti]``, ``[ab]``, ``[ot]``
(author keywords), ``[tw]`` (text words, headings too), ``[au]``, ``[ta]``/``[journal]``,
``[aid]`` (DOI), ``[dp]`` (``2010:2020[dp]``).
PubMed has no tag on a parenthesised group, so every term carries its own tag. Truncation:
``*`` only. Proximity: ``"a b"[tiab:~n]`` (two words within n words, either order).
"""

from __future__ import annotations

import re

from lark import Token

from evimap.search.detect import PUBMED_TAGS
from evimap.search.grammar import IMPLICIT, GrammarSpec, op, tag
from evimap.search.syntax.base import Syntax
from evimap.search.tree import TOPIC, And, Heading, Near, Node, Not, Or, Phrase, Term, Year

_F = frozenset
SHORTEST_TRUNCATION = 4  # PubMed refuses "ab*": at least four characters before the '*'
_TAGS = PUBMED_TAGS.replace("/", "\\/")
_HEADING_TAGS = {"mh", "mesh", "mesh terms", "majr", "mesh major topic"}
_ALL = _F({"title", "abstract", "keywords", "subject", "author", "source", "doi"})


class _Pending(Phrase):
    """Untagged words side by side, waiting to see whether a tag follows (then a phrase, as
    PubMed reads ``breast cancer[tiab]``) or not (then ANDed)."""


class PubMed(Syntax):
    name = "pubmed"
    label = "PubMed"
    spec = GrammarSpec(
        levels=[["AND", "OR", "NOT"], [IMPLICIT]],
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
        "publication date": _F({"year"}),
        "other term": _F({"keywords"}),
        "tw": TOPIC | {"subject"},
        "text word": TOPIC | {"subject"},
        "all fields": _ALL,
        "all": _ALL,
    }
    group_tags = False
    wildcards = "*"
    codes = re.compile(rf"\[(?:{PUBMED_TAGS})\](?!/)", re.I)
    limits = {
        **{k: "a publication type limit" for k in ("pt", "publication type")},
        **{k: "a language limit" for k in ("la", "lang", "language")},
        **{k: "a PubMed subset or filter" for k in ("sb", "filter", "subset")},
    }

    def tag_key(self, text: str) -> str:
        return text.strip().strip("[]").split(":")[0].lower()

    def accepts(self, key: str) -> bool:
        return key in _HEADING_TAGS

    def juxtapose(self, left: Node, right: Node, mode: str) -> Node:
        # PubMed applies a tag to the words before it up to an operator: "breast cancer[tiab]"
        # is the phrase; untagged words side by side are ANDed (settled in finish()).
        if _untagged_words(left) and _untagged_words(right):
            return _Pending(_words_of(left) + _words_of(right), None, _join(left, right))
        if _untagged_words(left) and isinstance(right, Term | Phrase) and right.fields:
            words = _words_of(left) + _words_of(right)
            return Phrase(words, right.fields, _join(left, right))
        if _untagged_words(left) and isinstance(right, Heading):
            text = " ".join(_words_of(left)) + " " + right.text
            return Heading(text, right.explode, _join(left, right))
        return And((_settle(left), _settle(right)))

    def finish(self, node: Node) -> Node:
        return _settle(node)

    def suffix_node(self, token: Token, node: Node) -> Node:
        key = self.tag_key(str(token))
        if key in _HEADING_TAGS:
            words = _words_of(node) if _untagged_words(node) else None
            if words is None:
                raise ValueError(f'{str(token)!r} needs a heading before it: "Term"{token}')
            return Heading(" ".join(words), ":noexp" not in str(token).lower(), node_span(node))
        fields = self.fields_of(token)
        if isinstance(node, _Pending):
            node = Phrase(node.words, None, node.span)
        match = re.search(r":~(\d+)", str(token))
        if not match:
            return tag(node, fields, token)
        if not isinstance(node, Phrase) or len(node.words) != 2:
            raise ValueError('proximity needs a two-word phrase: "a b"[tiab:~3]')
        a, b = node.words
        return Near(Term(a, fields), Term(b, fields), int(match.group(1)), False)

    def word(self, text: str, w) -> str:
        if not any(c in text for c in "*?$"):
            return text
        cut = min(text.find(c) for c in "*?$" if c in text)
        if sum(c.isalnum() for c in text[:cut]) < SHORTEST_TRUNCATION:
            self.warn(
                w,
                f"rejects truncation with fewer than {SHORTEST_TRUNCATION} letters before "
                f"'*'; {text!r} written whole as {text[:cut]!r} (narrower)",
            )
            return text[:cut]
        if any(c in text for c in "?$") or "*" in text.rstrip("*"):
            self.warn(
                w,
                f"only truncates at the end of a word; {text!r} written as "
                f"{text[:cut] + '*'!r} (broader)",
            )
            return text[:cut] + "*"
        return text

    def tag_leaf(self, tag: str, core: str) -> str:
        return f"{core}[{tag}]"

    def cover(self, fields: frozenset[str], w) -> list[str]:
        if "subject" in fields:
            self.warn(
                w,
                "has no field for words in subject headings; [mh] searches whole MeSH headings "
                "(exploded), so the subject part is not the same search",
            )
        return super().cover(fields, w)

    def heading(self, node: Heading, w) -> tuple[str, bool]:
        return f'"{node.text}"[{"mh" if node.explode else "mh:noexp"}]', True

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


def node_span(node: Node):
    return getattr(node, "span", None)


def _untagged_words(node: Node) -> bool:
    return isinstance(node, Term | Phrase) and node.fields is None


def _words_of(node: Node) -> tuple[str, ...]:
    return (node.text,) if isinstance(node, Term) else tuple(node.words)


def _join(left: Node, right: Node):
    a, b = node_span(left), node_span(right)
    return (a[0], b[1]) if a and b else None


def _settle(node: Node) -> Node:
    """Untagged words left side by side are ANDed, as PubMed does."""
    if isinstance(node, _Pending):
        return And(tuple(Term(w, None) for w in node.words))
    if isinstance(node, And | Or):
        return type(node)(tuple(_settle(c) for c in node.items))
    if isinstance(node, Not):
        return Not(_settle(node.include), _settle(node.exclude))
    return node
