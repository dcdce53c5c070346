"""What the web app needed from the core, added to the core and tested here: an owner's stage
settings, settling many, my records searched and filtered, full-text matching and many PDFs at
once, the included studies, charting from a form with verification, and the next record to
decide in one query."""

from __future__ import annotations

import pytest

from evimap.errors import ChartingError
from evimap.screening.errors import InvalidDecision, NotPermitted, StageClosed
from evimap.screening.fulltext_match import Candidate, dois_in_pdf, match_pdf
from tests.screening_support import new_db  # noqa: F401
from tests.web_support import make_review, pdf_bytes


@pytest.fixture
def team(tmp_path, new_db):  # noqa: F811
    review, ids = make_review(tmp_path / "core", db=new_db())
    yield review, ids
    review.close()


def _decide_all(review, stage, ids, ana, zbyszek):
    for rid, a, z in zip(ids, ana, zbyszek, strict=False):
        if a:
            review.screening.decide(
                stage,
                rid,
                a,
                member=review.team.member("ana"),
                reason="E1" * (a == "exclude" and stage == "full_text"),
            )
        if z:
            review.screening.decide(
                stage,
                rid,
                z,
                member=review.team.member("zbyszek"),
                reason="E1" * (z == "exclude" and stage == "full_text"),
            )


def test_an_owner_closes_a_stage_and_turns_blindness_off(team):
    review, ids = team
    screening = review.screening
    with pytest.raises(NotPermitted, match="only an owner"):
        screening.set_stage("title_abstract", open=False, member=review.team.member("pat"))
    assert (
        screening.set_stage("title_abstract", open=False, member=review.team.member("olga"))["open"]
        is False
    )
    with pytest.raises(StageClosed, match="closed"):
        screening.decide("title_abstract", ids[0], "include", member=review.team.member("ana"))
    screening.set_stage("title_abstract", open=True, member=review.team.member("olga"))
    screening.decide("title_abstract", ids[0], "include", member=review.team.member("ana"))
    screening.decide("title_abstract", ids[0], "exclude", member=review.team.member("zbyszek"))
    # blind: ana sees neither zbyszek's call nor the conflict
    view = screening.record("title_abstract", ids[0], member=review.team.member("ana"))
    assert view.others == [] and view.status == "pending"
    screening.set_stage("title_abstract", blind=False, member=review.team.member("olga"))
    view = screening.record("title_abstract", ids[0], member=review.team.member("ana"))
    assert [c.reviewer for c in view.others] == ["zbyszek"] and view.status == "conflict"
    kinds = [
        (e.kind, e.details.get("blind"), e.details.get("open"))
        for e in review.events.read(kind="screen.stage")
    ]
    assert kinds == [
        ("screen.stage", None, False),
        ("screen.stage", None, True),
        ("screen.stage", False, None),
    ]
    with pytest.raises(InvalidDecision):
        screening.set_stage("title_abstract", member=review.team.member("olga"))


def test_settle_many_settles_all_or_none(team):
    review, ids = team
    _decide_all(review, "title_abstract", ids[:3], ["include"] * 3, ["exclude"] * 3)
    screening = review.screening
    with pytest.raises(NotPermitted):
        screening.settle_many(
            "title_abstract", ids[:2], "include", why="x", member=review.team.member("ana")
        )
    with pytest.raises(InvalidDecision):  # the second has a bad reason: nothing is settled
        screening.settle_many(
            "title_abstract",
            ids[:2],
            "exclude",
            reason="ZZ",
            why="x",
            member=review.team.member("pat"),
        )
    assert len(screening.conflicts("title_abstract", member=review.team.member("pat"))) == 3
    states = screening.settle_many(
        "title_abstract", ids[:2], "include", why="both about it", member=review.team.member("pat")
    )
    assert [s.status for s in states] == ["settled", "settled"]
    assert [
        c["record_id"]
        for c in screening.conflicts("title_abstract", member=review.team.member("pat"))
    ] == [ids[2]]


