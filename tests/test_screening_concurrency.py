"""One history per record and reviewer, however many writes arrive at once (SQLite and
PostgreSQL). On PostgreSQL two decisions of one reviewer on one record sent at once used to
both supersede the same row (a forked history), and an undo then left the record undecided."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evimap.screening import conflicts, decisions
from evimap.store.models_screening import DecisionRow, SettlementRow
from tests.screening_support import (  # noqa: F401
    TEAM,
    add_records,
    make_review,
    new_db,
    small_records,
)

TA = "title_abstract"


@pytest.fixture
def review(make_review):
    review = make_review()
    review.ids = add_records(review, small_records(12))
    review.screening.assign(TA, member=TEAM["O"])
    return review


def _in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except Exception as exc:  # pragma: no cover - reported by the assertions
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _rows(review, model, **where) -> list:
    with review.store.read() as session:
        query = select(model).order_by(model.id)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return list(session.scalars(query))


def _one_history(rows: list, key) -> bool:
    """Each chain's rows supersede the previous row (id order): no fork, no gap."""
    previous: dict = {}
    for row in rows:
        if row.supersedes_id != previous.get(key(row)):
            return False
        previous[key(row)] = row.id
    return True


def test_a_second_decision_on_a_record_waits_for_the_first_then_supersedes_it(review):
    rid = review.ids[0]
    config = review.screening.config
    with review.store.transaction() as session:
        first = decisions.record_decision(session, config, TA, rid, "include", member=TEAM["A"])
        thread, out = _in_thread(
            lambda: review.screening.decide(TA, rid, "exclude", member=TEAM["A"], reason="E1")
        )
        time.sleep(1.0)
        assert thread.is_alive()  # waiting for the first decision's transaction
    thread.join(30)
    assert "error" not in out, out
    rows = _rows(review, DecisionRow, record_id=rid, reviewer="A")
    assert [(r.id, r.decision, r.supersedes_id) for r in rows] == [
        (first.id, "include", None),
        (out["value"].id, "exclude", first.id),
    ]
    undone = review.screening.undo(TA, member=TEAM["A"], record_id=rid)
    assert (undone.decision, undone.reason) == ("include", "")  # not undecided


def test_many_decisions_at_once_keep_one_history_per_record_and_reviewer(review):
    """Two writers per reviewer and record, started together: 12 records, two reviewers."""
    barrier = threading.Barrier(4)
    acknowledged: list[int] = []
    errors: list[Exception] = []

    def work(reviewer: str, decision: str) -> None:
        for rid in review.ids:
            barrier.wait(30)
            try:
                acknowledged.append(
                    review.screening.decide(
                        TA, rid, decision, member=review.team.member(reviewer)
                    ).id
                )
            except Exception as exc:  # pragma: no cover - reported by the assertions
                errors.append(exc)

    # A and B never agree, so no record settles while they write
    pairs = [("A", "include"), ("A", "maybe"), ("B", "exclude"), ("B", "maybe")]
    threads = [threading.Thread(target=work, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    rows = _rows(review, DecisionRow)
    assert sorted(r.id for r in rows) == sorted(acknowledged)
    assert _one_history(rows, lambda r: (r.stage, r.record_id, r.reviewer))
    # (the fixture's records were inserted without an import, which verify rightly names)
    assert [
        p for p in review.verify(member=TEAM["O"]).problems if p.table.startswith("screening_")
    ] == []
    by_unit: dict = defaultdict(list)
    for row in rows:
        by_unit[(row.record_id, row.reviewer)].append(row.decision)
    # undo brings back the decision the other writer made first
    rid = review.ids[0]
    undone = review.screening.undo(TA, member=TEAM["A"], record_id=rid)
    assert undone.decision == by_unit[(rid, "A")][0]


def test_a_settlement_waits_for_another_on_the_same_record(review):
    rid = review.ids[1]
    s = review.screening
    s.decide(TA, rid, "include", member=TEAM["A"])
    s.decide(TA, rid, "exclude", member=TEAM["B"], reason="E1")
    config = s.config
    with review.store.transaction() as session:
        conflicts.settle(session, config, TA, rid, "include", member=TEAM["P"], why="first look")
        thread, out = _in_thread(
            lambda: s.settle(TA, rid, "exclude", member=TEAM["O"], why="second look", reason="E1")
        )
        time.sleep(1.0)
        assert thread.is_alive()
    thread.join(30)
    assert "error" not in out, out
    rows = _rows(review, SettlementRow, record_id=rid)
    assert [(r.decision, r.supersedes_id) for r in rows] == [
        ("include", None),
        ("exclude", rows[0].id),
    ]


def test_a_decision_waits_for_the_reviewers_decisions_file(review):
    rid = review.ids[2]
    config = review.screening.config
    with review.store.transaction() as session:
        decisions.record_batch(session, TA, "A", {rid: ("exclude", "E1")})
        thread, out = _in_thread(
            lambda: review.screening.decide(TA, rid, "include", member=TEAM["A"])
        )
        time.sleep(1.0)
        assert thread.is_alive()
    thread.join(30)
    assert "error" not in out, out
    rows = _rows(review, DecisionRow, record_id=rid, reviewer="A")
    assert [(r.action, r.decision, r.supersedes_id) for r in rows] == [
        ("import", "exclude", None),
        ("decide", "include", rows[0].id),
    ]
    assert config  # the file's decision came first, the single one superseded it


def test_the_store_refuses_a_forked_history(review):
    rid = review.ids[3]
    first = review.screening.decide(TA, rid, "include", member=TEAM["A"])
    review.screening.decide(TA, rid, "exclude", member=TEAM["A"], reason="E1")
    with pytest.raises(IntegrityError), review.store.transaction() as session:
        session.add(
            DecisionRow(
                stage=TA,
                record_id=rid,
                reviewer="A",
                action="decide",
                decision="maybe",
                reason="",
                supersedes_id=first.id,  # already superseded: a second branch
            )
        )
        session.flush()
    with pytest.raises(IntegrityError), review.store.transaction() as session:
        session.add(
            DecisionRow(stage=TA, record_id=rid, reviewer="A", decision="maybe", reason="")
        )  # a second first row
        session.flush()
