"""Screening speed: how long one key press takes (decide + next record + progress), and a
batch import of decisions, on a synthetic review of N records with two reviewers.

    python benchmarks/screening_speed.py [--records 5000] [--db URL]

Prints milliseconds per decision (each its own committed transaction), per screen refresh
(what the terminal screen reads after every key), for the team's progress (every record's
state), and records/s for a decisions import (one transaction).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.screening_support import TEAM, add_records, write_review  # noqa: E402

from evimap.records import Record  # noqa: E402
from evimap.review import Review  # noqa: E402

TA = "title_abstract"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    folder = write_review(Path(tempfile.mkdtemp()) / "review")
    review = Review.open(folder, db=args.db)
    records = [
        Record(
            title=f"Record {i} on alliance ruptures",
            abstract="An abstract. " * 20,
            source_record_id=f"S{i}",
            line=i,
        )
        for i in range(args.records)
    ]
    ids = add_records(review, records)
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    csv_file = folder / "a.csv"
    csv_file.write_text(
        "source_record_id,decision\n" + "".join(f"S{i},include\n" for i in range(args.records)),
        encoding="utf-8",
    )
    start = time.perf_counter()
    s.import_decisions(csv_file, TA, member=TEAM["A"])
    imported = time.perf_counter() - start
    start = time.perf_counter()
    for rid in ids[: args.decisions]:
        s.decide(TA, rid, "include", member=TEAM["B"])
    decide = (time.perf_counter() - start) / args.decisions
    start = time.perf_counter()
    for _ in range(20):  # what the terminal screen reads after each key
        todo = s.queue(TA, member=TEAM["B"])
        s.queue(TA, member=TEAM["B"], todo_only=False)
        s.record(TA, todo[0], member=TEAM["B"])
    read = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    for _ in range(5):
        s.progress(TA, member=TEAM["O"])
    team = (time.perf_counter() - start) / 5
    print(f"engine {review.store.dialect}, {args.records} records, 2 reviewers")
    print(f"decide (one committed transaction): {decide * 1000:.1f} ms")
    print(f"next screen (two queue reads + record): {read * 1000:.1f} ms")
    print(f"team progress (every record's state): {team * 1000:.1f} ms")
    print(f"decisions import: {args.records / imported:.0f} records/s ({imported:.1f} s)")
    review.close()


if __name__ == "__main__":
    main()