def test_my_records_are_searched_and_filtered_and_never_show_a_conflict(team):
    review, ids = team
    _decide_all(review, "title_abstract", ids[:2], ["include", "exclude"], ["exclude", None])
    mine = review.screening.my_records("title_abstract", member=review.team.member("ana"))
    assert mine["total"] == 6 and [r["record_id"] for r in mine["rows"]] == ids
    assert {r["status"] for r in mine["rows"]} == {"pending"}  # ids[0] is a conflict, hidden
    todo = review.screening.my_records(
        "title_abstract", show="todo", member=review.team.member("ana")
    )
    assert [r["record_id"] for r in todo["rows"]] == ids[2:]
    excluded = review.screening.my_records(
        "title_abstract", show="exclude", member=review.team.member("ana")
    )
    assert [r["record_id"] for r in excluded["rows"]] == [ids[1]]
    found = review.screening.my_records(
        "title_abstract", text="ABSTRACT 3 alliance", member=review.team.member("ana")
    )
    assert [r["record_id"] for r in found["rows"]] == [ids[2]]
    assert (
        review.screening.my_records("title_abstract", text="kw5", member=review.team.member("ana"))[
            "total"
        ]
        == 1
    )
    pat = review.screening.my_records("title_abstract", member=review.team.member("pat"))
    assert pat["total"] == 0
    with pytest.raises(InvalidDecision):
        review.screening.my_records("title_abstract", show="nope", member=review.team.member("ana"))


def test_a_pdf_matches_by_doi_in_its_name_source_id_record_id_or_doi_inside():
    candidates = {
        7: Candidate(7, "10.1000/w1", "W1"),
        8: Candidate(8, "10.1000/w2", "WOS:000123"),
        9: Candidate(9, "10.1000/ab-9", ""),
    }
    assert match_pdf("10.1000_w1.pdf", b"", candidates).record_ids == (7,)
    assert match_pdf("10.1000%2FAB-9.PDF", b"", candidates).record_ids == (9,)
    assert match_pdf("WOS_000123.pdf", b"", candidates).by == "source id"
    assert match_pdf("record-8.pdf", b"", candidates).record_ids == (8,)
    assert match_pdf("12.pdf", b"", candidates).record_ids == ()
    inside = pdf_bytes("paper", doi="10.1000/W2")
    assert dois_in_pdf(inside) == ["10.1000/w2"]
    assert match_pdf("scan.pdf", inside, candidates).record_ids == (8,)
    assert match_pdf("scan.pdf", b"%PDF-1.4 nothing", candidates).record_ids == ()


def test_a_doi_in_compressed_page_text_is_read_with_pypdf(tmp_path):
    candidates = {8: Candidate(8, "10.1000/w2", "")}
    data = pdf_bytes("Published as", doi="10.1000/W2", compress=True)
    assert b"10.1000" not in data  # not findable in the raw bytes
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    assert dois_in_pdf(data) == []
    assert dois_in_pdf(data, path) == ["10.1000/w2"]
    assert match_pdf("paper.pdf", data, candidates, path).by == "doi in file"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    assert dois_in_pdf(b"%PDF-1.4 not really", broken) == []


