"""The database syntaxes evimap reads and writes, by name."""

from __future__ import annotations

from evimap.errors import SearchError
from evimap.search.syntax.base import Rendered, Syntax
from evimap.search.syntax.ebsco import Ebsco
from evimap.search.syntax.ovid import Ovid
from evimap.search.syntax.pubmed import PubMed
from evimap.search.syntax.scopus import Scopus
from evimap.search.syntax.wos import WebOfScience

SYNTAXES: dict[str, Syntax] = {
    s.name: s for s in (WebOfScience(), Scopus(), Ebsco(), Ovid(), PubMed())
}
ALIASES = {
    "web of science": "wos",
    "webofscience": "wos",
    "psycinfo": "ebsco",
    "apa psycinfo": "ebsco",
    "ebscohost": "ebsco",
    "medline": "pubmed",
    "embase": "ovid",
}


def get_syntax(name: str) -> Syntax:
    """The syntax called ``name`` (``wos``, ``scopus``, ``ebsco``, ``ovid``, ``pubmed``)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    try:
        return SYNTAXES[key]
    except KeyError:
        valid = ", ".join(SYNTAXES)
        raise SearchError(f"unknown search syntax {name!r}; valid syntaxes: {valid}") from None


__all__ = ["SYNTAXES", "Rendered", "Syntax", "get_syntax"]
