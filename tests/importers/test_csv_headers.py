"""Header names of generic CSV/TSV tables are matched as people write them: case, spaces,
underscores, hyphens, dots and camelCase aside (``PubMed ID`` = ``pubmed_id`` = ``pubmedID``),
for every field; database exports (Scopus, Embase, IEEE, ...) keep their own exact names; the
real labelled sets import with their documented counts and their PubMed IDs."""

from __future__ import annotations

import csv

import pytest

from evimap.importers.csv_generic import GENERIC
from evimap.importers.delimited import resolve_columns
from evimap.importers.scopus_csv import SCOPUS_LAYOUT as SCOPUS
from tests.conftest import SHARED_DATA, shared_data
from tests.importers.import_helpers import import_and_read

PMID_HEADERS = [
    "pmid",
    "PMID",
    "pubmedID",
    "PubMedID",
    "PubMed ID",
    "Pubmed Id",
    "PUBMED_ID",
    "pubmed-id",
    "PubMed.ID",
    " PubMed  ID ",
    "PubMed",
    "MEDLINE PMID",
]


def test_header_key_ignores_case_spaces_underscores_hyphens_dots_and_camel_case():
    from evimap.importers.delimited import header_key

    assert {header_key(h) for h in PMID_HEADERS[:10]} == {"pmid", "pubmedid"}
    assert header_key("Author(s)") == header_key("authors") == "authors"
    assert header_key("\ufeffArticle_Title") == header_key("article title")
    assert header_key("#") == ""


@pytest.mark.parametrize("header", PMID_HEADERS)
def test_a_pubmed_id_column_is_read_however_its_header_is_written(tmp_path, sqlite_store, header):
    path = tmp_path / "list.csv"
    path.write_text(
        f'title,"{header}"\nRepairing ruptures,12345678\nSecond study,PMID: 23456789\n',
        encoding="utf-8",
    )
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.added) == ("csv", 2)
    assert [r.pmid for r in records] == ["12345678", "23456789"]


def test_every_field_of_a_hand_made_table_is_read_under_variant_header_names(
    tmp_path, sqlite_store
):
    path = tmp_path / "export.tsv"
    header = [
        "Record_ID",
        "Article_Title",
        "abstractNote",
        "AUTHOR NAMES",
        "publicationYear",
        "Journal-Title",
        "Volume",
        "Issue",
        "Start_Page",
        "EndPage",
        "D.O.I.",
        "ISSN",
        "pubmedID",
        "ISBNs",
        "Author_Keywords",
        "MeSH-Terms",
        "Language",
        "Document_Type",
        "Publisher",
        "URL",
    ]
    row = [
        "r7",
        "Repairing alliance ruptures",
        "An abstract.",
        "Smith, John; Doe, Jane",
        "2019",
        "Psychotherapy Research",
        "29",
        "4",
        "508",
        "519",
        "https://doi.org/10.1080/10503307.2019.1",
        "1050-3307",
        "31234567",
        "9780123456786",
        "rupture; repair",
        "Psychotherapy; Humans",
        "English",
        "Article",
        "Routledge",
        "https://example.org/r7",
    ]
    path.write_text("\t".join(header) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    result, (record,) = import_and_read(sqlite_store, path)
    assert (result.format, result.added) == ("csv", 1)
    assert (record.source_record_id, record.title, record.abstract) == (
        "r7",
        "Repairing alliance ruptures",
        "An abstract.",
    )
    assert [(a.family, a.given) for a in record.authors] == [("Smith", "John"), ("Doe", "Jane")]
    assert (record.year, record.source_title, record.volume, record.issue, record.pages) == (
        2019,
        "Psychotherapy Research",
        "29",
        "4",
        "508-519",
    )
    assert (record.doi, record.issn, record.pmid, record.isbn) == (
        "10.1080/10503307.2019.1",
        ["1050-3307"],
        "31234567",
        ["9780123456786"],
    )
    assert (record.keywords, record.indexed_keywords) == (
        ["rupture", "repair"],
        ["Psychotherapy", "Humans"],
    )
    assert (record.language, record.document_type, record.publisher, record.url) == (
        "English",
        "Article",
        "Routledge",
        "https://example.org/r7",
    )


def test_a_mapped_column_is_found_however_its_header_is_written(tmp_path, sqlite_store):
    path = tmp_path / "mapped.csv"
    path.write_text("Paper_Name,Ref-No,Writers\nMapping a field,A1,Smith J\n", encoding="utf-8")
    options = {"columns": {"title": "paper name", "id": "RefNo"}}
    _, (record,) = import_and_read(sqlite_store, path, options=options)
    assert (record.title, record.source_record_id) == ("Mapping a field", "A1")


def test_database_exports_keep_their_exact_names():
    # Scopus writes "Page start"; a column it does not write is not read as one of its own
    header = ["Title", "Page_Start", "Page start", "PageEnd"]
    assert resolve_columns(header, SCOPUS)["page_start"] == ["Page start"]
    assert "page_end" not in resolve_columns(header, SCOPUS)
    # the generic layout reads both spellings and the camelCase one
    loose = resolve_columns(header, GENERIC)
    assert loose["page_start"] == ["Page_Start"] and loose["page_end"] == ["PageEnd"]


def _labelled_rows() -> list[dict[str, str]]:
    sources = SHARED_DATA / "SOURCES.tsv"
    if not sources.exists():
        return []
    with open(sources, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if r["format"] == "csv-screening"]


LABELLED = _labelled_rows()


@pytest.mark.parametrize("row", LABELLED, ids=[r["path"].split("/")[-1] for r in LABELLED])
def test_real_labelled_sets_import_with_their_counts_and_pubmed_ids(row, sqlite_store):
    path = shared_data(*row["path"].split("/")[1:])
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.added) == ("csv", int(row["records"]))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        given = [r.get("pubmedID", "").strip() for r in csv.DictReader(handle)]
    assert [r.pmid for r in records] == given  # the Cohen sets carry one; the others none
