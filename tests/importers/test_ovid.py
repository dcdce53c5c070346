"""The Ovid-fields reader (``<1. >`` records), tagged and labelled, on fixtures written for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from evimap.errors import ImportFormatError
from evimap.importers.detect import decode_head, detect, iter_lines
from evimap.importers.ovid import OvidReader, _parse_source
from evimap.importers.ris import RisReader
from evimap.importing import import_file
from evimap.store.records import iter_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TAGGED = FIXTURES / "ovid_psycinfo.txt"
LABELLED = FIXTURES / "ovid_labelled.txt"


def read(path: Path) -> list:
    reader = OvidReader(path.name)
    records = []
    for entry in reader.split(iter_lines(path)):
        assert entry.error is None, (entry.line, entry.error)
        records.append(reader.convert(entry))
    return records


def test_ovid_files_are_detected_by_their_record_markers():
    assert detect(TAGGED).reader.name == "ovid"
    assert detect(LABELLED).reader.name == "ovid"
    assert OvidReader.sniff(decode_head(TAGGED)) > OvidReader.sniff(decode_head(LABELLED)) > 0
    assert RisReader.sniff(decode_head(TAGGED)) == 0
    assert OvidReader.sniff("1.\nTY  - JOUR\nT1  - x\nER  -\n") == 0  # Ovid's RIS is RIS


def test_tagged_records_skip_the_search_history_and_keep_their_lines():
    reader = OvidReader()
    entries = list(reader.split(iter_lines(TAGGED)))
    assert [e.line for e in entries] == [9, 37, 60]
    assert entries[0].raw.startswith("<1. >\nVN  - Ovid Technologies\n")
    assert "Search Strategy" not in "".join(e.raw for e in entries)


def test_tagged_psycinfo_record():
    first = read(TAGGED)[0]
    assert first.title == (
        "Repairing alliance ruptures in brief relational therapy: A task analysis of "
        "resolution events."
    )
    assert [(a.family, a.given) for a in first.authors] == [
        ("Okafor", "Adaeze N"),
        ("Lindqvist", "Maja"),
        ("de la Fuente", "Tomas"),
    ]
    assert first.year == 2021
    assert first.source_title == "Journal of Psychotherapy Process Research"
    assert (first.volume, first.issue, first.pages) == ("31", "4", "512-527")
    assert first.doi == "10.9999/jppr.2021.0417"
    assert first.issn == ["1050-3307", "1468-4381"]
    # The abstract's indented continuation lines join the first line.
    assert first.abstract.endswith("and derived a stage model of repair.")
    assert "  " not in first.abstract
    assert first.keywords == [
        "alliance rupture",
        "repair",
        "task analysis",
        "brief relational therapy",
    ]
    assert first.indexed_keywords == [
        "*Therapeutic Alliance",
        "*Psychotherapeutic Processes",
        "Psychotherapy",
    ]
    assert first.subject_areas == ["Psychotherapy & Psychotherapeutic Counseling [3310]"]
    assert first.language == "English"
    assert first.document_type == "Journal; Peer Reviewed Journal"
    assert first.publisher == "Taylor & Francis"
    assert first.source_database == "PsycINFO"
    assert first.source_record_id == "2021-45873-002"
    assert first.url == "https://psycnet.apa.org/record/2021-45873-002"


def test_tagged_fields_from_so_unindented_continuation_and_references():
    second = read(TAGGED)[1]
    assert second.title == "Withdrawal and confrontation markers in adolescent therapy sessions."
    assert second.source_title == "Counselling Research Quarterly"
    assert (second.volume, second.issue, second.pages) == ("14", "2", "88-101")
    assert second.abstract == (
        "Markers of withdrawal and confrontation ruptures were coded in 60 sessions with "
        "adolescents."
    )
    assert second.doi == ""
    assert second.cited_references[1].startswith("Eubanks, CF, Muran, JC, & Safran, JD (2018).")
    assert len(second.cited_references) == 2


def test_medline_record_full_names_di_and_blank_line_inside_a_field():
    third = read(TAGGED)[2]
    assert [(a.family, a.given) for a in third.authors] == [
        ("Haddad", "Rania"),
        ("Moreau", "Claire"),
    ]
    assert third.doi == "10.9999/ptr.2022.11"
    assert third.source_database == "MEDLINE"  # "Ovid MEDLINE(R) ALL"
    assert third.source_record_id == "33456789"
    assert third.indexed_keywords[-1] == "Therapeutic Alliance"
    assert (third.source_title, third.volume, third.issue, third.pages, third.year) == (
        "Psychotherapy Research",
        "33",
        "1",
        "45-58",
        2023,
    )


def test_labelled_layout():
    first, second = read(LABELLED)
    assert first.title == "Metacommunication about ruptures in cognitive therapy."
    assert [a.family for a in first.authors] == ["Novak", "Sato"]
    assert first.doi == "10.9999/ctr.2020.0033"
    assert first.year == 2020
    assert first.source_title == "Cognitive Therapy Review"
    assert (first.volume, first.issue, first.pages) == ("12", "3", "201-215")
    assert first.keywords == ["metacommunication", "rupture", "cognitive therapy"]
    assert first.source_record_id == "2020-77001-004"
    assert first.source_database == "PsycINFO"
    assert second.line == 20
    assert second.pages == "1-19"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "Clinical Psychology & Psychotherapy. Vol.27(1), Jan-Feb 2020, pp. 57-63.",
            ("Clinical Psychology & Psychotherapy", "27", "1", "57-63", 2020),
        ),
        (
            "Forest Ecology & Management. 201(2-3):327-334, November 15, 2004.",
            ("Forest Ecology & Management", "201", "2-3", "327-334", 2004),
        ),
        (
            "Acta Biochimica et Biophysica Sinica August 2011;43(8):647-653",
            ("Acta Biochimica et Biophysica Sinica", "43", "8", "647-653", 2011),
        ),
        (
            "Journal of Political Studies 12, Winter 2007: 7-14.",
            ("Journal of Political Studies", "", "", "7-14", 2007),
        ),
    ],
)
def test_source_citations_are_parsed(source, expected):
    assert _parse_source(source) == expected


def test_import_stores_records_with_the_file_database(sqlite_store):
    result = import_file(sqlite_store, TAGGED)
    assert (result.format, result.database, result.added) == ("ovid", "PsycINFO", 3)
    assert result.by_database == {"PsycINFO": 2, "MEDLINE": 1}
    with sqlite_store.read() as session:
        lines = [record.line for _, record in iter_records(session)]
    assert lines == [9, 37, 60]


def test_a_field_before_the_first_marker_is_an_error(tmp_path, sqlite_store):
    path = tmp_path / "ovid.txt"
    path.write_text("TI  - stray\n<1. >\nVN  - Ovid Technologies\nTI  - ok\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path, format_name="ovid")
    assert caught.value.line == 1
    assert "outside any record" in str(caught.value)
    result = import_file(sqlite_store, path, format_name="ovid", skip_bad=True)
    assert result.added == 1
    assert [(s.line, s.field) for s in result.skipped] == [(1, "TI")]


def test_an_empty_record_is_an_error():
    entries = list(OvidReader().split(["<1. >\n", "\n", "<2. >\n", "TI  - x\n"]))
    assert [(e.line, e.error) for e in entries] == [(1, "record has no fields"), (3, None)]