def test_many_pdfs_attach_each_to_its_sought_record(team, tmp_path):
    review, ids = team
    _decide_all(
        review,
        "title_abstract",
        ids,
        ["include"] * 3 + ["exclude"] * 3,
        ["include"] * 3 + ["exclude"] * 3,
    )
    files = []
    for name, doi in [
        ("10.1000_w1.pdf", ""),
        ("scan.pdf", "10.1000/w2"),
        ("W4.pdf", ""),
        ("other.pdf", ""),
    ]:
        path = tmp_path / f"upload-{len(files)}"
        path.write_bytes(pdf_bytes(name, doi=doi))
        files.append((name, path))
    results = review.screening.attach_fulltexts(files, member=review.team.member("ana"))
    assert [(r["file"], r["status"], r["record_id"]) for r in results] == [
        ("10.1000_w1.pdf", "attached", ids[0]),
        ("scan.pdf", "attached", ids[1]),
        ("W4.pdf", "unmatched", None),  # excluded at title/abstract: not sought
        ("other.pdf", "unmatched", None),
    ]
    rows = {r["record_id"]: r for r in review.screening.fulltexts(member=review.team.member("pat"))}
    assert set(rows) == set(ids[:3])
    assert (
        rows[ids[0]]["status"] == "attached" and rows[ids[0]]["original_name"] == "10.1000_w1.pdf"
    )
    assert rows[ids[2]]["status"] == "missing"
    path = review.screening.fulltext_file(ids[1], member=review.team.member("zbyszek"))
    assert path.read_bytes().startswith(b"%PDF-") and path.parent.name == "fulltext"
    with pytest.raises(Exception, match="no full-text PDF"):
        review.screening.fulltext_file(ids[2], member=review.team.member("ana"))
    event = review.events.read(kind="fulltext.attach")[0]
    assert event.details["original_name"] == "10.1000_w1.pdf"


def test_a_study_is_charted_from_form_inputs_and_verified(team):
    review, ids = team
    charting = review.charting
    ana, pat = review.team.member("ana"), review.team.member("pat")
    with pytest.raises(ChartingError, match="not an included study"):
        charting.chart_study("W1", {"design": ["Mixed"]}, member=ana, record_id=ids[0])
    _decide_all(review, "title_abstract", ids[:1], ["include"], ["include"])
    review.screening.assign("full_text", member=review.team.member("olga"))
    _decide_all(review, "full_text", ids[:1], ["include"], ["include"])
    assert review.included() == [ids[0]]
    inputs = {
        "design": ["Mixed"],
        "setting": ["Outpatient", "Online"],
        "participants": ["12"],
        "summary": ["Ruptures repaired by metacommunication."],
        "passages": ["12 | a quote\nno page here"],
    }
    saved = charting.chart_study("W1", inputs, member=ana, record_id=ids[0], basis="Table 1")
    assert saved["values"] == 5
    values = charting.values("ana")["W1"]
    assert values["setting"] == ["Outpatient", "Online"] and values["participants"] == 12
    assert values["passages"] == [{"page": "12", "text": "a quote"}, {"text": "no page here"}]
    assert charting.codebook.to_inputs(values)["passages"] == ["12 | a quote\nno page here"]
    with pytest.raises(ChartingError, match="'Weird' is not a choice"):
        charting.chart_study("W1", {"design": ["Weird"]}, member=ana, record_id=ids[0])
    with pytest.raises(ChartingError, match="not a number"):
        charting.chart_study("W1", {"participants": ["many"]}, member=ana)
    with pytest.raises(ChartingError, match="cannot verify their own"):
        charting.chart_study("W1", inputs, member=ana, verify=True)
    check = dict(inputs, design=["Qualitative"])
    verified = charting.chart_study("W1", check, member=pat, record_id=ids[0], verify=True)
    by_field = {a["field"]: a for a in verified["agreement"]}
    assert by_field["design"]["agreed"] == 0 and by_field["setting"]["agreed"] == 1
    assert review.events.read(kind="chart.verify")[-1].details["second"] == "pat"
    rows = charting.comparison("ana", "pat")
    assert {(r["field"], r["same"]) for r in rows} >= {("design", False), ("setting", True)}
    assert [e.kind for e in review.events.read(prefix="chart.")] == ["chart.form", "chart.verify"]


