"""The order a reviewer is served their records, which position, back and forward walk
(``review.screening.navigation``, ``queue(todo_only=False)``): assignment order without
prioritisation; with it, the records decided in the order they were decided, then the queue
in ranking order; blind to a co-reviewer's unsettled decisions. And the next record to decide,
read without the whole queue, is the queue's head in every state. Each test runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import random

import pytest

from evimap.errors import EvimapError
from evimap.review import Review
from tests.screening_support import TEAM, add_records, new_db, small_records, write_review  # noqa: F401
from tests.test_prioritise_live import PRIORITISE, _decide, _records, _topic

TA, FT = "title_abstract", "full_text"


def _open(tmp_path, db: str, *, prioritise: bool = True, pilot: int = 0, name: str = "r"):
    folder = write_review(tmp_path / name, pilot=pilot)
    if prioritise:
        text = (folder / "review.toml").read_text(encoding="utf-8") + PRIORITISE
        (folder / "review.toml").write_text(text, encoding="utf-8")
    return Review.open(folder, db=db)


@pytest.fixture
def ranked(tmp_path, new_db):  # noqa: F811
    """A review with prioritisation on, 36 records assigned dual to A and B."""
    review = _open(tmp_path, new_db())
    review.ids = add_records(review, _records())
    review.screening.assign(TA, member=TEAM["O"])
    yield review
    review.close()


def _served(review: Review, who: str = "A") -> list[int]:
    return review.screening.queue(TA, member=TEAM[who], todo_only=False)


def _todo(review: Review, who: str = "A") -> list[int]:
    return review.screening.queue(TA, member=TEAM[who])


def test_without_prioritisation_position_back_and_forward_follow_assignment_order(
    tmp_path,
    new_db,  # noqa: F811
):
    review = _open(tmp_path, new_db(), prioritise=False)
    ids = add_records(review, small_records(6))
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    s.decide(TA, ids[2], "include", member=TEAM["A"])  # a reviewer who jumped ahead
    s.decide(TA, ids[0], "exclude", member=TEAM["A"])
    assert _served(review) == ids
    here = s.navigation(TA, member=TEAM["A"])
    assert (here.record_id, here.position, here.assigned, here.to_do) == (ids[1], 2, 6, 4)
    assert (here.back, here.forward, here.next_todo) == (ids[0], ids[2], ids[3])
    there = s.navigation(TA, member=TEAM["A"], record_id=ids[2])
    assert (there.position, there.back, there.forward, there.next_todo) == (
        3,
        ids[1],
        ids[3],
        ids[1],
    )
    last = s.navigation(TA, member=TEAM["A"], record_id=ids[5])
    assert (last.position, last.back, last.forward) == (6, ids[4], None)
    assert s.navigation(TA, member=TEAM["A"], record_id=ids[0]).back is None
    review.close()


def test_with_prioritisation_my_decided_records_come_first_then_my_queue_in_ranking_order(ranked):
    review, ids, s = ranked, ranked.ids, ranked.screening
    _decide(review, "A", [ids[6], ids[1], ids[0]])  # decided in this order, not assignment order
    assert review.prioritise.rank(TA, member=TEAM["A"]) is not None
    queue = _todo(review)
    assert queue[0] not in (ids[2], ids[3])  # the ranking, not the assignment, leads
    assert _served(review) == [ids[6], ids[1], ids[0], *queue]
    here = s.navigation(TA, member=TEAM["A"])
    assert (here.record_id, here.position, here.assigned, here.to_do) == (queue[0], 4, 36, 33)
    assert (here.back, here.forward, here.next_todo) == (ids[0], queue[1], queue[1])
    first = s.navigation(TA, member=TEAM["A"], record_id=ids[6])
    assert (first.position, first.back, first.forward) == (1, None, ids[1])
    # decide the record on screen: the next one is the queue's next, and back is the one decided
    _, following = s.decide_next(TA, queue[0], "include", member=TEAM["A"])
    assert following == queue[1]
    after = s.navigation(TA, member=TEAM["A"], record_id=following)
    assert (after.position, after.back, after.forward) == (5, queue[0], queue[2])
    assert s.navigation(TA, member=TEAM["A"], record_id=queue[-1]).forward is None


def test_a_changed_mind_keeps_its_place_and_an_undo_puts_the_record_back_in_the_queue(ranked):
    review, ids, s = ranked, ranked.ids, ranked.screening
    _decide(review, "A", [ids[0], ids[6], ids[1]])
    review.prioritise.rank(TA, member=TEAM["A"])
    s.decide(TA, ids[0], "exclude", member=TEAM["A"])  # back to the first, a changed mind
    assert _served(review)[:3] == [ids[0], ids[6], ids[1]]
    s.undo(TA, member=TEAM["A"], record_id=ids[0])  # back to its first call: still decided
    assert _served(review)[:3] == [ids[0], ids[6], ids[1]]
    s.undo(TA, member=TEAM["A"], record_id=ids[6])  # undecided again: in the queue
    assert _served(review)[:2] == [ids[0], ids[1]]
    assert ids[6] in _todo(review) and _served(review)[2:] == _todo(review)
    s.decide(TA, ids[6], "exclude", member=TEAM["A"])  # decided again: the latest to leave
    assert _served(review)[:3] == [ids[0], ids[1], ids[6]]
    assert s.navigation(TA, member=TEAM["A"]).back == ids[6]


def test_a_co_reviewers_unsettled_decisions_do_not_move_my_records(ranked):
    review, ids, s = ranked, ranked.ids, ranked.screening
    _decide(review, "A", [ids[0], ids[6], ids[1]])
    review.prioritise.rank(TA, member=TEAM["A"])
    served = _served(review)
    views = [s.navigation(TA, member=TEAM["A"], record_id=r) for r in [None, *served[:6]]]
    listed = s.my_records(TA, member=TEAM["A"])["rows"]
    # B decides records A has not, and the opposite of A on A's (conflicts): none is settled
    _decide(review, "B", [r for r in ids if r not in (ids[0], ids[6], ids[1])][:14])
    s.decide(TA, ids[0], "exclude", member=TEAM["B"])
    s.decide(TA, ids[6], "include", member=TEAM["B"])
    assert review.screening.progress(TA, member=TEAM["O"])["records_conflict"] == 2
    assert _served(review) == served
    assert [s.navigation(TA, member=TEAM["A"], record_id=r) for r in [None, *served[:6]]] == views
    assert s.my_records(TA, member=TEAM["A"])["rows"] == listed
    assert [r["record_id"] for r in listed] == served[: len(listed)]


def test_my_to_do_list_is_my_queue_in_the_order_it_is_served(ranked):
    review, ids, s = ranked, ranked.ids, ranked.screening
    _decide(review, "A", [ids[0], ids[6]])
    review.prioritise.rank(TA, member=TEAM["A"])
    todo = [o.record_id for o in s.outcomes(TA, "todo", member=TEAM["A"])]
    assert todo == _todo(review) and todo != sorted(todo)


def test_a_record_settled_without_my_decision_goes_to_the_end(ranked):
    review, ids, s = ranked, ranked.ids, ranked.screening
    _decide(review, "A", [ids[0], ids[6]])
    review.prioritise.rank(TA, member=TEAM["A"])
    gone = _todo(review)[3]
    s.settle(TA, gone, "exclude", member=TEAM["P"], why="duplicate report", reason="E2")
    served = _served(review)
    assert gone not in _todo(review) and served[-1] == gone
    assert served[:-1] == [ids[0], ids[6], *_todo(review)]
    end = s.navigation(TA, member=TEAM["A"], record_id=gone)
    assert (end.position, end.forward, end.back) == (36, None, served[-2])


def _check_head(review: Review, who: str = "A") -> None:
    """next_todo (a few queries) against the whole queue, with and without a record skipped."""
    s, member = review.screening, TEAM[who]
    queue = s.queue(TA, member=member)
    assert s.next_todo(TA, member=member) == (queue[0] if queue else None)
    for skip in queue[:2]:
        rest = [r for r in queue if r != skip]
        assert s.next_todo(TA, member=member, skip=skip) == (rest[0] if rest else None)
    assert s.navigation(TA, member=member).to_do == len(queue)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_next_record_is_the_head_of_my_whole_queue_in_every_state(tmp_path, new_db, seed):  # noqa: F811
    review = _open(tmp_path, new_db(), pilot=4)
    review.ids = ids = add_records(review, _records(4))
    s = review.screening
    s.assign(TA, member=TEAM["O"], round="pilot")
    pilot = _todo(review)
    _decide(review, "A", pilot)
    _decide(review, "B", pilot[2:])
    for rid in pilot[:2]:  # conflicts: A may take back their call, and the record reopens
        s.decide(TA, rid, "exclude" if _topic(review, rid) else "include", member=TEAM["B"])
    s.assign(TA, member=TEAM["O"])
    rng = random.Random(seed)
    _check_head(review)
    actions = ["a"] * 4 + ["b", "undo", "reopen_pilot", "settle", "rank", "rank", "sample"]
    for step in range(40):
        action = rng.choice(actions)
        try:
            if action == "a":  # A decides on screen: the next is the rest of the queue's head
                queue = _todo(review)
                if queue:
                    rid = rng.choice(queue[:3])
                    decision = "include" if _topic(review, rid) else "exclude"
                    _, following = s.decide_next(TA, rid, decision, member=TEAM["A"])
                    after = _todo(review)
                    assert following == (after[0] if after else None), step
            elif action == "b":
                s.decide(TA, rng.choice(ids), rng.choice(["include", "exclude"]), member=TEAM["B"])
            elif action == "undo":
                s.undo(TA, member=TEAM["A"])
            elif action == "reopen_pilot":  # a pilot record open again leads the queue
                s.undo(TA, member=TEAM["A"], record_id=rng.choice(pilot[:2]))
            elif action == "settle":
                rid = rng.choice(ids)
                s.settle(TA, rid, "exclude", member=TEAM["P"], why="arbiter", reason="E1")
            elif action == "rank":
                review.prioritise.rank(TA, member=TEAM["A"])
            else:
                review.prioritise.sample(TA, member=TEAM["O"], seed=step)
        except EvimapError:
            pass  # nothing to undo, a record already settled, no urn to sample ...
        _check_head(review)
        served, todo = _served(review), _todo(review)
        assert sorted(served) == sorted(ids)
        assert [r for r in served if r in set(todo)] == todo
    review.close()


def test_the_first_open_record_among_candidates_read_in_growing_chunks(ranked, monkeypatch):
    from evimap.screening import view

    review, ids, s = ranked, ranked.ids, ranked.screening
    _decide(review, "A", ids[:20])
    s.settle(TA, ids[25], "exclude", member=TEAM["P"], why="arbiter", reason="E1")
    # decided, repeated, not A's, settled by the arbiter: all passed over, in chunks 1, 2, 4 ...
    candidates = [*ids[:20], ids[3], 10**9, ids[25], ids[30], ids[21]]

    def first(**options):
        with review.store.read() as session:
            config = s.config
            return view.first_open(session, config, TA, TEAM["A"], candidates, **options)

    assert first(chunk=1) == ids[30] == first() == first(chunk=3)
    assert first(chunk=1, skip=ids[30]) == ids[21]
    assert first(chunk=2, skip=ids[21]) == ids[30]
    monkeypatch.setattr(view, "MAX_CHUNK", 2)  # chunks stop growing at the cap
    assert first(chunk=1) == ids[30]
    candidates = ids[:20]
    assert first(chunk=1) is None


def test_a_record_marked_not_retrieved_is_never_served_at_full_text(tmp_path, new_db):  # noqa: F811
    review = _open(tmp_path, new_db())
    ids = add_records(review, _records(1))
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    for who in ("A", "B"):
        for rid in ids[:4]:
            s.decide(TA, rid, "include", member=TEAM[who])
    s.assign(FT, member=TEAM["O"])
    s.mark_not_retrieved(ids[0], member=TEAM["O"], why="not in the library")
    assert s.queue(FT, member=TEAM["A"]) == ids[1:4]
    assert s.next_todo(FT, member=TEAM["A"]) == ids[1]
    assert s.queue(FT, member=TEAM["A"], todo_only=False) == [*ids[1:4], ids[0]]
    _, following = s.decide_next(FT, ids[3], "include", member=TEAM["A"])
    assert following == ids[1]
    review.close()


def test_a_ranking_stored_by_another_process_is_followed_at_once(tmp_path, new_db):  # noqa: F811
    db = new_db()
    review = _open(tmp_path, db)
    review.ids = ids = add_records(review, _records())
    review.screening.assign(TA, member=TEAM["O"])
    _decide(review, "A", [ids[0], ids[6]])
    review.prioritise.rank(TA, member=TEAM["A"])
    before = _todo(review)  # read (and kept) once
    other = Review.open(review.folder, db=db)
    try:
        wheat = ids[11]  # off topic, but A includes it: another wheat-rust record rises
        other.screening.decide(TA, wheat, "include", member=TEAM["A"])
        other.prioritise.rank(TA, member=TEAM["A"])
        after = _todo(review)
        assert after == other.screening.queue(TA, member=TEAM["A"]) != before
        assert after.index(ids[23]) < before.index(ids[23])
        assert review.screening.next_todo(TA, member=TEAM["A"]) == after[0]
    finally:
        other.close()
        review.close()
