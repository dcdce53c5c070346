"""Acceptance: a whole two-stage review simulated on a real labelled set (Cohen et al. 2006,
ADHD drug-class review, 851 records) with two scripted reviewers who disagree on a known,
seeded share of records, an arbiter, full texts, and the PRISMA boxes. Runs on SQLite and
PostgreSQL.

Reviewer A follows the published labels (``label_abstract_screening`` at title/abstract,
``label_included`` at full text); A's title/abstract calls arrive as an ASReview-style CSV
(``record_id,included``), the way a review moves over. Reviewer B screens key by key and
departs from the labels on seeded records: a decision flipped, or a maybe.
"""

from __future__ import annotations

import csv
import random

import pytest
from sklearn.metrics import cohen_kappa_score

from evimap.records import Record
from tests.conftest import shared_data
from tests.screening_support import TEAM, add_records, log_flow, make_review, new_db, table_flow  # noqa: F401

TA, FT = "title_abstract", "full_text"
ADHD = (
    "screening",
    "asreview+systematic-review-datasets",
    "datasets",
    "Cohen_2006",
    "output",
    "local",
    "ADHD.csv",
)


def hand_ac1(a: list[str], b: list[str]) -> float:
    """Gwet's AC1 straight from its definition (Gwet 2008), independent of evimap's code."""
    n = len(a)
    cats = sorted(set(a) | set(b))
    q = max(len(cats), 2)
    pa = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum(
        ((a.count(c) + b.count(c)) / (2 * n)) * (1 - (a.count(c) + b.count(c)) / (2 * n))
        for c in cats
    ) / (q - 1)
    return (pa - pe) / (1 - pe)


def load_rows() -> list[dict[str, str]]:
    with shared_data(*ADHD).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def as_record(line: int, row: dict[str, str]) -> Record:
    return Record(
        title=row["title"],
        abstract=row["abstract"],
        keywords=[k.strip() for k in row["keywords"].split(";") if k.strip()],
        source_record_id=row["record_id"],
        line=line,
        source_database="PubMed",
    )


