"""Every imported record accounted for: one status each (unique, duplicate, removed), counts
that add up to the records imported and equal PRISMA's boxes; detaching one wrong member."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.dedup.accounting import DUPLICATE, REMOVED, STATUSES, UNIQUE
from evimap.dedup.component import DedupError
from evimap.review import Review
from evimap.screening.units import unit_ids
from tests.conftest import SHARED_DATA, shared_data
from tests.test_dedup_store import OWNER, PROTOCOL_EXTRA, _review, _seed, base_protocol

EXPORT_SUFFIXES = {".ris", ".txt", ".ciw", ".nbib", ".csv", ".bib", ".xml"}

# Removals that touch real records: older papers, and a field of study.
REAL_RULES = """
[[removals.rules]]
reason = "published before 2015"
field = "year"
from = 2015

[[removals.rules]]
reason = "not a journal article"
field = "document_type"
exclude = ["Conference Paper", "Proceedings Paper", "Book Chapter", "CONF", "CHAP"]
"""


def _export_sets() -> list[Path]:
    """Each folder of ../shared/data/exports holding export files: one topic or one tool's
    test data, imported together as one review."""
    root = SHARED_DATA / "exports"
    if not root.exists():
        return []
    folders = {p.parent for p in root.rglob("*") if p.suffix.lower() in EXPORT_SUFFIXES}
    return sorted(folders)


SETS = _export_sets()


def assert_accounted(review: Review, imported: int, logged_imports: bool = True) -> Counter:
    """The identity: one status per imported record; counts sum to the records imported;
    PRISMA's duplicates and removals boxes are the duplicate and removed counts."""
    rows = review.dedup.accounting()
    ids = [r.record_id for r in rows]
    assert len(ids) == len(set(ids)) == imported
    assert {r.record_id for r in rows} == {rid for rid, _ in review.records.iter()}
    counts = Counter(r.status for r in rows)
    assert set(counts) <= set(STATUSES)
    assert sum(counts.values()) == imported
    status_of = {r.record_id: r for r in rows}
    for row in rows:
        if row.status == DUPLICATE:
            assert row.kept_id != row.record_id
            assert status_of[row.kept_id].status in (UNIQUE, REMOVED)
        else:
            assert row.kept_id is None
        assert bool(row.reason) == (row.status == REMOVED)
    prisma = review.prisma()
    if logged_imports:  # records inserted by hand (tests) have no import events
        assert prisma["database_results"] == imported
    assert (prisma["duplicates"] or 0) == counts[DUPLICATE]
    assert (prisma["excluded_other"] or 0) == counts[REMOVED]
    assert sum(prisma.removal_reasons.values()) == counts[REMOVED]
    with review.store.read() as session:
        assert len(unit_ids(session)) == counts[UNIQUE]
    return counts


def _real_review(tmp_path: Path, folder: Path, db: str | None = None) -> tuple[Review, int]:
    review = Review.init(tmp_path / "review", title="accounting", db=db)
    protocol = review.folder / "review.toml"
    protocol.write_text(base_protocol("accounting") + REAL_RULES, encoding="utf-8")
    review.close()
    review = Review.open(tmp_path / "review", db=db)
    imported = 0
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in EXPORT_SUFFIXES):
        imported += review.imports.add(path, member=OWNER).added
    return review, imported


@pytest.mark.parametrize("folder", SETS, ids=[str(f.relative_to(SHARED_DATA)) for f in SETS])
def test_every_record_of_a_real_export_set_has_one_status_and_prisma_agrees(tmp_path, folder):
    review, imported = _real_review(tmp_path, shared_data(*folder.relative_to(SHARED_DATA).parts))
    try:
        assert_accounted(review, imported)  # before dedup: all unique
        review.dedup.run(member=OWNER)
        review.dedup.remove(member=OWNER)
        counts = assert_accounted(review, imported)
        assert counts[UNIQUE] + counts[DUPLICATE] + counts[REMOVED] == imported
    finally:
        review.close()


def test_the_identity_holds_on_postgresql_for_the_cross_database_sets(tmp_path, postgres_url):
    from tests import pg

    for n, parts in enumerate(
        (
            ("exports", "mjwestgate+revtools", "examples"),
            ("exports", "ESHackathon+CiteSource", "vignettes", "topic_data"),
        )
    ):
        url = pg.fresh_database(postgres_url, f"evimap_accounting_{n}")
        review, imported = _real_review(tmp_path / str(n), shared_data(*parts), db=url)
        try:
            review.dedup.run(member=OWNER)
            review.dedup.remove(member=OWNER)
            counts = assert_accounted(review, imported)
            assert counts[DUPLICATE] > 50 and counts[REMOVED] > 0
        finally:
            review.close()


