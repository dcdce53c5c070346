"""review.dedup on records inserted by hand; every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv

import pytest

from evimap.dedup.component import DedupError
from evimap.members import Member
from evimap.protocol import parse_protocol
from evimap.protocol.template import render_template
from evimap.records import Author, Record
from evimap.review import Review
from evimap.store.models import SourceFile
from evimap.store.records import insert_rows, record_to_row

OWNER = Member("owner", "owner")

PROTOCOL_EXTRA = """
[dedup]
threshold = 0.9
review_from = 0.5

[[removals.rules]]
reason = "wrong field of study"
field = "subject_areas"
exclude = ["Veterinary Sciences", "Agriculture"]

[[removals.rules]]
reason = "published before 2000"
field = "year"
from = 2000

[[removals.rules]]
reason = "not in English"
field = "language"
keep = ["English"]
"""


def base_protocol(title: str = "Dedup test") -> str:
    """The init template without its [dedup] section (the tests give their own)."""
    return render_template(title).split("# Deduplication")[0]


def _review(store, tmp_path) -> Review:
    text = base_protocol() + PROTOCOL_EXTRA
    (tmp_path / "review.toml").write_text(text, encoding="utf-8")
    return Review(tmp_path, parse_protocol(text), store)


def _add(
    store, database: str, name: str, records: list[Record], deduplicated: bool = False
) -> None:
    with store.transaction() as session:
        source = SourceFile(
            deduplicated=deduplicated,
            name=name,
            path=name,
            sha256=name.ljust(64, "0"),
            format="ris",
            database=database,
            record_count=len(records),
            skipped_count=0,
            imported_by="test",
        )
        session.add(source)
        session.flush()
        for r in records:
            r.source_database = database
        insert_rows(session, [record_to_row(r, source.id) for r in records])


def _paper(title, family, year, doi="", pages="", sid="", volume="12", **kw) -> Record:
    return Record(
        title=title,
        authors=[Author(family, "A."), Author("Second", "B.")],
        year=year,
        doi=doi,
        pages=pages,
        source_record_id=sid,
        source_title="Psychotherapy",
        volume=volume,
        **kw,
    )


RUPTURE = "Repairing alliance ruptures in cognitive behavioural therapy for depression"
SUPERVISION = "Supervision and the therapeutic alliance: a qualitative study of trainees"
HORSES = "Lameness in working horses: a survey of farriers in rural districts"


def _seed(store) -> None:
    _add(
        store,
        "Web of Science",
        "savedrecs.txt",
        [
            _paper(
                RUPTURE,
                "Safran",
                2011,
                doi="10.1037/a0022140",
                pages="80-87",
                sid="WOS:1",
                subject_areas=["Psychology, Clinical"],
                language="English",
            ),
            _paper(
                SUPERVISION,
                "Muran",
                2015,
                pages="101-110",
                sid="WOS:2",
                subject_areas=["Psychology"],
                language="English",
            ),
            _paper(
                HORSES,
                "Smith",
                2012,
                pages="5-9",
                sid="WOS:3",
                subject_areas=["Veterinary Sciences"],
                language="English",
            ),
        ],
    )
    _add(
        store,
        "Scopus",
        "scopus.ris",
        [
            _paper(
                RUPTURE.upper(),
                "Safran",
                2011,
                doi="https://doi.org/10.1037/A0022140",
                pages="80-87",
                sid="2-s2.0-1",
                abstract="A longer abstract " * 10,
                keywords=["rupture"],
            ),
            _paper(SUPERVISION + ".", "Muran", 2015, pages="101-110", sid="2-s2.0-2"),
            _paper(
                "Old paper on alliance and outcome in psychodynamic therapy",
                "Bordin",
                1979,
                pages="252-260",
                sid="2-s2.0-3",
                language="English",
            ),
        ],
    )
    _add(
        store,
        "PsycINFO",
        "psycinfo.ris",
        [
            _paper(SUPERVISION, "Muran", 2015, pages="101-110", sid="PSY-2"),
            _paper(
                "Alliance ruptures in German-speaking clinics: a survey of therapists",
                "Meyer",
                2018,
                pages="1-12",
                sid="PSY-3",
                language="German",
            ),
        ],
    )


def test_run_merges_across_databases_and_keeps_every_source(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    summary = review.dedup.run(member=OWNER)
    assert summary.counts["records"] == 8
    assert summary.counts["clusters"] == 5
    assert summary.counts["duplicates_removed"] == 3
    assert sum(summary.counts["duplicates_removed_by_database"].values()) == 3
    clusters = {c["title"].lower().rstrip("."): c for c in review.dedup.clusters(True)}
    rupture = clusters[RUPTURE.lower()]
    assert {s["database"] for s in rupture["sources"]} == {"Web of Science", "Scopus"}
    assert {s["source_record_id"] for s in clusters[SUPERVISION.lower()]["sources"]} == {
        "WOS:2",
        "2-s2.0-2",
        "PSY-2",
    }
    event = review.events.read(kind="dedup.run")[-1]
    assert event.actor == "owner"
    assert event.counts["duplicates_removed"] == 3


def test_canonical_record_takes_the_longest_abstract_and_unions_keywords(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    unique = {r.title.lower(): r for _, r in review.dedup.unique_records()}
    assert len(unique) == 5
    rupture = unique[RUPTURE.lower()]
    assert rupture.abstract.startswith("A longer abstract")
    assert rupture.keywords == ["rupture"]
    assert rupture.subject_areas == ["Psychology, Clinical"]


def test_export_writes_source_ids_with_their_cluster(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    out = tmp_path / "clusters.csv"
    assert review.dedup.export_clusters(out) == 8
    with out.open(newline="") as handle:
        rows = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(handle)}
    assert rows["WOS:2"] == rows["2-s2.0-2"] == rows["PSY-2"]
    assert rows["WOS:1"] == rows["2-s2.0-1"]
    assert rows["WOS:1"] != rows["WOS:2"]
    assert len(set(rows.values())) == 5


def test_queue_confirm_merges_and_reject_keeps_apart_across_reruns(store, tmp_path):
    _add(
        store,
        "Scopus",
        "a.ris",
        [
            _paper(
                "Rupture resolution training for novice therapists: a randomized trial",
                "Eubanks",
                2019,
                sid="A1",
            ),
            _paper(
                "Rupture resolution training for novice therapists: a randomised trial",
                "Eubanks",
                2020,
                sid="A2",
            ),
        ],
    )
    review = _review(store, tmp_path)
    first = review.dedup.run(member=OWNER, threshold=1.0, review_from=0.01)
    assert first.counts["clusters"] == 2
    items = review.dedup.queue()
    assert len(items) == 1
    counts = review.dedup.decide(items[0].pair_id, "confirm", member=OWNER)
    assert counts["clusters"] == 1
    assert review.dedup.queue() == []
    assert review.events.read(kind="dedup.merge")[-1].actor == "owner"
    # A rerun keeps the confirmation.
    assert review.dedup.run(member=OWNER, threshold=1.0, review_from=0.01).counts["clusters"] == 1
    # Undo the merge: the records split and stay apart in later runs.
    cluster = review.dedup.clusters(True)[0]
    assert review.dedup.undo(cluster["cluster_id"], member=OWNER)["clusters"] == 2
    assert review.dedup.run(member=OWNER, threshold=0.5, review_from=0.01).counts["clusters"] == 2


def test_reject_removes_the_pair_from_the_queue(store, tmp_path):
    _add(
        store,
        "Scopus",
        "a.ris",
        [
            _paper(
                "Rupture resolution training for novice therapists: a randomized trial",
                "Eubanks",
                2019,
                sid="A1",
            ),
            _paper(
                "Rupture resolution training for novice therapists: a randomised trial",
                "Eubanks",
                2020,
                sid="A2",
            ),
        ],
    )
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER, threshold=1.0, review_from=0.01)
    pair = review.dedup.queue()[0]
    counts = review.dedup.decide(pair.pair_id, "reject", why="different trials", member=OWNER)
    assert counts["clusters"] == 2
    assert review.dedup.queue() == []
    assert review.events.read(kind="dedup.reject")[-1].why == "different trials"
    review.dedup.run(member=OWNER, threshold=1.0, review_from=0.01)
    assert review.dedup.queue() == []


def test_undo_of_the_latest_run_restores_the_records(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    counts = review.dedup.undo(member=OWNER)
    assert counts["clusters"] == 8 and counts["duplicates_removed"] == 0
    with pytest.raises(DedupError, match="nothing to undo"):
        review.dedup.undo(member=OWNER)


def test_removals_apply_protocol_rules_with_a_reason_each(store, tmp_path):
    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    summary = review.dedup.remove(member=OWNER)
    assert summary.considered == 5
    assert summary.by_reason == {
        "wrong field of study": 1,
        "published before 2000": 1,
        "not in English": 1,
    }
    left = {r.title.lower() for _, r in review.dedup.unique_records()}
    assert left == {RUPTURE.lower(), SUPERVISION.lower()}
    prisma = review.prisma()
    assert prisma["duplicates"] == 3
    assert prisma["excluded_other"] == 3
    assert prisma.removal_reasons == summary.by_reason
    # Applying again replaces, never doubles.
    assert review.dedup.remove(member=OWNER).removed == 3
    assert len(list(review.dedup.unique_records())) == 2


def test_screening_units_are_the_unique_records_left_after_removals(store, tmp_path):
    from evimap.screening.units import unit_exists, unit_ids, unit_index, unit_records

    _seed(store)
    review = _review(store, tmp_path)
    with store.read() as session:
        assert len(unit_ids(session)) == 8
    review.dedup.run(member=OWNER)
    review.dedup.remove(member=OWNER)
    with store.read() as session:
        units = unit_ids(session)
        records = unit_records(session, units)
        by_id, by_doi = unit_index(session)
        assert len(units) == 2
        assert {r.title.lower().rstrip(".") for r in records.values()} == {
            RUPTURE.lower(),
            SUPERVISION.lower(),
        }
        # Every member's ID and DOI finds its cluster's unit.
        assert by_id["WOS:2"] == by_id["PSY-2"] == by_id["2-s2.0-2"]
        assert by_id["WOS:2"][0] in units
        assert set(by_doi["10.1037/a0022140"]) == {by_id["WOS:1"][0]}
        removed = by_id["WOS:3"][0]
        assert not unit_exists(session, removed)
        assert all(unit_exists(session, u) for u in units)


def test_prisma_reads_duplicates_and_removals_from_the_dedup_events(store, tmp_path):
    from evimap.report.prisma import compute_prisma

    _seed(store)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    review.dedup.remove(member=OWNER)
    counts = compute_prisma(review.events.read())
    assert counts["duplicates"] == 3
    assert counts["excluded_other"] == 3
    assert counts.removal_reasons == {
        "wrong field of study": 1,
        "published before 2000": 1,
        "not in English": 1,
    }
    review.dedup.undo(member=OWNER)
    assert compute_prisma(review.events.read())["duplicates"] == 0


def test_an_import_marked_deduplicated_is_never_merged_within_itself(store, tmp_path):
    # The library of an earlier round holds two records the team kept apart (same title,
    # authors and year: a paper and its reprint); a new search brings the paper once more.
    library = [
        _paper(RUPTURE, "Safran", 2011, pages="80-87", sid="LIB-1"),
        _paper(RUPTURE, "Safran", 2011, pages="80-87", sid="LIB-2"),
        _paper(SUPERVISION, "Muran", 2015, pages="101-110", sid="LIB-3"),
    ]
    _add(store, "Library", "library.ris", library, deduplicated=True)
    _add(store, "Scopus", "update.ris", [_paper(RUPTURE, "Safran", 2011, pages="80-87", sid="NEW")])
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    clusters = [{s["source_record_id"] for s in c["sources"]} for c in review.dedup.clusters(True)]
    assert {"LIB-1", "NEW"} in clusters  # the new record meets one library record
    assert not any({"LIB-1", "LIB-2"} <= c for c in clusters)
    assert all(len(c & {"LIB-1", "LIB-2", "LIB-3"}) <= 1 for c in clusters)
    # Nothing within the library goes to the review queue either.
    assert review.dedup.queue() == []


def test_without_the_mark_the_same_records_merge(store, tmp_path):
    library = [
        _paper(RUPTURE, "Safran", 2011, pages="80-87", sid="LIB-1"),
        _paper(RUPTURE, "Safran", 2011, pages="80-87", sid="LIB-2"),
    ]
    _add(store, "Library", "library.ris", library)
    review = _review(store, tmp_path)
    review.dedup.run(member=OWNER)
    clusters = [{s["source_record_id"] for s in c["sources"]} for c in review.dedup.clusters(True)]
    assert {"LIB-1", "LIB-2"} in clusters
