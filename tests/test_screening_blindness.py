"""Blindness at the core: whatever public function of ``review.screening`` reviewer B calls, it
never returns reviewer A's decision, note or tag on a record before that record is settled.

The probe is checked against a review whose stage is not blind, where the same calls must
reveal A's calls, so the detector itself is known to work.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from evimap.errors import EvimapError
from evimap.screening.component import Screening
from evimap.screening.outcomes import OUTCOMES
from tests.screening_support import TEAM, add_records, make_review, new_db, small_records  # noqa: F401
from tests.test_blindness_audit import plain as _plain

TA, FT = "title_abstract", "full_text"
SECRETS = ("A-SECRET-NOTE", "a-secret-tag", "A-FT-NOTE")


def leaks(
    value: Any, settled: set[tuple[str, int]], stage: str = "", record: int | None = None
) -> list[str]:
    """Places in a result where A's call shows on a ``(stage, record)`` not in ``settled``."""
    found: list[str] = []
    if isinstance(value, dict):
        record = value.get("record_id", record)
        stage = value.get("stage", stage)
        subject = str(value.get("subject", ""))
        if subject.startswith("record:"):
            record = int(subject.split(":")[1])
        details = value.get("details")
        if isinstance(details, dict) and "record_id" in details:
            record, stage = details["record_id"], details.get("stage", stage)
        if "rater_a" in value:  # agreement: A's calls on at most the settled records
            allowed = sum(1 for st, _ in settled if st == value.get("stage"))
            if "A" in (value["rater_a"], value["rater_b"]) and value.get("n", 0) > allowed:
                found.append(f"agreement over {value['n']} records, {allowed} settled: {value}")
            return found
        who = {value.get(k) for k in ("reviewer", "actor")}
        if "A" in who and (stage, record) not in settled:
            found.append(f"A's entry on {stage} record {record}: {value}")
        if isinstance(value.get("calls"), dict) and "A" in value["calls"]:
            found.append(f"A's call in {value}")
        for item in value.values():
            found += leaks(item, settled, stage, record)
    elif isinstance(value, list):
        for item in value:
            found += leaks(item, settled, stage, record)
    elif isinstance(value, str) and any(s in value for s in SECRETS):
        found.append(f"secret text: {value}")
    return found


def _scenario(review, tmp_path):
    """A and B screen; r1 and r2 unsettled with A's calls, r3 settled, r4 at full text."""
    s = review.screening
    ids = add_records(review, small_records(5))
    r1, r2, r3, r4, r5 = ids
    s.assign(TA, member=TEAM["O"])
    s.decide(TA, r1, "exclude", reason="E2", member=TEAM["A"], note="A-SECRET-NOTE")
    s.tag(TA, r1, ["a-secret-tag"], member=TEAM["A"])
    s.decide(TA, r1, "include", member=TEAM["B"])
    s.decide(TA, r2, "maybe", member=TEAM["A"])
    for rid in (r3, r4):
        s.decide(TA, rid, "include", member=TEAM["A"])
        s.decide(TA, rid, "include", member=TEAM["B"])
    s.assign(FT, member=TEAM["O"])
    s.decide(FT, r4, "exclude", reason="E1", member=TEAM["A"], note="A-FT-NOTE")
    decisions = tmp_path / "b.csv"
    decisions.write_text("source_record_id,decision\nS5,include\n", encoding="utf-8")
    pdf = tmp_path / "r3.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return ids, decisions, pdf


def _calls(ids, decisions_file, pdf):
    """Every public member of the component, called by B in every useful way."""
    r1, r2, r3, r4, r5 = ids
    reads = []
    for stage in (TA, FT):
        for rid in ids:
            reads += [
                ("record", (stage, rid), {}),
                ("history", (stage, rid), {}),
            ]
        reads += [
            ("queue", (stage,), {}),
            ("queue", (stage,), {"todo_only": False}),
            ("next_todo", (stage,), {}),
            ("navigation", (stage,), {}),
            ("navigation", (stage,), {"record_id": r1}),
            ("next", (stage,), {}),
            ("progress", (stage,), {}),
            ("decisions", (stage,), {}),
            ("conflicts", (stage,), {}),
            ("agreement", (stage,), {}),
            ("agreement", (stage,), {"round": "main"}),
            ("my_records", (stage,), {}),
            ("my_records", (stage,), {"show": "settled"}),
        ]
        reads += [("outcomes", (stage, o), {}) for o in OUTCOMES]
    reads += [
        ("missing_fulltext", (), {}),
        ("log", (), {}),
        ("fulltexts", (), {}),
        ("fulltext_file", (r3,), {}),
    ]
    writes = [
        ("decide", (TA, r2, "include"), {}),
        ("undo", (TA,), {}),
        ("decide", (TA, r2, "include"), {"note": "mine"}),
        ("decide_next", (TA, r2, "maybe"), {}),
        ("note", (TA, r1, "B's own note"), {}),
        ("tag", (TA, r1, ["b-tag"]), {}),
        ("settle", (TA, r1, "include"), {"why": "B cannot"}),
        ("assign", (TA,), {}),
        ("import_decisions", (decisions_file, TA), {}),
        ("attach_fulltext", (r3, pdf), {}),
        ("attach_fulltexts", ([("r3.pdf", pdf)],), {}),
        ("settle_many", (TA, [r1, r2], "include"), {"why": "B cannot"}),
        ("set_stage", (TA,), {"blind": False}),
        ("mark_not_retrieved", (r3,), {"why": "gone"}),
        ("decide", (FT, r4, "include"), {}),
        ("undo_import", ("no-such-batch",), {}),
    ]
    return reads + writes


