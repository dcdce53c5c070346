"""PubMed IDs and ISBNs: read by every importer whose export carries them, stored, migrated."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from evimap.importing import import_file
from evimap.records import normalise_isbn, normalise_pmid
from tests.conftest import shared_data
from tests.importers.import_helpers import FIXTURES, import_and_read, stored_records


def test_pmids_are_read_from_tags_notes_and_links_but_never_from_other_ids():
    assert normalise_pmid("30529964") == "30529964"
    assert normalise_pmid("Accession Number: 2020-98025-001. PMID: 33343428 Partial") == "33343428"
    assert normalise_pmid("https://www.ncbi.nlm.nih.gov/pubmed/32424665") == "32424665"
    assert normalise_pmid("https://pubmed.ncbi.nlm.nih.gov/32644932/") == "32644932"
    assert normalise_pmid("PMC7756398") == ""
    assert normalise_pmid("2019-65183-001") == ""  # a PsycINFO accession number
    assert normalise_pmid("12345678901") == ""


def test_isbn10_and_isbn13_spellings_of_one_book_meet_and_issns_are_no_isbns():
    assert normalise_isbn("978-1-5386-6240-3") == normalise_isbn("1538662403") == ["9781538662403"]
    assert normalise_isbn("0-306-40615-2 (pbk); 9780306406157") == ["9780306406157"]
    assert normalise_isbn("0048-9697 1879-1026") == []
    assert normalise_isbn("03064530 (ISSN)") == []


# (folder under exports, file, records with a PMID, one (source record id, PMID) pair or None,
#  records with an ISBN)
REAL = [
    ("mjwestgate+revtools/examples", "restoration_pubmed.nbib", 104, ("30689646", "30689646"), 0),
    ("mjwestgate+revtools/examples", "restoration_WoS.ciw", 55, None, 41),
    ("asreview+asreview/tests/demo_data", "scopus.ris", 5, None, 0),
    ("asreview+asreview/tests/demo_data", "embase.ris", 3, None, 0),
    ("asreview+asreview/tests/demo_data", "pubmed_endnote.txt", 6, ("21553931", "21553931"), 0),
    ("ESHackathon+CiteSource/vignettes/valid_data", "psycinfo_64.ris", 27, None, 10),
    (
        "ESHackathon+CiteSource/vignettes/topic_data",
        "20221207_gambling-harms_lens_49.ris",
        22,
        None,
        0,
    ),
    ("NLeSC+litstudy/tests/resources", "scopus.csv", 24, None, 17),
    ("NLeSC+litstudy/tests/resources", "ieee.csv", 0, None, 6),
    ("massimoaria+bibliometrix/tests/testthat/fixtures", "lens_sample.csv", 4, None, 0),
    ("massimoaria+bibliometrix/tests/testthat/fixtures", "openalex_sample.csv", 2, None, 0),
    ("camaradesuk+ASySD/tests/testthat", "zotero_export.csv", 1233, None, 0),
]


@pytest.mark.parametrize("folder,name,pmids,example,isbns", REAL, ids=[r[1] for r in REAL])
def test_real_exports_carry_their_pmids_and_isbns(
    sqlite_store, folder, name, pmids, example, isbns
):
    path = shared_data("exports", *folder.split("/"), name)
    _, records = import_and_read(sqlite_store, path)
    assert sum(1 for r in records if r.pmid) == pmids
    assert sum(1 for r in records if r.isbn) == isbns
    assert all(r.pmid.isdigit() for r in records if r.pmid)
    assert all(len(i) == 13 for r in records for i in r.isbn)
    if example:
        source_id, pmid = example
        assert next(r.pmid for r in records if r.source_record_id == source_id) == pmid


def test_wos_pm_and_bn_tags_fill_pmid_and_isbn(sqlite_store):
    path = shared_data("exports", "mjwestgate+revtools", "examples", "restoration_WoS.ciw")
    _, records = import_and_read(sqlite_store, path)
    by_id = {r.source_record_id: r for r in records}
    assert by_id["WOS:000455039600059"].pmid == "30529964"
    assert any("9781538662403" in r.isbn for r in records)  # BN 978-1-5386-6240-3


def test_endnote_xml_ovid_and_bibtex_fixtures(sqlite_store, tmp_path):
    records = import_and_read(sqlite_store, FIXTURES / "endnote_library.xml")[1]
    assert [r.pmid for r in records] == ["30335462", "", ""]  # only the PubMed record's AN
    assert records[2].isbn == ["9781138123456"]
    import_file(sqlite_store, FIXTURES / "ovid_psycinfo.txt")
    medline = [r for r in stored_records(sqlite_store) if r.source_database == "MEDLINE"]
    assert [r.pmid for r in medline] == ["33456789"]
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{a1, title={Alliance ruptures in brief therapy}, author={Safran, Jeremy},"
        " year={2011}, journal={Psychotherapy}, pmid={21401273}}\n"
        "@book{b1, title={Negotiating the therapeutic alliance}, author={Safran, Jeremy},"
        " year={2000}, publisher={Guilford}, isbn={1-57230-587-4}}\n",
        encoding="utf-8",
    )
    import_file(sqlite_store, bib)
    by_title = {r.title: r for r in stored_records(sqlite_store)}
    assert by_title["Alliance ruptures in brief therapy"].pmid == "21401273"
    assert by_title["Negotiating the therapeutic alliance"].isbn == ["9781572305878"]


def test_the_record_ids_migration_goes_down_alone_and_up_again(store):
    from evimap.records import Record
    from evimap.store.models import SourceFile
    from evimap.store.records import insert_rows, iter_records, record_to_row

    assert "0005_record_ids" in store.revisions()
    with store.transaction() as session:
        source = SourceFile(
            name="a.nbib", path="a.nbib", sha256="1" * 64, format="medline", database="PubMed"
        )
        session.add(source)
        session.flush()
        record = Record(title="Kept through the migration", pmid="123", isbn=["9781572305878"])
        insert_rows(session, [record_to_row(record, source.id)])
    with store.read() as session:
        assert [(r.pmid, r.isbn) for _, r in iter_records(session)] == [("123", ["9781572305878"])]
    store.downgrade("record_ids@-1")
    assert "0005_record_ids" not in store.revisions()
    columns = {c["name"] for c in inspect(store.engine).get_columns("records")}
    assert "pmid" not in columns and "isbn" not in columns
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT title FROM records")).scalars().all() == [
            "Kept through the migration"
        ]
    store.upgrade()
    with store.read() as session:
        assert [(r.pmid, r.isbn) for _, r in iter_records(session)] == [("", [])]