def test_the_next_record_to_decide_follows_the_queue_in_indexed_queries(team, tmp_path):
    import random

    review, ids = team
    s = review.screening
    rng = random.Random(3)
    checked: list[tuple[str, int, int | None]] = []
    for _ in range(40):
        name = rng.choice(["ana", "zbyszek"])
        todo = s.queue("title_abstract", member=review.team.member(name))
        assert s.next_todo("title_abstract", member=review.team.member(name)) == (
            todo[0] if todo else None
        )
        skip = rng.choice(ids)
        rest = [r for r in todo if r != skip]
        assert s.next_todo("title_abstract", member=review.team.member(name), skip=skip) == (
            rest[0] if rest else None
        )
        action = rng.random()
        try:
            if action < 0.6 and todo:
                rid = rng.choice(todo)
                _, following = s.decide_next(
                    "title_abstract",
                    rid,
                    rng.choice(["include", "exclude"]),
                    member=review.team.member(name),
                )
                checked.append((name, rid, following))
            elif action < 0.8:
                s.undo("title_abstract", member=review.team.member(name))
            else:
                conflicts = s.conflicts("title_abstract", member=review.team.member("pat"))
                if conflicts:
                    s.settle(
                        "title_abstract",
                        conflicts[0]["record_id"],
                        "include",
                        why="x",
                        member=review.team.member("pat"),
                    )
        except Exception:  # nothing to undo, or settled since: the queue is what counts
            pass
        for who, rid, following in checked:
            # decide_next named the first open record after the one decided in the queue's
            # order, or past the end the queue's first
            member = review.team.member(who)
            after = s.queue("title_abstract", member=member)
            rows = s.my_records("title_abstract", member=member, limit=10_000)["rows"]
            order = [row["record_id"] for row in rows]
            later = order[order.index(rid) + 1 :]
            assert following == next((r for r in later if r in after), None) or next(
                (r for r in after if r != rid), None
            )
        checked.clear()
    s.assign("full_text", member=review.team.member("olga"))
    for name in ("ana", "zbyszek"):
        todo = s.queue("full_text", member=review.team.member(name))
        assert s.next_todo("full_text", member=review.team.member(name)) == (
            todo[0] if todo else None
        )
    if todo:
        s.mark_not_retrieved(todo[0], why="gone", member=review.team.member("ana"))
        after = s.queue("full_text", member=review.team.member("zbyszek"))
        assert s.next_todo("full_text", member=review.team.member("zbyszek")) == (
            after[0] if after else None
        )


def test_evimap_verify_replays_logins_stage_settings_and_charting_forms(team):
    from sqlalchemy import update

    from evimap.store.models_accounts import AccountRow, StageSettingRow

    review, ids = team
    olga = review.team.member("olga")
    review.accounts.set_role("pat", "owner", member=olga)
    review.accounts.set_password("ana", "a new password", member=olga)
    review.screening.set_stage("title_abstract", blind=False, member=olga)
    review.screening.set_stage("title_abstract", open=False, member=olga)
    review.screening.set_stage("title_abstract", open=True, member=olga)
    _decide_all(review, "title_abstract", ids[:1], ["include"], ["include"])
    review.screening.assign("full_text", member=olga)
    _decide_all(review, "full_text", ids[:1], ["include"], ["include"])
    review.charting.chart_study("W1", {"design": ["Mixed"]}, member=review.team.member("ana"))
    found = review.verify(member=olga)
    # the fixture writes its records straight into the store (no import.file event)
    own = [p for p in found.problems if p.table not in ("source_files", "records")]
    assert own == [], own
    assert found.rows["accounts"] == 4 and found.rows["screening_stage_settings"] == 3
    assert not [u for u in found.unchecked if "accounts" in u or "screen.stage" in u]
    with review.store.transaction() as session:  # edits outside evimap are named
        session.execute(update(AccountRow).where(AccountRow.name == "ana").values(role="owner"))
        session.execute(update(StageSettingRow).where(StageSettingRow.id == 1).values(value=True))
    problems = {(p.table, p.message) for p in review.verify(member=olga).problems}
    assert ("accounts", "role is 'owner' but the log says 'reviewer'") in problems
    assert any(t == "screening_stage_settings" for t, _ in problems)
