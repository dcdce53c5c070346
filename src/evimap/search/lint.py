"""Weak spots of a search equation: redundant terms, unbalanced brackets, short truncations,
terms that match nothing in the review's records.

Redundancy is decided by meaning, not by spelling: under an OR, a branch is redundant when every
record it can match is matched by another branch (``"alliance repair"`` under ``repair*``, since
a record holding the phrase holds the word); under an AND, an operand is redundant when another
operand can only match records it matches too.
"""

from __future__ import annotations

from dataclasses import dataclass

from evimap.errors import AmbiguousSyntax, SearchSyntaxError
from evimap.search.evaluate import Matcher, positive_nodes
from evimap.search.index import Index, heading_key, query_tokens, wildcard_regex
from evimap.search.reading import Reading, read
from evimap.search.tree import (
    TOPIC,
    And,
    Heading,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    Year,
    describe,
)

SHORT_TRUNCATION = 4  # fewer literal characters before a wildcard than this is too short


@dataclass
class Finding:
    """One lint finding.

    :param code: ``redundant``, ``unbalanced``, ``syntax``, ``ambiguous-syntax``,
        ``syntax-mismatch``, ``short-truncation``, ``leading-wildcard``, ``no-match`` or
        ``adds-nothing``.
    :param severity: ``error``, ``warning`` or ``info``.
    :param message: what is wrong and why.
    :param span: ``(start, end)`` character offsets in the equation, when known.
    :param term: the term concerned.
    """

    code: str
    severity: str
    message: str
    span: tuple[int, int] | None = None
    term: str = ""

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "start": self.span[0] if self.span else None,
            "end": self.span[1] if self.span else None,
            "term": self.term,
        }


def lint(
    equation: str,
    syntax: str | None = None,
    index: Index | None = None,
    default_fields: frozenset[str] = TOPIC,
    matcher: Matcher | None = None,
) -> list[Finding]:
    """Check an equation; with an index, also check it against the records.

    :param equation: the equation text.
    :param syntax: the syntax it is written in (``None``: detected from its field codes).
    :param index: the review's records, to find terms that match nothing.
    :param default_fields: fields searched by untagged terms.
    :param matcher: a matcher over ``index`` to reuse (its cache).
    """
    try:
        reading = read(equation, syntax)
    except AmbiguousSyntax as exc:
        return [Finding("ambiguous-syntax", "error", str(exc))]
    except SearchSyntaxError as exc:
        code = (
            "unbalanced" if ("parenthesis" in exc.message or "quote" in exc.message) else ("syntax")
        )
        return [Finding(code, "error", exc.render(), (exc.position, exc.position + 1))]
    return syntax_findings(reading) + lint_tree(reading.tree, index, default_fields, matcher)


def syntax_findings(reading: Reading) -> list[Finding]:
    """A warning when the syntax given is not the one the equation's codes point to."""
    return [Finding("syntax-mismatch", "warning", w) for w in reading.warnings]


def lint_tree(
    tree: Node,
    index: Index | None = None,
    default_fields: frozenset[str] = TOPIC,
    matcher: Matcher | None = None,
) -> list[Finding]:
    """:func:`lint` on a parsed tree."""
    findings: list[Finding] = []
    findings += _redundant(tree, default_fields)
    findings += _truncations(tree, index)
    if index is not None:
        matcher = matcher or Matcher(index, default_fields)
        findings += _no_match(tree, matcher)
        findings += _adds_nothing(tree, matcher, {f.term for f in findings})
    return findings


# ---- redundancy ---------------------------------------------------------------------------


def _redundant(tree: Node, default: frozenset[str]) -> list[Finding]:
    out: list[Finding] = []
    for node in tree.walk():
        if not isinstance(node, And | Or):
            continue
        items = node.items
        redundant: dict[int, int] = {}
        for i, x in enumerate(items):
            for j, y in enumerate(items):
                if i == j or j in redundant:
                    continue
                if isinstance(node, Or):
                    covered = subsumes(y, x, default)  # x's records all in y's
                else:
                    covered = subsumes(x, y, default)  # y's records all in x's: x adds nothing
                if covered and not (j > i and _mutual(x, y, node, default)):
                    redundant[i] = j
                    break
        for i, j in sorted(redundant.items()):
            x, y = items[i], items[j]
            if isinstance(node, Or):
                why = f"every record it matches is also matched by {describe(y)} in the same OR"
            else:
                why = f"{describe(y)} in the same AND already requires it"
            out.append(
                Finding(
                    "redundant",
                    "warning",
                    f"{describe(x)} is redundant: {why}",
                    _span(x),
                    describe(x),
                )
            )
    return out


def _mutual(x: Node, y: Node, node: Node, default: frozenset[str]) -> bool:
    """x and y cover each other (same meaning): only the later one is reported."""
    if isinstance(node, Or):
        return subsumes(x, y, default)
    return subsumes(y, x, default)


