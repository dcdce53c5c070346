"""The RIS reader: each flavour's quirks on small fixtures, structural errors with their line, and
the real exports in ../shared/data (record counts and field values read from the files)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from evimap.errors import ImportFormatError
from evimap.importers.detect import decode_head, detect, iter_lines
from evimap.importers.ris import RisReader
from evimap.importing import import_file
from evimap.store.records import iter_records
from tests.conftest import SHARED_DATA, shared_data

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ris"


def read(path: Path) -> list:
    """Split and convert a file with the RIS reader, failing on any error entry."""
    reader = RisReader(path.name)
    records = []
    for entry in reader.split(iter_lines(path)):
        assert entry.error is None, (entry.line, entry.error)
        records.append(reader.convert(entry))
    return records


def stored(store) -> list:
    with store.read() as session:
        return [record for _, record in iter_records(session)]


def write(tmp_path: Path, text: str, name: str = "export.ris") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        "TY  - JOUR\nTI  - x\nER  - \n",
        "\n\n\nTY  - JOUR\nTI  - x\nER  - \n",
        "1.\nTY  - JOUR\nT1  - x\nER  -\n",
        "Database: APA PsycInfo\nSearch Strategy:\n\n1.\nTY  - JOUR\nT1  - x\nER  -\n",
    ],
)
def test_ris_is_recognised_by_its_ty_lines(head):
    assert RisReader.sniff(head) >= 80


def test_text_without_ty_lines_is_not_ris():
    assert RisReader.sniff("PMID- 123\nTI  - x\n") == 0
    assert RisReader.sniff("<1. >\nVN  - Ovid Technologies\n") == 0


def test_a_ris_file_named_txt_is_detected_as_ris():
    assert detect(FIXTURES / "endnote.txt").reader.name == "ris"


def test_bom_and_crlf_file_imports(tmp_path, sqlite_store):
    path = tmp_path / "bom.ris"
    text = "TY  - JOUR\r\nTI  - A title\r\nAU  - Doe, Jane\r\nPY  - 2020\r\nER  - \r\n"
    path.write_bytes("\ufeff".encode() + text.encode())
    assert detect(path).reader.name == "ris"
    result = import_file(sqlite_store, path)
    assert result.added == 1
    (record,) = stored(sqlite_store)
    assert record.title == "A title"
    assert record.authors[0].family == "Doe"
    assert record.year == 2020
    assert "\r" not in record.raw
    assert record.raw.startswith("TY  - JOUR\n")


# --- flavours --------------------------------------------------------------------------------


def test_scopus_fields_eid_and_references():
    article, chapter = read(FIXTURES / "scopus.ris")
    assert article.title == "Repairing ruptures in the therapeutic alliance: a process study"
    assert [(a.family, a.given) for a in article.authors] == [("Moreau", "C."), ("Haddad", "R.")]
    assert article.year == 2022
    assert article.source_title == "Psychotherapy Research"
    assert (article.volume, article.issue, article.pages) == ("32", "4", "455-468")
    assert article.doi == "10.9999/ptr.2022.0455"
    assert article.issn == ["1050-3307"]
    assert article.keywords == ["alliance", "rupture", "repair"]
    assert article.document_type == "Article"
    assert article.language == "English"
    assert article.publisher == "Routledge"
    assert article.source_database == "Scopus"
    assert article.source_record_id == "2-s2.0-85100000001"
    assert article.cited_references == [
        "Safran, J.D., Muran, J.C., Negotiating the therapeutic alliance (2000) Guilford",
        "Eubanks, C.F., Muran, J.C., Safran, J.D., Alliance rupture repair: A meta-analysis "
        "(2018) Psychotherapy, 55, pp. 508-519",
    ]
    assert article.url.startswith("https://www.scopus.com/inward/record.uri?eid=2-s2.0-851")
    assert chapter.source_title == "Handbook of Group Process"
    assert chapter.document_type == "Book Chapter"
    assert chapter.source_record_id == "2-s2.0-85100000002"


def test_ovid_numbering_query_text_and_tags_after_er():
    path = FIXTURES / "ovid_numbered.ris"
    reader = RisReader(path.name)
    entries = list(reader.split(iter_lines(path)))
    assert [e.line for e in entries] == [6, 29]
    assert all(e.error is None for e in entries)
    # Ovid writes NL after ER: it stays with its record, in fields and raw text.
    assert entries[0].fields["NL"] == ["Cogn Ther Rev"]
    assert entries[0].raw.endswith("ER  -\nNL  - Cogn Ther Rev\n")
    assert "Link to the Ovid" not in entries[0].raw
    first, second = (reader.convert(e) for e in entries)
    assert first.title == "Rupture resolution in cognitive therapy."
    assert (first.authors[0].family, first.authors[0].given) == ("Sato", "Kenji")
    assert first.year == 2020
    assert first.doi == "10.9999/cpp.2020.001"
    assert first.abstract == "We studied how cognitive therapists resolve ruptures."
    assert first.source_title == "Cognitive Therapy Review"
    assert first.pages == ""  # "SP  - No" / "EP  - Specified"
    assert first.subject_areas == ["Psychotherapy & Psychotherapeutic Counseling [3310]"]
    assert first.document_type == "Journal Article"  # from TY: M3 is a classification here
    assert first.source_record_id == "2020-11111-001"
    assert first.source_database == "PsycINFO"  # from the L2 link's D=psyc16
    assert len(first.cited_references) == 2
    assert first.cited_references[1].startswith("Eubanks, CF, Muran, JC, & Safran, JD (2018)")
    assert (second.volume, second.issue, second.pages) == ("14", "2", "88-101")
    assert reader.database(decode_head(path)) == "PsycINFO"


def test_rayyan_keyword_continuation_lines_are_keywords():
    first, second = read(FIXTURES / "rayyan.ris")
    assert first.keywords == [
        "Therapeutic Alliance",
        "Psychotherapy",
        "Professional-Patient Relations",
    ]
    assert first.source_record_id == "rayyan-100000001"
    assert first.pages == "508-519"
    assert first.source_database == ""
    assert second.authors == []
    assert second.keywords == ["Humans"]


def test_endnote_blank_line_before_ty_and_continuations():
    (record,) = read(FIXTURES / "endnote.txt")
    assert record.title == "Early alliance ruptures in outpatient psychotherapy"
    assert record.keywords == ["Humans", "Psychotherapy/*methods", "Therapeutic Alliance"]
    assert record.language == "English"
    assert record.source_database == "PubMed"  # DP  - NLM
    assert record.source_record_id == "31000001"
    assert record.doi == "10.9999/jcp.2019.77"
    assert record.source_title == "J Clin Psychol"
    assert record.line == 2


def test_ebsco_copyright_abstract_l3_doi_and_accession_note():
    (record,) = read(FIXTURES / "ebsco.ris")
    assert record.abstract == "Metacommunication helped therapists repair ruptures."
    assert record.doi == "10.9999/int0000201"
    assert record.source_database == "PsycINFO"  # DB wins over DP  - EBSCOhost
    assert record.source_record_id == "150000001"
    assert record.issn == ["1053-0479"]
    assert record.year == 2021
    assert record.source_title == "Journal of Psychotherapy Integration"


def test_wos_keywords_plus_are_indexed_keywords():
    (record,) = read(FIXTURES / "wos.ris")
    assert record.source_database == "Web of Science"
    assert record.source_record_id == "WOS:000900000000001"
    assert record.keywords == ["alliance rupture", "responsiveness"]
    assert record.indexed_keywords == ["THERAPEUTIC ALLIANCE", "OUTCOMES"]
    assert record.issn == ["1050-3307", "1468-4381"]
    assert record.publisher == "ROUTLEDGE"
    assert (record.authors[0].family, record.authors[0].given) == ("Okafor", "AN")


def test_embase_accession_first_database_and_initials():
    (record,) = read(FIXTURES / "embase.ris")
    assert record.source_record_id == "L611000001"
    assert record.source_database == "Embase"
    assert [(a.family, a.given) for a in record.authors] == [("Ferreira", "L.M."), ("Sato", "K.")]
    assert record.abstract == "Alliance predicted outcome in 300 inpatients."
    assert record.document_type == "Article"


def test_lens_er_directly_followed_by_ty():
    first, second = read(FIXTURES / "lens.ris")
    assert first.title == "A preprint on ruptures"
    assert first.document_type == "Generic"
    assert first.source_record_id == "001-234-567-890-123"
    assert first.source_database == "Lens"
    assert second.source_title == "Journal of Group Process"
    assert second.line == 9


def test_doi_only_in_a_link_or_dotted_is_found():
    text = (
        "TY  - JOUR\nTI  - a\nUR  - https://doi.org/10.9999/ABC.1\nER  - \n"
        "TY  - JOUR\nTI  - b\nDO  - 10.9999.xyz-2\nER  - \n"
        "TY  - JOUR\nTI  - c\nLK  - http://sfx.example?id=doi:10.9999%2Fenc&x=1\nER  - \n"
    )
    reader = RisReader()
    a, b, c = (reader.convert(e) for e in reader.split(text.splitlines(keepends=True)))
    assert a.doi == "10.9999/abc.1"
    assert b.doi == "10.9999/xyz-2"
    assert c.doi == ""  # a URL-encoded resolver parameter is not trusted


def test_sn_with_an_isbn_keeps_only_issns():
    text = "TY  - BOOK\nTI  - x\nSN  - 978-0-12-801234-5\nSN  - 0033-3204\nER  - \n"
    reader = RisReader()
    (record,) = (reader.convert(e) for e in reader.split(text.splitlines(keepends=True)))
    assert record.issn == ["0033-3204"]
    assert record.document_type == "Book"


def test_m3_classification_codes_are_subject_areas_and_years_are_not():
    text = (
        "TY  - JOUR\nTI  - a\nM3  - Psychological Disorders 3210\nER  - \n"
        "TY  - CONF\nTI  - b\nM3  - Conference Paper 2019\nER  - \n"
    )
    reader = RisReader()
    a, b = (reader.convert(e) for e in reader.split(text.splitlines(keepends=True)))
    assert (a.subject_areas, a.document_type) == (
        ["Psychological Disorders 3210"],
        "Journal Article",
    )
    assert (b.subject_areas, b.document_type) == ([], "Conference Paper 2019")


# --- structural errors -----------------------------------------------------------------------


def entries_of(text: str) -> list:
    return list(RisReader().split(text.splitlines(keepends=True)))


def test_missing_er_is_an_error_at_the_next_ty():
    entries = entries_of("TY  - JOUR\nTI  - a\nTY  - JOUR\nTI  - b\nER  - \n")
    assert [(e.line, e.error_line, e.error is None) for e in entries] == [
        (1, 3, False),
        (3, None, True),
    ]
    assert entries[0].error == "record has no ER line before the next TY at line 3"


def test_er_without_ty_is_an_error_naming_the_lines():
    entries = entries_of("TY  - JOUR\nTI  - a\nER  - \n\nTI  - b\nAU  - x\nER  - \n")
    assert entries[0].error is None
    assert entries[1].line == 5
    assert entries[1].error == "ER at line 7 closes a record that has no TY line"


def test_tag_outside_a_record_is_an_error():
    entries = entries_of(
        "TY  - JOUR\nTI  - a\nER  - \n\nAU  - stray\n\nTY  - JOUR\nTI  - b\nER  -\n"
    )
    assert [(e.line, bool(e.error)) for e in entries] == [(1, False), (5, True), (7, False)]
    assert entries[1].error == "tag AU outside any record (no TY line before it)"


def test_end_of_file_before_er_is_an_error():
    entries = entries_of("TY  - JOUR\nTI  - a\nER  - \nTY  - JOUR\nTI  - b\n")
    assert entries[1].error == "the file ends before this record's ER line"
    assert (entries[1].line, entries[1].error_line) == (4, 5)
    assert entries_of("TY  - JOUR\nTI  - a\nER  - \nTY  - \n")[1:] == []  # nothing to lose


def test_broken_record_stops_the_import_naming_file_and_line(tmp_path, sqlite_store):
    path = write(
        tmp_path, "TY  - JOUR\nTI  - a\nER  - \nTY  - JOUR\nTI  - b\nTY  - JOUR\nTI  - c\nER  - \n"
    )
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == 6
    assert str(caught.value) == (f"{path}:6: record has no ER line before the next TY at line 6")
    assert stored(sqlite_store) == []


def test_skip_bad_keeps_the_good_records_and_lists_the_bad(tmp_path, sqlite_store):
    path = write(
        tmp_path,
        "TY  - JOUR\nTI  - a\nER  - \nTY  - JOUR\nTI  - b\nTY  - JOUR\n"
        "TI  - c\nER  - \nAU  - stray\nER  - \n",
    )
    result = import_file(sqlite_store, path, skip_bad=True)
    assert result.added == 2
    assert [r.title for r in stored(sqlite_store)] == ["a", "c"]
    # "AU  - stray" right after c's ER starts a record that lost its TY; c stays as it was.
    assert stored(sqlite_store)[1].authors == []
    assert [(s.line, s.reason) for s in result.skipped] == [
        (6, "record has no ER line before the next TY at line 6"),
        (9, "ER at line 10 closes a record that has no TY line"),
    ]


# --- real exports ----------------------------------------------------------------------------

A = ("exports", "asreview+asreview", "tests", "demo_data")
C = ("exports", "ESHackathon+CiteSource", "vignettes")
S = ("exports", "mjwestgate+synthesisr", "tests", "testthat", "testdata")

# (file, records, first record: title start, first author (family, given), year, DOI, source
# title, source record ID, database as stored). Values read from the files themselves.
REAL = [
    (
        (*A, "scopus.ris"),
        6,
        "Stress and the brain-gut axis in functional and chronic",
        ("Labanski", "A."),
        2020,
        "10.1016/j.psyneuen.2019.104501",
        "Psychoneuroendocrinology",
        "2-s2.0-85074596690",
        "Scopus",
    ),
    (
        (*C, "topic_data", "20221207_gambling-harms_scopus_255.ris"),
        255,
        "How gambling problems relate to health and wellbeing in Australian households",
        ("Tulloch", "C."),
        2023,
        "10.1016/j.addbeh.2022.107538",
        "Addictive Behaviors",
        "2-s2.0-85141483180",
        "Scopus",
    ),
    (
        (*A, "web_of_science.txt"),
        10,
        "Holding Yourself Captive: Perceptions of Custody During Interviews and Interrogations",
        ("Alceste", "F"),
        2018,
        "10.1016/j.jarmac.2018.03.001",
        "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION",
        "WOS:000444108200009",
        "Web of Science",
    ),
    (
        (*C, "valid_data", "WoS_79.ris"),
        79,
        "Marital Status and Problem Gambling among Older",
        ("Elton-Marshall", "T"),
        2018,
        "10.1017/s071498081800017x",
        "CANADIAN JOURNAL ON AGING-REVUE CANADIENNE DU VIEILLISSEMENT",
        "WOS:000440314900007",
        "Web of Science",
    ),
    (
        (*C, "valid_data", "psycinfo_64.ris"),
        64,
        "The different role of trait empathy and state social exclusion empathy",
        ("Lyu", "Dong"),
        2022,
        "10.1016/j.neuropsychologia.2022.108369",
        "Neuropsychologia",
        "2023-15354-001",
        "PsycINFO",
    ),
    (
        (*C, "topic_data", "20221207_gambling-harms_psycinfo_124.ris"),
        124,
        "Frameworks of gambling harms: A comparative review and synthesis",
        ("Marionneau", "Virve"),
        2022,
        "10.1080/16066359.2022.2113071",
        "Addiction Research & Theory",
        "2022-96522-001",
        "PsycINFO",
    ),
    (
        (*S, "ASP_ris_example.ris"),
        4,
        "“Living on the edge”: The role of field margins",
        ("Rodríguez-Pastor", "Ruth"),
        2016,
        "10.1016/j.agee.2016.06.041",
        "Agriculture, Ecosystems & Environment",
        "117372971",
        "Academic Search Premier",
    ),
    (
        (*C, "topic_data", "20221207_gambling-harms_crimjust_41.ris"),
        41,
        "Discourses of responsible gambling and gambling harm",
        ("Francis", "Louise"),
        2021,
        "10.1080/16066359.2020.1867111",
        "Addiction Research & Theory",
        "150283836",
        "Criminal Justice Abstracts",
    ),
    (
        (*A, "ovid_psycinfo.ris"),
        6,
        "The influence of self-criticism on depression symptoms",
        ("Trindade", "Ines A"),
        2019,
        "10.1002/cpp.2398",
        "Clinical Psychology & Psychotherapy",
        "2019-65183-001",
        "PsycINFO",
    ),
    (
        (*S, "Ovid_ris_example.ris"),
        4,
        "Detection of retention trees on clearcuts",
        ("Holmstrom", "E."),
        2020,
        "10.4236/ojf.2020.101008",
        "Open Journal of Forestry",
        "20203152553",
        "CAB Abstracts",
    ),
    (
        (*A, "proquest.ris"),
        6,
        "Predictors of posttraumatic stress symptom trajectories",
        ("Jones", "Hannah"),
        2019,
        "10.1002/jts.22387",
        "Journal of Traumatic Stress",
        "2214991469",
        "ProQuest",
    ),
    (
        (*A, "embase.ris"),
        6,
        "Duplication cysts: Diagnosis, management, and the role of",
        ("Liu", "R."),
        2014,
        "10.4103/2303-9027.138783",
        "Endoscopic Ultrasound",
        "L373791783",
        "Embase",
    ),
    (
        (*S, "citesource_issue_24.ris"),
        17,
        "Effects of artificial light on bird movement",
        ("Adams", "Carrie Ann"),
        2021,
        "10.1186/s13750-021-00246-8",
        "Environmental Evidence",
        "pub.1143865007",
        "Dimensions",
    ),
    (
        (*C, "topic_data", "20221207_gambling-harms_lens_49.ris"),
        49,
        "Benchmarking gambling screens to health-state utility",
        ("Browne", "Matthew"),
        2021,
        "10.31234/osf.io/fu4mj",
        "",
        "001-257-578-706-377",
        "Lens",
    ),
    (
        (*A, "ovid_zotero.ris"),
        6,
        "The influence of self-criticism on depression symptoms",
        ("Trindade", "Ines A"),
        2019,
        "10.1002/cpp.2398",
        "Clinical Psychology & Psychotherapy",
        "",
        "",
    ),
    (
        (*A, "pubmed_zotero.ris"),
        6,
        "The importance of cognitive flexibility and flexibility",
        ("Rudnik", "Agata"),
        2019,
        "10.5114/pg.2018.81081",
        "Przeglad gastroenterologiczny",
        "",
        "",
    ),
    (
        (*A, "pubmed_endnote.txt"),
        6,
        "Boswellia serrata: an overall assessment of in vitro",
        ("Abdel-Tawab", "M."),
        2011,
        "10.2165/11586800-000000000-00000",
        "Clin Pharmacokinet",
        "21553931",
        "PubMed",
    ),
    (
        (*A, "ris_issue_992.txt"),
        19,
        "Overcoming Medication Reconciliation Challenges",
        None,
        2011,
        "",
        "Joint Commission Perspectives on Patient Safety",
        "rayyan-264552525",
        "",
    ),
]


@pytest.mark.parametrize("case", REAL, ids=[c[0][-1] for c in REAL])
def test_real_ris_export(case, sqlite_store):
    parts, count, title, author, year, doi, source, record_id, database = case
    path = shared_data(*parts)
    result = import_file(sqlite_store, path)
    assert result.format == "ris"
    assert result.added == count
    records = stored(sqlite_store)
    first = records[0]
    assert first.title.startswith(title)
    if author is None:
        assert first.authors == []
    else:
        assert (first.authors[0].family, first.authors[0].given) == author
    assert first.year == year
    assert first.doi == doi
    assert first.source_title == source
    assert first.source_record_id == record_id
    assert first.source_database == database
    assert all(r.title for r in records)


def test_scopus_references_and_wos_keywords_plus_in_real_files():
    scopus = read(shared_data(*A, "scopus.ris"))
    assert all(len(r.cited_references) > 20 for r in scopus)
    assert scopus[0].cited_references[0].startswith("Agostini, A., Ballotta, D., Righi, S.")
    wos = read(shared_data(*A, "web_of_science.txt"))
    assert wos[0].keywords[:2] == ["Police custody", "Interview"]
    assert "PERSPECTIVE-TAKING" in wos[0].indexed_keywords


def _ris_files() -> list[Path]:
    sources = SHARED_DATA / "SOURCES.tsv"
    if not sources.exists():
        return []
    with open(sources, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [SHARED_DATA / r["path"].split("/", 1)[1] for r in rows if r["format"].startswith("ris")]


RIS_FILES = _ris_files()


@pytest.mark.parametrize("path", RIS_FILES, ids=[p.name for p in RIS_FILES])
def test_every_record_with_a_do_tag_has_a_doi(path):
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    reader = RisReader(path.name)
    for entry in reader.split(iter_lines(path)):
        assert entry.error is None, (entry.line, entry.error)
        record = reader.convert(entry)
        if re.search(r"^DO  - \S", entry.raw, re.M):
            assert record.doi.startswith("10."), (entry.line, entry.fields.get("DO"))
