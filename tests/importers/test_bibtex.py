"""BibTeX: WoS double braces, @string, LaTeX, per-entry errors with lines, Scopus export."""

from __future__ import annotations

import pytest

from evimap.errors import ImportFormatError
from evimap.importers.bibtex import BibtexReader
from evimap.importers.databases import SCOPUS, WEB_OF_SCIENCE
from evimap.importing import import_file
from tests.conftest import shared_data
from tests.importers.import_helpers import (
    FIXTURES,
    import_and_read,
    stored_file_count,
    stored_records,
)

BIB = FIXTURES / "bibtex"


def test_wos_bibtex_with_double_braces(sqlite_store):
    result, records = import_and_read(sqlite_store, BIB / "wos.bib")
    assert (result.format, result.database, result.added) == ("bibtex", WEB_OF_SCIENCE, 2)
    first = records[0]
    assert first.source_record_id == "WOS:000123456700001"
    assert first.line == 4
    assert first.title == "Repairing alliance ruptures in CBT: a 50% reduction"
    assert [(a.family, a.given) for a in first.authors] == [
        ("Müller", "Hans"),
        ("O'Brien", "Patricia"),
        ("World Health Organization", ""),
    ]
    assert (first.year, first.volume, first.issue, first.pages) == (2019, "29", "3", "301-315")
    assert first.source_title == "PSYCHOTHERAPY RESEARCH"
    assert first.abstract == "Background: ruptures happen. Method: we repaired them."
    assert first.publisher == "ROUTLEDGE JOURNALS, TAYLOR & FRANCIS LTD"
    assert first.doi == "10.1080/10503307.2017.1234567"
    assert first.issn == ["1050-3307", "1468-4381"]
    assert first.keywords == ["therapeutic alliance", "rupture", "repair"]
    assert first.indexed_keywords == ["PSYCHOTHERAPY", "OUTCOMES"]
    assert first.subject_areas == ["Psychology, Clinical", "Psychology"]
    assert (first.document_type, first.language) == ("Article", "English")
    assert first.cited_references == [
        "Bordin E. S., 1979, PSYCHOTHER-THEOR RES, V16, P252, DOI 10.1037/h0085885.",
        "Safran J. D., 2000, NEGOTIATING THERAPEU.",
        "Eubanks C. F., 2018, PSYCHOTHERAPY, V55, P508, DOI 10.1037/pst0000185",
    ]
    assert first.source_database == WEB_OF_SCIENCE
    assert first.raw.startswith("@article{ WOS:000123456700001,")
    second = records[1]
    assert second.source_title == "Psychotherapy Research"  # from the @string macro
    assert second.pages == "1-9"
    assert second.document_type == "inproceedings"
    assert second.line == 34


def test_broken_entry_names_file_and_line_and_writes_nothing(sqlite_store):
    path = BIB / "broken.bib"
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert (caught.value.file, caught.value.line) == (str(path), 9)
    assert "Expected a `=` after entry key" in str(caught.value)
    assert stored_records(sqlite_store) == []
    assert stored_file_count(sqlite_store) == 0


def test_skip_bad_imports_the_other_entries(sqlite_store):
    result = import_file(sqlite_store, BIB / "broken.bib", skip_bad=True)
    assert result.added == 2
    assert [s.line for s in result.skipped] == [9]
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["good1", "good3"]


def test_missing_closing_brace_isolates_the_entry(tmp_path):
    text = (
        "@article{a1, title = {First}, year = {2001}}\n"
        "@article{a2, title = {Never closed,\n  year = {2002}\n"
        "@article{a3, title = {Third}, year = {2003}}\n"
    )
    reader = BibtexReader("x.bib")
    entries = list(reader.split(text.splitlines(keepends=True)))
    assert [(e.line, bool(e.error)) for e in entries] == [(1, False), (2, True), (4, False)]
    assert "closing '}' is missing" in entries[1].error
    assert reader.convert(entries[2]).title == "Third"


def test_text_between_entries_and_comments_are_ignored():
    text = "Some preamble text\n@comment{jabref-meta: x}\n\n@misc{k, title={T}}\ntrailing\n"
    entries = list(BibtexReader().split(text.splitlines(keepends=True)))
    assert [(e.line, e.fields["ID"]) for e in entries] == [(4, "k")]