UNCALLED = {
    "config": "the protocol's settings: names and roles, no decisions",
    "highlight": "keyword spans of a text the caller passes in; reads no store",
    "stage_settings": "each stage's settings (blind, open, reviewers a record): no decisions",
}


def _probe(review, ids, decisions_file, pdf, settled) -> list[str]:
    found = []
    for name, args, kwargs in _calls(ids, decisions_file, pdf):
        method = getattr(review.screening, name)
        try:
            result = method(*args, member=TEAM["B"], **kwargs)
        except EvimapError as exc:
            result = str(exc)
        found += [f"{name}{args}: {leak}" for leak in leaks(_plain(result), settled)]
    return found


def test_every_public_member_is_probed():
    public = {n for n, _ in inspect.getmembers(Screening) if not n.startswith("_")}
    probed = {name for name, _, _ in _calls([1, 2, 3, 4, 5], "f", "p")}
    assert public == probed | set(UNCALLED)


def test_reviewer_b_never_sees_a_calls_before_settlement(make_review, tmp_path):
    review = make_review()
    ids, decisions_file, pdf = _scenario(review, tmp_path)
    settled = {(TA, ids[2]), (TA, ids[3])}
    assert _probe(review, ids, decisions_file, pdf, settled) == []
    # the arbiter does see them, and B sees r1 once it is settled
    arbiter_view = review.screening.record(TA, ids[0], member=TEAM["P"])
    assert [c.reviewer for c in arbiter_view.others] == ["A", "B"]
    review.screening.settle(TA, ids[0], "exclude", reason="E2", member=TEAM["P"], why="agreed")
    settled_view = review.screening.record(TA, ids[0], member=TEAM["B"])
    assert [(c.reviewer, c.decision) for c in settled_view.others] == [("A", "exclude")]
    assert "A-SECRET-NOTE" in [n.text for n in settled_view.notes]


def test_the_probe_finds_a_calls_when_the_stage_is_not_blind(make_review, tmp_path):
    review = make_review(blind=False)
    ids, decisions_file, pdf = _scenario(review, tmp_path)
    found = _probe(review, ids, decisions_file, pdf, {(TA, ids[2]), (TA, ids[3])})
    assert any(f.startswith("record(") for f in found)
    assert any(f.startswith("conflicts(") for f in found)
    assert any("A-SECRET-NOTE" in f for f in found)


@pytest.mark.parametrize("stage", [TA, FT])
def test_blind_reviewer_is_told_pending_not_conflict(make_review, tmp_path, stage):
    review = make_review()
    ids, *_ = _scenario(review, tmp_path)
    rid = ids[0] if stage == TA else ids[3]
    if stage == FT:
        review.screening.decide(FT, rid, "include", member=TEAM["B"])
    assert review.screening.record(stage, rid, member=TEAM["B"]).status == "pending"
    assert review.screening.record(stage, rid, member=TEAM["P"]).status == "conflict"


def test_the_event_log_read_as_a_reviewer_stays_blind(make_review, tmp_path):
    review = make_review()
    ids, *_ = _scenario(review, tmp_path)
    settled = {(TA, ids[2]), (TA, ids[3])}
    as_b = [e.to_dict() for e in review.events.read(member=TEAM["B"])]
    assert leaks(_plain(as_b), settled) == []
    assert any(e["actor"] == "B" and e["kind"] == "screen.decision" for e in as_b)
    as_no_one = [e.to_dict() for e in review.events.read()]
    assert leaks(_plain(as_no_one), settled) == []
    owner_view = [e.to_dict() for e in review.events.read(member=TEAM["O"])]
    assert leaks(_plain(owner_view), settled)  # the owner's log does show A's calls
