"""Screening core on SQLite and PostgreSQL: assignment, decisions, undo, conflicts, arbitration,
full text, PRISMA boxes, pilot round."""

from __future__ import annotations

import pytest

from evimap.errors import UnknownMember
from evimap.members import Member
from evimap.screening.errors import (
    InvalidDecision,
    NotAssigned,
    NotPermitted,
    RecordSettled,
    ScreeningError,
)
from tests.screening_support import (  # noqa: F401
    TEAM,
    add_records,
    log_flow,
    make_review,
    new_db,
    small_records,
    table_flow,
)

TA, FT = "title_abstract", "full_text"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def review(make_review):
    review = make_review()
    review.ids = add_records(review, small_records(6))
    return review


def test_dual_assignment_gives_every_record_to_both_reviewers_and_logs_it(review):
    result = review.screening.assign(TA, member=TEAM["O"])
    assert (result.records, result.assignments) == (6, 12)
    assert result.per_reviewer == {"A": 6, "B": 6}
    assert review.screening.queue(TA, member=TEAM["A"]) == review.ids
    again = review.screening.assign(TA, member=TEAM["O"])
    assert again.assignments == 0
    events = review.events.read(kind="screen.assign")
    assert [e.counts for e in events] == [
        {"records": 6, "assignments": 12},
        {"records": 0, "assignments": 0},
    ]


def test_only_owner_or_arbiter_assigns_and_strangers_are_refused(review):
    with pytest.raises(NotPermitted):
        review.screening.assign(TA, member=TEAM["A"])
    with pytest.raises(UnknownMember, match="not on the team"):
        review.screening.assign(TA, member=Member("Mallory"))


def test_agreement_settles_and_differences_become_conflicts(review):
    s, ids = review.screening, review.ids
    s.assign(TA, member=TEAM["O"])
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
        s.decide(TA, rid, a, member=TEAM["A"])
        s.decide(TA, rid, b, member=TEAM["B"])
    found = s.conflicts(TA, member=TEAM["P"])
    assert [(c["record_id"], c["conflict"]) for c in found] == [
        (ids[2], "decision"),
        (ids[3], "maybe"),
        (ids[4], "maybe"),
        (ids[5], "decision"),
    ]
    assert found[0]["calls"] == {"A": "include", "B": "exclude"}
    with pytest.raises(NotPermitted):
        s.conflicts(TA, member=TEAM["A"])
    with pytest.raises(NotPermitted):
        s.settle(TA, ids[2], "include", member=TEAM["A"], why="I say so")
    with pytest.raises(InvalidDecision, match="say why"):
        s.settle(TA, ids[2], "include", member=TEAM["P"], why=" ")
    s.settle(TA, ids[2], "include", member=TEAM["P"], why="about repair after all")
    s.settle(TA, ids[3], "exclude", member=TEAM["P"], why="medicine", reason="E1")
    assert [c["record_id"] for c in s.conflicts(TA, member=TEAM["P"])] == [ids[4], ids[5]]
    with pytest.raises(RecordSettled):
        s.decide(TA, ids[2], "exclude", member=TEAM["A"])
    settle_events = review.events.read(kind="screen.settle")
    assert [(e.actor, e.details["decision"], e.details["was"]) for e in settle_events] == [
        ("P", "include", "conflict"),
        ("P", "exclude", "conflict"),
    ]
    flow = table_flow(review)
    assert (flow.records_screened, flow.records_excluded, flow.records_awaiting) == (6, 2, 2)
    assert flow.reports_sought == 2


def test_decisions_validate_options_reasons_and_assignment(review):
    s, ids = review.screening, review.ids
    with pytest.raises(NotAssigned):
        s.decide(TA, ids[0], "include", member=TEAM["A"])
    s.assign(TA, member=TEAM["O"])
    with pytest.raises(InvalidDecision, match="not a decision option"):
        s.decide(TA, ids[0], "keep", member=TEAM["A"])
    with pytest.raises(InvalidDecision, match="not an exclusion reason"):
        s.decide(TA, ids[0], "exclude", reason="E9", member=TEAM["A"])
    with pytest.raises(InvalidDecision, match="goes with exclude"):
        s.decide(TA, ids[0], "include", reason="E1", member=TEAM["A"])
    with pytest.raises(InvalidDecision, match="no screening stage"):
        s.decide("abstracts", ids[0], "include", member=TEAM["A"])
    with pytest.raises(NotAssigned):
        s.decide(TA, ids[0], "include", member=TEAM["P"])
    assert s.decide(TA, ids[0], "exclude", member=TEAM["A"]).reason == ""


