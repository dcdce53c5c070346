"""EndNote XML: one-line and pretty-printed files, styled text, broken records, flat memory."""

from __future__ import annotations

import tracemalloc

import pytest

from evimap.errors import ImportFormatError
from evimap.importers.detect import detect
from evimap.importers.endnote_xml import EndnoteXmlReader
from evimap.importing import import_file
from tests.importers.tagged_helpers import FIXTURES, read_records, stored

LIBRARY = FIXTURES / "endnote_library.xml"


def _pretty(text: str) -> str:
    """The same library with a line break before and after every record."""
    return (
        text.replace("<record>", "\n<record>")
        .replace("</record>", "</record>\n")
        .replace("</records>", "\n</records>")
    )


def test_fixture_is_one_line_as_endnote_writes_it():
    text = LIBRARY.read_text(encoding="utf-8")
    assert "\n" not in text and text.count("<record>") == 3
    assert detect(LIBRARY).reader is EndnoteXmlReader


def test_fields_of_each_record():
    pubmed, wos, chapter = read_records(EndnoteXmlReader, LIBRARY)
    assert pubmed.title == "Alliance rupture repair: A meta-analysis"
    assert [a.display() for a in pubmed.authors] == [
        "Eubanks, Catherine F.",
        "Muran, J. Christopher",
        "Safran, Jeremy D.",
    ]
    assert (pubmed.year, pubmed.volume, pubmed.issue, pubmed.pages) == (2018, "55", "4", "508-519")
    assert pubmed.source_title == "Psychotherapy"
    assert pubmed.doi == "10.1037/pst0000185"
    assert pubmed.issn == ["0033-3204", "1939-1536"]
    assert pubmed.abstract == (
        'Ruptures in the therapeutic alliance are "breaks" in '
        "collaboration between patient & therapist."
    )
    assert pubmed.keywords == ["Humans", "*Psychotherapy/methods", "*Therapeutic Alliance"]
    assert (pubmed.language, pubmed.document_type) == ("English", "Journal Article")
    assert (pubmed.source_record_id, pubmed.source_database) == ("30335462", "PubMed")
    assert pubmed.url == "https://www.ncbi.nlm.nih.gov/pubmed/30335462"
    assert pubmed.line == 1
    assert pubmed.raw.startswith("<record><database name=") and pubmed.raw.endswith("</record>")

    # Styled runs (normal + italic) joined; "DOI " prefix and capitals; WoS accession.
    assert wos.title == "Withdrawal ruptures in online cognitive behavioural therapy: a case series"
    assert wos.doi == "10.1002/jclp.23561"
    assert wos.pages == "1402-1415"
    assert (wos.source_record_id, wos.source_database) == ("WOS:000934512300001", "Web of Science")
    assert wos.url == ""  # "<Go to ISI>://..." is no web address

    assert [a.display() for a in chapter.authors] == [
        "Muran, J. Christopher",
        "Society for Psychotherapy Research",
    ]
    assert chapter.issn == []  # an ISBN is no ISSN
    assert (chapter.document_type, chapter.source_record_id, chapter.source_database) == (
        "Book Section",
        "3",
        "",
    )


def test_file_database_only_when_every_record_agrees():
    text = LIBRARY.read_text(encoding="utf-8")
    assert EndnoteXmlReader().database(text) == ""
    only_pubmed = text.replace(">Web of Science<", ">PubMed<")
    assert EndnoteXmlReader().database(only_pubmed) == "PubMed"


def test_pretty_printed_file_gives_record_lines(tmp_path, sqlite_store):
    path = tmp_path / "pretty.xml"
    path.write_text(_pretty(LIBRARY.read_text(encoding="utf-8")), encoding="utf-8")
    result = import_file(sqlite_store, path)
    assert (result.format, result.added) == ("endnote-xml", 3)
    records = stored(sqlite_store)
    assert [r.line for r in records] == [2, 4, 6]
    assert [r.to_dict() | {"line": 0, "source_file": ""} for r in records] == [
        r.to_dict() | {"line": 0} for r in read_records(EndnoteXmlReader, LIBRARY)
    ]
    assert records[1].source_database == "Web of Science"
    assert records[2].source_database == ""


