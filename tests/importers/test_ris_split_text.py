"""RisReader.split_text (the record-level fast path the import uses) yields exactly what the
line loop RisReader.split yields: on every RIS fixture and real export, however the text is cut
into blocks, and on many random RIS-like texts with every structural fault split() reports."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from evimap.importers.detect import iter_lines, iter_text
from evimap.importers.ris import RisReader
from tests.conftest import SHARED_DATA

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _entries(entries) -> list[tuple]:
    return [(e.line, e.raw, e.fields, e.error, e.error_line, e.error_field) for e in entries]


def _cuts(lines: list[str], rnd: random.Random, count: int) -> list[str]:
    """The lines joined into blocks, cut at ``count`` random line boundaries."""
    points = sorted(set(rnd.sample(range(len(lines) + 1), min(len(lines), count))))
    blocks, previous = [], 0
    for point in [*points, len(lines)]:
        if point > previous:
            blocks.append("".join(lines[previous:point]))
        previous = point
    return blocks


def _ris_files() -> list[Path]:
    found = sorted((FIXTURES / "ris").glob("*"))
    if SHARED_DATA.is_dir():
        found += sorted(SHARED_DATA.rglob("*.ris"))
    return found


@pytest.mark.parametrize("path", _ris_files(), ids=lambda p: p.name)
def test_split_text_matches_split_on_files(path):
    reader = RisReader(path.name)
    expected = _entries(reader.split(iter_lines(path)))
    assert expected
    lines = list(iter_lines(path))
    rnd = random.Random(path.name)
    for blocks in (list(iter_text(path)), ["".join(lines)], lines, _cuts(lines, rnd, 5)):
        assert _entries(reader.split_text(blocks)) == expected


# Lines of every kind the line loop treats differently: tags, continuations, blank lines, Ovid
# numbers and NL after ER, tags isupper() takes but the fast pattern does not, near-tags.
_KINDS = [
    ("TY  - JOUR", 6), ("ER  - ", 6), ("ER  -", 1), ("ER  - x", 1), ("TY  -", 1),
    ("TI  - a title ", 8), ("AU  - Smith, J", 8), ("AU  -", 1), ("KW  - x", 4),
    ("N1  - References: a;", 2), ("  continued  ", 6), ("", 8), ("1.", 1), ("NL  - 123", 2),
    ("a1  - lower", 1), ("1A  - digit first", 1), ("ÅB  - accented", 1), ("TYX - no", 1),
    ("T  - short", 1), ("\t", 1), ("ER", 1), ("TY", 1), ("AB  - text\t", 3),
    ("Link to the Ovid Full Text or citation", 1),
]


def test_split_text_matches_split_on_random_texts():
    reader = RisReader("random.ris")
    rnd = random.Random(20261126)
    kinds = [k for k, _ in _KINDS]
    weights = [w for _, w in _KINDS]
    faults = 0
    for _ in range(4000):
        lines = [k + "\n" for k in rnd.choices(kinds, weights, k=rnd.randint(1, 40))]
        if rnd.random() < 0.5:
            lines = ["TY  - JOUR\n", *lines, "ER  - \n"]
        expected = _entries(reader.split(lines))
        faults += any(e[3] for e in expected)
        assert _entries(reader.split_text(["".join(lines)])) == expected, "".join(lines)
        assert _entries(reader.split_text(_cuts(lines, rnd, 3))) == expected, "".join(lines)
    assert faults > 500  # the texts did exercise the error paths
