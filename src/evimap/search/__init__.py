"""Search equations: parse (five database syntaxes), run on the review's records with hit
spans, lint, translate between syntaxes, and check recall against known relevant records."""

from __future__ import annotations

from evimap.search.detect import Detection, detect
from evimap.search.evaluate import Explanation, Hit, Matcher, explain
from evimap.search.index import Index
from evimap.search.lint import Finding, lint, lint_tree
from evimap.search.reading import Reading, read
from evimap.search.syntax import SYNTAXES, Rendered, get_syntax
from evimap.search.tree import TOPIC, Node, describe


def parse(equation: str, syntax: str | None = None) -> Node:
    """The query tree of ``equation`` written in ``syntax`` (``None``: detected)."""
    return read(equation, syntax).tree


def translate(
    equation: str, to: str, syntax: str | None = None, default_fields: frozenset[str] = TOPIC
) -> Rendered:
    """Write ``equation`` (in ``syntax``, detected when ``None``) in the syntax ``to``, with
    warnings (the first ones say when the detected syntax differs from the one given)."""
    reading = read(equation, syntax)
    out = get_syntax(to).render(reading.tree, default_fields)
    out.warnings = reading.warnings + out.warnings
    return out


__all__ = [
    "SYNTAXES",
    "TOPIC",
    "Detection",
    "Reading",
    "detect",
    "read",
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
