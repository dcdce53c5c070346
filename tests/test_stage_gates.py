"""Stage gates: once records are assigned for screening, dedup, its undo and removals are
refused unless forced; forced, each record's screening moves to the record kept for it (or
stops counting when it was removed), the log says so, and PRISMA replayed from the log still
agrees with the tables."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.errors import StageLocked
from evimap.records import Record
from evimap.review import Review
from tests.screening_support import (
    TEAM,
    add_records,
    log_flow,
    make_review,  # noqa: F401
    new_db,  # noqa: F401
    table_flow,
    write_review,
)

TA, FT = "title_abstract", "full_text"
A, B, P, OW = (TEAM[n] for n in "ABPO")
REMOVE_OLD = """
[[removals.rules]]
reason = "published before 2000"
field = "year"
from = 2000
"""


def _paper(title: str, doi: str, year: int, sid: str) -> Record:
    return Record(
        title=title,
        abstract="About repairing ruptures in the therapeutic alliance.",
        year=year,
        doi=doi,
        source_record_id=sid,
        authors=[],
    )


def _duplicated(review: Review) -> tuple[list[int], list[int]]:
    """Two files sharing one paper (same DOI) and an old paper only in the second."""
    first = add_records(
        review,
        [
            _paper("Rupture repair in brief therapy", "10.1/a", 2010, "W1"),
            _paper("Alliance ruptures in group therapy", "10.1/b", 2012, "W2"),
        ],
        name="wos.txt",
    )
    second = add_records(
        review,
        [
            _paper("Rupture repair in brief therapy.", "10.1/a", 2010, "S1"),
            _paper("An old view of the working alliance", "10.1/c", 1990, "S2"),
        ],
        name="scopus.ris",
    )
    return first, second


def _protocol(folder):
    path = folder / "review.toml"
    path.write_text(path.read_text(encoding="utf-8") + REMOVE_OLD, encoding="utf-8")


def test_dedup_after_assignment_is_refused_then_forced_moves_the_screening(
    make_review,  # noqa: F811
):
    review = make_review()
    (w1, w2), (s1, s2) = _duplicated(review)
    s = review.screening
    s.assign(TA, member=OW)
    s.decide(TA, s1, "include", member=A, note="the Scopus copy")
    s.decide(TA, s1, "include", member=B)
    s.decide(TA, w1, "exclude", reason="E1", member=B)
    with pytest.raises(
        StageLocked, match="records are assigned for screening .8 at title_abstract"
    ):
        review.dedup.run(member=OW)
    assert review.events.read(kind="dedup.run") == []
    review.dedup.run(member=OW, force=True)
    kept, gone = (w1, s1) if s.queue(TA, member=A, todo_only=False).count(w1) else (s1, w1)
    assert gone not in s.queue(TA, member=A, todo_only=False)
    assert gone not in s.queue(TA, member=B, todo_only=False)
    view = s.record(TA, kept, member=OW)
    calls = {c.reviewer: c.decision for c in view.others}
    # the kept record's own call stands; what it lacked comes from its duplicate
    if kept == w1:
        assert calls == {"A": "include", "B": "exclude"}
    else:
        assert calls == {"A": "include", "B": "include"}
    assert "the Scopus copy" in [n.text for n in view.notes]
    (move,) = review.events.read(kind="screen.move", member=OW)
    assert move.details["moves"] == [{"stage": TA, "from": gone, "to": kept}]
    assert move.details["cause"] == "dedup.run" and move.counts["moved"] == 1
    assert log_flow(review) == table_flow(review)
    assert log_flow(review).records_screened == 3


def test_removals_after_assignment_void_the_removed_records_screening(tmp_path):
    folder = write_review(tmp_path / "review")
    _protocol(folder)
    with Review.open(folder) as review:
        _, (s1, s2) = _duplicated(review)
        s = review.screening
        s.assign(TA, member=OW)
        s.decide(TA, s2, "exclude", reason="E1", member=A)
        s.decide(TA, s2, "exclude", reason="E1", member=B)
        assert log_flow(review).records_excluded == 1
        with pytest.raises(StageLocked, match="applying the removal rules would change"):
            review.dedup.remove(member=OW)
        summary = review.dedup.remove(member=OW, force=True)
        assert summary.removed == 1
        assert s2 not in s.queue(TA, member=A, todo_only=False)
        (move,) = review.events.read(kind="screen.move", member=OW)
        assert move.details["voided"] == [{"stage": TA, "record_id": s2}]
        flow = log_flow(review)
        assert flow == table_flow(review)
        assert (flow.records_screened, flow.records_excluded) == (3, 0)


def test_undoing_dedup_after_assignment_is_gated_too(make_review):  # noqa: F811
    review = make_review()
    _duplicated(review)
    review.dedup.run(member=OW)
    review.screening.assign(TA, member=OW)
    with pytest.raises(StageLocked):
        review.dedup.undo(member=OW)
    counts = review.dedup.undo(member=OW, force=True)
    assert counts["clusters"] == 4
    assert log_flow(review) == table_flow(review)


def test_dedup_before_assignment_needs_no_force(make_review):  # noqa: F811
    review = make_review()
    _duplicated(review)
    assert review.dedup.run(member=OW).counts["duplicates_removed"] == 1
    assert review.events.read(kind="screen.move") == []


def test_the_cli_says_to_use_force(tmp_path):
    folder = write_review(tmp_path / "review")
    with Review.open(folder) as review:
        _duplicated(review)
        review.screening.assign(TA, member=OW)
    runner = CliRunner()
    refused = runner.invoke(app, ["dedup", str(folder), "--as", "O", "--format", "json"])
    assert refused.exit_code == 1
    error = json.loads(refused.output)
    assert error["ok"] is False and error["kind"] == "StageLocked"
    assert "Use --force" in error["error"]
    forced = runner.invoke(app, ["dedup", str(folder), "--as", "O", "--force"])
    assert forced.exit_code == 0, forced.output
