"""Imports that fail, or succeed wrongly (issue 10, part 2): one test per class of broken input.

The rule every test checks: a record that cannot be read whole is an error (or, with
``skip_bad``, left out and counted, every lost record), never merged with its neighbour or stored
mangled; nothing of a failed import is written. Fixtures are small files written here.
"""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from evimap.errors import ImportFormatError, UnknownFormat
from evimap.importing import import_file
from evimap.store.models import EventRow, RecordRow, SourceFile
from tests.importers.import_helpers import stored_records


def _write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _counts(store) -> tuple[int, int, int]:
    with store.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (SourceFile, RecordRow, EventRow)
        )


WOS_NO_ER = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Smith, J
TI First title
SO JOURNAL A
PY 2001
UT WOS:000000000000001
PT J
AU Jones, K
TI Second title
SO JOURNAL B
PY 2002
UT WOS:000000000000002
ER

PT J
AU Brown, A
TI Third title
SO JOURNAL C
PY 2003
UT WOS:000000000000003
ER

EF
"""


def test_a_wos_record_without_er_is_an_error_not_merged_with_the_next(tmp_path, sqlite_store):
    path = _write(tmp_path, "savedrecs.txt", WOS_NO_ER)
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert "no ER line before the next record (PT at line 9)" in str(caught.value)
    assert _counts(sqlite_store) == (0, 0, 0)

    result = import_file(sqlite_store, path, skip_bad=True)
    records = stored_records(sqlite_store)
    assert [r.source_record_id for r in records] == [
        "WOS:000000000000002",
        "WOS:000000000000003",
    ]
    assert [r.title for r in records] == ["Second title", "Third title"]
    assert (result.added, result.lost) == (2, 1)
    assert result.skipped[0].line == 9


def test_wos_records_run_together_lose_both_and_count_both(tmp_path, sqlite_store):
    # The first record's ER and the second's PT are gone: two records in one.
    text = WOS_NO_ER.replace("UT WOS:000000000000001\nPT J\n", "UT WOS:000000000000001\n")
    path = _write(tmp_path, "savedrecs.txt", text)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["WOS:000000000000003"]
    assert result.lost == 2
    assert "appears twice in one record" in result.skipped[0].reason


def test_a_wos_file_without_any_er_counts_every_lost_record(tmp_path, sqlite_store):
    text = WOS_NO_ER.replace("ER\n", "").replace("PT J\nAU Brown", "PT J\nAU Brown")
    path = _write(tmp_path, "savedrecs.txt", text)
    with pytest.raises(ImportFormatError, match="no record could be read: all 3 were broken"):
        import_file(sqlite_store, path, skip_bad=True)
    assert _counts(sqlite_store) == (0, 0, 0)


OVID = """<1. >
VN  - Ovid Technologies
DB  - APA PsycInfo
AN  - 2021-45873-002
TI  - Repairing alliance ruptures.
AU  - Okafor, Adaeze N
YR  - 2021

<2. >
VN  - Ovid Technologies
DB  - APA PsycInfo
AN  - 2019-10234-011
TI  - Withdrawal and confrontation markers.
AU  - Brennan, Sean P
YR  - 2019

<3. >
VN  - Ovid Technologies
DB  - APA PsycInfo
AN  - 2018-00001-001
TI  - Metacommunication.
AU  - Novak, Petra
YR  - 2018
"""


def test_an_ovid_file_missing_a_record_marker_loses_no_record_silently(tmp_path, sqlite_store):
    path = _write(tmp_path, "ovid.txt", OVID.replace("<2. >\n", ""))
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert "2 records ran together: a <N. > marker is missing before line 9" in str(caught.value)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["2018-00001-001"]
    assert result.lost == 2


def test_ovid_labelled_layout_missing_a_marker(tmp_path, sqlite_store):
    text = (
        "<1>\nAccession Number\n  2020-77001-004\nTitle\n  Metacommunication.\n\n"
        "Accession Number\n  2018-55120-009\nTitle\n  Alliance repair.\n"
    )
    path = _write(tmp_path, "ovid.txt", text)
    with pytest.raises(ImportFormatError, match="marker is missing before line 7"):
        import_file(sqlite_store, path, format_name="ovid")


BIB = """@article{k1,
  author = {Smith, J.},
  title = {A } title},
  journal = {J Test},
  doi = {10.1000/abc},
  year = {2001}
}