def test_undo_is_a_new_row_and_walks_back_through_decisions(review):
    s, ids = review.screening, review.ids
    s.assign(TA, member=TEAM["O"])
    s.decide(TA, ids[0], "include", member=TEAM["A"])
    s.decide(TA, ids[0], "exclude", member=TEAM["A"])
    s.decide(TA, ids[1], "maybe", member=TEAM["A"])
    assert s.undo(TA, member=TEAM["A"]).record_id == ids[1]
    back = s.undo(TA, member=TEAM["A"])
    assert (back.record_id, back.decision) == (ids[0], "include")
    assert s.record(TA, ids[0], member=TEAM["A"]).mine.decision == "include"
    cleared = s.undo(TA, member=TEAM["A"])
    assert (cleared.record_id, cleared.decision) == (ids[0], "")
    assert s.record(TA, ids[0], member=TEAM["A"]).mine is None
    with pytest.raises(ScreeningError, match="no decision to undo"):
        s.undo(TA, member=TEAM["A"])
    history = s.history(TA, ids[0], member=TEAM["A"])
    assert [h["action"] for h in history] == ["decide", "decide", "undo", "undo"]
    assert s.queue(TA, member=TEAM["A"]) == ids
    assert log_flow(review) == table_flow(review)


def test_full_text_needs_reasons_and_feeds_the_prisma_boxes(review, tmp_path):
    s, ids = review.screening, review.ids
    s.assign(TA, member=TEAM["O"])
    for rid in ids[:5]:
        for who in "AB":
            s.decide(TA, rid, "include", member=TEAM[who])
    for who in "AB":
        s.decide(TA, ids[5], "exclude", member=TEAM[who])
    assert s.assign(FT, member=TEAM["O"]).records == 5
    pdf = tmp_path / "paper one.pdf"
    pdf.write_bytes(PDF)
    attached = s.attach_fulltext(ids[0], pdf, member=TEAM["A"])
    stored = review.folder / attached["path"]
    assert stored.read_bytes() == PDF and stored.name.startswith(attached["sha256"])
    not_pdf = tmp_path / "notes.txt"
    not_pdf.write_text("hello")
    with pytest.raises(ScreeningError, match="not a PDF"):
        s.attach_fulltext(ids[1], not_pdf, member=TEAM["A"])
    with pytest.raises(ScreeningError, match="not sought"):
        s.attach_fulltext(ids[5], pdf, member=TEAM["A"])
    s.mark_not_retrieved(ids[4], member=TEAM["O"], why="no library holds it")
    assert [m["record_id"] for m in s.missing_fulltext(member=TEAM["A"])] == ids[1:4]
    assert ids[4] not in s.queue(FT, member=TEAM["A"])
    with pytest.raises(InvalidDecision, match="reason is required"):
        s.decide(FT, ids[1], "exclude", member=TEAM["A"])
    s.decide(FT, ids[0], "include", member=TEAM["A"])
    s.decide(FT, ids[0], "include", member=TEAM["B"])
    s.decide(FT, ids[1], "exclude", reason="E1", member=TEAM["A"])
    s.decide(FT, ids[1], "exclude", reason="E1", member=TEAM["B"])
    s.decide(FT, ids[2], "exclude", reason="E1", member=TEAM["A"])
    s.decide(FT, ids[2], "exclude", reason="E2", member=TEAM["B"])
    assert [(c["record_id"], c["conflict"]) for c in s.conflicts(FT, member=TEAM["P"])] == [
        (ids[2], "reason")
    ]
    s.settle(FT, ids[2], "exclude", reason="E2", member=TEAM["P"], why="a book chapter")
    flow = table_flow(review)
    assert flow.to_dict() | {"reason_labels": {}} == {
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
        "reason_labels": {},
    }
    assert flow.reason_labels == {"E1": "E1: Not psychotherapy", "E2": "E2: Wrong publication type"}
    assert log_flow(review) == flow


def test_maybe_settlement_advances_only_when_configured(make_review):
    review = make_review(maybe_advances=True)
    ids = add_records(review, small_records(2))
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    for rid in ids:
        s.decide(TA, rid, "maybe", member=TEAM["A"])
        s.decide(TA, rid, "maybe", member=TEAM["B"])
    s.settle(TA, ids[0], "maybe", member=TEAM["P"], why="decide on the full text")
    assert table_flow(review).reports_sought == 1
    assert s.assign(FT, member=TEAM["O"]).records == 1
    with pytest.raises(InvalidDecision, match="include, exclude"):
        s.settle(FT, ids[0], "maybe", member=TEAM["P"], why="still unsure")
    assert log_flow(review) == table_flow(review)


