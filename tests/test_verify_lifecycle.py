"""`evimap verify` on a review taken through every step that changes tables since the team
core landed: dedup with a record detached, decisions, notes and tags, a conflict settled, a
decisions import undone, a forced dedup and a forced detach and removal after assignment
(screening moved, voided), a full text, citation searching, the stopping test's sample and
stop. Every row agrees with the log; then one decision row edited directly is named
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, update

from evimap.review import Review
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_screening import DecisionRow
from tests.screening_support import TEAM, new_db, write_review  # noqa: F401

TA, FT = "title_abstract", "full_text"
A, B, P, OW = (TEAM[n] for n in "ABPO")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

WOS = [  # (id, title, doi, year)
    ("W1", "Rupture repair in brief therapy", "10.1/a", 2010),
    ("W2", "Alliance ruptures in group therapy", "10.1/b", 2012),
    ("W3", "Metacommunication in alliance repair", "10.1/d", 2015),
    ("W4", "Withdrawal ruptures and outcome", "10.1/e", 2016),
    ("W5", "Confrontation ruptures in couples therapy", "10.1/g", 2019),
]
SCOPUS = [
    ("S1", "Rupture repair in brief therapy.", "10.1/a", 2010),
    ("S2", "An old view of the working alliance", "10.1/c", 1990),
    ("S3", "Ruptures in online therapy sessions", "10.1/f", 2018),
]
PSYC = [  # a third file: relabelled, then removed after its records were screened
    ("P1", "Ruptures in family therapy", "10.1/h", 2017),
    ("P2", "Alliance ruptures in group therapy", "10.1/b", 2012),
]
REMOVE_OLD = """
[[removals.rules]]
reason = "published before 2000"
field = "year"
from = 2000
"""


def _ris(path, papers, database):
    path.write_text(
        "".join(
            f"TY  - JOUR\nID  - {sid}\nTI  - {title}\nAU  - Safran, Jeremy\nPY  - {year}\n"
            f"DO  - {doi}\nAB  - About repairing ruptures in the therapeutic alliance.\n"
            f"DB  - {database}\nER  - \n\n"
            for sid, title, doi, year in papers
        ),
        encoding="utf-8",
    )
    return path


def _ids(review) -> dict[str, int]:
    with review.store.read() as session:
        return dict(session.execute(select(RecordRow.source_record_id, RecordRow.id)).all())


def _lifecycle(review: Review, tmp_path) -> dict[str, int]:
    wos = _ris(tmp_path / "wos.ris", WOS, "Web of Science")
    scopus = _ris(tmp_path / "scopus.ris", SCOPUS, "Scopus")
    review.imports.add(wos, member=OW, database="Web of Science")
    review.imports.add(scopus, member=OW, database="Scopus")
    psyc = _ris(tmp_path / "psyc.ris", PSYC, "PsycINFO")
    psyc_id = review.imports.add(psyc, member=OW, database="PsycINFO").source_file_id
    ids = _ids(review)
    s = review.screening
    s.assign(TA, member=OW)
    # decisions, a note, tags, an undo, a conflict settled
    s.decide(TA, ids["W1"], "include", member=A)
    s.decide(TA, ids["S1"], "include", member=A, note="the Scopus copy")
    s.decide(TA, ids["S1"], "include", member=B)
    s.tag(TA, ids["S1"], ["copy"], member=B)
    s.decide(TA, ids["W2"], "include", member=A)
    s.decide(TA, ids["W2"], "exclude", reason="E1", member=B)
    s.settle(TA, ids["W2"], "include", member=P, why="discussed")
    s.decide(TA, ids["W5"], "exclude", reason="E2", member=A)
    s.undo(TA, member=A, record_id=ids["W5"])
    # a decisions import, then its undo
    batch_file = tmp_path / "a_decisions.csv"
    batch_file.write_text(
        "source_record_id,decision,reason\nW3,include,\nW4,exclude,E1\n", encoding="utf-8"
    )
    batch = s.import_decisions(batch_file, TA, member=A).batch
    s.undo_import(batch, member=A)
    s.decide(TA, ids["W3"], "include", member=A)
    s.decide(TA, ids["W3"], "include", member=B)
    # forced dedup after assignment: W1 and S1 merge, the screening moves to the kept one
    review.dedup.run(member=OW, force=True)
    # forced detach of the merged copy, and forced removals (S2, 1990, is voided)
    cluster = next(c for c in review.dedup.clusters(only_duplicates=True))
    gone = next(r for r in (ids["W1"], ids["S1"]) if r != cluster["cluster_id"])
    review.dedup.undo(record_id=gone, member=OW, force=True)
    review.dedup.remove(member=OW, force=True)
    # the third file relabelled, then taken out of the review although screened (forced)
    s.decide(TA, ids["P1"], "include", member=A)
    review.imports.relabel(psyc_id, "embase", member=OW)
    review.imports.remove(psyc_id, member=OW, force=True, why="exported twice")
    # a full text of a record included at title/abstract
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(PDF)
    s.attach_fulltext(ids["W3"], pdf, member=A)
    # citation searching from a plain list of references: one known, one new
    refs = tmp_path / "refs.txt"
    refs.write_text(
        "Safran J. (2012). Alliance ruptures in group therapy. Psychotherapy 49(2) 1-9. "
        "https://doi.org/10.1/b\n\n"
        "Eubanks C. (2021). Rupture repair practice in training clinics. Journal of "
        "Supervision 3 10-20.\n",
        encoding="utf-8",
    )
    review.citations.chase(refs, member=OW)
    # the stopping test: a sample drawn, then the decision to stop
    review.prioritise.sample(TA, member=OW)
    review.prioritise.decide(TA, "stop", member=OW, why="enough for this test")
    return ids


def test_every_step_agrees_with_the_log_and_an_edited_decision_is_named(tmp_path, new_db):  # noqa: F811
    folder = write_review(tmp_path / "review")
    with (folder / "review.toml").open("a", encoding="utf-8") as handle:
        handle.write(REMOVE_OLD)
    with Review.open(folder, db=new_db()) as review:
        _lifecycle(review, tmp_path)
        kinds = Counter(e.kind for e in review.events.read(member=OW))
        for kind in (
            "dedup.run",
            "dedup.detach",
            "removals.apply",
            "screen.move",
            "screen.import",
            "screen.import_undo",
            "screen.undo",
            "screen.settle",
            "screen.note",
            "screen.tags",
            "fulltext.attach",
            "chase.run",
            "identify.other",
            "prioritise.sample",
            "prioritise.stop",
            "team.sync",
            "imports.relabel",
            "imports.remove",
        ):
            assert kinds[kind], f"the scenario logged no {kind}"
        assert kinds["screen.move"] >= 2  # the forced dedup moved, the forced removal voided
        moved = [e for e in review.events.read(member=OW) if e.details.get("moved_from")]
        assert {e.kind for e in moved} >= {"screen.decision", "screen.note", "screen.tags"}

        result = review.verify(member=OW)
        assert result.problems == [], result.problems
        assert result.unchecked == []
        for table in (
            "screening_decisions",
            "screening_assignments",
            "screening_settlements",
            "screening_notes",
            "screening_reviewers",
            "dedup_decisions",
            "removals",
            "citation_links",
            "prioritise_rounds",
        ):
            assert result.rows[table] > 0, table

        with review.store.read() as session:
            row = session.scalars(
                select(DecisionRow)
                .where(DecisionRow.action == "move")
                .order_by(DecisionRow.id.desc())
                .limit(1)
            ).one()
        with review.store.transaction() as session:
            session.execute(
                update(DecisionRow).where(DecisionRow.id == row.id).values(decision="exclude")
            )
        problems = review.verify(member=OW).problems
        assert [(p.table, p.row_id) for p in problems] == [("screening_decisions", row.id)]
        assert problems[0].message == "decision is 'exclude' but the log says 'include'"
        # a relabelled file whose database is changed back by hand is named too
        scopus = next(f for f in review.imports.list() if f.name == "scopus.ris")
        review.imports.relabel(scopus.id, "embase", member=OW)
        with review.store.transaction() as session:
            session.execute(
                update(SourceFile).where(SourceFile.id == scopus.id).values(database="Scopus")
            )
        problems = review.verify(member=OW).problems
    assert ("source_files", scopus.id) in [(p.table, p.row_id) for p in problems]
    assert "but the log relabelled it 'Embase'" in str([p.message for p in problems])
