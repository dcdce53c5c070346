"""Imported files are listed, removed (one transaction, no orphan rows, logged, refused while
screening uses them unless forced) and relabelled; PRISMA's identification box follows. Every
test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from evimap.cli import app
from evimap.errors import ImportInUse, UnknownImport
from evimap.report.prisma import compute_prisma
from evimap.review import Review
from evimap.store.models import RecordRow, SourceFile
from tests.screening_support import new_db, write_review  # noqa: F401

pytestmark = pytest.mark.postgres


def _ris(n: int, prefix: str, doi_from: int = 0, database: str = "Scopus") -> str:
    return "".join(
        f"TY  - JOUR\nTI  - {prefix} record {i} on alliance rupture repair\nPY  - 2020\n"
        f"DB  - {database}\nDO  - 10.1000/r{doi_from + i}\nER  - \n\n"
        for i in range(n)
    )


@pytest.fixture
def review(tmp_path, new_db):  # noqa: F811
    folder = write_review(tmp_path / "review")
    opened = Review.open(folder, db=new_db())
    yield opened
    opened.close()


def _files(review: Review, tmp_path, *texts: str):
    results = []
    for i, body in enumerate(texts):
        path = tmp_path / f"export{i}.ris"
        path.write_text(body, encoding="utf-8")
        results.append(review.imports.add(path, member=review.team.member("O")))
    return results


# Every table with a record id column: after a removal none may name a record that is gone.
REFERENCES = {
    "screening_assignments": ["record_id"],
    "screening_decisions": ["record_id"],
    "screening_notes": ["record_id"],
    "screening_settlements": ["record_id"],
    "screening_fulltext": ["record_id"],
    "dedup_clusters": ["primary_record_id"],
    "dedup_members": ["record_id"],
    "dedup_pairs": ["record_a", "record_b"],
    "dedup_decisions": ["record_a", "record_b"],
    "removals": ["record_id"],
    "charted_values": ["record_id"],
}


def _orphans(review: Review) -> dict[str, int]:
    found = {}
    with review.store.read() as session:
        for table, columns in REFERENCES.items():
            for column in columns:
                n = session.execute(
                    text(
                        f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND "
                        f"{column} NOT IN (SELECT id FROM records)"
                    )
                ).scalar()
                if n:
                    found[f"{table}.{column}"] = n
    return found


def test_imports_are_listed_with_their_records_and_database(review, tmp_path):
    first, second = _files(review, tmp_path, _ris(3, "A"), _ris(2, "B", 10, "PsycINFO"))
    listed = review.imports.list()
    assert [(f.id, f.name, f.records, f.database, f.format) for f in listed] == [
        (first.source_file_id, "export0.ris", 3, "Scopus", "ris"),
        (second.source_file_id, "export1.ris", 2, "PsycINFO", "ris"),
    ]
    assert listed[0].imported_by == "O" and listed[0].by_database == {"Scopus": 3}


def test_removing_an_import_takes_its_records_out_and_logs_it(review, tmp_path):
    first, second = _files(review, tmp_path, _ris(3, "A"), _ris(2, "B", 10, "PsycINFO"))
    removed = review.imports.remove(
        first.source_file_id, member=review.team.member("P"), why="wrong export"
    )
    assert removed.records == 3
    assert [f.name for f in review.imports.list()] == ["export1.ris"]
    assert review.records.count_by_database() == {"PsycINFO": 2}
    (event,) = review.events.read(kind="imports.remove")
    assert (event.actor, event.why, event.counts["records"]) == ("P", "wrong export", 3)
    assert event.details["sha256"] == review_sha(first)
    # Identification no longer counts it, and the same file imports again.
    assert compute_prisma(review.events.read()).databases == {"PsycINFO": 2}
    again = review.imports.add(tmp_path / "export0.ris", member=review.team.member("O"))
    assert (again.added, again.already_imported) == (3, False)
    assert compute_prisma(review.events.read()).databases == {"Scopus": 3, "PsycINFO": 2}


def review_sha(result) -> str:
    from evimap.importing import file_sha256

    return file_sha256(result.path)


def test_removing_an_unknown_import_says_how_to_list_them(review):
    with pytest.raises(UnknownImport, match="`evimap imports REVIEW` lists them"):
        review.imports.remove(99, member=review.team.member("O"))


def test_an_import_in_screening_is_kept_unless_forced_and_leaves_no_orphans(review, tmp_path):
    first, _ = _files(review, tmp_path, _ris(4, "A"), _ris(4, "B", 10))
    review.screening.assign("title_abstract", member=review.team.member("O"))
    ids = [rid for rid, _ in review.records.iter()]
    review.screening.decide("title_abstract", ids[0], "include", member=review.team.member("A"))
    with pytest.raises(ImportInUse, match="Use --force"):
        review.imports.remove(first.source_file_id, member=review.team.member("O"))
    with review.store.read() as session:  # the refusal wrote nothing
        assert session.scalar(select(func.count()).select_from(RecordRow)) == 8
    removed = review.imports.remove(
        first.source_file_id, member=review.team.member("O"), force=True
    )
    assert removed.screening_rows > 0
    assert _orphans(review) == {}
    assert len(list(review.records.iter())) == 4


def test_removal_recomputes_dedup_clusters_and_leaves_no_orphans(review, tmp_path):
    # The two files hold the same four works (same DOIs): dedup merges them pairwise.
    first, second = _files(review, tmp_path, _ris(4, "A"), _ris(4, "A", 0, "PsycINFO"))
    summary = review.dedup.run(member=review.team.member("P"))
    assert summary.counts["duplicates_removed"] == 4
    assert compute_prisma(review.events.read())["duplicates"] == 4
    removed = review.imports.remove(second.source_file_id, member=review.team.member("P"))
    assert removed.clusters_changed == 4
    assert _orphans(review) == {}
    # PRISMA's duplicates box follows: the remaining records have no duplicate left.
    assert compute_prisma(review.events.read())["duplicates"] == 0
    with review.store.read() as session:
        kept = session.execute(text("SELECT primary_record_id FROM dedup_clusters")).scalars()
        kept_ids = set(kept)
    assert kept_ids <= {rid for rid, _ in review.records.iter()}


def test_a_failed_removal_changes_nothing(review, tmp_path, monkeypatch):
    (first,) = _files(review, tmp_path, _ris(3, "A"))
    import evimap.import_files as module

    def boom(session):
        raise RuntimeError("crash in the middle of a removal")

    monkeypatch.setattr(module, "_dedup_snapshot", boom)
    with pytest.raises(RuntimeError):
        review.imports.remove(first.source_file_id, member=review.team.member("O"))
    assert [f.records for f in review.imports.list()] == [3]
    assert review.events.read(kind="imports.remove") == []


def test_relabelling_an_import_changes_its_records_database_and_prisma(review, tmp_path):
    first, second = _files(review, tmp_path, _ris(3, "A"), _ris(2, "B", 10, "PsycINFO"))
    after = review.imports.relabel(first.source_file_id, "wos", member=review.team.member("P"))
    assert (after.database, after.by_database) == ("Web of Science", {"Web of Science": 3})
    assert review.records.count_by_database() == {"Web of Science": 3, "PsycINFO": 2}
    (event,) = review.events.read(kind="imports.relabel")
    assert (event.details["from"], event.details["to"]) == ("Scopus", "Web of Science")
    assert compute_prisma(review.events.read()).databases == {
        "Web of Science": 3,
        "PsycINFO": 2,
    }


def test_the_cli_lists_removes_and_relabels_imports(review, tmp_path):
    first, second = _files(review, tmp_path, _ris(2, "A"), _ris(1, "[b]old", 10, "PsycINFO"))
    folder, db = str(review.folder), _db_url(review)
    runner = CliRunner()
    listed = runner.invoke(app, ["imports", folder, "--db", db], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "export0.ris" in listed.output and "2/3 (66.7%)" in listed.output
    as_json = runner.invoke(app, ["imports", "list", folder, "--db", db, "--format", "json"])
    assert [f["records"] for f in json.loads(as_json.output)] == [2, 1]
    relabel = runner.invoke(
        app,
        ["imports", "relabel", folder, str(first.source_file_id), "--database", "wos"]
        + ["--db", db, "--as", "O"],
    )
    assert relabel.exit_code == 0, relabel.output
    assert "2 records relabelled Scopus -> Web of Science" in relabel.output
    remove = runner.invoke(
        app, ["imports", "remove", folder, str(second.source_file_id), "--db", db, "--as", "O"]
    )
    assert remove.exit_code == 0, remove.output
    assert f"Removed import {second.source_file_id} (export1.ris): 1 records." in remove.output
    missing = runner.invoke(app, ["imports", "remove", folder, "99", "--db", db, "--as", "O"])
    assert missing.exit_code == 1
    assert "no imported file has id 99" in missing.output


def _db_url(review: Review) -> str:
    return review.store.engine.url.render_as_string(hide_password=False)


def test_the_imports_migration_goes_down_and_up_with_data(review, tmp_path):
    store = review.store
    _files(review, tmp_path, _ris(2, "A"))
    assert "0006_imports" in store.revisions()
    store.downgrade("imports@-1")
    assert "0006_imports" not in store.revisions()
    if store.dialect == "postgresql":
        with store.read() as session:
            length = session.execute(
                text(
                    "SELECT character_maximum_length FROM information_schema.columns "
                    "WHERE table_name = 'records' AND column_name = 'volume'"
                )
            ).scalar()
        assert length == 100
    store.upgrade()
    assert "0006_imports" in store.revisions()
    long = "7" * 5000
    path = tmp_path / "long.ris"
    path.write_text(f"TY  - JOUR\nTI  - Long\nVL  - {long}\nDO  - 10.1/{long}\nER  - \n")
    review.imports.add(path, database="scopus", member=review.team.member("O"))
    with store.read() as session:
        stored = session.scalar(select(RecordRow.volume).where(RecordRow.volume == long))
        assert stored == long
        assert session.scalar(select(func.count()).select_from(SourceFile)) == 2


def test_a_forced_removal_voids_screening_so_the_replayed_prisma_matches_the_tables(
    review, tmp_path
):
    from evimap.screening.config import ScreeningConfig
    from evimap.screening.prisma import screening_flow

    first, _ = _files(review, tmp_path, _ris(4, "A"), _ris(4, "B", 10))
    owner, a, b = (review.team.member(n) for n in ("O", "A", "B"))
    review.screening.assign("title_abstract", member=owner)
    for rid in [rid for rid, _ in review.records.iter()]:
        for who in (a, b):
            review.screening.decide("title_abstract", rid, "exclude", member=who, reason="E1")
    assert review.prisma()["records_screened"] == 8
    review.imports.remove(first.source_file_id, member=owner, force=True)
    (move,) = review.events.read(kind="screen.move")
    assert move.details["cause"] == "imports.remove" and move.counts["voided"] == 4
    counts = review.prisma()
    with review.store.read() as session:
        tables = screening_flow(session, ScreeningConfig.from_protocol(review.protocol))
    assert counts["database_results"] == 4
    assert counts["records_screened"] == 4 == tables.records_screened
    assert counts["records_excluded"] == 4
    assert _orphans(review) == {}


def test_every_record_keeps_one_status_after_a_removal_and_prisma_follows(review, tmp_path):
    # File 0 and file 1 hold the same two works; file 2 two others.
    first, second, third = _files(
        review, tmp_path, _ris(2, "A"), _ris(2, "A", 0, "PsycINFO"), _ris(2, "C", 50, "Embase")
    )
    owner = review.team.member("O")
    review.dedup.run(member=owner)
    statuses = review.dedup.accounting()
    assert len(statuses) == 6 and sum(s.status == "duplicate" for s in statuses) == 2
    review.imports.remove(first.source_file_id, member=owner)
    statuses = review.dedup.accounting()
    kinds = [s.status for s in statuses]
    assert len(statuses) == 4 == sum(f.records for f in review.imports.list())
    assert kinds.count("unique") == 4 and kinds.count("duplicate") == 0
    counts = review.prisma()
    assert counts.databases == {"PsycINFO": 2, "Embase": 2}
    assert counts["duplicates"] == 0
    review.imports.relabel(third.source_file_id, "wos", member=owner)
    assert review.prisma().databases == {"PsycINFO": 2, "Web of Science": 2}
    # The CLI's accounting: status counts sum to the records imported now.
    result = CliRunner().invoke(
        app, ["records", str(review.folder), "--db", _db_url(review), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()[1:]
    assert len(rows) == 4


def test_a_reviewer_may_not_remove_or_relabel_an_import(review, tmp_path):
    from evimap.errors import EvimapError

    (first,) = _files(review, tmp_path, _ris(2, "A"))
    with pytest.raises(EvimapError, match="reviewer"):
        review.imports.remove(first.source_file_id, member=review.team.member("A"))
    with pytest.raises(EvimapError, match="reviewer"):
        review.imports.relabel(first.source_file_id, "wos", member=review.team.member("A"))
    assert [f.records for f in review.imports.list()] == [2]


def test_an_import_marked_deduplicated_is_listed_logged_and_kept_apart_by_dedup(review, tmp_path):
    # The same two records twice in a library the team deduplicated before: kept apart.
    library = tmp_path / "library.ris"
    library.write_text(_ris(1, "Same") + _ris(1, "Same"), encoding="utf-8")
    update = tmp_path / "update.ris"
    update.write_text(_ris(1, "Same"), encoding="utf-8")
    folder, db = str(review.folder), _db_url(review)
    runner = CliRunner()
    done = runner.invoke(
        app, ["import", folder, str(library), "--deduplicated", "--db", db, "--as", "O"]
    )
    assert done.exit_code == 0, done.output
    review.imports.add(update, member=review.team.member("O"))
    listed = {f.name: f for f in review.imports.list()}
    assert listed["library.ris"].deduplicated and not listed["update.ris"].deduplicated
    shown = runner.invoke(app, ["imports", folder, "--db", db, "--format", "json"])
    assert [f["deduplicated"] for f in json.loads(shown.output)] == [True, False]
    event = review.events.read(kind="import.file")[0]
    assert event.details["deduplicated"] is True
    review.dedup.run(member=review.team.member("O"))
    groups = [sorted(s["file"] for s in c["sources"]) for c in review.dedup.clusters(True)]
    assert groups == [["library.ris", "update.ris"]]


def test_the_deduplicated_imports_migration_goes_down_and_up(review, tmp_path):
    store = review.store
    _files(review, tmp_path, _ris(2, "A"))
    assert "0012_deduplicated_imports" in store.revisions()
    store.downgrade("deduplicated_imports@-1")
    assert "0012_deduplicated_imports" not in store.revisions()
    with store.read() as session:
        names = session.execute(text("SELECT name FROM source_files")).scalars().all()
    assert names == ["export0.ris"]
    store.upgrade()
    with store.read() as session:
        assert session.scalar(select(SourceFile.deduplicated)) is False
