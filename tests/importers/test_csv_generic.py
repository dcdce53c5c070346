"""Generic CSV/TSV: delimiters, quoted line breaks, ID columns, mappings, errors, real exports."""

from __future__ import annotations

import pytest

from evimap.errors import ImportFormatError
from evimap.importers import databases as db
from evimap.importers.delimited import iter_rows, sniff_delimiter
from evimap.importing import import_file
from tests.conftest import shared_data
from tests.importers.import_helpers import (
    FIXTURES,
    import_and_read,
    stored_file_count,
    stored_records,
)

DELIMITED = FIXTURES / "delimited"


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("a,b,c\n", ","), ("a\tb\tc\n", "\t"), ("a;b;c\n", ";"), ('"x;y",b,c\n', ","), ("a\n", ",")],
)
def test_delimiter_is_the_one_that_splits_the_header_most(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_rows_keep_the_line_they_start_on_across_quoted_line_breaks():
    lines = ["\n", "id,title\n", '1,"two\n', 'lines"\n', "\n", "2,one line\n"]
    rows = list(iter_rows(lines))
    assert [(r.line, r.cells) for r in rows] == [
        (2, ["id", "title"]),
        (3, ["1", "two\nlines"]),
        (6, ["2", "one line"]),
    ]
    assert rows[1].raw == '1,"two\nlines"\n'


def test_semicolon_csv_with_bom_crlf_quoted_newline_and_id_column(sqlite_store):
    result, records = import_and_read(sqlite_store, DELIMITED / "labelled_semicolon.csv")
    assert (result.format, result.database, result.added) == ("csv", "", 2)
    first, second = records
    assert first.source_record_id == "r1"
    assert first.title == "Repairing ruptures; a guide"
    assert first.abstract == "First line of the abstract. Second line."
    assert [(a.family, a.given) for a in first.authors] == [("Smith", "John"), ("Doe", "Jane")]
    assert (first.year, first.doi) == (2019, "10.1000/abc.1")
    assert first.source_title == "Journal of Tests"
    assert first.keywords == ["rupture", "repair"]
    assert first.line == 2
    # The record after the quoted line break and a blank line starts on line 5.
    assert (second.source_record_id, second.line, second.title) == ("r2", 5, "Second study")
    assert '"label_included": "1"' in first.raw


def test_tsv_with_comma_separated_initials(sqlite_store):
    result, records = import_and_read(sqlite_store, DELIMITED / "labelled.tsv")
    assert (result.format, result.added) == ("csv", 2)
    first = records[0]
    assert first.title == "A tab-separated record, with a comma"
    assert [a.literal for a in first.authors] == ["Phillips J.C.", "Braun R."]
    assert first.source_record_id == "7"
    assert first.source_title == "Journal of Computational Chemistry"


def test_unknown_layout_without_title_names_file_header_and_remedy(sqlite_store):
    path = DELIMITED / "custom_columns.csv"
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    message = str(caught.value)
    assert message.startswith("custom_columns.csv:1: no title column in the header (")
    assert "'Paper name'" in message and "'Writers'" in message
    assert "--column title=HEADER" in message
    assert stored_file_count(sqlite_store) == 0


def test_user_column_mapping(sqlite_store):
    columns = {
        "title": "Paper name",
        "authors": "Writers",
        "year": "Published",
        "source_title": "journal NAME",
        "id": "Ref No",
    }
    result, records = import_and_read(
        sqlite_store, DELIMITED / "custom_columns.csv", options={"columns": columns}
    )
    assert result.added == 2
    first = records[0]
    assert (first.title, first.year, first.source_title, first.source_record_id) == (
        "Mapping a field",
        2021,
        "J Maps",
        "A1",
    )
    assert [a.family for a in first.authors] == ["Smith", "Roe"]


def test_mapping_to_a_missing_column_names_it(sqlite_store):
    with pytest.raises(ImportFormatError) as caught:
        import_file(
            sqlite_store,
            DELIMITED / "custom_columns.csv",
            options={"columns": {"title": "Headline"}},
        )
    assert "column 'Headline' mapped to title is not in the header" in str(caught.value)
    assert "[title]" in str(caught.value)


def test_row_with_an_extra_cell_stops_the_import_and_writes_nothing(sqlite_store):
    path = DELIMITED / "extra_cell.csv"
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == 3
    assert caught.value.file == str(path)
    assert "the row has 4 cells but the header has 3" in str(caught.value)
    assert stored_records(sqlite_store) == []
    assert stored_file_count(sqlite_store) == 0


def test_skip_bad_imports_the_other_rows(sqlite_store):
    result = import_file(sqlite_store, DELIMITED / "extra_cell.csv", skip_bad=True)
    assert result.added == 2
    assert [(s.line, s.reason[:20]) for s in result.skipped] == [(3, "the row has 4 cells ")]
    assert [r.title for r in stored_records(sqlite_store)] == ["Good record", "Also good"]


def test_unclosed_quote_is_reported_where_the_row_starts(sqlite_store):
    path = DELIMITED / "unclosed_quote.csv"
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == 3
    assert "never closed" in str(caught.value)
    assert stored_file_count(sqlite_store) == 0


def test_r_style_na_cells_are_empty(tmp_path, sqlite_store):
    path = tmp_path / "na.csv"
    path.write_text("title,doi,year,journal\nA title,NA,NA,NA\n", encoding="utf-8")
    _, records = import_and_read(sqlite_store, path)
    assert (records[0].doi, records[0].year, records[0].source_title) == ("", None, "")


# --------------------------------------------------------------------------- real exports

LITSTUDY = ("exports", "NLeSC+litstudy")
BIBLIOMETRIX = ("exports", "massimoaria+bibliometrix", "tests", "testthat", "fixtures")


def test_litstudy_ieee_csv(sqlite_store):
    path = shared_data(*LITSTUDY, "tests", "resources", "ieee.csv")
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.database, result.added) == ("csv", db.IEEE, 10)
    first = records[0]
    assert first.title == (
        'Exascale Computing Trends: Adjusting to the "New Normal"\' for Computer Architecture'
    )
    assert [(a.family, a.given) for a in first.authors] == [("Kogge", "P."), ("Shalf", "J.")]
    assert (first.year, first.doi) == (2013, "10.1109/mcse.2013.95")
    assert first.source_title == "Computing in Science & Engineering"
    assert first.source_record_id == "6634083"  # arnumber of the PDF link
    assert first.pages == "16-26"
    assert first.issn == ["1558-366X"]
    assert records[-1].authors[0].family == "Chang"


