"""Each decision is committed as it is made: a process killed between (or during) decisions
loses none that were made, and leaves no half-written one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evimap.review import Review
from tests.screening_support import (  # noqa: F401  (fixtures)
    TEAM,
    add_records,
    new_db,
    review_db,
    small_records,
    write_review,
)  # noqa: F401

TA = "title_abstract"
REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from evimap.review import Review
    from evimap.screening import decisions

    folder, db, r1, r2, r3 = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    review = Review.open(folder, db=db)
    a = review.team.member("A")
    review.screening.decide("title_abstract", r1, "include", member=a)
    review.screening.decide("title_abstract", r2, "exclude", reason="E1", member=a)
    print("two decided", flush=True)
    # a third decision is written but the process dies before its commit
    with review.store.transaction() as session:
        decisions.record_decision(
            session, review.screening.config, "title_abstract", r3, "include", member=a
        )
        session.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_killed_process_keeps_every_committed_decision(tmp_path, review_db):
    folder = write_review(tmp_path / "review")
    with Review.open(folder, db=review_db) as review:
        ids = add_records(review, small_records(3))
        review.screening.assign(TA, member=TEAM["O"])
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}"}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), review_db, *map(str, ids)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "two decided" in child.stdout
    with Review.open(folder, db=review_db) as review:
        rows = review.screening.decisions(TA, member=TEAM["A"])
        assert [(r["record_id"], r["decision"], r["reason"]) for r in rows] == [
            (ids[0], "include", ""),
            (ids[1], "exclude", "E1"),
        ]
        assert len(review.events.read(kind="screen.decision", member=TEAM["O"])) == 2
        assert review.screening.queue(TA, member=TEAM["A"]) == [ids[2]]


def test_an_error_in_the_second_decision_keeps_the_first(tmp_path, review_db):
    folder = write_review(tmp_path / "review")
    with Review.open(folder, db=review_db) as review:
        ids = add_records(review, small_records(2))
        review.screening.assign(TA, member=TEAM["O"])
        review.screening.decide(TA, ids[0], "include", member=TEAM["A"])
        with pytest.raises(RuntimeError), review.store.transaction() as session:
            from evimap.screening import decisions

            decisions.record_decision(
                session, review.screening.config, TA, ids[1], "include", member=TEAM["A"]
            )
            raise RuntimeError("power cut")
        rows = review.screening.decisions(TA, member=TEAM["A"])
        assert [r["record_id"] for r in rows] == [ids[0]]
        assert len(review.events.read(kind="screen.decision", member=TEAM["O"])) == 1
