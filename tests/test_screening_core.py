"""Screening core on SQLite and PostgreSQL: assignment, decisions, undo, conflicts, arbitration,
full text, PRISMA boxes, pilot round."""

from __future__ import annotations

import pytest

from evimap.screening.errors import (
    InvalidDecision,
    NotAssigned,
    NotPermitted,
    RecordSettled,
    ScreeningError,
    UnknownReviewer,
)
from tests.screening_support import add_records, make_review, new_db, small_records  # noqa: F401

TA, FT = "title_abstract", "full_text"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def review(make_review):
    review = make_review()
    review.ids = add_records(review, small_records(6))
    return review


def test_dual_assignment_gives_every_record_to_both_reviewers_and_logs_it(review):
    result = review.screening.assign(TA, as_reviewer="O")
    assert (result.records, result.assignments) == (6, 12)
    assert result.per_reviewer == {"A": 6, "B": 6}
    assert review.screening.queue(TA, as_reviewer="A") == review.ids
    again = review.screening.assign(TA, as_reviewer="O")
    assert again.assignments == 0
    events = review.events.read(kind="screen.assign")
    assert [e.counts for e in events] == [
        {"records": 6, "assignments": 12},
        {"records": 0, "assignments": 0},
    ]


def test_only_owner_or_arbiter_assigns_and_strangers_are_refused(review):
    with pytest.raises(NotPermitted):
        review.screening.assign(TA, as_reviewer="A")
    with pytest.raises(UnknownReviewer, match="not on the screening team"):
        review.screening.assign(TA, as_reviewer="Mallory")


def test_agreement_settles_and_differences_become_conflicts(review):
    s, ids = review.screening, review.ids
    s.assign(TA, as_reviewer="O")
    for rid, (a, b) in zip(
        ids,
        [
            ("include", "include"),
            ("exclude", "exclude"),
            ("include", "exclude"),
            ("include", "maybe"),
            ("maybe", "maybe"),
            ("exclude", "include"),
        ],
        strict=True,
    ):
        s.decide(TA, rid, a, as_reviewer="A")
        s.decide(TA, rid, b, as_reviewer="B")
    found = s.conflicts(TA, as_reviewer="P")
    assert [(c["record_id"], c["conflict"]) for c in found] == [
        (ids[2], "decision"),
        (ids[3], "maybe"),
        (ids[4], "maybe"),
        (ids[5], "decision"),
    ]
    assert found[0]["calls"] == {"A": "include", "B": "exclude"}
    with pytest.raises(NotPermitted):
        s.conflicts(TA, as_reviewer="A")
    with pytest.raises(NotPermitted):
        s.settle(TA, ids[2], "include", as_reviewer="A", why="I say so")
    with pytest.raises(InvalidDecision, match="say why"):
        s.settle(TA, ids[2], "include", as_reviewer="P", why=" ")
    s.settle(TA, ids[2], "include", as_reviewer="P", why="about repair after all")
    s.settle(TA, ids[3], "exclude", as_reviewer="P", why="medicine", reason="E1")
    assert [c["record_id"] for c in s.conflicts(TA, as_reviewer="P")] == [ids[4], ids[5]]
    with pytest.raises(RecordSettled):
        s.decide(TA, ids[2], "exclude", as_reviewer="A")
    settle_events = review.events.read(kind="screen.settle")
    assert [(e.actor, e.details["decision"], e.details["was"]) for e in settle_events] == [
        ("P", "include", "conflict"),
        ("P", "exclude", "conflict"),
    ]
    flow = s.flow(as_reviewer="A")
    assert (flow.records_screened, flow.records_excluded, flow.records_awaiting) == (6, 2, 2)
    assert flow.reports_sought == 2


def test_decisions_validate_options_reasons_and_assignment(review):
    s, ids = review.screening, review.ids
    with pytest.raises(NotAssigned):
        s.decide(TA, ids[0], "include", as_reviewer="A")
    s.assign(TA, as_reviewer="O")
    with pytest.raises(InvalidDecision, match="not a decision option"):
        s.decide(TA, ids[0], "keep", as_reviewer="A")
    with pytest.raises(InvalidDecision, match="not an exclusion reason"):
        s.decide(TA, ids[0], "exclude", reason="E9", as_reviewer="A")
    with pytest.raises(InvalidDecision, match="goes with exclude"):
        s.decide(TA, ids[0], "include", reason="E1", as_reviewer="A")
    with pytest.raises(InvalidDecision, match="no screening stage"):
        s.decide("abstracts", ids[0], "include", as_reviewer="A")
    with pytest.raises(NotAssigned):
        s.decide(TA, ids[0], "include", as_reviewer="P")
    assert s.decide(TA, ids[0], "exclude", as_reviewer="A").reason == ""


