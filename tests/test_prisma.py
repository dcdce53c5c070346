"""PRISMA 2020 counts from hand-made event logs: real steps, reported totals only, and both."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from evimap.report.prisma import compute_prisma
from evimap.report.prisma_diagram import prisma_figure
from evimap.report.reported import load_reported_counts, log_reported_counts
from evimap.store import Event, EventLog
from evimap.synthesis.gapmap import save_figure


def ev(i, kind, counts=None, details=None, why=""):
    return Event(
        i, datetime(2026, 1, 1, tzinfo=UTC), "t", kind, "", why, counts or {}, details or {}
    )


FULL_LOG = [
    ev(1, "import.file", {"records": 300, "by_database": {"Web of Science": 300}}, {"sha256": "a"}),
    ev(
        2,
        "import.file",
        {"records": 200, "by_database": {"Scopus": 150, "PsycINFO": 50}},
        {"sha256": "b"},
    ),
    ev(3, "dedup.merge", {"duplicates": 100}),
    ev(4, "dedup.doi", {"duplicates": 20}),
    ev(5, "removal.field", {"records": 30}, why="wrong field of study"),
    ev(6, "removal.automatic", {"records": 5}),
    ev(
        7,
        "screen.summary",
        {"screened": 345, "excluded": 295, "included": 50},
        {"stage": "title_abstract"},
    ),
    ev(8, "retrieval.summary", {"sought": 50, "not_retrieved": 2}),
    ev(
        9,
        "screen.summary",
        {"screened": 48, "excluded": 38, "included": 10},
        {"stage": "full_text", "reasons": {"E1": 20, "I4": 18}},
    ),
    ev(10, "identify.other", {"records": 12}, {"method": "citation searching"}),
    ev(11, "retrieval.summary", {"sought": 12, "not_retrieved": 0}, {"arm": "other"}),
    ev(
        12,
        "screen.summary",
        {"screened": 12, "excluded": 11, "included": 1},
        {"stage": "full_text", "arm": "other", "reasons": {"I5": 11}},
    ),
]


def test_every_box_is_read_from_its_event_kind():
    c = compute_prisma(FULL_LOG)
    assert c.databases == {"Web of Science": 300, "Scopus": 150, "PsycINFO": 50}
    expected = {
        "database_results": 500,
        "duplicates": 120,
        "excluded_automatic": 5,
        "excluded_other": 30,
        "records_screened": 345,
        "records_excluded": 295,
        "dbr_sought_reports": 50,
        "dbr_notretrieved_reports": 2,
        "dbr_assessed": 48,
        "dbr_excluded": 38,
        "citations_results": 12,
        "other_sought_reports": 12,
        "other_notretrieved_reports": 0,
        "other_assessed": 12,
        "other_excluded": 11,
    }
    assert {k: c[k] for k in expected} == expected
    assert all(c.source[k] == "events" for k in expected)
    assert c.removal_reasons == {"wrong field of study": 30}
    assert c.dbr_reasons == {"E1": 20, "I4": 18} and c.other_reasons == {"I5": 11}
    # derived by arithmetic, and marked so
    assert (c["removed_before_screening"], c.source["removed_before_screening"]) == (155, "derived")
    assert (c["new_studies"], c["total_studies"]) == (11, 11)
    assert c.source["total_studies"] == "derived"


def test_the_template_json_uses_the_prisma2020_field_names():
    data = compute_prisma(FULL_LOG).to_template()
    assert data["database_results"] == 500
    assert data["database_specific_results"] == "Web of Science, 300; Scopus, 150; PsycINFO, 50"
    assert data["dbr_excluded"] == "E1, 20; I4, 18"
    assert data["other_excluded"] == "I5, 11"
    assert data["excluded_other"] == "wrong field of study, 30"
    assert data["evimap"]["totals"]["dbr_excluded"] == 38
    for name in (
        "duplicates",
        "excluded_automatic",
        "records_screened",
        "records_excluded",
        "dbr_sought_reports",
        "dbr_notretrieved_reports",
        "dbr_assessed",
        "other_sought_reports",
        "other_notretrieved_reports",
        "other_assessed",
        "new_studies",
        "new_reports",
        "total_studies",
        "total_reports",
        "website_results",
        "organisation_results",
        "citations_results",
        "previous_studies",
        "previous_reports",
        "register_results",
    ):
        assert name in data
    json.dumps(data)


def test_reported_totals_fill_boxes_when_no_events_exist():
    log = [
        ev(1, "prisma.reported", {"database_results": 775}, {"quote": "yielded 775 articles"}),
        ev(2, "prisma.reported", {"records_screened": 220}),
        ev(3, "prisma.reported", {"dbr_included": 24}),
        ev(4, "prisma.reported", {"other_included": 1}),
        ev(5, "prisma.reported", {"total_studies": 25}),
    ]
    c = compute_prisma(log)
    assert (c["database_results"], c.source["database_results"]) == (775, "reported")
    assert c.quotes["database_results"] == "yielded 775 articles"
    assert (c["removed_before_screening"], c.source["removed_before_screening"]) == (555, "derived")
    assert c["excluded_screening_and_eligibility"] == 196
    assert c["new_studies"] == 25 and c.source["total_studies"] == "reported"
    for unknown in ("duplicates", "records_excluded", "dbr_assessed", "citations_results"):
        assert c[unknown] is None
    assert c.to_template()["duplicates"] is None


def test_events_win_over_reported_counts_and_included_set_imports_are_not_identification():
    log = [
        ev(1, "import.file", {"records": 25, "by_database": {"": 25}}, {"sha256": "inc"}),
        ev(2, "import.role", details={"sha256": "inc", "role": "included"}),
        ev(3, "import.file", {"records": 40, "by_database": {"Scopus": 40}}, {"sha256": "s"}),
        ev(4, "prisma.reported", {"database_results": 775}),
        ev(5, "prisma.reported", {"duplicates": 9}),
    ]
    c = compute_prisma(log)
    assert (c["database_results"], c.source["database_results"]) == (40, "events")
    assert c.databases == {"Scopus": 40}
    assert (c["duplicates"], c.source["duplicates"]) == (9, "reported")


def test_the_last_summary_of_a_stage_wins():
    log = [
        ev(1, "screen.summary", {"screened": 10, "excluded": 5}, {"stage": "title_abstract"}),
        ev(2, "screen.summary", {"screened": 12, "excluded": 7}, {"stage": "title_abstract"}),
    ]
    c = compute_prisma(log)
    assert (c["records_screened"], c["records_excluded"]) == (12, 7)
    assert c["dbr_sought_reports"] == 5 and c.source["dbr_sought_reports"] == "derived"


def test_diagram_shows_each_count_with_its_provenance(tmp_path):
    log = [*FULL_LOG[:2], ev(20, "prisma.reported", {"duplicates": 120}, {"notes": ["A note."]})]
    c = compute_prisma(log)
    svg = save_figure(prisma_figure(c), tmp_path / "p.svg", tmp_path / "p.png")
    assert "Records identified from databases (n = 500)" in svg
    assert "Web of Science (n = 300)" in svg
    assert "Duplicate records removed (n = 120*)" in svg
    assert "Records screened" in svg and "n = not reported" in svg
    assert "Identification of new studies via other methods" in svg
    assert "A note." in svg
    assert (tmp_path / "p.png").stat().st_size > 10_000


REPORTED = """
[[count]]
key = "identified"
value = 775
reported = true
quote = "The database search strategy yielded 775 articles"