@pytest.mark.postgres
def test_two_blind_reviewers_an_arbiter_and_the_prisma_boxes(make_review, tmp_path):
    rows = load_rows()
    review = make_review()
    ids = add_records(review, [as_record(i + 2, r) for i, r in enumerate(rows)], "ADHD.csv")
    s = review.screening
    rng = random.Random(2006)
    ta_truth = {
        rid: "include" if r["label_abstract_screening"] == "1" else "exclude"
        for rid, r in zip(ids, rows, strict=True)
    }
    ft_truth = {
        rid: "include" if r["label_included"] == "1" else "exclude"
        for rid, r in zip(ids, rows, strict=True)
    }
    assert all(ta_truth[r] == "include" for r in ids if ft_truth[r] == "include")

    # -- title/abstract: dual, blind -------------------------------------------------------
    assert s.assign(TA, member=TEAM["O"]).assignments == 2 * len(ids)
    a_file = tmp_path / "asreview_A.csv"
    with a_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "included"])
        for r in rows:
            writer.writerow([r["record_id"], r["title"], r["label_abstract_screening"]])
    imported = s.import_decisions(a_file, TA, member=TEAM["A"])
    assert imported.decisions == 851 and imported.by_decision == {"include": 84, "exclude": 767}

    shuffled = rng.sample(ids, len(ids))
    flipped = set(shuffled[:85])  # 10% of the records: B's call is the opposite
    unsure = set(shuffled[85:110])  # 25 records: B says maybe
    b_calls = {}
    for rid in ids:
        call = ta_truth[rid]
        if rid in flipped:
            call = "exclude" if call == "include" else "include"
        elif rid in unsure:
            call = "maybe"
        b_calls[rid] = call
        s.decide(TA, rid, call, member=TEAM["B"])

    found = s.conflicts(TA, member=TEAM["P"])
    assert {c["record_id"] for c in found} == flipped | unsure
    assert {c["record_id"] for c in found if c["conflict"] == "maybe"} == unsure
    flow = table_flow(review)
    agreed_excluded = sum(1 for r in ids if r not in flipped | unsure and ta_truth[r] == "exclude")
    assert (flow.records_screened, flow.records_excluded, flow.records_awaiting) == (
        851,
        agreed_excluded,
        110,
    )

    (pair,) = s.agreement(TA, member=TEAM["P"])
    a_labels = [ta_truth[r] for r in ids]
    b_labels = [b_calls[r] for r in ids]
    assert (pair.rater_a, pair.rater_b, pair.n, pair.agreed) == ("A", "B", 851, 851 - 110)
    assert pair.kappa == pytest.approx(cohen_kappa_score(a_labels, b_labels), abs=1e-12)
    assert pair.ac1 == pytest.approx(hand_ac1(a_labels, b_labels), abs=1e-12)
    inc_to_exc = sum(1 for r in flipped if ta_truth[r] == "include")
    exc_to_inc = len(flipped) - inc_to_exc
    maybe_inc = sum(1 for r in unsure if ta_truth[r] == "include")
    assert pair.categories == ["include", "exclude", "maybe"]
    assert pair.table == [
        [84 - inc_to_exc - maybe_inc, inc_to_exc, maybe_inc],
        [exc_to_inc, 767 - exc_to_inc - (len(unsure) - maybe_inc), len(unsure) - maybe_inc],
        [0, 0, 0],
    ]

    for conflict in found:  # the arbiter settles by the published label
        rid = conflict["record_id"]
        s.settle(TA, rid, ta_truth[rid], member=TEAM["P"], why="settled at the team meeting")
    assert s.conflicts(TA, member=TEAM["P"]) == []
    flow = table_flow(review)
    assert (flow.records_excluded, flow.records_awaiting, flow.reports_sought) == (767, 0, 84)

    # -- full text: reasons required -------------------------------------------------------
    assert s.assign(FT, member=TEAM["O"]).records == 84
    sought = sorted(r for r in ids if ta_truth[r] == "include")
    not_retrieved = set(rng.sample([r for r in sought if ft_truth[r] == "exclude"], 2))
    for rid in sorted(not_retrieved):
        s.mark_not_retrieved(rid, member=TEAM["O"], why="not held by any library")
    assessed = [r for r in sought if r not in not_retrieved]
    reason = {r: "E1" if r % 2 else "E2" for r in assessed if ft_truth[r] == "exclude"}
    ft_flip = set(rng.sample(assessed, 3))
    ft_reason = set(rng.sample(sorted(set(reason) - ft_flip), 4))
    for rid in assessed:
        s.decide(FT, rid, ft_truth[rid], reason=reason.get(rid, ""), member=TEAM["A"])
        call, why = ft_truth[rid], reason.get(rid, "")
        if rid in ft_flip:
            call = "exclude" if call == "include" else "include"
            why = "E1" if call == "exclude" else ""
        elif rid in ft_reason:
            why = "E2" if why == "E1" else "E1"
        s.decide(FT, rid, call, reason=why, member=TEAM["B"])
    ft_conflicts = s.conflicts(FT, member=TEAM["P"])
    assert {c["record_id"] for c in ft_conflicts} == ft_flip | ft_reason
    assert {c["record_id"] for c in ft_conflicts if c["conflict"] == "reason"} == ft_reason
    for conflict in ft_conflicts:
        rid = conflict["record_id"]
        s.settle(
            FT,
            rid,
            ft_truth[rid],
            reason=reason.get(rid, ""),
            member=TEAM["P"],
            why="full text read together",
        )

    flow = table_flow(review)
    excluded = [r for r in assessed if ft_truth[r] == "exclude"]
    assert flow.to_dict() == {
        "records_screened": 851,
        "records_excluded": 767,
        "records_awaiting": 0,
        "reports_sought": 84,
        "reports_not_retrieved": 2,
        "reports_assessed": 82,
        "reports_excluded": len(excluded),
        "reports_excluded_by_reason": {
            "E1": sum(1 for r in excluded if reason[r] == "E1"),
            "E2": sum(1 for r in excluded if reason[r] == "E2"),
        },
        "reports_awaiting": 0,
        "studies_included": 20,
        "reason_labels": {"E1": "E1: Not psychotherapy", "E2": "E2: Wrong publication type"},
    }
    assert flow.reports_excluded == 82 - 20
    assert log_flow(review) == flow

    # every step is in the event log
    assert len(review.events.read(kind="screen.decision")) == 851 * 2 + 82 * 2
    assert len(review.events.read(kind="screen.settle")) == 110 + len(ft_conflicts)
    assert len(review.events.read(kind="fulltext.not_retrieved")) == 2