def test_undo_is_a_new_row_and_walks_back_through_decisions(review):
    s, ids = review.screening, review.ids
    s.assign(TA, as_reviewer="O")
    s.decide(TA, ids[0], "include", as_reviewer="A")
    s.decide(TA, ids[0], "exclude", as_reviewer="A")
    s.decide(TA, ids[1], "maybe", as_reviewer="A")
    assert s.undo(TA, as_reviewer="A").record_id == ids[1]
    back = s.undo(TA, as_reviewer="A")
    assert (back.record_id, back.decision) == (ids[0], "include")
    assert s.record(TA, ids[0], as_reviewer="A").mine.decision == "include"
    cleared = s.undo(TA, as_reviewer="A")
    assert (cleared.record_id, cleared.decision) == (ids[0], "")
    assert s.record(TA, ids[0], as_reviewer="A").mine is None
    with pytest.raises(ScreeningError, match="no decision to undo"):
        s.undo(TA, as_reviewer="A")
    history = s.history(TA, ids[0], as_reviewer="A")
    assert [h["action"] for h in history] == ["decide", "decide", "undo", "undo"]
    assert s.queue(TA, as_reviewer="A") == ids
    assert s.flow_from_log(as_reviewer="O") == s.flow(as_reviewer="O")


def test_full_text_needs_reasons_and_feeds_the_prisma_boxes(review, tmp_path):
    s, ids = review.screening, review.ids
    s.assign(TA, as_reviewer="O")
    for rid in ids[:5]:
        for who in "AB":
            s.decide(TA, rid, "include", as_reviewer=who)
    for who in "AB":
        s.decide(TA, ids[5], "exclude", as_reviewer=who)
    assert s.assign(FT, as_reviewer="O").records == 5
    pdf = tmp_path / "paper one.pdf"
    pdf.write_bytes(PDF)
    attached = s.attach_fulltext(ids[0], pdf, as_reviewer="A")
    stored = review.folder / attached["path"]
    assert stored.read_bytes() == PDF and stored.name.startswith(attached["sha256"])
    not_pdf = tmp_path / "notes.txt"
    not_pdf.write_text("hello")
    with pytest.raises(ScreeningError, match="not a PDF"):
        s.attach_fulltext(ids[1], not_pdf, as_reviewer="A")
    with pytest.raises(ScreeningError, match="not sought"):
        s.attach_fulltext(ids[5], pdf, as_reviewer="A")
    s.mark_not_retrieved(ids[4], as_reviewer="O", why="no library holds it")
    assert [m["record_id"] for m in s.missing_fulltext(as_reviewer="A")] == ids[1:4]
    assert ids[4] not in s.queue(FT, as_reviewer="A")
    with pytest.raises(InvalidDecision, match="reason is required"):
        s.decide(FT, ids[1], "exclude", as_reviewer="A")
    s.decide(FT, ids[0], "include", as_reviewer="A")
    s.decide(FT, ids[0], "include", as_reviewer="B")
    s.decide(FT, ids[1], "exclude", reason="E1", as_reviewer="A")
    s.decide(FT, ids[1], "exclude", reason="E1", as_reviewer="B")
    s.decide(FT, ids[2], "exclude", reason="E1", as_reviewer="A")
    s.decide(FT, ids[2], "exclude", reason="E2", as_reviewer="B")
    assert [(c["record_id"], c["conflict"]) for c in s.conflicts(FT, as_reviewer="P")] == [
        (ids[2], "reason")
    ]
    s.settle(FT, ids[2], "exclude", reason="E2", as_reviewer="P", why="a book chapter")
    flow = s.flow(as_reviewer="O")
    assert flow.to_dict() | {"reason_texts": {}} == {
        "records_screened": 6,
        "records_excluded": 1,
        "records_awaiting": 0,
        "reports_sought": 5,
        "reports_not_retrieved": 1,
        "reports_assessed": 4,
        "reports_excluded": 2,
        "reports_excluded_by_reason": {"E1": 1, "E2": 1},
        "reports_awaiting": 1,
        "studies_included": 1,
        "reason_texts": {},
    }
    assert flow.reason_texts == {"E1": "Not psychotherapy", "E2": "Wrong publication type"}
    assert s.flow_from_log(as_reviewer="A") == flow


