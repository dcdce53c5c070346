"""The next record to decide, read without the whole queue, is the queue's head in every
state, with prioritisation on. Each test runs on SQLite and PostgreSQL."""

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


def _todo(review: Review, who: str = "A") -> list[int]:
    return review.screening.queue(TA, member=TEAM[who])


def _check_head(review: Review, who: str = "A") -> None:
    """next_todo (a few queries) against the whole queue, with and without a record skipped."""
    s, member = review.screening, TEAM[who]
    queue = s.queue(TA, member=member)
    assert s.next_todo(TA, member=member) == (queue[0] if queue else None)
    for skip in queue[:2]:
        rest = [r for r in queue if r != skip]
        assert s.next_todo(TA, member=member, skip=skip) == (rest[0] if rest else None)


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
    review.close()


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
