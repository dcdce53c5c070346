"""The query tree every syntax parses into and renders from.

Leaves carry the fields they search (``fields``: a frozenset of canonical field names, or
``None`` for the review's default search fields). Source positions (``span``) point back into
the equation text for messages; they take no part in equality, so a tree parsed from WoS and
one parsed from Scopus compare equal when they mean the same search.

Wildcards inside a :class:`Term` use one canonical notation: ``*`` any number of characters,
``?`` exactly one character, ``$`` zero or one character. Each syntax maps its own symbols to
these (Ovid ``#`` is ``?`` here, EBSCO ``#`` is ``$`` here).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

# Canonical fields: title, abstract, keywords, subject, author, source, doi, year.
TOPIC: frozenset[str] = frozenset({"title", "abstract", "keywords"})
WILDCARDS = "*?$"

Fields = frozenset[str] | None
Span = tuple[int, int] | None


@dataclass(frozen=True)
class Node:
    """Base of every query node."""

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def children(self) -> tuple[Node, ...]:
        """The direct sub-queries."""
        return ()


@dataclass(frozen=True)
class Term(Node):
    """One word, possibly with wildcards (``repair*``), searched in ``fields``."""

    text: str
    fields: Fields = None
    span: Span = field(default=None, compare=False, repr=False)

    @property
    def has_wildcard(self) -> bool:
        return any(c in self.text for c in WILDCARDS)


@dataclass(frozen=True)
class Phrase(Node):
    """Words next to each other in this order (``"rupture repair"``)."""

    words: tuple[str, ...]
    fields: Fields = None
    span: Span = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Heading(Node):
    """A subject heading (MeSH, APA Thesaurus, CINAHL, Emtree ...) as indexers assign it:
    Ovid ``Term/`` and ``exp Term/``, PubMed ``"Term"[mh]``, EBSCOhost ``MH "Term"``.

    It matches a record whose indexed keywords or keywords hold the heading itself (case,
    accents, a MEDLINE ``*`` and ``/subheading`` aside), not the words anywhere. ``explode``
    also takes narrower headings; without the thesaurus, evimap takes the headings that begin
    with this one (``Psychotherapy, Group`` under ``Psychotherapy``).
    """

    text: str
    explode: bool = False
    span: Span = field(default=None, compare=False, repr=False)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset({"subject"})


@dataclass(frozen=True)
class Year(Node):
    """Publication year between ``start`` and ``end`` inclusive (either may be open)."""

    start: int | None = None
    end: int | None = None
    span: Span = field(default=None, compare=False, repr=False)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset({"year"})


@dataclass(frozen=True)
class And(Node):
    """Every operand matches."""

    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class Or(Node):
    """At least one operand matches."""

    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class Not(Node):
    """``include`` matches and ``exclude`` does not (``a NOT b``, ``a AND NOT b``)."""

    include: Node
    exclude: Node

    def children(self) -> tuple[Node, ...]:
        return (self.include, self.exclude)


@dataclass(frozen=True)
class Near(Node):
    """Two operands within ``distance`` words of each other in the same field.

    ``distance`` is the largest number of words allowed *between* them (WoS ``NEAR/3``,
    Scopus ``W/3``, EBSCO ``N3`` and PubMed ``~3`` are 3; Ovid ``ADJ4`` is 3). ``ordered``
    requires ``left`` before ``right`` (Scopus ``PRE/n``, EBSCO ``Wn``).
    """

    left: Node
    right: Node
    distance: int
    ordered: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


def leaves(node: Node) -> list[Node]:
    """Every leaf (term, phrase, year) under ``node``, left to right."""
    return [n for n in node.walk() if isinstance(n, Term | Phrase | Year | Heading)]


def with_fields(node: Node, fields: Fields) -> Node:
    """``node`` with every text leaf searching ``fields`` (a field tag applied to a group).

    A tag applies only to leaves not already tagged inside the group.
    """
    if isinstance(node, Term | Phrase):
        return node if node.fields is not None else replace(node, fields=fields)
    if isinstance(node, Year | Heading):
        return node
    if isinstance(node, And | Or):
        return type(node)(tuple(with_fields(c, fields) for c in node.items))
    if isinstance(node, Not):
        return Not(with_fields(node.include, fields), with_fields(node.exclude, fields))
    if isinstance(node, Near):
        return replace(
            node, left=with_fields(node.left, fields), right=with_fields(node.right, fields)
        )
    raise TypeError(f"unknown node {node!r}")


def resolve_defaults(node: Node, default: frozenset[str] = TOPIC) -> Node:
    """Give untagged leaves the review's default search fields (title, abstract, keywords)."""
    return with_fields(node, default)


