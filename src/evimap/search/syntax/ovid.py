"""Ovid syntax (APA PsycInfo, MEDLINE, Embase on Ovid), one search line.

Precedence (Ovid help), tightest first: words side by side (a phrase) > ``ADJn`` > ``NOT`` >
``AND`` > ``OR``. Fields are suffixes applying to the word, phrase or parenthesised group before
them, and combine freely: ``.ti,ab,kw.``; codes ``ti``, ``ab``, ``kw`` (keywords), ``kf``
(keyword heading words), ``sh`` (subject headings), ``au``, ``jn``/``jx`` (journal), ``do``
(DOI), ``yr`` (``2010-2020.yr.``), ``tw`` (text words: title and abstract). Words side by side
are a phrase (quotes are accepted too). Wildcards: ``*`` or ``$`` truncation, ``#`` exactly one
character (evimap's ``?``), ``?`` zero or one character (evimap's ``$``). ``ADJn``: within n-1
words, either order (``ADJ4`` is distance 3); ``ADJ`` alone: next to each other in order.
"""

from __future__ import annotations

import re

from lark import Token

from evimap.search.detect import OVID_CODES
from evimap.search.grammar import IMPLICIT, GrammarSpec, op
from evimap.search.syntax.base import Syntax
from evimap.search.tree import TOPIC, Heading, Near, Year

_F = frozenset
_CODES = OVID_CODES
_SUFFIX = rf"\.(?:{_CODES})(?:,(?:{_CODES}))*\."
_NOT_OP = r"(?!(?:and|or|not|adj\d*)(?:\s|$))"
# exp Term/, Term/, *Term/ (focus), Term/sub,sub (subheadings): words up to a slash
_HEADING = (
    rf"/(?:exp\s+)?\*?(?:{_NOT_OP}[^\s()\"\/]+[ \t]+)*{_NOT_OP}[^\s()\"\/]+\/"
    r"(?:\*?[a-z]{2}(?:,\*?[a-z]{2})*)?(?=[\s()]|$)/i"
)
_ALL = _F({"title", "abstract", "keywords", "subject", "author", "source", "doi"})


class Ovid(Syntax):
    name = "ovid"
    label = "Ovid"
    spec = GrammarSpec(
        levels=[["OR"], ["AND"], ["NOT"], ["ADJ"], [IMPLICIT]],
        ops={"OR": op("OR"), "AND": op("AND"), "NOT": op("NOT"), "ADJ": op("ADJ", r"\d*")},
        juxtapose="phrase",
        word=rf'/[^\s()"]+?(?=(?:{_SUFFIX})?(?:[\s()"]|$))/i',
        suffix=f"/{_SUFFIX}/i",
        extra={"HEADING": _HEADING},
    )
    codes = re.compile(rf"{_SUFFIX}|\blimit\s+\d+\s+to\b", re.I)
    limits = {
        "pt": "a publication type field",
        "lg": "a language field",
        "limit": "an Ovid limit (a search line of its own)",
    }
    tags = {
        "ti": _F({"title"}),
        "ab": _F({"abstract"}),
        "kw": _F({"keywords"}),
        "sh": _F({"subject"}),
        "au": _F({"author"}),
        "jn": _F({"source"}),
        "do": _F({"doi"}),
        "yr": _F({"year"}),
    }
    aliases = {
        "kf": _F({"keywords"}),
        "jx": _F({"source"}),
        "tw": _F({"title", "abstract"}),
        "mp": TOPIC | {"subject"},
        "hw": _F({"subject"}),
        "af": _ALL,
    }
    AND = "and"
    OR = "or"
    NOT = "not"

    def fields_of(self, token: Token) -> frozenset[str]:
        fields: set[str] = set()
        for code in str(token).strip(".").lower().split(","):
            found = self.tags.get(code) or self.aliases.get(code)
            if found is None:
                raise ValueError(
                    f"'.{code}.' is {self.limits.get(code, 'a field evimap cannot search')}; "
                    f"remove it (searchable: {self.searchable()})"
                )
            fields |= found
        return frozenset(fields)

    def tag_key(self, text: str) -> str:
        text = text.strip().lower()
        return "limit" if text.startswith("limit") else text.strip(".")

    def accepts(self, key: str) -> bool:
        codes = key.split(",")
        return all(c in self.tags or c in self.aliases for c in codes)

    def extra(self, token: Token):
        text = str(token).strip()
        explode = bool(re.match(r"exp\s", text, re.I))
        if explode:
            text = text[3:].strip()
        text = text.lstrip("*")
        heading = text[: text.index("/")].strip()
        return Heading(" ".join(heading.split()), explode, (token.start_pos, token.end_pos))

    def heading(self, node: Heading, w):
        return ("exp " if node.explode else "") + node.text + "/", True

    def word_text(self, text: str) -> str:
        # Ovid -> canonical: '?' (0-1) -> '$', '#' (exactly 1) -> '?', '$' truncation -> '*'.
        out = []
        for i, ch in enumerate(text):
            if ch == "?":
                out.append("$")
            elif ch == "#":
                out.append("?")
            elif ch == "$":
                rest = text[i + 1 :]
                out.append("*")
                if rest.isdigit():  # $n: at most n more characters; read as plain truncation
                    break
            else:
                out.append(ch)
        return "".join(out)

    def word(self, text: str, w) -> str:
        return "".join({"?": "#", "$": "?"}.get(ch, ch) for ch in text)

    def near_args(self, token: Token):
        match = re.fullmatch(r"ADJ(\d*)", str(token).upper())
        if match:
            if not match.group(1):
                return 0, True
            return max(int(match.group(1)) - 1, 0), False
        return None

    def single_tag(self, fields: frozenset[str], w) -> str | None:
        codes = []
        for field in sorted(fields, key=_ORDER.index):
            code = next((c for c, f in self.tags.items() if f == {field}), None)
            if code is None:
                return None
            codes.append(code)
        return ",".join(codes)

    def tag_leaf(self, tag: str, core: str) -> str:
        return f"{core}.{tag}."

    def group(self, tag: str, inner: str) -> str:
        return f"({inner}).{tag}."

    def near_op(self, node: Near, w) -> str:
        if node.ordered:
            if node.distance == 0:
                return "adj"
            self.warn(w, "ADJn ignores word order; the order of the two terms is not kept")
        return f"adj{node.distance + 1}"

    def year(self, node: Year, w):
        if node.start is not None and node.start == node.end:
            return f"{node.start}.yr.", True
        start, end = self.year_bounds(node, w)
        return f"{start}-{end}.yr.", True


_ORDER = ["title", "abstract", "keywords", "subject", "author", "source", "doi", "year"]