@article{k2,
  author = {Doe, J.},
  title = {Second},
  year = {2002}
}
"""


def test_a_stray_brace_in_bibtex_is_an_error_not_an_entry_cut_short(tmp_path, sqlite_store):
    path = _write(tmp_path, "refs.bib", BIB)
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert "refs.bib:3" in str(caught.value)
    assert "braces close early, at line 3" in str(caught.value)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.title for r in stored_records(sqlite_store)] == ["Second"]
    assert result.lost == 1


def test_a_stray_brace_in_the_last_field_of_a_bibtex_entry(tmp_path, sqlite_store):
    text = BIB.replace("title = {A } title},", "title = {A title},").replace(
        "year = {2001}", "year = {20}01}"
    )
    path = _write(tmp_path, "refs.bib", text)
    with pytest.raises(ImportFormatError, match="braces close early, at line 6"):
        import_file(sqlite_store, path)


def test_a_one_line_bibtex_entry_with_a_stray_brace(tmp_path, sqlite_store):
    path = _write(tmp_path, "refs.bib", "@article{k, title={A} b}, doi={10.1/x}}\n")
    with pytest.raises(ImportFormatError, match="braces close early"):
        import_file(sqlite_store, path)


def test_scopus_bibtex_editors_written_last_initials_import(tmp_path, sqlite_store):
    text = (
        "@CONFERENCE{Doe2020,\n  title = {Proceedings paper},\n"
        "  editor = {Smith J., Jones K.-L., van der Berg A.B., White B.},\n"
        "  year = {2020},\n  source = {Scopus}\n}\n"
    )
    path = _write(tmp_path, "scopus.bib", text)
    result = import_file(sqlite_store, path)
    (record,) = stored_records(sqlite_store)
    # Without authors, the editors stand in; each one is a person.
    assert [(a.family, a.given) for a in record.authors] == [
        ("Smith", "J."),
        ("Jones", "K.-L."),
        ("van der Berg", "A.B."),
        ("White", "B."),
    ]
    assert result.warnings == []


def test_a_name_field_bibtex_cannot_split_is_kept_and_warned_once_with_the_count(
    tmp_path, sqlite_store
):
    entry = (
        "@article{k{n},\n  author = {Doe, J.},\n  title = {Title {n}},\n"
        "  editor = {A, B, C, D},\n  year = {2002}\n}}\n\n"
    )
    text = "".join(entry.replace("{n}", str(i)).replace("}}\n", "}\n") for i in range(3))
    path = _write(tmp_path, "refs.bib", text)
    result = import_file(sqlite_store, path, database="scopus")
    assert result.added == 3
    assert result.warnings == [
        "the editor field of 3 entries could not be split into names; kept as written"
    ]
    assert all(r.authors[0].family == "Doe" for r in stored_records(sqlite_store))


CSV = 'Title,Authors,Year\nA title,"Smith, J",2001\nSecond,"Doe, J",2002\nThird,Roe K,2003\n'


def test_a_stray_line_in_a_csv_is_not_a_record(tmp_path, sqlite_store):
    text = CSV.replace("Second,", "stray line here\nSecond,")
    path = _write(tmp_path, "export.csv", text)
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert "export.csv:3" in str(caught.value)
    assert "the row has 1 cells but the header has 3" in str(caught.value)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.title for r in stored_records(sqlite_store)] == ["A title", "Second", "Third"]
    assert result.lost == 1


def test_a_csv_row_with_fewer_cells_than_the_header_is_an_error(tmp_path, sqlite_store):
    path = _write(tmp_path, "export.csv", CSV.replace('Second,"Doe, J",2002', "Second,2002"))
    with pytest.raises(ImportFormatError, match="the row has 2 cells but the header has 3"):
        import_file(sqlite_store, path)


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        ("Third,Roe", "the row has 2 cells"),  # inside a row: too few cells
        ("Third,Roe K,20", "the file ends inside this row"),  # inside the last cell
        ('Third,"Roe K', "never closed"),  # inside a quoted cell
    ],
)
def test_a_truncated_last_csv_row_is_not_stored_as_a_half_record(
    tmp_path, sqlite_store, cut, message
):
    text = CSV.replace("Third,Roe K,2003\n", cut)
    path = _write(tmp_path, "export.csv", text)
    with pytest.raises(ImportFormatError, match=message):
        import_file(sqlite_store, path)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.title for r in stored_records(sqlite_store)] == ["A title", "Second"]
    assert result.lost == 1


def test_a_csv_whose_last_row_ends_in_a_closed_quote_needs_no_line_break(tmp_path, sqlite_store):
    path = _write(tmp_path, "export.csv", CSV + 'Fourth,"Poe, E","2004"')
    assert import_file(sqlite_store, path).added == 4


@pytest.mark.parametrize(
    "fourth",
    [
        "Fourth,Poe E,2004",  # nothing closes the stray quote: it would run to the end
        'Fourth,"Poe, E",2004',  # a later quote closes it, rows in between swallowed
    ],
)
def test_a_stray_quote_in_a_csv_costs_one_row_not_the_rest_of_the_file(
    tmp_path, sqlite_store, fourth
):
    text = (
        f'Title,Authors,Year\nFirst,Smith J,2001\nSecond,"Doe J,2002\nThird,Roe K,2003\n{fourth}\n'
    )
    path = _write(tmp_path, "export.csv", text)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.title for r in stored_records(sqlite_store)] == ["First", "Third", "Fourth"]
    assert result.lost == 1
    assert result.skipped[0].line == 3


def test_scopus_csv_rows_with_fewer_cells_are_errors(tmp_path, sqlite_store):
    header = "Authors,Title,Year,Source title,EID\n"
    rows = 'Smith J.,First,2001,J A,2-s2.0-1\nDoe J.,Second,2002,"J B"\n'
    path = _write(tmp_path, "scopus.csv", header + rows)
    with pytest.raises(ImportFormatError, match="scopus.csv:3: the row has 4 cells"):
        import_file(sqlite_store, path)


def test_ris_with_lower_case_tags_keeps_its_titles(tmp_path, sqlite_store):
    text = "ty  - JOUR\nti  - Lower title\nau  - Smith, J\npy  - 2001\ner  - \n\n"
    path = _write(tmp_path, "refs.ris", "TY  - JOUR\nTI  - Upper\nER  - \n\n" + text)
    import_file(sqlite_store, path)
    records = stored_records(sqlite_store)
    assert [r.title for r in records] == ["Upper", "Lower title"]
    assert records[1].year == 2001 and records[1].authors[0].family == "Smith"


def test_a_ris_record_with_only_ty_and_er_is_an_error_naming_the_title_tag(tmp_path, sqlite_store):
    path = _write(tmp_path, "refs.ris", "TY  - JOUR\nTI  - Kept\nER  - \n\nTY  - JOUR\nER  - \n")
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert str(caught.value) == f"{path}:5 [TI]: the record has no title"
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.title for r in stored_records(sqlite_store)] == ["Kept"]
    assert result.skipped[0].field == "TI"


def test_a_csv_record_without_a_title_names_the_title_column(tmp_path, sqlite_store):
    path = _write(tmp_path, "export.csv", "Title,Year\nKept,2001\n,2002\n")
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert str(caught.value) == f"{path}:3 [Title]: the record has no title"


@pytest.mark.postgres
def test_control_characters_are_removed_with_a_warning_on_every_store(tmp_path, store):
    text = "TY  - JOUR\nTI  - Nul\x00 ti\x1btle\nAB  - Bell\x07 abstract\x7f\nER  - \n"
    path = _write(tmp_path, "refs.ris", text)
    result = import_file(store, path, database="scopus")
    (record,) = stored_records(store)
    assert record.title == "Nul title"
    assert record.abstract == "Bell abstract"
    assert "\x00" not in record.raw and "\x1b" not in record.raw
    assert result.warnings == [
        "removed 4 control character(s) (NUL or similar) that no export means; the first was "
        "on line 2"
    ]


@pytest.mark.postgres
def test_text_columns_take_values_of_any_length_on_every_store(tmp_path, store):
    long = "9" * 300_000
    text = (
        f"TY  - JOUR\nTI  - Long fields\nVL  - {long}\nIS  - {long}\nSP  - {long}\n"
        f"LA  - {long}\nM3  - {long}\nAN  - {long}\nDB  - {long}\n"
        f"DO  - 10.1000/{long}\nER  - \n"
    )
    path = _write(tmp_path, "long.ris", text)
    import_file(store, path, actor="AL-V")
    (record,) = stored_records(store)
    assert record.volume == long and record.issue == long and record.language == long
    assert record.doi == f"10.1000/{long}" and record.source_record_id == long


def test_skip_bad_that_keeps_nothing_fails_and_locks_nothing_out(tmp_path, sqlite_store):
    path = _write(tmp_path, "refs.ris", "TY  - JOUR\nTI  - Broken\n\nTY  - JOUR\nER  - \n")
    with pytest.raises(ImportFormatError, match="no record could be read: all 2 were broken"):
        import_file(sqlite_store, path, skip_bad=True)
    assert _counts(sqlite_store) == (0, 0, 0)
    # Fixed in place, the same path imports: nothing marked the broken file as imported.
    path.write_text("TY  - JOUR\nTI  - Fixed\nER  - \n")
    assert import_file(sqlite_store, path).added == 1


def test_skip_bad_does_not_mark_the_broken_content_imported(tmp_path, sqlite_store):
    text = "TY  - JOUR\nER  - \n"
    path = _write(tmp_path, "refs.ris", text)
    for _ in range(2):
        with pytest.raises(ImportFormatError):
            import_file(sqlite_store, path, skip_bad=True)


WOS_TAB_HEADER = "PT\tAU\tTI\tSO\tPY\tUT"
WOS_TAB_ROWS = ["J\tSmith, J\tFirst\tJ A\t2001\tWOS:1", "J\tDoe, K\tSecond\tJ B\t2002\tWOS:2"]


@pytest.mark.parametrize(
    ("header_end", "row_end", "newline"),
    [
        ("", "\t", "\r\n"),  # every data row ends with a tab, the header does not
        ("\t", "\t", "\r\n"),  # both end with a tab
        ("\t", "\t", "\r"),  # old Mac line endings
        ("", "", "\r"),
    ],
)
def test_ordinary_wos_tab_delimited_downloads_import(
    tmp_path, sqlite_store, header_end, row_end, newline
):
    lines = [WOS_TAB_HEADER + header_end] + [row + row_end for row in WOS_TAB_ROWS]
    path = _write(tmp_path, "savedrecs.txt", (newline.join(lines) + newline).encode("utf-8-sig"))
    result = import_file(sqlite_store, path)
    assert (result.format, result.added) == ("wos-tab", 2)
    assert [(r.title, r.source_record_id) for r in stored_records(sqlite_store)] == [
        ("First", "WOS:1"),
        ("Second", "WOS:2"),
    ]


def test_a_utf16_wos_tab_file_with_mac_line_endings_imports(tmp_path, sqlite_store):
    text = "\r".join([WOS_TAB_HEADER + "\t"] + [r + "\t" for r in WOS_TAB_ROWS]) + "\r"
    path = _write(tmp_path, "savedrecs.txt", text.encode("utf-16"))
    assert import_file(sqlite_store, path).format == "wos-tab"


def test_a_csv_with_mac_line_endings_reads_as_with_any_other(tmp_path, sqlite_store):
    path = _write(tmp_path, "export.csv", CSV.replace("\n", "\r").encode())
    import_file(sqlite_store, path)
    assert [r.title for r in stored_records(sqlite_store)] == ["A title", "Second", "Third"]


def test_a_file_that_names_no_database_says_so_and_suggests_database(tmp_path, sqlite_store):
    path = _write(tmp_path, "refs.ris", "TY  - JOUR\nTI  - One\nER  - \n")
    result = import_file(sqlite_store, path)
    assert result.database == ""
    (warning,) = result.warnings
    assert "does not say which database it came from: 1 record(s)" in warning
    assert "--database" in warning and "evimap imports relabel" in warning
    other = _write(tmp_path, "other.ris", "TY  - JOUR\nTI  - Two\nER  - \n")
    assert import_file(sqlite_store, other, database="scopus").warnings == []


def test_an_unknown_format_hint_names_the_reader_option(tmp_path, sqlite_store):
    path = _write(tmp_path, "notes.txt", "just some notes\nnothing bibliographic\n")
    with pytest.raises(UnknownFormat, match="name one with --reader"):
        import_file(sqlite_store, path)


def test_an_import_event_records_its_warnings_and_lost_records(tmp_path, sqlite_store):
    from evimap.store import EventLog

    path = _write(tmp_path, "savedrecs.txt", WOS_NO_ER.replace("First title", "First\x00"))
    import_file(sqlite_store, path, skip_bad=True)
    with sqlite_store.read() as session:
        (event,) = EventLog.read(session, kind="import.file")
    assert event.counts["skipped"] == 1
    assert event.details["skipped"][0]["records"] == 1
    assert event.details["warnings"][0].startswith("removed 1 control character")


def test_a_medline_record_without_its_pmid_line_is_an_error(tmp_path, sqlite_store):
    text = (
        "PMID- 111\nTI  - First title.\nDP  - 2001\n\n"
        "OWN - NLM\nTI  - Second title.\nDP  - 2002\n\n"
        "PMID- 333\nTI  - Third title.\nDP  - 2003\n"
    )
    path = _write(tmp_path, "pubmed.nbib", text)
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert str(caught.value).endswith(
        ":5 [PMID]: the record has no PMID line (each MEDLINE record starts with one)"
    )
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["111", "333"]
    assert result.lost == 1


def test_a_bibtex_entry_without_its_at_line_is_an_error_and_its_neighbour_is_kept(
    tmp_path, sqlite_store
):
    text = BIB.replace("title = {A } title},", "title = {A title},").replace("@article{k2,\n", "")
    path = _write(tmp_path, "refs.bib", text)
    with pytest.raises(ImportFormatError, match="refs.bib:8: entry fields without an '@type"):
        import_file(sqlite_store, path)
    result = import_file(sqlite_store, path, skip_bad=True)
    (record,) = stored_records(sqlite_store)
    assert (record.title, record.doi, record.source_title) == ("A title", "10.1000/abc", "J Test")
    assert result.lost == 1


def test_an_ovid_labelled_record_before_the_first_marker_is_an_error(tmp_path, sqlite_store):
    text = (
        "Accession Number\n  2020-77001-004\nTitle\n  Metacommunication.\n\n"
        "<2>\nAccession Number\n  2018-55120-009\nTitle\n  Alliance repair.\n"
    )
    path = _write(tmp_path, "ovid.txt", text)
    with pytest.raises(ImportFormatError, match=r"ovid.txt:1 \[Accession Number\]: fields outside"):
        import_file(sqlite_store, path, format_name="ovid")
    result = import_file(sqlite_store, path, format_name="ovid", skip_bad=True)
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["2018-55120-009"]
    assert result.lost == 1


@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        ("%%%%%%%%%%\n", "line 5 is neither a field name nor an indented value"),
        ("garbage line without structure\n", "the field named on line 4 has no value"),
    ],
)
def test_a_damaged_line_in_an_ovid_labelled_record_is_an_error(
    tmp_path, sqlite_store, garbage, message
):
    text = "<1>\nAccession Number\n  2020-77001-004\nDigital Object Identifier\n"
    text += garbage + "  https://doi.org/10.9999/x\nTitle\n  Metacommunication.\n"
    path = _write(tmp_path, "ovid.txt", text)
    with pytest.raises(ImportFormatError, match=message):
        import_file(sqlite_store, path, format_name="ovid")


@pytest.mark.parametrize("damaged", ["{AU  - Jones, K", "AU - Jones, K", "A%U  - Jones, K"])
def test_a_damaged_ris_tag_line_is_an_error_not_text_of_the_field_before(
    tmp_path, sqlite_store, damaged
):
    text = f"TY  - JOUR\nTI  - Title\nAU  - Smith, J\n{damaged}\nPY  - 2001\nER  - \n"
    path = _write(tmp_path, "refs.ris", text)
    with pytest.raises(ImportFormatError, match="refs.ris:4: line 4 looks like a tag line"):
        import_file(sqlite_store, path)


def test_a_damaged_ovid_tag_line_is_an_error(tmp_path, sqlite_store):
    path = _write(tmp_path, "ovid.txt", OVID.replace("AU  - Brennan", "A{U  - Brennan"))
    with pytest.raises(ImportFormatError, match="ovid.txt:14: line 14 looks like a field line"):
        import_file(sqlite_store, path)


def test_a_scopus_csv_row_whose_cells_shifted_is_an_error_naming_the_column(tmp_path, sqlite_store):
    header = "Authors,Title,Year,Source title,Funding Text 1,Source,EID\n"
    rows = (
        "Smith J.,First,2001,J A,Grant A,Scopus,2-s2.0-1\n"
        "Doe J.,Second,2002,J B,Grant B,Grant C,Scopus,2-s2.0-2\n"  # two funding texts
        "Roe K.,Third,2003,J C,Grant D,Grant E,Scopus2-s2.0-3\n"  # a delimiter lost
    )
    path = _write(tmp_path, "scopus.csv", header + rows)
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert "scopus.csv:4 [EID]: the EID column holds 'Scopus2-s2.0-3'" in str(caught.value)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["2-s2.0-1", "2-s2.0-2"]
    assert result.lost == 1


def test_a_file_without_record_ends_warns_when_its_last_line_has_no_line_break(
    tmp_path, sqlite_store
):
    path = _write(tmp_path, "ovid.txt", OVID.rstrip("\n")[:-3])  # cut inside the last line
    result = import_file(sqlite_store, path)
    assert any("may be cut short" in w for w in result.warnings)
    whole = _write(tmp_path, "whole.txt", OVID.replace("2018", "2017"))
    assert not any("cut short" in w for w in import_file(sqlite_store, whole).warnings)


def test_a_damaged_line_inside_a_bibtex_entry_is_an_error_not_a_lost_field(tmp_path, sqlite_store):
    text = BIB.replace("title = {A } title},", "title = {A title},\n#@!% lorem ipsum 42 ~~ ;;")
    path = _write(tmp_path, "refs.bib", text)
    with pytest.raises(ImportFormatError, match=r"refs.bib:4: not valid BibTeX: '#@!% lorem"):
        import_file(sqlite_store, path)


def test_a_csv_row_that_swallowed_the_next_is_an_error_and_the_next_is_read(tmp_path, sqlite_store):
    # Row K2's last cell opens a quote that only K3's last cell closes: read plainly, the two
    # rows are one row with exactly the header's six cells.
    text = (
        "Key,Title,Authors,Year,Journal,DOI\n"
        "K1,First title,Smith J,2001,J A,10.1/a\n"
        'K2,Second title,Doe J,2002,J B,"10.1/b\n'
        'K3,Third title,Roe K,2003,J C,10.1/c"\n'
        "K4,Fourth title,Poe E,2004,J D,10.1/d\n"
    )
    path = _write(tmp_path, "export.csv", text)
    with pytest.raises(ImportFormatError, match="export.csv:4: the row runs on over line 4"):
        import_file(sqlite_store, path)
    result = import_file(sqlite_store, path, skip_bad=True)
    assert [r.source_record_id for r in stored_records(sqlite_store)] == ["K1", "K3", "K4"]
    assert result.lost == 1


def test_an_abstract_paragraph_with_a_rows_worth_of_commas_is_not_a_swallowed_row(
    tmp_path, sqlite_store
):
    # As in Kitchenham 2010 (SYNERGY): a quoted abstract of several paragraphs, one of which
    # splits at its commas into exactly the header's six cells, but holds no year where the
    # year column is.
    paragraph = " Findings, as expected, were mixed, costly, slow, and rigorous in the end"
    text = (
        "record_id,title,abstract,year,label_included,duplicate_record_id\n"
        "1,First title,A plain abstract,2001,0,\n"
        f'2,Second title,"Purpose\n The first part.\n\nFindings\n{paragraph}\n\nEnd",2002,1,\n'
        # the last line of a quoted abstract, with the row's own year and label after it
        '3,Third title,"An abstract\n\nThat ends here, in a line, with two commas.",2003,0,\n'
        "4,Fourth title,Another abstract,2004,0,\n"
    )
    assert len(next(csv.reader([paragraph]))) == 6
    assert len(next(csv.reader([text.splitlines()[-2]]))) == 6
    path = _write(tmp_path, "labelled.csv", text)
    assert import_file(sqlite_store, path).added == 4
    second = [r for r in stored_records(sqlite_store) if r.title == "Second title"][0]
    assert paragraph.strip() in second.abstract


def test_an_issn_field_that_holds_no_issn_is_kept_and_warned(tmp_path, sqlite_store):
    text = "".join(
        f"TY  - JOUR\nTI  - Title {i}\nSN  - 1234-5678{'x' * 50}\nDB  - Scopus\nER  - \n\n"
        for i in range(2)
    )
    path = _write(tmp_path, "refs.ris", text)
    result = import_file(sqlite_store, path)
    assert result.added == 2
    assert result.warnings == [
        "the SN field of 2 records holds no ISSN or ISBN that could be read; kept as written "
        "in the raw record"
    ]
    assert "x" * 50 in stored_records(sqlite_store)[0].raw


def test_control_characters_in_a_utf16_file_are_removed_too(tmp_path, sqlite_store):
    text = "TY  - JOUR\nTI  - Wide\x00 title\nDB  - Scopus\nER  - \n"
    path = _write(tmp_path, "refs.ris", text.encode("utf-16"))
    result = import_file(sqlite_store, path)
    assert [r.title for r in stored_records(sqlite_store)] == ["Wide title"]
    assert result.warnings[0].startswith("removed 1 control character")
