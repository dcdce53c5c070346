"""Run a query tree on an :class:`~evimap.search.index.Index`.

Every node yields a boolean mask over the index's records (numpy), so AND/OR/NOT are vector
operations. Words, phrases and proximity work on byte spans in the laid-out streams: a word is
found by :meth:`Stream.word`, a phrase keeps the spans where each next word follows after
spaces only, ``NEAR``/``W``/``N``/``ADJ`` compare the nearest occurrence on either side within
one field item. A subject heading is one whole item of the ``headings`` stream. Leaf masks are
cached by value, so re-running an edited equation only computes the leaves that changed.

:func:`explain` runs the same code on a one-record index, turning byte spans back into the
character spans of every matching word per field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evimap.errors import SearchError
from evimap.records import Record
from evimap.search.index import (
    ITEM,
    RECORD,
    SPACE,
    STREAMS,
    Index,
    Stream,
    heading_key,
    query_tokens,
    word_regex,
)
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
    leaves,
)
from evimap.search.words import distinct

Spans = tuple[np.ndarray, np.ndarray]  # (start offsets, end offsets), sorted by start


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
        self.index.ensure(self.streams_needed(node))
        return self._mask(node)

    def streams_needed(self, node: Node) -> list[str]:
        """The streams a tree reads (laid out before it runs)."""
        out: list[str] = []
        for leaf in leaves(node):
            if isinstance(leaf, Heading):
                names = ["headings"]
            elif isinstance(leaf, Year):
                names = []
            else:
                names = self.streams_of(leaf)
            out.extend(n for n in names if n not in out)
        return out

    def _mask(self, node: Node) -> np.ndarray:
        if isinstance(node, Term | Phrase | Year | Near | Heading):
            key = (node, self.default_fields)
            found = self._cache.get(key)
            if found is None:
                found = self._leaf_mask(node)
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()
                self._cache[key] = found
            return found
        if isinstance(node, And):
            out = self._mask(node.items[0]).copy()
            for child in node.items[1:]:
                out &= self._mask(child)
            return out
        if isinstance(node, Or):
            out = self._mask(node.items[0]).copy()
            for child in node.items[1:]:
                out |= self._mask(child)
            return out
        if isinstance(node, Not):
            return self._mask(node.include) & ~self._mask(node.exclude)
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
        if isinstance(node, Heading):
            starts = self.heading_spans(node)[0]
            if len(starts):
                out[self.index.streams["headings"].rows(starts)] = True
            return out
        for stream in self.streams_of(node):
            rows = self._indexed_rows(node, stream)
            if rows is None:  # no word index (yet): search the whole stream
                s = self.index.streams[stream]
                if isinstance(node, Near):
                    starts = self._near(node, stream, s)[0][0]
                else:
                    starts = self._spans(node, stream, s)[0]
                rows = s.rows(starts)
            if len(rows):
                out[rows] = True
        return out

    # ---- with a word index -------------------------------------------------------------------

    def _indexed_rows(self, node: Node, stream: str) -> np.ndarray | None:
        """Rows a leaf matches in one stream, found with the stream's word index: a word's
        rows are looked up; a phrase or proximity is checked on the bytes of the records that
        hold all its words only (the same code as on the whole stream). ``None`` when the
        stream has no word index yet, or the leaf needs the whole stream."""
        words = self.index.words.get(stream)
        if words is None:
            return None
        if isinstance(node, Term | Phrase):
            if stream not in self._node_streams(node):
                return np.zeros(0, np.int64)
            parts = _parts(node)
            if parts is None:
                return None
            if len(parts) <= 1:
                return words.rows(parts[0]) if parts else np.zeros(0, np.int64)
        candidates = self._candidates(node, stream, words)
        if candidates is None:
            return None
        if not len(candidates):
            return candidates
        sub = self.index.streams[stream].subset(candidates)
        if isinstance(node, Near):
            starts = self._near(node, stream, sub)[0][0]
        else:
            starts = self._spans(node, stream, sub)[0]
        return candidates[sub.rows(starts)]

    def _candidates(self, node: Node, stream: str, words) -> np.ndarray | None:
        """Rows of the records holding every word of a word, phrase, OR of them or proximity
        (a superset of its matches); ``None`` when a word cannot be looked up."""
        if isinstance(node, Term | Phrase):
            if stream not in self._node_streams(node):
                return np.zeros(0, np.int64)
            parts = _parts(node)
            if parts is None:
                return None
            if not parts:
                return np.zeros(0, np.int64)
            found = words.rows(parts[0])
            for part in parts[1:]:
                if not len(found):
                    break
                found = np.intersect1d(found, words.rows(part), assume_unique=True)
            return found
        if isinstance(node, Or | Near):
            items = node.items if isinstance(node, Or) else (node.left, node.right)
            got = [self._candidates(c, stream, words) for c in items]
            if any(g is None for g in got):
                return None
            if isinstance(node, Or):
                return distinct(np.concatenate(got))
            return np.intersect1d(got[0], got[1], assume_unique=True)
        return None  # not a proximity operand: the whole-stream path raises the error

    def fields_of(self, node: Node) -> frozenset[str]:
        if isinstance(node, Term | Phrase):
            return node.fields if node.fields is not None else self.default_fields
        fields = frozenset()
        for leaf in leaves(node):
            if isinstance(leaf, Term | Phrase):
                fields |= self.fields_of(leaf)
        return fields

    def streams_of(self, node: Node) -> list[str]:
        if isinstance(node, Near):
            fields = self.fields_of(node.left) & self.fields_of(node.right)
        else:
            fields = self.fields_of(node)
        out: list[str] = []
        for f in sorted(fields):
            for s in STREAMS.get(f, ()):
                if s not in out:
                    out.append(s)
        return out

    # ---- spans -----------------------------------------------------------------------------

    def spans(self, node: Node, stream: str) -> Spans:
        """Byte spans of every occurrence of a word, phrase or OR of them in one stream."""
        return self._spans(node, stream, self.index.streams[stream])

    def _spans(self, node: Node, stream: str, s: Stream) -> Spans:
        """:meth:`spans` in the stream ``s`` (the stream named ``stream``, or some of its
        records)."""
        if isinstance(node, Term | Phrase):
            if stream not in self._node_streams(node):
                return _empty()
            parts = [t for w in _words(node) for t in query_tokens(w)]
            if not parts:
                return _empty()
            return self._phrase(parts, s)
        if isinstance(node, Or):
            got = [self._spans(c, stream, s) for c in node.items]
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

    def _phrase(self, parts: list[str], s: Stream) -> Spans:
        starts, ends = s.word(parts[0])
        for word in parts[1:]:
            if not len(starts):
                break
            nxt_s, nxt_e = s.word(word)
            if not len(nxt_s):
                return _empty()
            at = np.searchsorted(nxt_s, ends, side="left")
            has = at < len(nxt_s)
            starts, ends, at = starts[has], ends[has], at[has]
            ok = s.spaces_only(ends, nxt_s[at])
            starts, ends = starts[ok], nxt_e[at[ok]]
        return starts, ends

    def heading_spans(self, node: Heading) -> Spans:
        """Items of the ``headings`` stream that are the heading (or, exploded, begin with it)."""
        s = self.index.streams["headings"]
        key = heading_key(node.text)
        if not key:
            return _empty()
        starts = s.find(key)
        if not len(starts):
            return _empty()
        before = s.arr[starts - 1]
        starts = starts[(before == ITEM) | (before == RECORD)]
        after = s.arr[starts + len(key)]
        whole = (after == ITEM) | (after == RECORD)
        if node.explode:
            whole |= after == SPACE
        starts = starts[whole]
        if node.explode and len(starts):
            ends = np.array([_item_end(s.data, p) for p in starts.tolist()], dtype=np.int64)
        else:
            ends = starts + len(key)
        return starts, ends

    def near_spans(self, node: Near, stream: str) -> tuple[Spans, Spans]:
        """Occurrences of ``node.left`` and of ``node.right`` that satisfy the proximity."""
        return self._near(node, stream, self.index.streams[stream])

    def _near(self, node: Near, stream: str, s: Stream) -> tuple[Spans, Spans]:
        a_s, a_e = self._spans(node.left, stream, s)
        b_s, b_e = self._spans(node.right, stream, s)
        if not len(a_s) or not len(b_s):
            return _empty(), _empty()
        ok_a = _close_after(s, a_e, b_s, node.distance)
        ok_b = _close_before(s, b_s, a_e, node.distance)
        if not node.ordered:
            ok_a |= _close_before(s, a_s, b_e, node.distance)
            ok_b |= _close_after(s, b_e, a_s, node.distance)
        return (a_s[ok_a], a_e[ok_a]), (b_s[ok_b], b_e[ok_b])

    def clear(self) -> None:
        """Forget cached leaf results."""
        self._cache.clear()


def _words(node: Term | Phrase) -> list[str]:
    return [node.text] if isinstance(node, Term) else list(node.words)


def _parts(node: Term | Phrase) -> list[str] | None:
    """The folded words of a word or phrase as the word index looks them up; ``None`` when one
    could match an empty word (a lone ``*``), which only the whole-stream search handles."""
    parts = [t for w in _words(node) for t in query_tokens(w)]
    if any(word_regex(p).fullmatch(b"") for p in parts):
        return None
    return parts


def _item_end(data, pos: int) -> int:
    item = data.find(b"\x1e", pos)
    record = data.find(b"\n", pos)
    return record if item < 0 or item > record else item


def _empty() -> Spans:
    z = np.zeros(0, dtype=np.int64)
    return z, z


def _close_after(stream, ends, other_starts, distance) -> np.ndarray:
    """For each span ending at ``ends``: does an ``other`` span start after it, within
    ``distance`` words, in the same item?"""
    ok = np.zeros(len(ends), dtype=bool)
    order = np.sort(other_starts)
    at = np.searchsorted(order, ends, side="left")
    for i in np.flatnonzero(at < len(order)).tolist():
        between = stream.words_between(int(ends[i]), int(order[at[i]]))
        ok[i] = between is not None and between <= distance
    return ok


def _close_before(stream, starts, other_ends, distance) -> np.ndarray:
    """For each span starting at ``starts``: does an ``other`` span end before it, within
    ``distance`` words, in the same item?"""
    ok = np.zeros(len(starts), dtype=bool)
    order = np.sort(other_ends)
    at = np.searchsorted(order, starts, side="right") - 1
    for i in np.flatnonzero(at >= 0).tolist():
        between = stream.words_between(int(order[at[i]]), int(starts[i]))
        ok[i] = between is not None and between <= distance
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
        if isinstance(node, Term | Phrase | Year | Near | Heading):
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

    index = Index.build([(0, record)])
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
        if isinstance(node, Heading):
            found = [("headings", matcher.heading_spans(node))]
        else:
            found = []
            for stream in matcher.streams_of(node):
                if isinstance(node, Near):
                    a, b = matcher.near_spans(node, stream)
                    found += [(stream, a), (stream, b)]
                else:
                    found.append((stream, matcher.spans(node, stream)))
        for stream, (starts, ends) in found:
            data = bytes(index.streams[stream].data)
            for p, q in zip(starts.tolist(), ends.tolist(), strict=True):
                item, item_start = _item_at(data, p)
                if stream == "headings":
                    name, item, c0, c1, text = _heading_hit(record, item)
                else:
                    name = stream
                    text = texts[stream][item]
                    c0 = len(data[item_start:p].decode("utf-8"))
                    c1 = c0 + len(data[p:q].decode("utf-8"))
                key = (name, item, c0, c1)
                if key in seen:
                    continue
                seen.add(key)
                result.hits.append(Hit(name, c0, c1, text[c0:c1], label, item))
    result.hits.sort(key=lambda h: (h.field, h.item, h.start))
    return result


def _item_at(data: bytes, pos: int) -> tuple[int, int]:
    """Which item of the (one-record) stream a byte offset is in, and where the item starts."""
    start = max(data.rfind(b"\x1e", 0, pos), data.rfind(b"\n", 0, pos)) + 1
    return data.count(b"\x1e", 0, pos), start


def _heading_hit(record: Record, item: int) -> tuple[str, int, int, int, str]:
    """A heading item back to its field: indexed keywords first, then keywords (empty items
    are not laid out, so they are skipped here too)."""
    listed = [("subject", i, t) for i, t in enumerate(record.indexed_keywords) if t]
    listed += [("keywords", i, t) for i, t in enumerate(record.keywords) if t]
    name, index, text = listed[item]
    return name, index, 0, len(text), text
