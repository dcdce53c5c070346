"""PubMed MEDLINE (.nbib): a small fixture, the real exports, and broken input."""

from __future__ import annotations

import pytest

from evimap.errors import ImportFormatError
from evimap.importers.detect import detect
from evimap.importers.pubmed import MedlineReader, expand_pages
from evimap.importing import import_file
from tests.conftest import shared_data
from tests.importers.tagged_helpers import FIXTURES, read_records, stored, tag_count

SMALL = FIXTURES / "pubmed_small.nbib"


def test_small_fixture_maps_every_field():
    article, german, chapter = read_records(MedlineReader, SMALL)
    assert article.title == "Alliance rupture repair: A meta-analysis."
    assert article.abstract.endswith(
        "between patient and therapist. Rupture resolution was associated with good outcome."
    )
    assert [a.display() for a in article.authors] == [
        "Eubanks, Catherine F",
        "Muran, J Christopher",
        "Safran, Jeremy D",
    ]
    assert (article.year, article.volume, article.issue, article.pages) == (
        2018,
        "55",
        "4",
        "508-519",
    )
    assert article.source_title == "Psychotherapy (Chicago, Ill.)"
    assert article.doi == "10.1037/pst0000185"
    assert article.issn == ["1939-1536", "0033-3204"]
    assert article.indexed_keywords == [
        "Humans",
        "Professional-Patient Relations",
        "Psychotherapy/methods",
    ]
    assert article.keywords == ["alliance ruptures", "meta-analysis"]
    assert (article.language, article.document_type) == (
        "English",
        "Journal Article; Meta-Analysis",
    )
    assert (article.source_record_id, article.source_database) == ("30335462", "PubMed")
    assert article.url == "https://pubmed.ncbi.nlm.nih.gov/30335462/"
    assert article.raw.startswith("PMID- 30335462\n") and article.raw.endswith("Oct 18.\n")

    # DOI from AID only; collective author; shortened pages; ISO language code.
    assert german.doi == "10.1002/jclp.23561"
    assert [a.display() for a in german.authors] == [
        "Society for Psychotherapy Research Collaborative Group"
    ]
    assert (german.pages, german.language, german.year) == ("1402-1415", "German", 2023)
    assert german.line == 45

    assert chapter.source_title == "Relational Psychoanalysis and Psychotherapy Integration"
    assert (chapter.authors[0].family, chapter.authors[0].given) == ("Muran", "JC")


@pytest.mark.parametrize(
    "pages, full",
    [
        ("188-97", "188-197"),
        ("1402-15", "1402-1415"),
        ("9-12", "9-12"),
        ("e0209483", "e0209483"),
        ("1203475418818073", "1203475418818073"),
    ],
)
def test_medline_page_ranges_are_written_in_full(pages, full):
    assert expand_pages(pages) == full


REAL = {
    "restoration_pubmed.nbib": dict(
        path=("mjwestgate+revtools", "examples", "restoration_pubmed.nbib"),
        count=104,
        title="Ecosystem services changes between 2000 and 2015 in the Loess Plateau, China: "
        "A response to ecological restoration.",
        author=("Wu", "Dan"),
        year=2019,
        doi="10.1371/journal.pone.0209483",
        source="PloS one",
        id="30689646",
        pages="e0209483",
        line=2,
    ),
    "PubMed_example.txt": dict(
        path=("mjwestgate+synthesisr", "tests", "testthat", "testdata", "PubMed_example.txt"),
        count=3,
        title="Differences in nitrate and phosphorus export between wooded and grassed "
        "riparian zones from farmland to receiving waterways under varying rainfall "
        "conditions.",
        author=("Neilen", "Amanda D"),
        year=2017,
        doi="10.1016/j.scitotenv.2017.04.075",
        source="The Science of the total environment",
        id="28441597",
        pages="188-197",
        line=1,
    ),
}


@pytest.mark.parametrize("name", list(REAL))
def test_real_pubmed_export(name, sqlite_store):
    case = REAL[name]
    path = shared_data("exports", *case["path"])
    assert detect(path).reader is MedlineReader
    result = import_file(sqlite_store, path)
    assert (result.format, result.database, result.added) == ("medline", "PubMed", case["count"])
    records = stored(sqlite_store)
    assert len(records) == case["count"] == tag_count(path, r"^PMID- ")
    first = records[0]
    assert first.title == case["title"]
    assert (first.authors[0].family, first.authors[0].given) == case["author"]
    assert (first.year, first.doi, first.source_title) == (
        case["year"],
        case["doi"],
        case["source"],
    )
    assert (first.source_record_id, first.pages, first.line) == (
        case["id"],
        case["pages"],
        case["line"],
    )
    text = path.read_text(encoding="utf-8")
    with_doi = sum(1 for block in text.split("\nPMID- ") if "[doi]" in block)
    assert sum(1 for r in records if r.doi) == with_doi
    assert all(r.doi for r in records if "[doi]" in r.raw)
    assert all(r.title and r.year and r.source_record_id.isdigit() for r in records)
    assert all(r.source_database == "PubMed" for r in records)


def test_mesh_headings_and_author_keywords_from_a_real_file():
    path = shared_data("exports", *REAL["PubMed_example.txt"]["path"])
    records = read_records(MedlineReader, path)
    second = records[1]
    assert second.source_record_id == "30868313"
    assert second.indexed_keywords == [
        "Animals",
        "Ecosystem",
        "Europe",
        "Grassland",
        "Nutrients",
        "Poaceae",
        "Soil",
    ]
    assert second.keywords[0] == "Agri-environment Schemes"
    assert second.authors[-1].display() == "Mahy, Grégory"
    assert second.issn == ["1432-1009", "0364-152X"]
    assert second.document_type == "Journal Article; Research Support, Non-U.S. Gov't"


BROKEN = SMALL.read_text().replace("TI  - [Therapeutische", "garbage without a tag\nTI  - [Th")


def test_broken_record_names_its_line_and_writes_nothing(tmp_path, sqlite_store):
    path = tmp_path / "broken.nbib"
    path.write_text(BROKEN)
    bad_line = BROKEN.splitlines().index("garbage without a tag") + 1
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == bad_line
    assert "neither a tag" in str(caught.value)
    assert stored(sqlite_store) == []


def test_skip_bad_imports_the_rest(tmp_path, sqlite_store):
    path = tmp_path / "broken.nbib"
    path.write_text(BROKEN)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert result.added == 2
    assert [r.source_record_id for r in stored(sqlite_store)] == ["30335462", "31000002"]
    assert len(result.skipped) == 1


def test_text_before_the_first_record_is_an_error(tmp_path, sqlite_store):
    path = tmp_path / "junk.nbib"
    path.write_text("Search results from PubMed\n\n" + SMALL.read_text())
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path, format_name="medline")
    assert caught.value.line == 1
