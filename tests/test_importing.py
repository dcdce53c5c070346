"""The import pipeline, independent of any one format: one transaction per file, --skip-bad,
decoding errors with their line, detection by content, re-import adds nothing.

A tiny line format (``T: title`` lines, records separated by ``--``) is registered for these
tests so that they exercise the pipeline and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from evimap.errors import ImportFormatError, UnknownFormat
from evimap.importers import registry
from evimap.importers.base import Entry, Reader
from evimap.importing import import_file
from evimap.records import Record
from evimap.store import EventLog
from evimap.store.records import count_by_database, iter_records


class LineReader(Reader):
    """``T: title`` / ``Y: year`` lines; ``--`` ends a record; ``DB: name`` names the database."""

    name = "test-lines"
    label = "test line format"

    @classmethod
    def sniff(cls, head: str) -> int:
        return 90 if head.startswith("T: ") else 0

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        start, buf = 0, []
        for number, line in enumerate(lines, 1):
            if line.strip() == "--":
                yield self._entry(start, buf)
                buf = []
                continue
            if not buf:
                start = number
            buf.append((number, line))
        if buf:
            yield self._entry(start, buf)

    def _entry(self, start: int, buf: list[tuple[int, str]]) -> Entry:
        entry = Entry(line=start, raw="".join(line for _, line in buf))
        for number, line in buf:
            if ": " not in line:
                entry.error, entry.error_line = f"not a tagged line: {line.strip()!r}", number
                return entry
            tag, value = line.rstrip("\n").split(": ", 1)
            entry.fields[tag] = value
        return entry

    def convert(self, entry: Entry) -> Record:
        year = entry.fields.get("Y", "")
        if year and not year.isdigit():
            raise ImportFormatError(f"year {year!r} is not a number", line=entry.line, field="Y")
        return Record(
            title=entry.fields.get("T", ""),
            year=int(year) if year else None,
            source_database=entry.fields.get("DB", ""),
        )


@pytest.fixture(autouse=True)
def line_format(monkeypatch):
    monkeypatch.setitem(registry.FORMATS, "test-lines", f"{__name__}:LineReader")


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GOOD = "T: Alliance ruptures\nY: 1996\nDB: Scopus\n--\nT: Rupture repair\nY: 2018\n--\n"


def test_a_file_imports_in_one_transaction_with_an_event(tmp_path, store):
    path = _write(tmp_path, "a.txt", GOOD)
    result = import_file(store, path, actor="AL-V")
    assert (result.added, result.format) == (2, "test-lines")
    with store.read() as session:
        records = [r for _, r in iter_records(session)]
        events = EventLog.read(session)
    assert [(r.title, r.year, r.line) for r in records] == [
        ("Alliance ruptures", 1996, 1),
        ("Rupture repair", 2018, 5),
    ]
    assert records[0].raw == "T: Alliance ruptures\nY: 1996\nDB: Scopus\n"
    assert [e.kind for e in events] == ["import.file"]
    assert events[0].actor == "AL-V"
    assert events[0].counts["records"] == 2


def test_the_database_comes_from_the_record_else_the_option(tmp_path, sqlite_store):
    path = _write(tmp_path, "a.txt", GOOD)
    import_file(sqlite_store, path, database="psycinfo")
    with sqlite_store.read() as session:
        assert count_by_database(session) == {"PsycINFO": 2}


def test_reimporting_the_same_content_adds_nothing(tmp_path, sqlite_store):
    first = import_file(sqlite_store, _write(tmp_path, "a.txt", GOOD))
    again = import_file(sqlite_store, _write(tmp_path, "copy.txt", GOOD))
    assert first.added == 2
    assert again.already_imported and again.added == 0
    with sqlite_store.read() as session:
        assert sum(count_by_database(session).values()) == 2


def test_a_broken_record_names_file_line_and_writes_nothing(tmp_path, store):
    path = _write(tmp_path, "bad.txt", GOOD + "T: Third\nno tag here\n--\n")
    with pytest.raises(ImportFormatError) as caught:
        import_file(store, path)
    assert caught.value.line == 9
    assert str(caught.value).startswith(f"{path}:9: not a tagged line")
    with store.read() as session:
        assert count_by_database(session) == {}
        assert EventLog.read(session) == []


def test_a_bad_field_is_named(tmp_path, sqlite_store):
    path = _write(tmp_path, "bad.txt", "T: One\nY: 19x6\n--\n")
    with pytest.raises(ImportFormatError) as caught:
        import_file(sqlite_store, path)
    assert (caught.value.line, caught.value.field) == (1, "Y")
    assert str(caught.value) == f"{path}:1 [Y]: year '19x6' is not a number"


def test_skip_bad_imports_the_rest_and_logs_each_skipped_record(tmp_path, store):
    path = _write(tmp_path, "bad.txt", GOOD + "T: Third\nno tag\n--\nT: Fourth\nY: x\n--\n")
    result = import_file(store, path, skip_bad=True)
    assert result.added == 2
    assert [(s.line, s.reason[:16]) for s in result.skipped] == [
        (9, "not a tagged lin"),
        (11, "year 'x' is not "),
    ]
    with store.read() as session:
        event = EventLog.read(session)[0]
    assert event.counts["skipped"] == 2
    assert event.details["skipped"][0]["line"] == 9


def test_a_wrong_encoding_names_the_line(tmp_path, sqlite_store):
    path = _write(tmp_path, "latin.txt", "T: One\n--\nT: Jos\u00e9 Ortega\n--\n", "latin-1")
    with pytest.raises(ImportFormatError, match=r"latin.txt:3: byte 0xe9 is not valid utf-8"):
        import_file(sqlite_store, path)
    result = import_file(sqlite_store, path, encoding="latin-1")
    assert result.added == 2


def test_bom_and_cr_line_endings_are_handled(tmp_path, sqlite_store):
    path = _write(tmp_path, "crlf.txt", "\ufeff" + GOOD.replace("\n", "\r"))
    assert import_file(sqlite_store, path).added == 2


def test_an_unknown_format_is_named_with_its_first_line(tmp_path, sqlite_store):
    path = _write(tmp_path, "what.dat", "%PDF-1.4 not an export\n")
    with pytest.raises(UnknownFormat, match=r"what.dat:1: unknown export format"):
        import_file(sqlite_store, path)


def test_an_empty_file_is_an_error(tmp_path, sqlite_store):
    with pytest.raises(UnknownFormat, match="empty"):
        import_file(sqlite_store, _write(tmp_path, "empty.ris", "\n\n"))


def test_progress_reports_every_character(tmp_path, sqlite_store):
    path = _write(tmp_path, "a.txt", GOOD)
    seen: list[int] = []
    import_file(sqlite_store, path, progress=seen.append)
    assert sum(seen) == len(GOOD)