def _span(node: Node) -> tuple[int, int] | None:
    span = getattr(node, "span", None)
    if span:
        return span
    spans = [getattr(n, "span", None) for n in node.walk()]
    spans = [s for s in spans if s]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _fields(node: Term | Phrase, default: frozenset[str]) -> frozenset[str]:
    return node.fields if node.fields is not None else default


def _tokens(node: Term | Phrase) -> list[str]:
    words = [node.text] if isinstance(node, Term) else list(node.words)
    return [t for w in words for t in query_tokens(w)]


def word_covers(general: str, specific: str) -> bool:
    """Does every word matching ``specific`` also match ``general`` (folded word patterns)?"""
    if general == specific:
        return True
    if not any(c in specific for c in "*?$"):
        return bool(wildcard_regex(general).fullmatch(specific))
    if general.endswith("*") and not any(c in general[:-1] for c in "*?$"):
        cut = min(specific.find(c) for c in "*?$" if c in specific)
        return specific[:cut].startswith(general[:-1])
    return False


def subsumes(general: Node, specific: Node, default: frozenset[str] = TOPIC) -> bool:
    """True when every record ``specific`` matches is matched by ``general`` (decided on the
    query alone, so it holds for any set of records). Sound, not complete: ``False`` may just
    mean "cannot tell"."""
    x, y = specific, general
    if isinstance(x, And):
        return any(subsumes(y, c, default) for c in x.items)
    if isinstance(x, Or):
        return all(subsumes(y, c, default) for c in x.items)
    if isinstance(x, Not):
        return subsumes(y, x.include, default)
    if isinstance(x, Near):
        return subsumes(y, x.left, default) or subsumes(y, x.right, default)
    if isinstance(y, Or):
        return any(subsumes(c, x, default) for c in y.items)
    if isinstance(y, And):
        return all(subsumes(c, x, default) for c in y.items)
    if isinstance(x, Heading) and isinstance(y, Heading):
        a, b = heading_key(x.text), heading_key(y.text)
        if y.explode:
            return a == b or a.startswith(b + b" ")
        return a == b and not x.explode
    if isinstance(x, Year) and isinstance(y, Year):
        lo_ok = y.start is None or (x.start is not None and x.start >= y.start)
        hi_ok = y.end is None or (x.end is not None and x.end <= y.end)
        return lo_ok and hi_ok
    if isinstance(x, Term | Phrase) and isinstance(y, Term | Phrase):
        if not _fields(x, default) <= _fields(y, default):
            return False
        xs, ys = _tokens(x), _tokens(y)
        if not xs or not ys or len(ys) > len(xs):
            return False
        for k in range(len(xs) - len(ys) + 1):
            if all(word_covers(g, s) for g, s in zip(ys, xs[k : k + len(ys)], strict=True)):
                return True
        return False
    return False


# ---- truncation and records ---------------------------------------------------------------


def _truncations(tree: Node, index: Index | None) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for node in tree.walk():
        if not isinstance(node, Term | Phrase):
            continue
        for word in _tokens(node):
            if not any(c in word for c in "*?$") or word in seen:
                continue
            seen.add(word)
            cut = min(word.find(c) for c in "*?$" if c in word)
            expands = ""
            if index is not None:
                found = index.expand(word)
                sample = ", ".join(found[:8]) + (" ..." if len(found) > 8 else "")
                expands = f"; in these records it matches {len(found)} words ({sample})"
            if cut == 0:
                out.append(
                    Finding(
                        "leading-wildcard",
                        "warning",
                        f"{word} starts with a wildcard: most databases refuse it or "
                        f"run it slowly{expands}",
                        _span(node),
                        word,
                    )
                )
            elif cut < SHORT_TRUNCATION:
                out.append(
                    Finding(
                        "short-truncation",
                        "warning",
                        f"{word} is truncated after {cut} letters: too short to be "
                        f"useful (PubMed needs 4){expands}",
                        _span(node),
                        word,
                    )
                )
    return out


def _no_match(tree: Node, matcher: Matcher) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for node in positive_nodes(tree):
        label = describe(node)
        if label in seen:
            continue
        seen.add(label)
        if not matcher.mask(node).any():
            out.append(
                Finding(
                    "no-match",
                    "warning",
                    f"{label} matches no record in the review ({matcher.index.size} records)",
                    _span(node),
                    label,
                )
            )
    return out


def _adds_nothing(tree: Node, matcher: Matcher, reported: set[str]) -> list[Finding]:
    """OR branches that matched records, all of which other branches match too (here)."""
    out: list[Finding] = []
    for node in tree.walk():
        if not isinstance(node, Or):
            continue
        masks = [matcher.mask(c) for c in node.items]
        for i, child in enumerate(node.items):
            label = describe(child)
            if label in reported or not masks[i].any():
                continue
            others = None
            for j, m in enumerate(masks):
                if j != i:
                    others = m.copy() if others is None else (others | m)
            if others is not None and not (masks[i] & ~others).any():
                out.append(
                    Finding(
                        "adds-nothing",
                        "info",
                        f"{label} adds no record here: the {int(masks[i].sum())} "
                        "records it matches are matched by the rest of its OR",
                        _span(child),
                        label,
                    )
                )
    return out