def normalise(node: Node) -> Node:
    """The canonical form used to compare trees.

    Nested ANDs and ORs are flattened, a one-word phrase becomes a term, the same term or phrase
    ORed over several fields becomes one leaf over the union of the fields (``TI=x OR AB=x`` is
    ``x`` in title and abstract), and year limits ANDed together become one range.
    """
    if isinstance(node, Phrase):
        if len(node.words) == 1:
            return Term(node.words[0], node.fields, node.span)
        return node
    if isinstance(node, Term | Year | Heading):
        return node
    if isinstance(node, Not):
        return Not(normalise(node.include), normalise(node.exclude))
    if isinstance(node, Near):
        return replace(node, left=normalise(node.left), right=normalise(node.right))
    kind = type(node)
    items: list[Node] = []
    for child in node.items:
        child = normalise(child)
        if type(child) is kind:
            items.extend(child.items)
        else:
            items.append(child)
    items = _merge_fields(items) if kind is Or else _merge_years(items)
    if len(items) == 1:
        return items[0]
    return kind(tuple(items))


def common_fields(node: Node) -> frozenset[str] | None:
    """The fields every text leaf under ``node`` searches, when they all agree (no years)."""
    found: frozenset[str] | None = None
    for leaf in node.walk():
        if isinstance(leaf, Year | Heading):
            return None
        if isinstance(leaf, Term | Phrase):
            if leaf.fields is None:
                return None
            if found is None:
                found = leaf.fields
            elif found != leaf.fields:
                return None
    return found


def set_fields(node: Node, fields: Fields) -> Node:
    """``node`` with every text leaf searching exactly ``fields``."""
    if isinstance(node, Term | Phrase):
        return replace(node, fields=fields)
    if isinstance(node, Near):
        return replace(
            node, left=set_fields(node.left, fields), right=set_fields(node.right, fields)
        )
    if isinstance(node, And | Or):
        return type(node)(tuple(set_fields(c, fields) for c in node.items))
    if isinstance(node, Not):
        return Not(set_fields(node.include, fields), set_fields(node.exclude, fields))
    return node


def _field_key(node: Node) -> Node | None:
    """What a node searches, fields aside, when searching it in field A or in field B is the
    same as searching it in A and B: words, phrases and proximity (within one field)."""
    if isinstance(node, Term | Phrase | Near) and common_fields(node) is not None:
        return set_fields(node, None)
    return None


def _merge_fields(items: list[Node]) -> list[Node]:
    out: list[Node] = []
    where: dict[Node, int] = {}
    for item in items:
        key = _field_key(item)
        if key is None or key not in where:
            if key is not None:
                where[key] = len(out)
            out.append(item)
            continue
        first = out[where[key]]
        merged = common_fields(first) | common_fields(item)
        out[where[key]] = set_fields(first, merged)
    return out


def _merge_years(items: list[Node]) -> list[Node]:
    years = [i for i in items if isinstance(i, Year)]
    if len(years) < 2:
        return items
    starts = [y.start for y in years if y.start is not None]
    ends = [y.end for y in years if y.end is not None]
    merged = Year(max(starts) if starts else None, min(ends) if ends else None, years[0].span)
    out: list[Node] = []
    for item in items:
        if isinstance(item, Year):
            if item is years[0]:
                out.append(merged)
        else:
            out.append(item)
    return out


def describe(node: Node) -> str:
    """A short, syntax-neutral text of a node for messages (``repair*``, ``"alliance repair"``)."""
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Heading):
        return ("exp " if node.explode else "") + node.text + "/"
    if isinstance(node, Year):
        if node.start == node.end:
            return f"year {node.start}"
        return f"year {node.start or ''}-{node.end or ''}"
    if isinstance(node, And | Or):
        op = " AND " if isinstance(node, And) else " OR "
        return "(" + op.join(describe(c) for c in node.items) + ")"
    if isinstance(node, Not):
        return f"({describe(node.include)} NOT {describe(node.exclude)})"
    if isinstance(node, Near):
        op = "PRE" if node.ordered else "NEAR"
        return f"({describe(node.left)} {op}/{node.distance} {describe(node.right)})"
    raise TypeError(f"unknown node {node!r}")
