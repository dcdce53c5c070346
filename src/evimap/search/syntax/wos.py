"""Web of Science advanced search syntax.

Precedence (Web of Science help, "Search operators"), tightest first:
``NEAR/n`` > ``SAME`` > ``NOT`` > ``AND`` > ``OR``; so ``a OR b AND c`` is ``a OR (b AND c)``.
Field tags are prefixes: ``TS=`` (topic: title, abstract, author keywords, Keywords Plus),
``TI=``, ``AB=``, ``AK=``, ``KP=``, ``AU=``, ``SO=``, ``DO=``, ``PY=2010-2020``; a tag applies to
the next word, phrase or parenthesised group. Wildcards: ``*``, ``?`` (one character), ``$``
(zero or one). ``NEAR`` without a number means ``NEAR/15``. Words side by side are ANDed.
"""

from __future__ import annotations

import re

from lark import Token

from evimap.search.detect import WOS_TAGS
from evimap.search.grammar import IMPLICIT, GrammarSpec, op
from evimap.search.syntax.base import Syntax
from evimap.search.tree import TOPIC, Near, Year

_F = frozenset


class WebOfScience(Syntax):
    name = "wos"
    label = "Web of Science"
    spec = GrammarSpec(
        levels=[["OR"], ["AND", IMPLICIT], ["NOT"], ["SAME"], ["NEAR"]],
        ops={
            "OR": op("OR"),
            "AND": op("AND"),
            "NOT": op("NOT"),
            "SAME": op("SAME"),
            "NEAR": op("NEAR", r"(?:\/\d+)?"),
        },
        prefix=rf"/(?<![\w.-])(?:{WOS_TAGS})\s*=\s*/i",
    )
    codes = re.compile(rf"(?<![\w.-])(?:{WOS_TAGS})\s*=", re.I)
    limits = {
        "WC": "the Web of Science Categories field, which records do not carry",
        "SU": "the Web of Science research areas field, which records do not carry",
        "DT": "a document type limit",
        "LA": "a language limit",
        "PUBL": "a publisher search",
    }
    tags = {
        "TS": TOPIC,
        "TI": _F({"title"}),
        "AB": _F({"abstract"}),
        "AK": _F({"keywords"}),
        "KP": _F({"subject"}),
        "AU": _F({"author"}),
        "SO": _F({"source"}),
        "DO": _F({"doi"}),
        "PY": _F({"year"}),
    }

    def tag_key(self, text: str) -> str:
        return text.strip().rstrip("=").strip().upper()

    def near_args(self, token: Token):
        text = str(token).upper()
        if text.startswith("NEAR"):
            match = re.search(r"/(\d+)", text)
            return (int(match.group(1)) if match else 15), False
        if text == "SAME":
            raise ValueError("SAME works only in Web of Science address searches; use AND")
        return None

    def tag_leaf(self, tag: str, core: str) -> str:
        return f"{tag}={core}"

    def group(self, tag: str, inner: str) -> str:
        return f"{tag}=({inner})"

    def near_op(self, node: Near, w) -> str:
        if node.ordered:
            self.warn(w, "NEAR/n ignores word order; the order of the two terms is not kept")
        return f"NEAR/{node.distance}"

    def year(self, node: Year, w):
        if node.start is not None and node.start == node.end:
            return f"PY={node.start}", True
        start, end = self.year_bounds(node, w)
        return f"PY={start}-{end}", True