def test_pilot_round_comes_first_and_reports_agreement(make_review):
    review = make_review(pilot=4)
    ids = add_records(review, small_records(10))
    s = review.screening
    with pytest.raises(ScreeningError, match="assign the pilot round first"):
        s.assign(TA, member=TEAM["O"])
    pilot = s.assign(TA, member=TEAM["O"], round="pilot")
    assert (pilot.records, pilot.assignments) == (4, 8)
    sample = s.queue(TA, member=TEAM["A"])
    assert len(sample) == 4 and sample == s.queue(TA, member=TEAM["B"])
    for rid in sample[:3]:
        s.decide(TA, rid, "include", member=TEAM["A"])
        s.decide(TA, rid, "include", member=TEAM["B"])
    s.decide(TA, sample[3], "exclude", member=TEAM["A"])
    with pytest.raises(ScreeningError, match="pilot is not finished"):
        s.assign(TA, member=TEAM["O"])
    s.decide(TA, sample[3], "include", member=TEAM["B"])
    (pair,) = s.agreement(TA, member=TEAM["O"], round="pilot")
    assert (pair.n, pair.agreed, pair.percent_agreement, pair.round) == (4, 3, 75.0, "pilot")
    main = s.assign(TA, member=TEAM["O"])
    assert main.records == 6
    (reported,) = main.pilot_agreement
    assert (reported["n"], reported["agreed"], reported["rater_a"]) == (4, 3, "A")
    logged = review.events.read(kind="screen.assign", member=TEAM["O"])[-1].details[
        "pilot_agreement"
    ]
    assert logged[0]["percent_agreement"] == 75.0
    seen_by_a = [e for e in s.log(member=TEAM["A"]) if e.kind == "screen.assign"]
    assert len(seen_by_a) == 2 and all("pilot_agreement" not in e.details for e in seen_by_a)
    assert "pilot_agreement" in s.log(member=TEAM["P"])[-1].details
    assert s.queue(TA, member=TEAM["A"]) == [i for i in ids if i not in sample]


def test_the_next_record_follows_the_one_decided_then_comes_back_for_what_was_passed(
    make_review,
):
    review = make_review(pilot=4)
    add_records(review, small_records(10))
    s = review.screening
    s.assign(TA, member=TEAM["O"], round="pilot")
    pilot = s.queue(TA, member=TEAM["A"])
    for rid in pilot[:3]:
        s.decide(TA, rid, "include", member=TEAM["A"])
        s.decide(TA, rid, "include", member=TEAM["B"])
    s.decide(TA, pilot[3], "exclude", member=TEAM["B"])
    _, following = s.decide_next(TA, pilot[3], "include", member=TEAM["A"])
    assert following is None  # a conflict; the main round is not assigned yet
    s.assign(TA, member=TEAM["O"])
    main = s.queue(TA, member=TEAM["A"])
    assert len(main) == 6
    # the last pilot record again: the walk goes on into the next round
    assert s.decide_next(TA, pilot[3], "exclude", member=TEAM["A"])[1] == main[0]
    # a reviewer who jumps ahead goes on from there ...
    assert s.decide_next(TA, main[3], "exclude", member=TEAM["A"])[1] == main[4]
    assert s.decide_next(TA, main[4], "exclude", member=TEAM["A"])[1] == main[5]
    # ... and past the end comes back to the records passed over
    assert s.decide_next(TA, main[5], "exclude", member=TEAM["A"])[1] == main[0]
    assert s.next_todo(TA, member=TEAM["A"]) == main[0]  # the screen opens at the first
    for rid in main[:3]:
        s.decide(TA, rid, "include", member=TEAM["A"])
    # a record reopened behind the reviewer (undo) is met again once the walk wraps
    s.undo(TA, member=TEAM["A"], record_id=main[1])
    assert s.decide_next(TA, main[2], "maybe", member=TEAM["A"])[1] == main[1]
    assert s.decide_next(TA, main[1], "maybe", member=TEAM["A"])[1] is None


def test_split_assignment_keeps_the_overlap_share_dual(make_review):
    review = make_review()
    add_records(review, small_records(50))
    result = review.screening.assign(TA, member=TEAM["O"], mode="split", overlap=0.2, seed=3)
    assert (result.records, result.assignments) == (50, 60)
    assert result.per_reviewer == {"A": 30, "B": 30}


def test_notes_and_tags_stay_with_their_author_while_blind(review):
    s, ids = review.screening, review.ids
    s.assign(TA, member=TEAM["O"])
    s.note(TA, ids[0], "check the methods", member=TEAM["A"])
    s.tag(TA, ids[0], ["qualitative", "case study"], member=TEAM["A"])
    mine = s.record(TA, ids[0], member=TEAM["A"])
    assert [n.text for n in mine.notes if n.kind == "note"] == ["check the methods"]
    assert mine.my_tags == ["case study", "qualitative"]
    theirs = s.record(TA, ids[0], member=TEAM["B"])
    assert theirs.notes == [] and theirs.others_hidden
    assert len(s.record(TA, ids[0], member=TEAM["P"]).notes) == 2
