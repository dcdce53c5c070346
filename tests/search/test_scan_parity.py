"""The index finds exactly what a straightforward scan of each record finds: words, truncation,
the three wildcards, phrases across punctuation, NEAR/PRE within one field item, headings, on
real titles, abstracts and keywords (the screening datasets) and on hand-made edge cases."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from evimap.records import Record
from evimap.search import parse
from evimap.search.evaluate import Matcher
from evimap.search.index import Index, fold, heading_key, query_tokens
from evimap.search.tree import TOPIC, And, Heading, Near, Node, Not, Or, Phrase, Term, Year
from tests.conftest import shared_data

EQUATIONS = [
    ('("rupture repair" OR repair*) AND (psychotherapy OR therapy OR treatment)', "wos"),
    ("TS=(therap* NEAR/3 alliance*)", "wos"),
    ("TS=(random* NEAR/2 (control* OR trial*))", "wos"),
    ("TITLE-ABS-KEY(random* PRE/2 trial*)", "scopus"),
    ("TS=(wom?n OR behavio$r OR colo$r) NOT TI=child*", "wos"),
    ('"self-esteem" OR "health-related quality of life" OR covid-19', "wos"),
    ("(cognitive adj2 (therapy or behavio?r)).ti,ab.", "ovid"),
    ('TI "meta-analysis" OR (AB systematic N1 review*)', "ebsco"),
    ("*tomy OR *itis", "wos"),
    ('("random"[tiab] OR trial*[ti]) AND 1990:2005[dp]', "pubmed"),
    ("Psychotherapy/ or exp Behavior/ or therapy.ti.", "ovid"),
    ("AK=(attention OR hyperactivity)", "wos"),
]


def _records() -> list[Record]:
    folder = shared_data("screening")
    out = []
    for path in sorted(folder.rglob("*.csv")):
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            for i, row in enumerate(csv.DictReader(handle)):
                if i >= 60:
                    break
                title = (row.get("title") or "").strip()
                keywords = [k.strip() for k in (row.get("keywords") or "").split(";") if k.strip()]
                year = row.get("year") or ""
                out.append(
                    Record(
                        title=title,
                        abstract=(row.get("abstract") or "").strip(),
                        keywords=keywords,
                        year=int(year[:4]) if year[:4].isdigit() else None,
                    )
                )
    return out + EDGE


EDGE = [
    Record(title="Self‐esteem and the rupture–repair cycle", abstract="Behaviour, colour; women."),
    Record(title="alliance", keywords=["therapy", "alliance"]),  # NEAR never crosses keywords
    Record(title="The therapeutic working alliance", year=1999),
    Record(title="A randomised trial", abstract="therapy, and then the alliance", year=2004),
    Record(title="Thérapie cognitive", abstract="ÆSTHETIC naïve co-operation, COVID-19"),
    Record(title="random words then trial", abstract="trial then random"),
    Record(title="x", keywords=["meta_analysis"], indexed_keywords=["*Psychotherapy/methods"]),
    Record(title="y", keywords=["Behavior, Addictive/psychology", "Psychotherapy, Group"]),
]


# ---- the scan: one record at a time, on its tokens --------------------------------------------


def _items(record: Record, fields: frozenset[str]) -> list[list[str]]:
    items: list[str] = []
    if "title" in fields:
        items.append(record.title)
    if "abstract" in fields:
        items.append(record.abstract)
    if "keywords" in fields:
        items += record.keywords + record.indexed_keywords
    if "subject" in fields and "keywords" not in fields:
        items += record.indexed_keywords
    return [re.findall(r"[^\W_]+", fold(t)) for t in items]


def _rx(pattern: str) -> re.Pattern[str]:
    wild = {"*": r"[^\W_]*", "?": r"[^\W_]", "$": r"[^\W_]?"}
    return re.compile("".join(wild.get(c, re.escape(c)) for c in pattern))


def _occurrences(node: Node, tokens: list[str]) -> list[tuple[int, int]]:
    if isinstance(node, Or):
        return sorted(o for c in node.items for o in _occurrences(c, tokens))
    words = [node.text] if isinstance(node, Term) else list(node.words)
    parts = [_rx(t) for w in words for t in query_tokens(w)]
    return [
        (i, i + len(parts) - 1)
        for i in range(len(tokens) - len(parts) + 1)
        if all(p.fullmatch(tokens[i + k]) for k, p in enumerate(parts))
    ]


def _fields(node: Node) -> frozenset[str]:
    if isinstance(node, Term | Phrase):
        return node.fields if node.fields is not None else TOPIC
    out: frozenset[str] = frozenset()
    for child in node.children():
        out |= _fields(child)
    return out


def scan(node: Node, record: Record) -> bool:
    if isinstance(node, And):
        return all(scan(c, record) for c in node.items)
    if isinstance(node, Or):
        return any(scan(c, record) for c in node.items)
    if isinstance(node, Not):
        return scan(node.include, record) and not scan(node.exclude, record)
    if isinstance(node, Year):
        y = record.year or 0
        return (
            y > 0
            and (node.start is None or y >= node.start)
            and (node.end is None or y <= node.end)
        )
    if isinstance(node, Heading):
        key = heading_key(node.text)
        heads = [heading_key(h) for h in record.indexed_keywords + record.keywords]
        return any(h == key or (node.explode and h.startswith(key + b" ")) for h in heads)
    if isinstance(node, Near):
        fields = _fields(node.left) & _fields(node.right)
        for tokens in _items(record, fields):
            a, b = _occurrences(node.left, tokens), _occurrences(node.right, tokens)
            for s1, e1 in a:
                for s2, e2 in b:
                    if s2 > e1 and s2 - e1 - 1 <= node.distance:
                        return True
                    if not node.ordered and s1 > e2 and s1 - e2 - 1 <= node.distance:
                        return True
        return False
    return any(_occurrences(node, t) for t in _items(record, _fields(node)))


@pytest.mark.parametrize("equation,syntax", EQUATIONS)
def test_index_matches_a_record_by_record_scan(equation, syntax):
    records = _records()
    tree = parse(equation, syntax)
    expected = np.array([scan(tree, r) for r in records])
    got = Matcher(Index.build(enumerate(records))).mask(tree)
    assert expected.any(), equation  # the case tests something
    assert np.array_equal(got, expected), [
        (i, records[i].title[:50]) for i in np.flatnonzero(got != expected)
    ]


def test_index_saved_and_memory_mapped_gives_the_same_answers(tmp_path):
    records = _records()
    built = Index.build(enumerate(records), key=(len(records), 7))
    built.save(tmp_path / "idx", {"database": ["x"] * len(records)})
    loaded, extra = Index.load(tmp_path / "idx")
    assert extra["database"] == ["x"] * len(records)
    assert loaded.key == (len(records), 7)
    for equation, syntax in EQUATIONS:
        tree = parse(equation, syntax)
        assert np.array_equal(Matcher(built).mask(tree), Matcher(loaded).mask(tree)), equation


def test_lazy_index_lays_out_only_the_streams_an_equation_needs():
    records = _records()
    calls = []

    def source():
        calls.append(1)
        return enumerate(records)

    index = Index.lazy(source)
    Matcher(index).mask(parse("TI=alliance"))
    assert set(index.streams) == {"title"}
    Matcher(index).mask(parse("TI=alliance OR AB=therapy"))
    assert set(index.streams) == {"title", "abstract"}
    assert len(calls) == 2
