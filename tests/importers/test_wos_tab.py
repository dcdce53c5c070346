"""Web of Science tab-delimited: BOM/UTF-16, CRLF/CR, trailing tabs, shared field mapping."""

from __future__ import annotations

import codecs

import pytest

from evimap.errors import ImportFormatError
from evimap.importers.detect import detect, iter_lines
from evimap.importers.wos import WosReader
from evimap.importers.wos_fields import LIST_TAGS
from evimap.importers.wos_tab import WosTabReader
from evimap.importing import import_file
from tests.importers.tagged_helpers import FIXTURES, read_records, stored

TAB = FIXTURES / "wos_tab_savedrecs.txt"


def test_fixture_is_what_wos_writes():
    data = TAB.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(b"\t\r\n") == 3  # header and two records: trailing tab, CRLF
    assert data.endswith(b"\t\r")  # the last record ends with a lone CR
    assert detect(TAB).reader is WosTabReader
    assert WosReader.sniff(data.decode("utf-8-sig")) == 0


def test_fields_of_each_record():
    first, second, third = read_records(WosTabReader, TAB)
    assert first.title == "Alliance rupture repair: A meta-analysis"
    assert [a.display() for a in first.authors] == [
        "Eubanks, Catherine F.",
        "Muran, J. Christopher",
        "Safran, Jeremy D.",
    ]
    assert (first.year, first.volume, first.issue, first.pages) == (2018, "55", "4", "508-519")
    assert first.doi == "10.1037/pst0000185"
    assert first.issn == ["0033-3204", "1939-1536"]
    assert first.keywords[0] == "alliance ruptures"
    assert first.indexed_keywords[-1] == "OUTCOMES"
    assert first.abstract.startswith('Ruptures in the therapeutic alliance are "breaks"')
    assert first.cited_references == [
        "Bordin ES, 1979, PSYCHOTHER-THEOR RES, V16, P252, DOI 10.1037/h0085885",
        "Safran JD, 2000, NEGOTIATING THERAPEU",
        "Horvath AO, 2011, PSYCHOTHERAPY, V48, P9, DOI 10.1037/a0022186",
    ]
    assert first.subject_areas == ["Psychology, Clinical"]
    assert (first.source_record_id, first.source_database, first.line) == (
        "WOS:000452118800014",
        "Web of Science",
        2,
    )
    assert '"UT": "WOS:000452118800014"' in first.raw

    assert (second.year, second.pages, second.document_type) == (
        2023,
        "e23561",
        "Article; Early Access",
    )
    assert (second.source_record_id, second.source_database) == ("MEDLINE:36811234", "MEDLINE")

    assert third.line == 4
    assert [a.display() for a in third.authors] == [
        "Muran, J. Christopher",
        "Society for Psychotherapy Research",
    ]
    assert third.source_title == "Relational Psychoanalysis and Psychotherapy Integration"
    assert third.issn == []  # BN is an ISBN, not an ISSN


def test_utf16_le_export_reads_the_same(tmp_path, sqlite_store):
    text = TAB.read_bytes().decode("utf-8-sig")
    path = tmp_path / "savedrecs_win.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert detect(path).reader is WosTabReader
    result = import_file(sqlite_store, path)
    assert (result.format, result.added) == ("wos-tab", 3)
    expected = read_records(WosTabReader, TAB)
    assert [r.to_dict() | {"source_file": ""} for r in stored(sqlite_store)] == [
        r.to_dict() for r in expected
    ]


def _as_tab(plain_path, tmp_path):
    """Write a plain-text export's records as a tab-delimited export (what WoS would give)."""
    entries = list(WosReader().split(iter_lines(plain_path)))
    tags = sorted({tag for e in entries for tag in e.fields})
    rows = ["\t".join(tags) + "\t"]
    for entry in entries:
        rows.append(
            "\t".join(
                ("; " if tag in LIST_TAGS else " ").join(entry.fields.get(tag, [])) for tag in tags
            )
            + "\t"
        )
    path = tmp_path / "as_tab.txt"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8-sig")
    return path


def test_tab_and_plain_text_give_the_same_records(tmp_path):
    plain = FIXTURES / "wos_savedrecs.txt"
    from_plain = read_records(WosReader, plain)
    from_tab = read_records(WosTabReader, _as_tab(plain, tmp_path))
    strip = {"raw": "", "line": 0}
    assert [r.to_dict() | strip for r in from_tab] == [r.to_dict() | strip for r in from_plain]


def _broken(tmp_path):
    lines = TAB.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    lines = lines.splitlines()
    lines[2] = "\t".join(lines[2].split("\t")[:20])  # a record cut short
    path = tmp_path / "broken.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_short_line_names_its_line_and_writes_nothing(tmp_path, sqlite_store):
    path = _broken(tmp_path)
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == 3
    assert "20 tab-separated fields; the header has 68" in str(caught.value)
    assert stored(sqlite_store) == []


def test_skip_bad_imports_the_other_lines(tmp_path, sqlite_store):
    result = import_file(sqlite_store, _broken(tmp_path), skip_bad=True)
    assert result.added == 2
    assert [s.line for s in result.skipped] == [3]
    assert [r.line for r in stored(sqlite_store)] == [2, 4]


def test_file_without_a_header_is_refused(tmp_path, sqlite_store):
    path = tmp_path / "noheader.txt"
    path.write_text("J\tDoe, J\tA title\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not a Web of Science tab-delimited header"):
        import_file(sqlite_store, path, format_name="wos-tab")
