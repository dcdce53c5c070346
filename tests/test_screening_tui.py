"""The terminal screen driven through Textual's own test pilot: keys in, decisions stored."""

from __future__ import annotations

import asyncio

from textual.widgets import ProgressBar, Static

from evimap.cli.screen_app import ScreenApp
from evimap.review import Review
from tests.screening_support import (  # noqa: F401
    TEAM,
    add_records,
    make_review,
    new_db,
    small_records,
    write_review,
)
from tests.test_prioritise_live import PRIORITISE, _records

TA, FT = "title_abstract", "full_text"


def _stored(review, who="A", stage=TA):
    return [
        (r["record_id"], r["decision"], r["reason"])
        for r in review.screening.decisions(stage, member=TEAM[who])
    ]


def test_keys_record_decisions_reasons_undo_and_notes(make_review):
    review = make_review()
    ids = add_records(review, small_records(5))
    review.screening.assign(TA, member=TEAM["O"])

    async def drive():
        app = ScreenApp(review, TA, TEAM["A"])
        async with app.run_test() as pilot:
            title = app.query_one("#title", Static)
            assert "Record 1" in str(title.render())
            await pilot.press("i")
            await pilot.press("2")  # exclude with the second reason, E1
            await pilot.press("m")
            assert _stored(review) == [
                (ids[0], "include", ""),
                (ids[1], "exclude", "E1"),
                (ids[2], "maybe", ""),
            ]
            assert app.query_one("#progress", ProgressBar).progress == 3
            await pilot.press("u")  # back to record 3, undecided again
            assert app.current.record_id == ids[2] and app.current.mine is None
            await pilot.press("n", *"seems off-topic", "enter")
            await pilot.press("t", *"rct, adults", "enter")
            await pilot.press("e")
            await pilot.press("9")  # there is no ninth reason: nothing recorded
            assert "no reason 9" in str(app.query_one("#status", Static).render())
            await pilot.press("i", "i")
            assert "Nothing left" in str(app.query_one("#title", Static).render())
            await pilot.press("q")

    asyncio.run(drive())
    assert _stored(review) == [
        (ids[0], "include", ""),
        (ids[1], "exclude", "E1"),
        (ids[2], "exclude", ""),
        (ids[3], "include", ""),
        (ids[4], "include", ""),
    ]
    notes = review.screening.record(TA, ids[2], member=TEAM["A"]).notes
    assert [n.text for n in notes if n.kind == "note"] == ["seems off-topic"]
    assert review.screening.record(TA, ids[2], member=TEAM["A"]).my_tags == ["adults", "rct"]
    assert _stored(review, "B") == []


def test_full_text_exclusion_without_a_reason_is_refused_on_screen(make_review):
    review = make_review()
    ids = add_records(review, small_records(1))
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    s.decide(TA, ids[0], "include", member=TEAM["A"])
    s.decide(TA, ids[0], "include", member=TEAM["B"])
    s.assign(FT, member=TEAM["O"])

    async def drive():
        app = ScreenApp(review, FT, TEAM["B"])
        async with app.run_test() as pilot:
            await pilot.press("e")
            assert "reason is required" in str(app.query_one("#status", Static).render())
            await pilot.press("3")
            await pilot.press("q")

    asyncio.run(drive())
    assert _stored(review, "B", FT) == [(ids[0], "exclude", "E2")]


def _prioritised(tmp_path, params: str = "") -> tuple[Review, list[int]]:
    """An open review with prioritisation on (and ``params`` under it), its records assigned."""
    folder = write_review(tmp_path / "ranked")
    text = (folder / "review.toml").read_text(encoding="utf-8") + PRIORITISE
    text = text.replace("retrain_every = 2", f"retrain_every = 2\n{params}")
    (folder / "review.toml").write_text(text, encoding="utf-8")
    review = Review.open(folder)
    ids = add_records(review, _records())
    review.screening.assign(TA, member=TEAM["O"])
    return review, ids


def test_with_prioritisation_the_arrows_walk_the_order_my_records_are_served(tmp_path):
    review, ids = _prioritised(tmp_path)
    s = review.screening
    s.decide(TA, ids[6], "exclude", member=TEAM["A"])  # decided first, though assigned later
    s.decide(TA, ids[0], "include", member=TEAM["A"])
    review.prioritise.rank(TA, member=TEAM["A"])

    def meta(app) -> str:
        return str(app.query_one("#meta", Static).render())

    async def drive():
        app = ScreenApp(review, TA, TEAM["A"])
        async with app.run_test() as pilot:
            runner = review.prioritise.serve(TA, member=TEAM["A"])
            assert runner.wait_idle(600) and runner.error is None
            queue = s.queue(TA, member=TEAM["A"])
            app.show_next()
            assert app.current.record_id == queue[0] and meta(app).startswith("3 of 36")
            await pilot.press("i")
            assert app.current.record_id == queue[1] and meta(app).startswith("4 of 36")
            await pilot.press("left")  # back: the record just decided
            assert app.current.record_id == queue[0] and meta(app).startswith("3 of 36")
            await pilot.press("left", "left")
            assert app.current.record_id == ids[6] and meta(app).startswith("1 of 36")
            await pilot.press("left")  # nothing before the first
            assert app.current.record_id == ids[6]
            await pilot.press("i")  # a changed mind: on to the queue, the record keeps its place
            assert app.current.record_id == queue[1]
            await pilot.press("left")
            assert app.current.record_id == queue[0]
            await pilot.press("right")
            assert app.current.record_id == queue[1]
            assert runner.wait_idle(600) and runner.error is None
            await pilot.press("q")

    try:
        asyncio.run(drive())
        assert s.record(TA, ids[6], member=TEAM["A"]).mine.decision == "include"
    finally:
        review.close()


def _order(app) -> str:
    return str(app.query_one("#order", Static).render())


def test_the_screen_says_how_the_queue_is_ordered_and_a_failed_retrain(tmp_path):
    review, ids = _prioritised(tmp_path)
    s = review.screening

    async def drive():
        app = ScreenApp(review, TA, TEAM["A"])
        async with app.run_test() as pilot:
            assert _order(app).startswith("In assignment order until you have made one include")
            s.decide(TA, ids[6], "exclude", member=TEAM["A"])
            s.decide(TA, ids[0], "include", member=TEAM["A"])
            review.prioritise.rank(TA, member=TEAM["A"])
            app.show_next()
            assert _order(app).startswith("Ordered by the model default (tfidf + svm")
            assert "learned from 2 of your decisions" in _order(app)
            await pilot.press("q")

    try:
        asyncio.run(drive())
    finally:
        review.close()


def test_a_failed_background_retrain_shows_on_the_screen(tmp_path):
    review, ids = _prioritised(tmp_path, params="params = { C = 0 }")  # C must be > 0
    s = review.screening
    s.decide(TA, ids[6], "exclude", member=TEAM["A"])
    s.decide(TA, ids[0], "include", member=TEAM["A"])

    async def drive():
        app = ScreenApp(review, TA, TEAM["A"])
        async with app.run_test() as pilot:
            runner = review.prioritise.serve(TA, member=TEAM["A"])
            assert runner.wait_idle(600) and runner.error is not None
            app.show_next()
            assert "The last retrain failed: the svm classifier's parameters" in _order(app)
            assert "the queue keeps its last order" in _order(app)
            await pilot.press("q")

    try:
        asyncio.run(drive())
    finally:
        review.close()