def test_records_csv_and_json_carry_status_kept_id_and_reason(tmp_path):
    folder = shared_data("exports", "mjwestgate+revtools", "examples")
    review, imported = _real_review(tmp_path, folder)
    review.dedup.run(member=OWNER)
    review.dedup.remove(member=OWNER)
    expected = Counter(r.status for r in review.dedup.accounting())
    review.close()
    runner = CliRunner()
    result = runner.invoke(app, ["records", str(tmp_path / "review"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == imported
    assert Counter(r["status"] for r in rows) == expected
    by_id = {r["id"]: r for r in rows}
    duplicate = next(r for r in rows if r["status"] == DUPLICATE)
    assert by_id[duplicate["kept_id"]]["status"] in (UNIQUE, REMOVED)
    removed = next(r for r in rows if r["status"] == REMOVED)
    assert removed["reason"] in ("published before 2015", "not a journal article")
    result = runner.invoke(app, ["records", str(tmp_path / "review"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"status"' in result.output and '"kept_id"' in result.output


def _cluster_of(review: Review, source_id: str) -> dict:
    return next(
        c
        for c in review.dedup.clusters()
        if source_id in {s["source_record_id"] for s in c["sources"]}
    )


def test_detaching_one_record_leaves_the_others_merged_and_keeps_it_apart(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    review.dedup.remove(member=OWNER)
    supervision = _cluster_of(review, "WOS:2")
    assert supervision["size"] == 3
    ids = {s["source_record_id"]: s["record_id"] for s in supervision["sources"]}
    wrong = ids["PSY-2"]
    counts = review.dedup.undo(record_id=wrong, member=OWNER, why="another edition")
    assert counts["duplicates_removed"] == 2
    rest = _cluster_of(review, "WOS:2")
    assert rest["size"] == 2 and {s["source_record_id"] for s in rest["sources"]} == {
        "WOS:2",
        "2-s2.0-2",
    }
    assert _cluster_of(review, "PSY-2")["size"] == 1
    event = review.events.read(kind="dedup.detach")[-1]
    assert event.actor == OWNER.name and event.why == "another edition"
    assert event.details["record_id"] == wrong and event.counts["duplicates_removed"] == 2
    assert_accounted(review, 8, logged_imports=False)
    # A later run keeps it apart, the others merged, and the cluster keeps its id.
    review.dedup.run(member=OWNER)
    assert _cluster_of(review, "PSY-2")["size"] == 1
    again = _cluster_of(review, "WOS:2")
    assert again["size"] == 2 and again["cluster_id"] == rest["cluster_id"]
    assert_accounted(review, 8, logged_imports=False)
    with pytest.raises(DedupError, match="no cluster with other records"):
        review.dedup.undo(record_id=wrong, member=OWNER)
    with pytest.raises(DedupError, match="not both"):
        review.dedup.undo(rest["cluster_id"], record_id=wrong, member=OWNER)


def test_cluster_ids_are_kept_record_ids_and_stay_the_same_across_runs(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    first = {c["cluster_id"]: c["size"] for c in review.dedup.clusters()}
    assert all(c["cluster_id"] == c["kept_record_id"] for c in review.dedup.clusters())
    review.dedup.run(member=OWNER)
    assert {c["cluster_id"]: c["size"] for c in review.dedup.clusters()} == first
    # Splitting by that id works.
    supervision = _cluster_of(review, "WOS:2")["cluster_id"]
    review.dedup.undo(supervision, member=OWNER)
    assert _cluster_of(review, "PSY-2")["size"] == 1


def test_removals_follow_the_clusters_when_they_change(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    review.dedup.remove(member=OWNER)
    assert_accounted(review, 8, logged_imports=False)
    review.dedup.undo(member=OWNER)  # the whole run: every record stands alone again
    counts = assert_accounted(review, 8, logged_imports=False)
    assert counts[DUPLICATE] == 0
    kinds = [e.kind for e in review.events.read()]
    assert kinds[-2:] == ["dedup.undo", "removals.apply"]


def test_detach_from_the_cli(tmp_path):
    review = Review.init(tmp_path / "rev", title="CLI")
    (tmp_path / "rev" / "review.toml").write_text(base_protocol("CLI") + PROTOCOL_EXTRA)
    _seed(review.store)
    review.dedup.run(member=OWNER)
    wrong = next(
        s["record_id"]
        for s in _cluster_of(review, "PSY-2")["sources"]
        if s["source_record_id"] == "PSY-2"
    )
    review.close()
    result = CliRunner().invoke(
        app, ["dedup", "undo", str(tmp_path / "rev"), "--record", str(wrong), "--as", "owner"]
    )
    assert result.exit_code == 0, result.output
    assert "8 records -> 6 unique records" in result.output
    result = CliRunner().invoke(
        app, ["dedup", "undo", str(tmp_path / "rev"), "--record", "999", "--as", "owner"]
    )
    assert result.exit_code == 1 and "record 999 is not in the latest dedup run" in result.output
