"""Run a query tree on an :class:`~evimap.search.index.Index`.

Every node yields a boolean mask over the index's records (numpy), so AND/OR/NOT are vector
operations. Words, phrases and proximity work on token positions: a phrase keeps the positions
where each next word follows, ``NEAR``/``W``/``N``/``ADJ`` compare the nearest occurrence on
either side. Leaf masks are cached by value, so re-running an edited equation only computes the
leaves that changed.

:func:`explain` runs the same code on a one-record index that keeps character offsets, to give
the spans of every matching word per field and which clauses matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evimap.errors import SearchError
from evimap.records import Record
from evimap.search.index import STREAMS, Index, query_tokens
from evimap.search.tree import (
    TOPIC,
    And,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    Year,
    describe,
    leaves,
)

Spans = tuple[np.ndarray, np.ndarray]  # (start positions, end positions), sorted by start


class Matcher:
    """Evaluates trees on one index; caches leaf results between runs.

    :param index: the index to search.
    :param default_fields: fields searched by leaves without a field tag.
    """

    cache_size = 1024  # leaf masks kept (one byte a record each)

    def __init__(self, index: Index, default_fields: frozenset[str] = TOPIC):
        self.index = index
        self.default_fields = default_fields
        self._cache: dict[Node, np.ndarray] = {}

    # ---- masks -------------------------------------------------------------------------

    def mask(self, node: Node) -> np.ndarray:
        """Boolean array: which records ``node`` matches."""
        if isinstance(node, Term | Phrase | Year | Near):
            key = (node, self.default_fields)
            found = self._cache.get(key)
            if found is None:
                found = self._leaf_mask(node)
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()
                self._cache[key] = found
            return found
        if isinstance(node, And):
            out = self.mask(node.items[0]).copy()
            for child in node.items[1:]:
                out &= self.mask(child)
            return out
        if isinstance(node, Or):
            out = self.mask(node.items[0]).copy()
            for child in node.items[1:]:
                out |= self.mask(child)
            return out
        if isinstance(node, Not):
            return self.mask(node.include) & ~self.mask(node.exclude)
        raise TypeError(f"unknown node {node!r}")

    def _leaf_mask(self, node: Node) -> np.ndarray:
        out = np.zeros(self.index.size, dtype=bool)
        if isinstance(node, Year):
            years = self.index.years
            ok = years > 0
            if node.start is not None:
                ok &= years >= node.start
            if node.end is not None:
                ok &= years <= node.end
            return ok
        for stream in self.streams_of(node):
            if isinstance(node, Near):
                starts = self.near_spans(node, stream)[0][0]
            else:
                starts = self.spans(node, stream)[0]
            if len(starts):
                out[self.index.streams[stream].rows(starts)] = True
        return out

    def fields_of(self, node: Node) -> frozenset[str]:
        if isinstance(node, Term | Phrase):
            return node.fields if node.fields is not None else self.default_fields
        fields = frozenset()
        for leaf in leaves(node):
            fields |= self.fields_of(leaf)
        return fields

    def streams_of(self, node: Node) -> list[str]:
        if isinstance(node, Near):
            fields = self.fields_of(node.left) & self.fields_of(node.right)
        else:
            fields = self.fields_of(node)
        out: list[str] = []
        for f in sorted(fields):
            if f == "year":
                continue
            for s in STREAMS[f]:
                if s not in out and s in self.index.streams:
                    out.append(s)
        return out

    # ---- positions -----------------------------------------------------------------------

    def spans(self, node: Node, stream: str) -> Spans:
        """Start and end positions of every occurrence of a word, phrase or OR of them."""
        if isinstance(node, Term | Phrase):
            if stream not in self._node_streams(node):
                return _empty()
            words = [node.text] if isinstance(node, Term) else list(node.words)
            parts = [t for w in words for t in query_tokens(w)]
            if not parts:
                return _empty()
            return self._phrase(parts, stream)
        if isinstance(node, Or):
            got = [self.spans(c, stream) for c in node.items]
            got = [g for g in got if len(g[0])]
            if not got:
                return _empty()
            starts = np.concatenate([g[0] for g in got])
            ends = np.concatenate([g[1] for g in got])
            order = np.argsort(starts, kind="stable")
            return starts[order], ends[order]
        raise SearchError(f"{describe(node)} cannot be an operand of a proximity search")

    def _node_streams(self, node: Term | Phrase) -> set[str]:
        fields = node.fields if node.fields is not None else self.default_fields
        return {s for f in fields if f in STREAMS for s in STREAMS[f]}

    def _phrase(self, parts: list[str], stream: str) -> Spans:
        index = self.index
        first = index.positions(stream, index.token_ids(parts[0]))
        keep = first
        for k, word in enumerate(parts[1:], start=1):
            if not len(keep):
                break
            nxt = index.positions(stream, index.token_ids(word))
            if not len(nxt):
                keep = keep[:0]
                break
            want = keep + k
            at = np.searchsorted(nxt, want)
            at[at >= len(nxt)] = len(nxt) - 1
            keep = keep[nxt[at] == want]
        return keep, keep + (len(parts) - 1)

    def near_spans(self, node: Near, stream: str) -> tuple[Spans, Spans]:
        """Occurrences of ``node.left`` and of ``node.right`` that satisfy the proximity."""
        a_s, a_e = self.spans(node.left, stream)
        b_s, b_e = self.spans(node.right, stream)
        if not len(a_s) or not len(b_s):
            return _empty(), _empty()
        rows = self.index.streams[stream].rows
        ok_a = _close_after(a_s, a_e, b_s, node.distance, rows)
        ok_b_before = _close_before(b_s, b_e, a_e, node.distance, rows)
        if not node.ordered:
            ok_a |= _close_before(a_s, a_e, b_e, node.distance, rows)
            ok_b_before |= _close_after(b_s, b_e, a_s, node.distance, rows)
        return (a_s[ok_a], a_e[ok_a]), (b_s[ok_b_before], b_e[ok_b_before])

    def clear(self) -> None:
        """Forget cached leaf results."""
        self._cache.clear()


def _empty() -> Spans:
    z = np.zeros(0, dtype=np.int64)
    return z, z


def _close_after(s, e, other_s, distance, rows) -> np.ndarray:
    """For each span (s, e): does an ``other`` span start after e, within ``distance`` words?"""
    at = np.searchsorted(other_s, e, side="right")
    has = at < len(other_s)
    at = np.where(has, at, 0)
    cand = other_s[at]
    ok = has & (cand - e - 1 <= distance)
    if ok.any():
        ok[ok] = rows(cand[ok]) == rows(s[ok])
    return ok


def _close_before(s, e, other_e, distance, rows) -> np.ndarray:
    """For each span (s, e): does an ``other`` span end before s, within ``distance`` words?"""
    ends = np.sort(other_e)
    at = np.searchsorted(ends, s, side="left") - 1
    has = at >= 0
    at = np.where(has, at, 0)
    cand = ends[at]
    ok = has & (s - cand - 1 <= distance)
    if ok.any():
        ok[ok] = rows(cand[ok]) == rows(s[ok])
    return ok


# ---- results ------------------------------------------------------------------------------


@dataclass
class Hit:
    """One matching word or phrase in one field of one record."""

    field: str
    start: int  # character offset in the field's text (for list fields: in that item)
    end: int
    text: str
    term: str  # the query leaf that matched, as written neutrally
    item: int = 0  # which keyword / author, for list fields

    def to_dict(self) -> dict:
        return {
            "field": self.field,
            "item": self.item,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "term": self.term,
        }


@dataclass
class Explanation:
    """Why one record matches or not.

    :param matched: the whole equation matches.
    :param hits: spans of every matching word of the query's positive parts, per field.
    :param clauses: each top-level clause (the operands of the root AND/OR) and whether it
        matched.
    :param terms: the query's words and phrases found in the record.
    """

    matched: bool
    hits: list[Hit] = field(default_factory=list)
    clauses: list[tuple[str, bool]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def spans(self, field_name: str, item: int = 0) -> list[tuple[int, int]]:
        """Sorted ``(start, end)`` character spans in one field (and list item)."""
        return sorted(
            {(h.start, h.end) for h in self.hits if h.field == field_name and h.item == item}
        )

    @property
    def failed_clauses(self) -> list[str]:
        return [text for text, ok in self.clauses if not ok]

    def to_dict(self) -> dict:
        return {
            "matched": self.matched,
            "clauses": [{"clause": c, "matched": ok} for c, ok in self.clauses],
            "terms": self.terms,
            "hits": [h.to_dict() for h in self.hits],
        }


def clauses_of(tree: Node) -> list[Node]:
    """The top-level clauses of a tree (operands of the root AND / OR, or the root itself)."""
    if isinstance(tree, And | Or):
        return list(tree.items)
    if isinstance(tree, Not):
        return [tree.include, tree.exclude]
    return [tree]


def positive_nodes(tree: Node) -> list[Node]:
    """Leaves and proximity nodes that add to a match (not under the right side of NOT)."""
    out: list[Node] = []

    def visit(node: Node) -> None:
        if isinstance(node, Term | Phrase | Year | Near):
            out.append(node)
        elif isinstance(node, Not):
            visit(node.include)
        else:
            for child in node.children():
                visit(child)

    visit(tree)
    return out


def explain(record: Record, tree: Node, default_fields: frozenset[str] = TOPIC) -> Explanation:
    """Spans of the query's matching words in one record, and which clauses matched.

    :param record: the record.
    :param tree: the query tree.
    :param default_fields: fields searched by leaves without a tag.
    """
    from evimap.search.index import record_streams

    index = Index.build([(0, record)], offsets=True)
    matcher = Matcher(index, default_fields)
    matched = bool(matcher.mask(tree)[0])
    texts = record_streams(record)
    result = Explanation(matched)
    result.clauses = [(describe(c), bool(matcher.mask(c)[0])) for c in clauses_of(tree)]
    seen: set[tuple] = set()
    for node in positive_nodes(tree):
        if isinstance(node, Year) or not matcher.mask(node)[0]:
            continue
        label = describe(node)
        if label not in result.terms:
            result.terms.append(label)
        for stream in matcher.streams_of(node):
            if isinstance(node, Near):
                a, b = matcher.near_spans(node, stream)
                found = [a, b]
            else:
                found = [matcher.spans(node, stream)]
            s = index.streams[stream]
            for starts, ends in found:
                for p, q in zip(starts.tolist(), ends.tolist(), strict=True):
                    item = int(s.items[p])
                    text = texts[stream][item]
                    c0 = int(s.char_starts[p])
                    c1 = int(s.char_starts[q]) + _token_len(text, int(s.char_starts[q]))
                    key = (stream, item, c0, c1)
                    if key in seen:
                        continue
                    seen.add(key)
                    result.hits.append(Hit(stream, c0, c1, text[c0:c1], label, item))
    result.hits.sort(key=lambda h: (h.field, h.item, h.start))
    return result


def _token_len(text: str, start: int) -> int:
    from evimap.search.index import TOKEN, fold

    m = TOKEN.match(fold(text), start)
    return m.end() - start if m else 0