def test_maybe_settlement_advances_only_when_configured(make_review):
    review = make_review(maybe_advances=True)
    ids = add_records(review, small_records(2))
    s = review.screening
    s.assign(TA, as_reviewer="O")
    for rid in ids:
        s.decide(TA, rid, "maybe", as_reviewer="A")
        s.decide(TA, rid, "maybe", as_reviewer="B")
    s.settle(TA, ids[0], "maybe", as_reviewer="P", why="decide on the full text")
    assert s.flow(as_reviewer="O").reports_sought == 1
    assert s.assign(FT, as_reviewer="O").records == 1
    with pytest.raises(InvalidDecision, match="include, exclude"):
        s.settle(FT, ids[0], "maybe", as_reviewer="P", why="still unsure")
    assert s.flow_from_log(as_reviewer="O") == s.flow(as_reviewer="O")


def test_pilot_round_comes_first_and_reports_agreement(make_review):
    review = make_review(pilot=4)
    ids = add_records(review, small_records(10))
    s = review.screening
    with pytest.raises(ScreeningError, match="assign the pilot round first"):
        s.assign(TA, as_reviewer="O")
    pilot = s.assign(TA, as_reviewer="O", round="pilot")
    assert (pilot.records, pilot.assignments) == (4, 8)
    sample = s.queue(TA, as_reviewer="A")
    assert len(sample) == 4 and sample == s.queue(TA, as_reviewer="B")
    for rid in sample[:3]:
        s.decide(TA, rid, "include", as_reviewer="A")
        s.decide(TA, rid, "include", as_reviewer="B")
    s.decide(TA, sample[3], "exclude", as_reviewer="A")
    with pytest.raises(ScreeningError, match="pilot is not finished"):
        s.assign(TA, as_reviewer="O")
    s.decide(TA, sample[3], "include", as_reviewer="B")
    (pair,) = s.agreement(TA, as_reviewer="O", round="pilot")
    assert (pair.n, pair.agreed, pair.percent_agreement, pair.round) == (4, 3, 75.0, "pilot")
    main = s.assign(TA, as_reviewer="O")
    assert main.records == 6
    (reported,) = main.pilot_agreement
    assert (reported["n"], reported["agreed"], reported["rater_a"]) == (4, 3, "A")
    logged = review.events.read(kind="screen.assign")[-1].details["pilot_agreement"]
    assert logged[0]["percent_agreement"] == 75.0
    seen_by_a = [e for e in s.log(as_reviewer="A") if e.kind == "screen.assign"]
    assert len(seen_by_a) == 2 and all("pilot_agreement" not in e.details for e in seen_by_a)
    assert "pilot_agreement" in s.log(as_reviewer="P")[-1].details
    assert s.queue(TA, as_reviewer="A") == [i for i in ids if i not in sample]


def test_split_assignment_keeps_the_overlap_share_dual(make_review):
    review = make_review()
    add_records(review, small_records(50))
    result = review.screening.assign(TA, as_reviewer="O", mode="split", overlap=0.2, seed=3)
    assert (result.records, result.assignments) == (50, 60)
    assert result.per_reviewer == {"A": 30, "B": 30}


def test_notes_and_tags_stay_with_their_author_while_blind(review):
    s, ids = review.screening, review.ids
    s.assign(TA, as_reviewer="O")
    s.note(TA, ids[0], "check the methods", as_reviewer="A")
    s.tag(TA, ids[0], ["qualitative", "case study"], as_reviewer="A")
    mine = s.record(TA, ids[0], as_reviewer="A")
    assert [n.text for n in mine.notes if n.kind == "note"] == ["check the methods"]
    assert mine.my_tags == ["case study", "qualitative"]
    theirs = s.record(TA, ids[0], as_reviewer="B")
    assert theirs.notes == [] and theirs.others_hidden
    assert len(s.record(TA, ids[0], as_reviewer="P").notes) == 2
