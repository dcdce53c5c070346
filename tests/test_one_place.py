"""One implementation each: the CSV table reader and writer, and Cohen's kappa."""

from __future__ import annotations

import re

import pytest

from evimap import agreement
from evimap.charting import cohen_kappa
from evimap.csvtable import parse_csv
from tests.conftest import REPO

SRC = REPO / "src" / "evimap"


def _sources():
    for path in SRC.rglob("*.py"):
        yield path.relative_to(SRC).as_posix(), path.read_text(encoding="utf-8")


def test_evimap_reads_and_writes_its_own_csv_tables_in_one_module():
    users = sorted(
        name
        for name, text in _sources()
        if re.search(r"\bcsv\.(reader|DictReader|writer|DictWriter)\(", text)
        and not name.startswith("importers/")
    )
    assert users == ["csvtable.py"]


def test_cohen_kappa_is_computed_in_one_place():
    definitions = [name for name, text in _sources() if "(po - pe) / (1 - pe)" in text]
    assert definitions == ["agreement.py"]
    assert cohen_kappa is agreement.label_kappa
    a = ["include", "exclude", "include", "maybe", "exclude", "include"]
    b = ["include", "include", "include", "maybe", "exclude", "exclude"]
    assert cohen_kappa(a, b) == agreement.agreement(a, b).kappa == pytest.approx(0.4545454545)


def test_the_csv_reader_keeps_quoted_newlines_and_names_each_rows_first_line():
    table = parse_csv('id,text\n1,"two\nlines"\n2,plain\n\n3,"x\n\ny"\n4,end\n', "t.csv")
    assert [(r.line, r.cells["id"]) for r in table.rows] == [(2, "1"), (4, "2"), (6, "3"), (9, "4")]
    assert table.rows[0].cells["text"] == "two\nlines"