[[count]]
key = "removed_before_screening"
value = 555
reported = false

[[count]]
key = "included"
box = "total_studies"
value = 25
reported = true

[[not_reported]]
key = "duplicates"
note = "Number of duplicates."
"""


@pytest.mark.postgres
def test_reported_counts_are_logged_as_events_and_computed_back(store, tmp_path):
    path = tmp_path / "reported_counts.toml"
    path.write_text(REPORTED, encoding="utf-8")
    counts = load_reported_counts(path)
    assert [(c.key, c.box, c.reported) for c in counts.counts] == [
        ("identified", "database_results", True),
        ("removed_before_screening", "removed_before_screening", False),
        ("included", "total_studies", True),
    ]
    assert log_reported_counts(store, counts, "AL-V") == 2
    with store.read() as session:
        events = EventLog.read(session, kind="prisma.reported")
    c = compute_prisma(events)
    assert (c["database_results"], c["total_studies"]) == (775, 25)
    assert c["removed_before_screening"] is None  # not reported, and nothing to derive it from
    assert c.notes == ["Not reported by the review's authors: duplicate records removed."]


def test_a_reported_count_without_a_known_box_is_an_error(tmp_path):
    from evimap.errors import ReportError

    path = tmp_path / "reported_counts.toml"
    path.write_text('[[count]]\nkey = "mystery"\nvalue = 3\n', encoding="utf-8")
    with pytest.raises(ReportError, match=r"\[count\[0\]\]: no PRISMA box for key 'mystery'"):
        load_reported_counts(path)


def test_docs_name_every_event_kind_the_diagram_reads():
    from evimap.report import prisma as p
    from tests.conftest import REPO

    text = (REPO / "docs" / "prisma.md").read_text(encoding="utf-8")
    kinds = (
        p.KIND_IMPORT,
        p.KIND_IMPORT_ROLE,
        p.KIND_OTHER_IDENTIFIED,
        p.PREFIX_DEDUP,
        p.PREFIX_REMOVAL,
        p.KIND_SCREEN_SUMMARY,
        p.KIND_RETRIEVAL,
        p.KIND_REPORTED,
    )
    for kind in kinds:
        assert f"`{kind}" in text, kind
    for name in p.COUNT_FIELDS:
        assert f"`{name}`" in text, name


def test_dedup_snapshots_and_removals_apply_take_the_latest_state():
    log = [
        ev(1, "import.file", {"records": 100, "by_database": {"Scopus": 100}}, {"sha256": "s"}),
        ev(2, "dedup.run", {"records": 100, "clusters": 80, "duplicates_removed": 20}),
        ev(3, "dedup.undo", {"records": 100, "clusters": 85, "duplicates_removed": 15}),
        ev(4, "removals.apply", {"removed": 9, "by_reason": {"wrong field": 9}}),
        ev(5, "removals.apply", {"removed": 7, "by_reason": {"wrong field": 5, "before 1990": 2}}),
    ]
    c = compute_prisma(log)
    assert (c["duplicates"], c["excluded_other"]) == (15, 7)
    assert c.removal_reasons == {"wrong field": 5, "before 1990": 2}
    assert c["excluded_automatic"] is None


class _Flow:
    records_screened = 78
    records_excluded = 60
    records_awaiting = 0
    reports_sought = 18
    reports_not_retrieved = 1
    reports_assessed = 17
    reports_excluded = 12
    reports_excluded_by_reason = {"E1": 7, "I4": 5}
    reports_awaiting = 2
    studies_included = 5
    reason_labels = {"E1": "E1: Literature reviews"}


def test_the_screening_flow_replayed_from_the_log_fills_the_screening_boxes():
    c = compute_prisma([ev(1, "prisma.reported", {"records_screened": 999})], screening=_Flow())
    assert (c["records_screened"], c.source["records_screened"]) == (78, "events")
    assert (c["dbr_sought_reports"], c["dbr_assessed"], c["dbr_excluded"]) == (18, 17, 12)
    assert c["dbr_included"] == 5 and c["new_studies"] == 5
    assert c.dbr_reasons == {"E1: Literature reviews": 7, "I4": 5}
    assert c.notes == ["2 records or reports still await a settled decision."]


def test_records_awaiting_a_decision_are_not_counted_as_excluded():
    # Of the 78 screened, 5 are included and 2 reports still await a settled decision.
    c = compute_prisma([], screening=_Flow())
    assert c["excluded_screening_and_eligibility"] == 78 - 5 - 2
    assert c.source["excluded_screening_and_eligibility"] == "derived"
