"""`evimap verify` replays the event log against the tables and names every row that
disagrees (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from evimap.cli import app
from evimap.demo import sample_exports
from evimap.review import Review
from evimap.store.models import RecordRow
from evimap.store.models_dedup import DedupMember, Removal
from evimap.store.models_screening import (
    AssignmentRow,
    DecisionRow,
    FulltextRow,
    NoteRow,
    SettlementRow,
)
from tests.screening_support import TEAM, new_db, write_review  # noqa: F401

TA, FT = "title_abstract", "full_text"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
runner = CliRunner()


@pytest.fixture
def screened(tmp_path, new_db):  # noqa: F811
    """A review taken through import, dedup, removals, assignment, decisions (one undone),
    a note, tags, a settlement and a full-text PDF, every step through evimap."""
    folder = write_review(tmp_path / "review")
    with (folder / "review.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[removals.rules]]\nreason = "published before 2000"\nfield = "year"\n')
        handle.write("from = 2000\n")
    db = new_db()
    review = Review.open(folder, db=db)
    for path in sorted(sample_exports().iterdir()):
        if path.suffix in (".ris", ".txt"):
            review.imports.add(path, member=TEAM["O"])
    review.dedup.run(member=TEAM["O"])
    review.dedup.remove(member=TEAM["O"])
    s = review.screening
    s.assign(TA, member=TEAM["O"])
    units = s.queue(TA, member=TEAM["A"])
    first, second, third = units[:3]
    s.decide(TA, first, "include", member=TEAM["A"])
    s.decide(TA, first, "include", member=TEAM["B"])
    s.decide(TA, second, "include", member=TEAM["A"])
    s.decide(TA, second, "exclude", member=TEAM["B"], reason="E1")
    s.decide(TA, third, "exclude", member=TEAM["A"], reason="E2")
    s.decide(TA, third, "maybe", member=TEAM["A"], note="not sure after all")
    s.undo(TA, member=TEAM["A"], record_id=third)
    s.tag(TA, third, ["methods"], member=TEAM["B"])
    s.settle(TA, second, "include", member=TEAM["P"], why="discussed")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(PDF)
    s.attach_fulltext(first, pdf, member=TEAM["A"])
    review.units = (first, second, third)
    review.db = db
    yield review
    review.close()


def _tamper(review, *statements) -> None:
    """Edit the tables directly, as someone with the database's password could."""
    with review.store.transaction() as session:
        for statement in statements:
            if isinstance(statement, str):
                session.execute(text(statement))
            elif callable(statement):
                statement(session)
            else:
                session.execute(statement)


def test_a_review_written_by_evimap_agrees_with_its_log(screened):
    result = screened.verify(member=TEAM["O"])
    assert result.problems == []
    assert result.unchecked == []
    assert result.rows["screening_decisions"] == 7
    assert result.rows["screening_assignments"] == 2 * len(
        screened.screening.queue(TA, member=TEAM["A"], todo_only=False)
    )
    assert result.rows["records"] == 9
    assert result.rows["screening_notes"] == 2
    assert result.rows["screening_fulltext"] == 1


def test_every_row_edited_outside_evimap_is_named(screened):
    first, second, third = screened.units
    with screened.store.read() as session:
        b_exclude = session.scalar(
            select(DecisionRow.id).where(
                DecisionRow.decision == "exclude", DecisionRow.reviewer == "B"
            )
        )
        note = session.scalar(select(NoteRow.id).where(NoteRow.kind == "note"))
        fulltext = session.scalar(select(FulltextRow.id))
        clusters = session.execute(
            select(DedupMember.id, DedupMember.cluster_id).order_by(DedupMember.id)
        ).all()
        record = session.get(RecordRow, first)
        source_file_id, kept = record.source_file_id, record.id

    def add_rows(session) -> None:
        session.add(
            SettlementRow(
                stage=TA,
                record_id=third,
                decision="exclude",
                reason="E1",
                why="x",
                arbiter="P",
            )
        )
        session.add(
            AssignmentRow(stage=FT, record_id=first, reviewer="B", round="main", position=0)
        )
        session.add(Removal(record_id=kept, reason="wrong field", rule="", actor="", active=True))
        session.add(
            RecordRow(
                source_file_id=source_file_id,
                title="smuggled in",
                authors=[],
                issn=[],
                keywords=[],
                indexed_keywords=[],
                subject_areas=[],
                cited_references=[],
            )
        )

    _tamper(
        screened,
        update(DecisionRow).where(DecisionRow.id == b_exclude).values(decision="include"),
        f"DELETE FROM screening_notes WHERE id = {note}",
        update(FulltextRow).where(FulltextRow.id == fulltext).values(sha256="0" * 64),
        update(DedupMember)
        .where(DedupMember.id == clusters[0][0])
        .values(cluster_id=clusters[-1][1]),
        add_rows,
    )
    problems = screened.verify(member=TEAM["O"]).problems
    named = {(p.table, p.row_id) for p in problems}
    messages = " | ".join(p.message for p in problems)
    assert ("screening_decisions", b_exclude) in named
    assert "decision is 'include' but the log says 'exclude'" in messages
    assert ("screening_notes", note) in named
    assert f"the row the log wrote (id {note}) is not in screening_notes" in messages
    assert ("screening_fulltext", fulltext) in named
    assert "P's settlement of record" in messages and "has no screen.settle event" in messages
    assert f"record {first} assigned to B at full_text has no screen.assign event" in messages
    assert f"record {kept} is removed (wrong field); the log does not remove it" in messages
    assert "records in the store; the log imported" in messages
    assert any(p.table == "dedup_members" for p in problems)
    tables = {p.table for p in problems}
    assert tables == {
        "screening_decisions",
        "screening_notes",
        "screening_fulltext",
        "screening_settlements",
        "screening_assignments",
        "removals",
        "records",
        "dedup_members",
    }


