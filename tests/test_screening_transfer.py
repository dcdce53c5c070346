"""Decisions in and out as CSV: evimap's own round trip, Rayyan, Covidence and ASReview exports;
one transaction per file, every bad row listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from evimap.screening.errors import DecisionFileError
from tests.screening_support import (  # noqa: F401
    TEAM,
    add_records,
    log_flow,
    make_review,
    new_db,
    small_records,
    table_flow,
)

TA = "title_abstract"
FIXTURES = Path(__file__).parent / "fixtures" / "screening"


@pytest.fixture
def review(make_review):
    review = make_review()
    review.ids = add_records(review, small_records(6))
    return review


def _calls(review, who):
    return {
        (r["source_record_id"], r["decision"], r["reason"])
        for r in review.screening.decisions(TA, member=TEAM["O"])
        if r["reviewer"] == who
    }


def test_rayyan_export_gives_each_reviewer_their_own_votes(review):
    s = review.screening
    a = s.import_decisions(FIXTURES / "rayyan_export.csv", TA, member=TEAM["A"])
    assert (a.rows, a.decisions, a.undecided) == (4, 3, 1)
    assert a.by_decision == {"include": 1, "exclude": 1, "maybe": 1}
    assert _calls(review, "A") == {
        ("S1", "include", ""),
        ("S2", "exclude", "E2"),
        ("S3", "maybe", ""),
    }
    s.import_decisions(FIXTURES / "rayyan_export.csv", TA, member=TEAM["B"])
    assert _calls(review, "B") == {("S1", "exclude", "E1"), ("S4", "include", "")}
    again = s.import_decisions(FIXTURES / "rayyan_export.csv", TA, member=TEAM["A"])
    assert (again.decisions, again.unchanged) == (0, 3)
    seen_by_b = review.events.read(kind="screen.import", member=TEAM["B"])
    assert [e.actor for e in seen_by_b] == ["B"]  # A's batches stay A's while blind
    event = review.events.read(kind="screen.import", member=TEAM["O"])[0]
    assert event.actor == "A" and event.counts["decisions"] == 3
    flow = table_flow(review)
    assert (flow.records_excluded, flow.records_awaiting) == (0, 6)
    assert log_flow(review) == flow


def test_asreview_export_matches_by_id_then_doi(review):
    result = review.screening.import_decisions(
        FIXTURES / "asreview_export.csv", TA, member=TEAM["A"]
    )
    assert (result.decisions, result.undecided) == (3, 1)
    assert _calls(review, "A") == {
        ("S1", "include", ""),
        ("S2", "exclude", ""),
        ("S6", "include", ""),
    }


def test_covidence_list_takes_one_decision_for_every_row(review):
    with pytest.raises(DecisionFileError, match="give --decision"):
        review.screening.import_decisions(FIXTURES / "covidence_excluded.csv", TA, member=TEAM["B"])
    result = review.screening.import_decisions(
        FIXTURES / "covidence_excluded.csv", TA, member=TEAM["B"], default_decision="exclude"
    )
    assert result.decisions == 2
    assert _calls(review, "B") == {("S4", "exclude", ""), ("S5", "exclude", "")}


def test_a_bad_file_lists_every_problem_and_writes_nothing(review):
    with pytest.raises(DecisionFileError) as error:
        review.screening.import_decisions(FIXTURES / "bad_decisions.csv", TA, member=TEAM["A"])
    text = str(error.value)
    assert "bad_decisions.csv:3 [decision]: 'perhaps' is not a decision" in text
    assert "bad_decisions.csv:4: matches no record by source ID 'NOPE'" in text
    assert "bad_decisions.csv:5 [reason]: exclusion reason 'wrong population'" in text
    assert review.screening.decisions(TA, member=TEAM["O"]) == []
    assert review.events.read(prefix="screen.") == []


def test_export_then_import_into_another_review_round_trips(review, make_review, tmp_path):
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    s.decide(TA, review.ids[0], "include", member=TEAM["A"])
    s.decide(TA, review.ids[1], "exclude", reason="E1", member=TEAM["A"])
    rows = s.decisions(TA, member=TEAM["A"])
    import csv

    out = tmp_path / "a.csv"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    other = make_review()
    add_records(other, small_records(6))
    other.screening.import_decisions(out, TA, member=TEAM["A"])
    assert _calls(other, "A") == {("S1", "include", ""), ("S2", "exclude", "E1")}