def test_sniff():
    assert BibtexReader.sniff("% comment\n\n@ARTICLE{Li2020,\n") == 90
    assert BibtexReader.sniff("TY  - JOUR\n") == 0
    assert BibtexReader.sniff("title,year\n") == 0


def test_synthesisr_scopus_bibtex(sqlite_store):
    path = shared_data(
        "exports",
        "mjwestgate+synthesisr",
        "tests",
        "testthat",
        "testdata",
        "Scopus_bib_example.bib",
    )
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.database, result.added) == ("bibtex", SCOPUS, 3)
    first = records[0]
    assert first.source_record_id == "Li2020"
    assert first.line == 2
    assert first.title == (
        "Soil fauna diversity at different stages of reed restoration in a lakeshore wetland "
        "at Lake Taihu, China"
    )
    assert (first.authors[0].family, first.authors[0].given) == ("Li", "W.")
    assert len(first.authors) == 10
    assert (first.year, first.doi) == (2020, "10.1080/20964129.2020.1722034")
    assert first.source_title == "Ecosystem Health and Sustainability"
    assert first.keywords[:2] == ["Environmental factors", "Lake Taihu"]
    assert first.url.endswith("md5=a4a9d08e21dbf151663a0e842336c225")  # "%2f" survives
    assert "%2f20964129" in first.url
    assert first.source_database == SCOPUS
    # Li2020 repeats `funding_details`: both values are kept in the raw text, the entry reads.
    assert first.raw.count("funding_details=") == 2
    # "%" in an abstract is text, not a LaTeX comment that would cut the rest off.
    assert "contributed to 85.58% of the increase in NPP. Transformation" in records[1].abstract
    assert records[1].abstract.endswith("Ecological Society of China.")
    third = records[2]
    assert third.source_record_id == "Tang2020"
    assert [a.family for a in third.authors] == ["Tang", "Geng", "zhou"]
    assert third.indexed_keywords[:2] == ["Image enhancement", "MATLAB"]
    assert all(r.cited_references == [] for r in records)  # this export has no references


def test_two_entries_on_one_line_both_read():
    text = "@misc{a, title={One}} @misc{b, title={Two}}\n"
    entries = list(BibtexReader().split([text]))
    assert [(e.line, e.fields["ID"]) for e in entries] == [(1, "a"), (1, "b")]


def test_sniff_finds_entries_after_free_text():
    assert BibtexReader.sniff("Exported from a reference manager\n\n@article{k,\n") == 50


def test_scopus_bibtex_references_and_keywords(tmp_path, sqlite_store):
    path = tmp_path / "scopus.bib"
    path.write_text(
        "@ARTICLE{Safran2011,\n"
        "author={Safran, J.D. and Muran, J.C.},\n"
        "title={Repairing alliance ruptures},\n"
        "journal={Psychotherapy},\n"
        "year={2011},\n"
        "note={cited By 300},\n"
        "url={https://www.scopus.com/inward/record.uri?eid=2-s2.0-79953000003&doi=10.1037%2fa00"
        "22140&partnerID=40},\n"
        "author_keywords={rupture;  repair},\n"
        "keywords={Humans;  Psychotherapy},\n"
        "references={Bordin, E.S., The generalizability of the working alliance (1979) "
        "Psychotherapy: Theory, Research & Practice, 16, pp. 252--260; Safran, J.D., Muran, "
        "J.C., (2000) Negotiating the Therapeutic Alliance, , Guilford: New York},\n"
        "source={Scopus},\n"
        "}\n",
        encoding="utf-8",
    )
    _, records = import_and_read(sqlite_store, path)
    record = records[0]
    assert (record.keywords, record.indexed_keywords) == (
        ["rupture", "repair"],
        ["Humans", "Psychotherapy"],
    )
    assert record.cited_references == [
        "Bordin, E.S., The generalizability of the working alliance (1979) Psychotherapy: "
        "Theory, Research & Practice, 16, pp. 252–260",
        "Safran, J.D., Muran, J.C., (2000) Negotiating the Therapeutic Alliance, , Guilford: "
        "New York",
    ]
    assert record.source_database == SCOPUS
    assert "eid=2-s2.0-79953000003&doi=10.1037%2fa0022140" in record.url
