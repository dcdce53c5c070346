"""Printed numbers checked against recomputed ones; RIS, BibTeX and CSV exports round-trip."""

from __future__ import annotations

import csv
import io

import bibtexparser
import pytest
import rispy

from evimap.charting.store import Study
from evimap.errors import ReportError
from evimap.records import Author, Record
from evimap.report.consistency import (
    PaperNumber,
    check_numbers,
    consistency_markdown,
    load_paper_numbers,
    recompute,
)
from evimap.report.exports import export_records, to_bibtex, to_csv, to_ris


def _studies():
    values = (
        [{"type": "empirical", "design": "quantitative", "n": 10}] * 2
        + [{"type": "empirical", "design": "case study", "n": 1}] * 12
        + [{"type": "conceptual", "country": "Chile"}] * 11
    )
    return [Study(f"s{i}", Record(year=1996 + i), dict(v)) for i, v in enumerate(values)]


def _number(what, printed, **kw):
    return PaperNumber(kw.pop("id", "x"), "Results", "quote", what, printed, **kw)


def test_percent_is_compared_at_the_printed_precision():
    studies = _studies()
    what = {
        "stat": "percent",
        "field": "design",
        "value": "quantitative",
        "denominator": {"type": "empirical"},
    }
    assert recompute(what, studies)[:2] == (14.3, pytest.approx(14.2857, abs=1e-4))
    result = check_numbers(
        [
            _number(what, 14.2, id="printed-truncated"),
            _number(what, 14.3, id="printed-right"),
            _number(
                {"stat": "percent", "field": "type", "value": "empirical", "denominator": "all"},
                56,
                id="whole-percent",
            ),
        ],
        studies,
    )
    assert [c.verdict for c in result.checks] == ["differs", "match", "match"]
    assert result.checks[0].explanation == (
        "the exact value is 14.2857%, which rounds half-up to 14.3%; the paper prints 14.2%."
    )


def test_counts_sums_values_extremes_and_distinct():
    studies = _studies()
    cases = [
        ({"stat": "n"}, 25),
        ({"stat": "n", "field": "type", "value": "empirical"}, 14),
        ({"stat": "n", "field": "country"}, 11),
        ({"stat": "sum", "field": "n", "filter": {"type": "empirical"}}, 32),
        ({"stat": "sum", "fields": ["n", "n"], "filter": {"design": "quantitative"}}, 40),
        ({"stat": "value", "study": "s0", "field": "n"}, 10),
        ({"stat": "min", "field": "year"}, 1996),
        ({"stat": "max", "field": "year"}, 2020),
        ({"stat": "distinct", "field": "design"}, 2),
    ]
    for what, expected in cases:
        assert recompute(what, studies)[0] == expected, what


def test_the_markdown_lists_every_number_and_explains_each_difference():
    result = check_numbers(
        [
            _number({"stat": "n"}, 25, id="all"),
            _number(
                {"stat": "n", "field": "type", "value": "empirical"},
                15,
                id="emp",
                note="The paper counts one conceptual study twice.",
                expect="differs",
            ),
        ],
        _studies(),
    )
    text = consistency_markdown(result)
    assert "2 numbers printed in the paper" in text and "1 match, 1 differ" in text
    assert "| all | Results | 25 | 25 | match | 25 studies |" in text
    assert (
        "- **emp** (Results): the paper prints 15 (“quote”); recomputed 14. The paper counts"
        in text
    )
    assert result.unexpected == []


def test_paper_numbers_file_errors_name_the_number(tmp_path):
    path = tmp_path / "paper_numbers.toml"
    path.write_text('[[number]]\nid = "a"\nwhat = { stat = "mean" }\nprinted = 3\n')
    with pytest.raises(
        ReportError, match=r"\[number\[0\] a\]: what.stat must be one of n, percent"
    ):
        load_paper_numbers(path)


RECORDS = [
    (
        1,
        Record(
            title="Alliance ruptures and rupture resolution in CBT: A preliminary task analysis",
            authors=[Author("Aspland", "H."), Author("Llewelyn", "S."), Author("Stiles", "W.")],
            year=2008,
            source_title="Psychotherapy Research",
            volume="18",
            issue="6",
            pages="699-710",
            doi="10.1080/10503300802291463",
            language="English",
            source_record_id="aspland2008",
            keywords=["alliance", "rupture"],
        ),
    ),
    (
        2,
        Record(
            title="Transacciones interpersonales en episodios de ruptura de la alianza",
            authors=[Author("Coutinho", "J."), Author("Ribeiro", "E."), Author("Safran", "J.")],
            year=2010,
            source_title="Revista Argentina de Clínica Psicológica",
            volume="19",
            issue="2",
            pages="101-115",
            language="Spanish",
            source_record_id="coutinho2010",
        ),
    ),
]


def test_ris_export_parses_back_with_rispy():
    entries = rispy.loads(to_ris(RECORDS))
    assert [e["id"] for e in entries] == ["aspland2008", "coutinho2010"]
    first = entries[0]
    assert first["authors"] == ["Aspland, H.", "Llewelyn, S.", "Stiles, W."]
    assert (first["start_page"], first["end_page"], first["doi"]) == (
        "699",
        "710",
        "10.1080/10503300802291463",
    )
    assert first["secondary_title"] == "Psychotherapy Research"
    assert entries[1]["secondary_title"] == "Revista Argentina de Clínica Psicológica"


def test_bibtex_export_parses_back_with_bibtexparser():
    library = bibtexparser.parse_string(to_bibtex(RECORDS))
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == ["aspland2008", "coutinho2010"]
    entry = library.entries[0]
    assert entry["author"] == "Aspland, H. and Llewelyn, S. and Stiles, W."
    assert entry["pages"] == "699--710" and entry["year"] == "2008"
    assert entry["journal"] == "Psychotherapy Research"


def test_csv_export_has_one_row_per_record():
    rows = list(csv.DictReader(io.StringIO(to_csv(RECORDS))))
    assert [r["key"] for r in rows] == ["aspland2008", "coutinho2010"]
    assert rows[0]["authors"] == "Aspland, H.; Llewelyn, S.; Stiles, W."
    assert rows[1]["language"] == "Spanish"


@pytest.mark.parametrize(("fmt", "reader"), [("ris", "ris"), ("bib", "bibtex"), ("csv", "csv")])
def test_exports_round_trip_through_evimaps_own_importers(tmp_path, fmt, reader):
    from evimap.demo import read_file_records
    from evimap.importers.registry import FORMATS

    if reader not in FORMATS:
        pytest.skip(f"evimap has no {reader} importer in this checkout yet")
    path = tmp_path / f"out.{fmt}"
    export_records(RECORDS, fmt, path)
    back = read_file_records(path)
    assert [r.title for r in back] == [r.title for _, r in RECORDS]
    assert [r.doi for r in back] == ["10.1080/10503300802291463", ""]
    assert [r.year for r in back] == [2008, 2010]
    assert [a.family for a in back[0].authors] == ["Aspland", "Llewelyn", "Stiles"]
    assert back[1].source_title == "Revista Argentina de Clínica Psicológica"
    assert back[0].pages in ("699-710", "699–710")


def test_unknown_export_format_names_the_valid_ones():
    from evimap.errors import EvimapError

    with pytest.raises(EvimapError, match="unknown export format 'xml'; valid: ris, bib, csv"):
        export_records(RECORDS, "xml")
