"""Every real export in ../shared/data/exports imports with the record count SOURCES.tsv gives,
on SQLite and on PostgreSQL (long fields, NUL bytes and the like must not fail on either)."""

from __future__ import annotations

import csv
import re

import pytest

from evimap.import_files import remove_import
from evimap.importing import import_file
from evimap.store.records import iter_records
from tests.conftest import SHARED_DATA, shared_data


def _export_rows() -> list[dict[str, str]]:
    sources = SHARED_DATA / "SOURCES.tsv"
    if not sources.exists():
        return []
    with open(sources, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if r["path"].startswith("data/exports/")]


ROWS = _export_rows()

# What in a file's text shows that it carries DOIs / cited references.
_HAS_DOI = re.compile(
    r"^(?:DO  - |DI |LID - .*\[doi\]|AID - .*\[doi\])|doi=\{|\b10\.\d{4,9}/", re.M
)
_HAS_REFS = re.compile(r"^CR |^\"?References\"?[,;]|,\"?References\"?[,\n]", re.M)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def one_store(request, tmp_path_factory):
    """One store per engine for the whole module (a fresh PostgreSQL database per export
    would spend most of the time migrating); each test removes its import again."""
    from evimap.store import open_store

    if request.param == "sqlite":
        target = str(tmp_path_factory.mktemp("real") / "review.db")
    else:
        from tests import pg

        server = request.getfixturevalue("postgres_url")
        target = pg.fresh_database(server, "evimap_real_exports")
    opened = open_store(target)
    yield opened
    opened.close()


@pytest.mark.postgres
@pytest.mark.parametrize("row", ROWS, ids=[r["path"].split("/")[-1] for r in ROWS])
def test_real_export_imports_with_its_documented_count(row, one_store):
    path = shared_data(*row["path"].split("/")[1:])
    result = import_file(one_store, path)
    try:
        _check(row, path, result, one_store)
    finally:
        remove_import(one_store, result.source_file_id)


def _check(row, path, result, store) -> None:
    assert result.added == int(row["records"]), (row["format"], result.format)
    with store.read() as session:
        records = [r for _, r in iter_records(session)]
    assert len(records) == int(row["records"])
    missing_title = [r.line for r in records if not r.title]
    assert not missing_title, f"records without a title at lines {missing_title[:10]}"
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if _HAS_DOI.search(text):
        assert any(r.doi for r in records), "the file has DOIs but none was read"
        assert all(r.doi == r.doi.lower() and r.doi.startswith("10.") for r in records if r.doi)
    if _HAS_REFS.search(text) and _references_column_filled(path):
        assert any(r.cited_references for r in records), "cited references not parsed"


def _references_column_filled(path) -> bool:
    """A CSV carries cited references only when its References column has content (Zotero's
    CSV always has that column, for patents, mostly empty)."""
    if path.suffix.lower() != ".csv":
        return True
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return any((row.get("References") or "").strip() for row in csv.DictReader(handle))