def test_litstudy_ieee_1_csv(sqlite_store):
    path = shared_data(*LITSTUDY, "notebooks", "data", "ieee_1.csv")
    result, records = import_and_read(sqlite_store, path)
    assert (result.database, result.added) == (db.IEEE, 100)
    first = records[0]
    assert first.title == "Exploring a multi-resolution GPU programming model for Chapel"
    assert [a.literal for a in first.authors] == ["A. Hayashi", "S. Raj Paul", "V. Sarkar"]
    assert (first.authors[0].given, first.year) == ("A.", 2020)
    assert first.doi == "10.1109/ipdpsw50202.2020.00117"
    assert first.source_record_id == "9150427"
    assert records[-1].source_record_id == "5298705"
    assert records[-1].line == 101


def test_litstudy_springer_csv_counts_records_not_lines(sqlite_store):
    # 19 physical lines (the last without a line break, so `wc -l` says 18): a header and
    # 18 records, which is the count SOURCES.tsv gives.
    path = shared_data(*LITSTUDY, "tests", "resources", "springer.csv")
    result, records = import_and_read(sqlite_store, path)
    assert (result.database, result.added) == (db.SPRINGER, 18)
    first = records[0]
    assert first.title == "Graph-Based Load Balancing Model for Exascale Computing Systems"
    # Springer writes the names one after another: "Araz R. AlievNigar T. Ismayilova".
    assert [(a.family, a.given) for a in first.authors] == [
        ("Aliev", "Araz R."),
        ("Ismayilova", "Nigar T."),
    ]
    assert (first.year, first.doi) == (2022, "10.1007/978-3-030-92127-9_33")
    assert first.source_title.startswith("11th International Conference on Theory and")
    assert first.document_type == "Chapter"
    # Honorifics separate names too and are dropped.
    assert [a.literal for a in records[1].authors] == [
        "Rafik A. Aliev",
        "Janusz Kacprzyk",
        "Witold Pedrycz",
        "Mo Jamshidi",
        "Mustafa Babanli",
        "Fahreddin M. Sadikoglu",
    ]
    assert records[-1].line == 19


def test_bibliometrix_lens_csv(sqlite_store):
    result, records = import_and_read(sqlite_store, shared_data(*BIBLIOMETRIX, "lens_sample.csv"))
    assert (result.database, result.added) == (db.LENS, 8)
    first = records[0]
    assert first.title.startswith("Dynamic real-time risk analytics of uncontrollable states")
    assert (first.authors[0].family, first.authors[0].given) == ("Radanliev", "Petar")
    assert (first.year, first.doi) == (2020, "10.1007/s10669-020-09792-x")
    assert first.source_title == "Environment systems & decisions"
    assert first.source_record_id == "000-360-106-493-122"
    assert first.issn == ["2194-5411", "2194-5403"]
    assert len(first.cited_references) == 46
    assert first.cited_references[0] == "000-928-794-577-264"