def test_a_forked_history_is_named(screened):
    """A fork written before the unique index existed (or by hand, with it dropped)."""
    *_, third = screened.units
    _tamper(screened, "DROP INDEX uq_screening_decisions_chain")
    screened.screening.decide(TA, third, "include", member=TEAM["A"])
    with screened.store.read() as session:
        rows = list(
            session.scalars(
                select(DecisionRow)
                .where(DecisionRow.record_id == third, DecisionRow.reviewer == "A")
                .order_by(DecisionRow.id)
            )
        )
    last, before = rows[-1], rows[-2]
    _tamper(  # the newest row now supersedes what the row before it superseded: a fork
        screened,
        update(DecisionRow)
        .where(DecisionRow.id == last.id)
        .values(supersedes_id=before.supersedes_id),
    )
    problems = screened.verify(member=TEAM["O"]).problems
    assert [(p.table, p.row_id) for p in problems] == [("screening_decisions", last.id)]
    assert problems[0].message == (
        f"supersedes_id is {before.supersedes_id} but the log says {before.id}"
    )


def test_the_cli_prints_the_disagreements_and_exits_1(screened):
    folder = screened.folder
    ok = runner.invoke(app, ["verify", str(folder), "--db", screened.db, "--as", "O"])
    assert ok.exit_code == 0, ok.output
    assert "every row agrees with the log" in ok.output
    _tamper(screened, update(DecisionRow).values(reason="[/i]"))
    result = runner.invoke(
        app, ["verify", str(folder), "--db", screened.db, "--as", "O", "--format", "json"]
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert len(data["problems"]) == 7
    assert data["problems"][0]["table"] == "screening_decisions"
    table = runner.invoke(app, ["verify", str(folder), "--db", screened.db, "--as", "O"])
    assert table.exit_code == 1
    assert "reason is '[/i]' but the log says" in table.output  # record text is not markup


def test_the_worked_example_agrees_with_its_log(tmp_path):
    from evimap.demo import DEMO_ARBITER, build_example

    build = build_example(tmp_path / "demo")
    with Review.open(tmp_path / "demo") as review:
        arbiter = review.team.member(DEMO_ARBITER)
        result = review.verify(member=arbiter)
        assert result.problems == []
        assert result.rows["charted_values"] > 500
        _tamper(review, "UPDATE charted_values SET value = '\"Chile\"' WHERE id = 1")
        problems = review.verify(member=arbiter).problems
    assert [(p.table, p.row_id) for p in problems] == [("charted_values", 1)]
    assert build.charted_studies == 25


def test_citation_searching_agrees_with_its_log(tmp_path, new_db):  # noqa: F811
    """Records added by a chase or another method carry no import.file event: their
    identify.other and chase.run events account for them."""
    from evimap.importing import import_file
    from evimap.store.models_citations import CitationLink
    from tests.conftest import shared_data

    folder = write_review(tmp_path / "review")
    with Review.open(folder, db=new_db()) as review:
        wos = shared_data(
            "exports", "massimoaria+bibliometrix/tests/testthat/fixtures/wos_sample.txt"
        )
        import_file(review.store, wos)
        chased = review.citations.chase(wos, member=TEAM["O"])
        found = tmp_path / "found.ris"
        found.write_text(
            "TY  - RPRT\nAU  - Gough, David\nTI  - Mapping research on alliance ruptures\n"
            "PY  - 2021\nER  - \n",
            encoding="utf-8",
        )
        review.citations.log_other("websites", path=found, member=TEAM["O"])
        result = review.verify(member=TEAM["O"])
        assert result.problems == []
        assert result.unchecked == []
        assert result.rows["citation_links"] == chased.references
        with review.store.read() as session:
            link = session.scalar(
                select(CitationLink.id).where(CitationLink.status == "matched").limit(1)
            )
        _tamper(
            review,
            update(CitationLink).where(CitationLink.id == link).values(status="candidate"),
        )
        problems = review.verify(member=TEAM["O"]).problems
    assert [(p.table, p.row_id) for p in problems] == [("citation_links", link)]


def test_every_declared_kind_is_replayed_or_marked_as_changing_no_table():
    from evimap.store.kinds import Kind
    from evimap.verify import CHECKS, NO_TABLE, RULES

    replayed = [kind for _, kinds in CHECKS for kind in kinds]
    assert not set(replayed) & set(NO_TABLE), "a kind is both replayed and marked no-table"
    missing = sorted(k.value for k in Kind if k.value not in RULES)
    assert missing == [], f"kinds with no replay rule and no 'no table' mark: {missing}"
    assert set(RULES) == {k.value for k in Kind}


def test_an_event_of_a_kind_with_no_rule_is_reported_as_not_replayed(screened, monkeypatch):
    """A kind the replay knows nothing of (a newer evimap's, or one added without a rule)."""
    from evimap import verify

    monkeypatch.delitem(verify.RULES, "screen.tags")
    monkeypatch.setattr(
        verify, "CHECKS", tuple((c, k) for c, k in verify.CHECKS if "screen.tags" not in k)
    )
    result = screened.verify(member=TEAM["O"])
    assert "1 screen.tags event(s) not replayed: no replay rule for this kind" in result.unchecked
