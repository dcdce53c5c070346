"""Scopus CSV: current and older layouts, detection over the generic CSV reader, real exports."""

from __future__ import annotations

import csv

from evimap.importers.csv_generic import GenericCsvReader
from evimap.importers.databases import SCOPUS
from evimap.importers.detect import decode_head, detect
from evimap.importers.scopus_csv import ScopusCsvReader
from tests.conftest import shared_data
from tests.importers.import_helpers import FIXTURES, import_and_read

DELIMITED = FIXTURES / "delimited"


def test_current_layout_reads_full_names_ids_and_references(sqlite_store):
    result, records = import_and_read(sqlite_store, DELIMITED / "scopus_current.csv")
    assert (result.format, result.database, result.added) == ("scopus-csv", SCOPUS, 2)
    first = records[0]
    assert first.title == "Alliance rupture repair: A meta-analysis"
    assert [(a.family, a.given) for a in first.authors] == [
        ("Eubanks", "Catherine F."),
        ("Muran", "J. Christopher"),
        ("Safran", "Jeremy D."),
    ]
    assert (first.year, first.source_title, first.volume, first.issue) == (
        2018,
        "Psychotherapy",
        "55",
        "4",
    )
    assert first.pages == "508-519"
    assert first.doi == "10.1037/pst0000185"
    assert first.issn == ["0033-3204"]
    assert first.keywords == ["alliance", "rupture", "repair"]
    assert first.indexed_keywords == ["Humans", "Psychotherapy", "Therapeutic Alliance"]
    assert first.source_record_id == "2-s2.0-85058000001"
    assert first.source_database == SCOPUS
    # The abstract's quoted line break is kept inside the record, which starts on line 2.
    assert first.abstract.startswith("Ruptures in the therapeutic alliance are common. This")
    assert first.line == 2
    # Authors inside a reference are ";"-separated too: they stay with their reference.
    assert first.cited_references == [
        "Safran J.D.; Muran J.C., Negotiating the therapeutic alliance: A relational treatment "
        "guide, (2000)",
        "Eubanks-Carter C.; Muran J.C.; Safran J.D., Alliance ruptures and resolution, Handbook "
        "of psychotherapy, pp. 74-94, (2010)",
        "Bordin E.S., The generalizability of the psychoanalytic concept of the working "
        "alliance, Psychotherapy: Theory, Research & Practice, 16, 3, pp. 252-260, (1979)",
    ]
    second = records[1]
    assert second.authors == []  # "[No author name available]" is no author
    assert second.line == 4
    assert second.doi == ""


def test_older_layout_with_bom_comma_authors_extra_funding_cell_and_id_from_link(sqlite_store):
    result, records = import_and_read(sqlite_store, DELIMITED / "scopus_older.csv")
    assert (result.format, result.added) == ("scopus-csv", 2)
    first = records[0]
    assert [a.literal for a in first.authors] == ["Safran J.D.", "Muran J.C.", "Samstag L.W."]
    assert (first.authors[0].family, first.authors[0].given) == ("Safran", "J.D.")
    # The row has one cell more than the header ("Funding Text 2"): later columns stay aligned.
    assert first.publisher == "American Psychological Association"
    assert first.language == "English"
    assert first.document_type == "Article"
    assert len(first.cited_references) == 2
    assert first.cited_references[1] == (
        "Safran, J.D., Muran, J.C., (2000) Negotiating the Therapeutic Alliance, , Guilford: "
        "New York"
    )
    # No EID column: the ID comes from the Link's eid parameter.
    assert first.source_record_id == "2-s2.0-79953000003"
    assert records[1].source_record_id == "2-s2.0-27344400004"
    assert records[1].authors[0].family == "Kalé"


def test_scopus_reader_wins_detection_over_generic_csv():
    for name in ("scopus_current.csv", "scopus_older.csv"):
        path = DELIMITED / name
        head = decode_head(path)
        assert ScopusCsvReader.sniff(head) > GenericCsvReader.sniff(head) > 0
        assert detect(path, head).reader is ScopusCsvReader


def test_generic_csv_is_not_taken_for_scopus():
    head = decode_head(DELIMITED / "labelled.tsv")
    assert ScopusCsvReader.sniff(head) == 0


# --------------------------------------------------------------------------- real exports


def _references_of_first_row(path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        row = next(csv.DictReader(handle))
    return row["References"]


def test_litstudy_scopus_csv(sqlite_store):
    path = shared_data("exports", "NLeSC+litstudy", "tests", "resources", "scopus.csv")
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.database, result.added) == ("scopus-csv", SCOPUS, 58)
    first = records[0]
    assert first.title == "Scalable molecular dynamics with NAMD"
    assert (first.authors[0].family, first.authors[0].given) == ("Phillips", "J.C.")
    assert len(first.authors) == 10
    assert (first.year, first.doi) == (2005, "10.1002/jcc.20289")
    assert first.source_title == "Journal of Computational Chemistry"
    assert first.source_record_id == "2-s2.0-27344436659"
    assert first.pages == "1781-1802"
    # 158 ";"-separated pieces, of which the editors of cited books ("Deuflhard, P.; ...;
    # Skeel, R. D., Eds.") join the reference they belong to: 139 references.
    assert _references_of_first_row(path).count("; ") == 157
    assert len(first.cited_references) == 139
    assert first.cited_references[1] == (
        "Humphrey, W., Dalke, A., Schulten, K., (1996) J Mol Graphics, 14, p. 33"
    )
    # Rows 3+ carry an unnamed "Funding Text 2" cell; the EID still lands in the ID.
    third = records[2]
    assert third.source_record_id == "2-s2.0-85123480963"
    assert third.language == "English"
    assert third.document_type == "Article"
    assert third.cited_references[0].startswith("Edelstein-Keshet, L., (2005) Mathematical")
    last = records[-1]
    assert last.source_record_id == "2-s2.0-85040521543"
    assert last.authors == []


def test_bibliometrix_scopus_sample_csv(sqlite_store):
    path = shared_data(
        "exports", "massimoaria+bibliometrix", "tests", "testthat", "fixtures", "scopus_sample.csv"
    )
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.added) == ("scopus-csv", 8)
    first = records[0]
    assert first.title == (
        "Quantitative analysis of studies that use artificial intelligence on spinal diseases: "
        "A bibliometric analysis"
    )
    assert (first.authors[0].family, first.authors[0].given) == ("Liu", "Fengyuan")
    assert (first.year, first.doi) == (2026, "10.1177/20552076261415846")
    assert first.source_title == "Digital Health"
    assert first.source_record_id == "2-s2.0-105030721984"
    # Each reference ends with its year in brackets: 43 of them.
    assert len(first.cited_references) == 43
    assert first.cited_references[1].startswith(
        "Cheng M.; Xue Y.; Cui M., Global, regional, and national burden of low back pain"
    )
    assert first.cited_references[0] == (
        "The global epidemic of low back pain, Lancet Rheumatol, 5, (2023)"
    )
    assert [len(r.cited_references) for r in records] == [43, 30, 66, 34, 49, 55, 66, 38]


def test_a_scopus_export_with_few_columns_is_known_by_its_links():
    head = (
        "Authors,Title,Year,Source title,DOI,Link\n"
        "Safran J.D.,Ruptures,2011,Psychotherapy,10.1037/a0022140,"
        "https://www.scopus.com/inward/record.uri?eid=2-s2.0-79953000003&partnerID=40\n"
    )
    assert ScopusCsvReader.sniff(head) == 95
    assert ScopusCsvReader.sniff(head.replace("www.scopus.com/inward/record", "example.org")) == 0