def test_bibliometrix_openalex_csv(sqlite_store):
    result, records = import_and_read(
        sqlite_store, shared_data(*BIBLIOMETRIX, "openalex_sample.csv")
    )
    assert (result.database, result.added) == (db.OPENALEX, 8)
    first = records[0]
    assert first.title == "bibliometrix : An R-tool for comprehensive science mapping analysis"
    assert [(a.family, a.given) for a in first.authors] == [
        ("Aria", "Massimo"),
        ("Cuccurullo", "Corrado"),
    ]
    assert (first.year, first.doi) == (2017, "10.1016/j.joi.2017.08.007")
    assert first.source_title == "Journal of Informetrics"
    assert first.source_record_id == "https://openalex.org/W2755950973"
    assert first.cited_references == []  # this export has no referenced_works column


def test_asreview_embase_csv(sqlite_store):
    path = shared_data("exports", "asreview+asreview", "tests", "demo_data", "embase.csv")
    result, records = import_and_read(sqlite_store, path)
    assert (result.database, result.added) == (db.EMBASE, 6)
    first = records[0]
    assert first.title == (
        "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    )
    assert [(a.family, a.given) for a in first.authors] == [("Liu", "R."), ("Adler", "D.G.")]
    # From "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014" ...
    assert (first.source_title, first.year, first.volume, first.issue, first.pages) == (
        "Endoscopic Ultrasound",
        2014,
        "3",
        "3",
        "152-160",
    )
    # ... and the OpenURL link (id=doi:10.4103%2F2303-9027.138783).
    assert first.doi == "10.4103/2303-9027.138783"
    assert first.issn == ["2226-7190"]
    # Emtree terms keep their bracketed subheadings.
    assert "gastrointestinal tract duplication cyst (diagnosis)" in first.indexed_keywords
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in first.indexed_keywords
    assert records[4].source_title == "World Journal of Gastroenterology"


def test_asysd_zotero_csv_is_a_reexport_of_unknown_database(sqlite_store):
    path = shared_data("exports", "camaradesuk+ASySD", "tests", "testthat", "zotero_export.csv")
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.database, result.added) == ("csv", "", 1233)
    first = records[0]
    assert first.source_record_id == "ACSRAG7N"
    assert first.title == "Myoclonus in older Cavalier King Charles Spaniels."
    assert (first.authors[0].family, first.authors[0].given) == ("Rotter", "Carina")
    assert (first.year, first.doi) == (2022, "10.1111/jvim.16404")
    assert first.source_title == "Journal of veterinary internal medicine"
    assert first.issn == ["1939-1676", "0891-6640"]
    assert first.pages == "1032-1038"
    assert first.cited_references == []  # Zotero's "References" column is for patents, empty
    assert records[-1].source_record_id == "PV767JQQ"
    assert all(r.source_database == "" for r in records)


def test_rayyan_csv_is_a_reexport_with_and_separated_authors(tmp_path, sqlite_store):
    path = tmp_path / "rayyan.csv"
    path.write_text(
        "key,title,authors,journal,issn,volume,issue,pages,year,publisher,url,abstract,notes\n"
        'rayyan-101,Repair in brief therapy,"Smith, John and Doe, Jane",Psychotherapy,0033-3204,'
        "55,4,508-519,2018,APA,https://example.org/1,An abstract.,RAYYAN-INCLUSION: {}\n",
        encoding="utf-8",
    )
    result, records = import_and_read(sqlite_store, path)
    assert (result.format, result.database, result.added) == ("csv", "", 1)
    record = records[0]
    assert record.source_record_id == "rayyan-101"
    assert [(a.family, a.given) for a in record.authors] == [("Smith", "John"), ("Doe", "Jane")]
    assert (record.pages, record.issn, record.source_title) == (
        "508-519",
        ["0033-3204"],
        "Psychotherapy",
    )


def test_excel_sep_line_names_the_delimiter(tmp_path, sqlite_store):
    path = tmp_path / "excel.csv"
    # Without the hint the header would split best at its commas.
    path.write_text("sep=;\ntitle;notes, remarks, year\nA, B and C;x, y, 2020\n", encoding="utf-8")
    result, records = import_and_read(sqlite_store, path)
    assert result.added == 1
    assert (records[0].title, records[0].line) == ("A, B and C", 3)
    assert '"notes, remarks, year": "x, y, 2020"' in records[0].raw
