"""Records written with their expected hits in brackets: ``"[Repairing] ruptures"``."""

from __future__ import annotations

import re

from evimap.records import Author, Record

_MARK = re.compile(r"\[([^\]]*)\]")


def unmark(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without brackets, and the (start, end) spans the brackets marked."""
    spans: list[tuple[int, int]] = []
    out = []
    pos = 0
    shift = 0
    for m in _MARK.finditer(text):
        out.append(text[pos : m.start()])
        start = m.start() - shift
        spans.append((start, start + len(m.group(1))))
        out.append(m.group(1))
        shift += 2
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), spans


def make_record(spec: dict) -> tuple[Record, dict[tuple[str, int], list[tuple[int, int]]]]:
    """A record from a spec whose text fields mark the expected hits, and those hits by
    ``(stream, item)``."""
    expected: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def text(value: str, stream: str, item: int = 0) -> str:
        clean, spans = unmark(value)
        if spans:
            expected[(stream, item)] = spans
        return clean

    record = Record(
        title=text(spec.get("title", ""), "title"),
        abstract=text(spec.get("abstract", ""), "abstract"),
        keywords=[text(k, "keywords", i) for i, k in enumerate(spec.get("keywords", []))],
        indexed_keywords=[text(k, "subject", i) for i, k in enumerate(spec.get("subject", []))],
        source_title=text(spec.get("source", ""), "source"),
        doi=text(spec.get("doi", ""), "doi"),
        year=spec.get("year"),
    )
    for i, name in enumerate(spec.get("authors", [])):
        clean = text(name, "author", i)
        family, _, given = clean.partition(" ")
        record.authors.append(Author(family, given, clean))
    return record, expected
