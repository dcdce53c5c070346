"""Web of Science plain text / .ciw: a small fixture, the real exports, and broken input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evimap.errors import ImportFormatError
from evimap.importers.databases import database_from_accession, database_from_name
from evimap.importers.detect import detect
from evimap.importers.wos import WosReader
from evimap.importing import import_file
from evimap.store.models import SourceFile
from tests.conftest import shared_data
from tests.importers.tagged_helpers import FIXTURES, read_records, stored, tag_count

SMALL = FIXTURES / "wos_savedrecs.txt"


def test_small_fixture_maps_every_field():
    first, anonymous, chapter = read_records(WosReader, SMALL)
    assert first.title == "Alliance rupture repair: A meta-analysis"
    assert [a.display() for a in first.authors] == [
        "Eubanks, Catherine F.",
        "Muran, J. Christopher",
        "Safran, Jeremy D.",
    ]
    assert (first.year, first.volume, first.issue, first.pages) == (2018, "55", "4", "508-519")
    assert first.doi == "10.1037/pst0000185"
    assert first.source_title == "PSYCHOTHERAPY"
    assert first.issn == ["0033-3204", "1939-1536"]
    assert first.keywords == [
        "alliance ruptures",
        "rupture repair",
        "therapeutic alliance",
        "resolution",
        "meta-analysis",
    ]
    assert first.indexed_keywords == ["THERAPEUTIC ALLIANCE", "WORKING ALLIANCE", "PSYCHOTHERAPY"]
    assert first.abstract.startswith('Ruptures in the therapeutic alliance are "breaks" in ')
    assert first.abstract.endswith("good outcome (r = .29).")
    assert first.cited_references == [
        "Bordin ES, 1979, PSYCHOTHER-THEOR RES, V16, P252, DOI 10.1037/h0085885",
        "Safran JD, 2000, NEGOTIATING THERAPEU",
        "Horvath AO, 2011, PSYCHOTHERAPY, V48, P9, DOI 10.1037/a0022186",
    ]
    assert first.subject_areas == ["Psychology, Clinical"]
    assert (first.language, first.document_type) == ("English", "Article")
    assert first.publisher.startswith("EDUCATIONAL PUBLISHING FOUNDATION")
    assert (first.source_record_id, first.source_database) == (
        "WOS:000452118800014",
        "Web of Science",
    )
    assert first.line == 3
    assert first.raw.startswith("PT J\nAU Eubanks, CF\n") and first.raw.endswith("ER\n")

    # [Anonymous] is no author; the group author is; early-access year; MEDLINE accession.
    assert [a.display() for a in anonymous.authors] == ["Society for Psychotherapy Research"]
    assert anonymous.year == 2023
    assert anonymous.pages == "e23561"
    assert (anonymous.source_record_id, anonymous.source_database) == (
        "MEDLINE:36811234",
        "MEDLINE",
    )

    assert chapter.authors[0].display() == "Muran, J. Christopher"
    assert chapter.pages == "91-104"
    assert chapter.subject_areas == ["Psychology, Psychoanalysis"]


def test_detection_prefers_wos_and_file_database(tmp_path):
    assert detect(SMALL).reader is WosReader
    no_header = tmp_path / "one.txt"
    no_header.write_text("PT J\nAU Doe, J\nTI A title\nUT WOS:000000000000001\nER\n")
    assert detect(no_header).reader is WosReader
    ris = tmp_path / "wos.ris"
    ris.write_text("TY  - JOUR\nAU  - Doe, J\nTI  - A title\nER  - \n")
    assert WosReader.sniff(ris.read_text()) == 0
    assert WosReader().database(SMALL.read_text()) == "Web of Science"


# path under data/exports, records (SOURCES.tsv), then what the first record says in the file.
REAL = {
    "restoration_WoS.ciw": dict(
        path=("mjwestgate+revtools", "examples", "restoration_WoS.ciw"),
        count=247,
        title="Do magnetic phosphorus adsorbents used for lake restoration impact on "
        "zooplankton community?",
        author=("Alvarez-Manzaneda", "I."),
        year=2019,
        doi="10.1016/j.scitotenv.2018.11.375",
        source="SCIENCE OF THE TOTAL ENVIRONMENT",
        id="WOS:000455039600059",
        database="Web of Science",
        refs=0,
        ref=None,
        categories=[],
    ),
    "WoS_txt_example.txt": dict(
        path=("mjwestgate+synthesisr", "tests", "testthat", "testdata", "WoS_txt_example.txt"),
        count=4,
        title="Soil fauna diversity at different stages of reed restoration in a lakeshore "
        "wetland at Lake Taihu, China",
        author=("Li", "Wei"),
        year=2020,
        doi="10.1080/20964129.2020.1722034",
        source="ECOSYSTEM HEALTH AND SUSTAINABILITY",
        id="WOS:000514379300001",
        database="Web of Science",
        refs=0,
        ref=None,
        categories=[],
    ),
    "WoS_ciw_example.ciw": dict(
        path=("mjwestgate+synthesisr", "tests", "testthat", "testdata", "WoS_ciw_example.ciw"),
        count=5,
        title="Soil fauna diversity at different stages of reed restoration in a lakeshore "
        "wetland at Lake Taihu, China",
        author=("Li", "Wei"),
        year=2020,
        doi="10.1080/20964129.2020.1722034",
        source="ECOSYSTEM HEALTH AND SUSTAINABILITY",
        id="WOS:000514379300001",
        database="Web of Science",
        refs=0,
        ref=None,
        categories=[],
    ),
    "wos_sample.txt": dict(
        path=("massimoaria+bibliometrix", "tests", "testthat", "fixtures", "wos_sample.txt"),
        count=8,
        title="Mapping the application of Geographic Information System (GIS) in real estate: "
        "a bibliometric analysis using bibliometrix and QGIS",
        author=("Toh", "Ming Liang"),
        year=2026,
        doi="10.1080/00396265.2026.2635057",
        source="SURVEY REVIEW",
        id="WOS:001702577900001",
        database="Web of Science",
        refs=53,
        ref="Aria M, 2017, J INFORMETR, V11, P959, DOI 10.1016/j.joi.2017.08.007",
        categories=["Engineering, Civil", "Geosciences, Multidisciplinary", "Remote Sensing"],
    ),
    "single-article.txt": dict(
        path=("coreofscience+python-wostools", "docs", "examples", "single-article.txt"),
        count=1,
        title="Structural control of ultra-fine CoPt nanodot arrays via electrodeposition process",
        author=("Wodarz", "Siggi"),
        year=2017,
        doi="10.1016/j.jmmm.2017.01.061",
        source="JOURNAL OF MAGNETISM AND MAGNETIC MATERIALS",
        id="WOS:000397201600008",
        database="Web of Science",
        refs=28,
        ref="Albrecht TR, 2013, IEEE T MAGN, V49, P773, DOI 10.1109/TMAG.2012.2227303",
        categories=["Materials Science, Multidisciplinary", "Physics, Condensed Matter"],
    ),
    "zoorec.txt": dict(
        path=("mjwestgate+synthesisr", "inst", "extdata", "zoorec.txt"),
        count=134,
        title="Nest site selection and nest survival of Black-backed Woodpeckers after wildfire.",
        author=("Stillman", "Andrew N."),
        year=2019,
        doi="",
        source="Condor",
        id="ZOOR15512090342",
        database="Zoological Record",
        refs=0,
        ref=None,
        categories=[
            "Environmental Sciences & Ecology",
            "Biodiversity & Conservation",
            "Zoology",
            "Reproductive Biology",
            "Forestry",
        ],
    ),
}


@pytest.mark.parametrize("name", list(REAL))
def test_real_wos_export(name, sqlite_store):
    case = REAL[name]
    path = shared_data("exports", *case["path"])
    result = import_file(sqlite_store, path)
    assert (result.format, result.added) == ("wos", case["count"])
    records = stored(sqlite_store)
    assert len(records) == case["count"] == tag_count(path, r"^ER\s*$")
    first = records[0]
    assert first.title == case["title"]
    assert (first.authors[0].family, first.authors[0].given) == case["author"]
    assert (first.year, first.doi, first.source_title) == (
        case["year"],
        case["doi"],
        case["source"],
    )
    assert (first.source_record_id, first.source_database) == (case["id"], case["database"])
    assert len(first.cited_references) == case["refs"]
    if case["ref"]:
        assert case["ref"] in first.cited_references
    assert first.subject_areas == case["categories"]
    # Every record with a DI tag has its DOI (and no other has one); each has a title and ID.
    assert [bool(r.doi) for r in records] == ["\nDI " in r.raw for r in records]
    assert sum(1 for r in records if r.doi) == tag_count(path, r"^DI \S")
    assert all(r.title and r.source_record_id for r in records)


def test_every_record_keeps_its_cited_reference_count():
    path = shared_data("exports", *REAL["wos_sample.txt"]["path"])
    records = read_records(WosReader, path)
    counts = [
        int(n)
        for n in path.read_text(encoding="utf-8").split("\nNR ")[1:]
        for n in [n.split("\n", 1)[0]]
    ]
    assert [len(r.cited_references) for r in records] == counts


def test_all_database_export_names_each_index():
    path = shared_data("exports", *REAL["WoS_ciw_example.ciw"]["path"])
    records = read_records(WosReader, path)
    assert [r.source_database for r in records] == ["Web of Science"] * 3 + ["MEDLINE"] * 2
    assert records[3].source_record_id == "MEDLINE:31858815"
    assert records[3].title.startswith("miR-324-5p inhibits gallbladder carcinoma")


BROKEN = SMALL.read_text().replace(
    "TI Rupture markers in online therapy", "this line lost its tag\nTI Rupture markers"
)


def test_broken_record_names_its_line_and_writes_nothing(tmp_path, sqlite_store):
    path = tmp_path / "broken.txt"
    path.write_text(BROKEN)
    bad_line = BROKEN.splitlines().index("this line lost its tag") + 1
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == bad_line
    assert caught.value.file == str(path)
    assert "two-letter tag" in str(caught.value)
    assert stored(sqlite_store) == []
    with sqlite_store.read() as session:
        assert session.scalar(select(func.count()).select_from(SourceFile)) == 0


def test_skip_bad_imports_the_rest(tmp_path, sqlite_store):
    path = tmp_path / "broken.txt"
    path.write_text(BROKEN)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert result.added == 2
    assert [s.line for s in result.skipped] == [
        BROKEN.splitlines().index("this line lost its tag") + 1
    ]
    assert [r.title for r in stored(sqlite_store)] == [
        "Alliance rupture repair: A meta-analysis",
        "Confessions of a New York rupture researcher",
    ]


def test_truncated_file_is_an_error(tmp_path, sqlite_store):
    text = SMALL.read_text()
    path = tmp_path / "cut.txt"
    path.write_text(text[: text.index("UT WOS:000471234500006")])
    with pytest.raises(ImportFormatError, match="no ER line"):
        import_file(sqlite_store, path)
    assert stored(sqlite_store) == []


@pytest.mark.parametrize(
    "accession, database",
    [
        ("WOS:000452118800014", "Web of Science"),
        ("MEDLINE:31858815", "MEDLINE"),
        ("ZOOREC:ZOOR15512090342", "Zoological Record"),
        ("ZOOR15512090342", "Zoological Record"),
        ("BCI:BCI201900123456", "BIOSIS Citation Index"),
        ("SCIELO:S0100-123", "SciELO Citation Index"),
        ("XYZ:1", ""),
        ("30335462", ""),
    ],
)
def test_accession_prefix_names_the_index(accession, database):
    assert database_from_accession(accession) == database


@pytest.mark.parametrize(
    "name, database",
    [
        ("PubMed", "PubMed"),
        ("Ovid MEDLINE(R) ALL", "MEDLINE"),
        ("APA PsycInfo", "PsycINFO"),
        ("Web of Science Core Collection", "Web of Science"),
        ("Scopus", "Scopus"),
        ("Embase Classic+Embase", "Embase"),
        ("My local library", "My local library"),
        ("", ""),
    ],
)
def test_free_text_database_names_are_made_canonical(name, database):
    assert database_from_name(name) == database
