"""Search equations: parse (five database syntaxes), run on the review's records with hit
spans, lint, translate between syntaxes, and check recall against known relevant records."""

from __future__ import annotations

from evimap.search.evaluate import Explanation, Hit, Matcher, explain
from evimap.search.index import Index
from evimap.search.lint import Finding, lint, lint_tree
from evimap.search.syntax import SYNTAXES, Rendered, get_syntax
from evimap.search.tree import TOPIC, Node, describe


def parse(equation: str, syntax: str = "wos") -> Node:
    """The query tree of ``equation`` written in ``syntax``."""
    return get_syntax(syntax).parse(equation)


def translate(
    equation: str, to: str, syntax: str = "wos", default_fields: frozenset[str] = TOPIC
) -> Rendered:
    """Write ``equation`` (in ``syntax``) in the syntax ``to``, with warnings."""
    return get_syntax(to).render(parse(equation, syntax), default_fields)


__all__ = [
    "SYNTAXES",
    "TOPIC",
    "Explanation",
    "Finding",
    "Hit",
    "Index",
    "Matcher",
    "Node",
    "Rendered",
    "describe",
    "explain",
    "get_syntax",
    "lint",
    "lint_tree",
    "parse",
    "translate",
]