def _broken(pretty: bool) -> str:
    text = LIBRARY.read_text(encoding="utf-8")
    text = _pretty(text) if pretty else text
    second = text.index("<record>", text.index("<record>") + 1)
    close = text.index("</title>", second)
    return text[:close] + text[close + len("</title>") :]  # <title> never closed


def test_broken_record_names_its_line_and_writes_nothing(tmp_path, sqlite_store):
    path = tmp_path / "broken.xml"
    path.write_text(_broken(pretty=True), encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == 4
    assert "not well-formed: mismatched tag" in str(caught.value)
    assert stored(sqlite_store) == []


@pytest.mark.parametrize("pretty", [True, False], ids=["pretty", "one-line"])
def test_skip_bad_imports_the_records_after_the_fault(pretty, tmp_path, sqlite_store):
    path = tmp_path / "broken.xml"
    path.write_text(_broken(pretty), encoding="utf-8")
    result = import_file(sqlite_store, path, skip_bad=True)
    assert result.added == 2
    assert [s.line for s in result.skipped] == [4 if pretty else 1]
    records = stored(sqlite_store)
    assert [r.source_record_id for r in records] == ["30335462", "3"]
    assert [r.line for r in records] == ([2, 6] if pretty else [1, 1])
    assert records[1].raw.startswith("<record>") and records[1].raw.endswith("</record>")


def test_truncated_file_is_an_error(tmp_path, sqlite_store):
    text = LIBRARY.read_text(encoding="utf-8")
    path = tmp_path / "cut.xml"
    path.write_text(_pretty(text)[: _pretty(text).index("<titles>", 2000)], encoding="utf-8")
    with pytest.raises(ImportFormatError, match="ends inside a record") as caught:
        import_file(sqlite_store, path)
    assert caught.value.line == 4


def test_memory_stays_flat_while_streaming():
    one = LIBRARY.read_text(encoding="utf-8")
    record = one[one.index("<record>") : one.index("</record>") + len("</record>")]

    def lines(n):
        yield '<?xml version="1.0" encoding="UTF-8" ?><xml><records>\n'
        for _ in range(n):
            yield record + "\n"
        yield "</records></xml>\n"

    reader = EndnoteXmlReader()
    tracemalloc.start()
    try:
        count = sum(1 for _ in map(reader.convert, reader.split(lines(1500))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1500
    # 1,500 records are ~3.5 MB of XML; holding their elements would cost far more.
    assert peak < 2_000_000, peak


def test_a_long_line_is_read_across_slices(tmp_path, sqlite_store):
    one = LIBRARY.read_text(encoding="utf-8")
    records = one[one.index("<record>") : one.index("</records>")]
    head, tail = one[: one.index("<record>")], "</records></xml>"
    body = records * 100  # 300 records, ~700 kB on one line: many 64 kB slices
    broken = body.replace("<title>", "<title><b>", 1)  # spoil one record near the start...
    middle = body.index("<title>", len(body) // 2)
    broken = broken[:middle] + broken[middle:].replace("</volume>", "", 1)  # ...and one midway
    path = tmp_path / "long.xml"
    path.write_text(head + broken + tail, encoding="utf-8")
    result = import_file(sqlite_store, path, skip_bad=True)
    assert (result.added, len(result.skipped)) == (298, 2)
    stored_records = stored(sqlite_store)
    assert all(r.raw.startswith("<record>") and r.raw.endswith("</record>") for r in stored_records)
    assert [r.source_record_id for r in stored_records[:2]] == ["WOS:000934512300001", "3"]
    assert {r.title for r in stored_records} == {
        r.title for r in read_records(EndnoteXmlReader, LIBRARY)
    }
