# ruff: noqa: E501  (the fixture files are written out as their tools lay them out)
"""Decisions in from files written to the documented layouts of Rayyan (articles.csv),
Covidence (a list's CSV export) and ASReview (a project's export), and evimap's own export:
matching order, ambiguous and unmatched rows, whose decisions they are, arbiters' files,
multi-line cells and line numbers, and undoing an import."""

from __future__ import annotations

from pathlib import Path

import pytest

from evimap.errors import NotPermitted
from evimap.members import Member
from evimap.records import Record
from evimap.review import Review
from evimap.screening.errors import DecisionFileError, ScreeningError
from tests.screening_support import (
    TEAM,
    add_records,
    log_flow,
    make_review,  # noqa: F401
    new_db,  # noqa: F401
    small_records,
    table_flow,
    write_review,
)

TA = "title_abstract"
A, B, P, OW = (TEAM[n] for n in "ABPO")


@pytest.fixture
def review(tmp_path):
    with Review.open(write_review(tmp_path / "review")) as opened:
        opened.ids = add_records(opened, small_records(6))
        yield opened


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _calls(review, who: str) -> dict[str, tuple[str, str]]:
    return {
        r["source_record_id"]: (r["decision"], r["reason"])
        for r in review.screening.decisions(TA, member=OW)
        if r["reviewer"] == who and r["kind"] == "decision"
    }


# Rayyan's articles.csv: Rayyan's own key, the bibliographic columns, and every collaborator's
# vote in the notes column. The second row's abstract spans three lines.
RAYYAN = """key,title,authors,journal,issn,volume,issue,pages,year,publisher,url,abstract,notes,doi,keywords
rayyan-381,"Record 1: repairing alliance ruptures in therapy",,,,,,,2001,,,,"RAYYAN-INCLUSION: {""A""=>""Included"", ""B""=>""Excluded""} | RAYYAN-LABELS: rct | RAYYAN-EXCLUSION-REASONS: Not psychotherapy",10.1000/s1,
rayyan-382,"Record 2: repairing alliance ruptures in therapy",,,,,,,2002,,,"First line of the abstract,
second line, ""quoted"",
third line.","RAYYAN-INCLUSION: {""A""=>""Excluded""} | RAYYAN-EXCLUSION-REASONS: E2",10.1000/s2,
rayyan-383,"Record 3: repairing alliance ruptures in therapy",,,,,,,2003,,,,"RAYYAN-INCLUSION: {""A""=>""Maybe"", ""B""=>""Included""}",,
rayyan-384,"A record this review does not hold",,,,,,,1999,,,,"RAYYAN-INCLUSION: {""A""=>""Included""}",,
"""


def test_rayyan_votes_are_each_collaborators_and_line_numbers_survive_multiline_cells(
    review, tmp_path
):
    path = _write(tmp_path, "articles.csv", RAYYAN)
    with pytest.raises(DecisionFileError) as error:
        review.screening.import_decisions(path, TA, member=A)
    # the unmatched row is on line 7: the abstract of the row on line 3 spans lines 3-5
    assert str(error.value) == (
        f"{path}:7: matches no record by source ID 'rayyan-384' or title 'A record this "
        "review does not hold' (1999)"
    )
    result = review.screening.import_decisions(path, TA, member=A, skip_unmatched=True)
    assert result.layout == "rayyan" and result.reviewers == ["A"]
    assert [u["line"] for u in result.unmatched] == [7]
    # rows 1-2 match by DOI, row 3 (no DOI) by title and year
    assert _calls(review, "A") == {
        "S1": ("include", ""),
        "S2": ("exclude", "E2"),
        "S3": ("maybe", ""),
    }
    assert _calls(review, "B") == {}


def test_a_whole_team_file_needs_every_voter_on_the_team(review, tmp_path):
    text = RAYYAN.replace('""B""=>""Excluded""', '""Luke""=>""Excluded""')
    path = _write(tmp_path, "articles.csv", text)
    with pytest.raises(DecisionFileError, match=r"articles.csv:2 \[reviewer\]: 'Luke' is not on"):
        review.screening.import_decisions(path, TA, member=None, skip_unmatched=True)
    path = _write(tmp_path, "team.csv", RAYYAN)
    result = review.screening.import_decisions(path, TA, member=None, skip_unmatched=True)
    assert result.reviewers == ["A", "B"]
    assert _calls(review, "B") == {"S1": ("exclude", "E1"), "S3": ("include", "")}
    assert review.screening.record(TA, review.ids[0], member=P).status == "conflict"


# Covidence exports each list (irrelevant, excluded, included) as its own CSV; "Covidence #" is
# Covidence's number, "Accession Number" the source database's ID.
COVIDENCE = """Title,Authors,Abstract,Published Year,Published Month,Journal,Volume,Issue,Pages,Accession Number,DOI,Ref,Covidence #,Study,Notes,Tags
"Record 4: repairing alliance ruptures in therapy",Eubanks C.F.,,2004,,Psychotherapy,,,,S4,,R1,#104,Eubanks 2004,,
"Record 5: repairing alliance ruptures in therapy",Safran J.,,2005,,Psychotherapy,,,,,10.1000/s5,R2,#105,Safran 2005,,
"""


def test_a_covidence_list_matches_by_accession_number_then_doi(review, tmp_path):
    path = _write(tmp_path, "review_1_irrelevant_csv.csv", COVIDENCE)
    with pytest.raises(DecisionFileError, match="give --decision"):
        review.screening.import_decisions(path, TA, member=B)
    result = review.screening.import_decisions(path, TA, member=B, default_decision="exclude")
    assert (result.layout, result.decisions) == ("covidence", 2)
    assert _calls(review, "B") == {"S4": ("exclude", ""), "S5": ("exclude", "")}


# ASReview's project export: the dataset's columns, its record_id (the dataset's own when it had
# one, else ASReview's row number), and the label: 1 relevant, 0 irrelevant, empty not labelled.
ASREVIEW = """record_id,title,abstract,doi,asreview_label,asreview_time,asreview_note
S1,Record 1: repairing alliance ruptures in therapy,,10.1000/s1,1,2026-01-05 10:00:00,looks relevant
S2,Record 2: repairing alliance ruptures in therapy,,,0,2026-01-05 10:01:00,
S3,Record 3: repairing alliance ruptures in therapy,,,,,
X99,Record six,,https://doi.org/10.1000/S6,1,2026-01-05 10:02:00,
"""


def test_an_asreview_export_matches_its_record_id_as_a_source_id_and_keeps_notes(review, tmp_path):
    path = _write(tmp_path, "asreview_export.csv", ASREVIEW)
    result = review.screening.import_decisions(path, TA, member=A)
    assert (result.layout, result.decisions, result.undecided) == ("asreview", 3, 1)
    assert _calls(review, "A") == {
        "S1": ("include", ""),
        "S2": ("exclude", ""),
        "S6": ("include", ""),
    }
    notes = review.screening.record(TA, review.ids[0], member=A).notes
    assert [n.text for n in notes] == ["looks relevant"]


def test_asreview_row_numbers_that_hit_another_records_id_are_refused(tmp_path):
    with Review.open(write_review(tmp_path / "review")) as review:
        records = [Record(title=f"Paper number {i}", source_record_id=str(i)) for i in range(3)]
        add_records(review, records)
        path = _write(
            tmp_path,
            "asreview.csv",
            "record_id,title,asreview_label\n0,Paper number 2,1\n1,Paper number 1,0\n",
        )
        with pytest.raises(DecisionFileError) as error:
            review.screening.import_decisions(path, TA, member=A)
        assert str(error.value) == (
            f"{path}:2: its source ID names record 1, which has another title: is the file "
            "from another review, or its IDs another tool's numbering?"
        )


def test_matching_order_ambiguity_and_rows_naming_nothing(tmp_path):
    with Review.open(write_review(tmp_path / "review")) as review:
        first = add_records(review, small_records(2), name="a.csv")
        twin = add_records(review, [Record(title="Another paper", source_record_id="S1")], "b.csv")
        path = _write(
            tmp_path,
            "decisions.csv",
            "source_record_id,doi,title,year,decision\n"
            "S1,,,,include\n"  # S1 is in two files: which record?
            ",10.1000/s2,,,exclude\n"  # by DOI
            ",,,,include\n"  # names no record
            "S7,,Another paper,,maybe\n",  # S7 matches nothing; the title does
        )
        with pytest.raises(DecisionFileError) as error:
            review.screening.import_decisions(path, TA, member=A)
        assert str(error.value).splitlines() == [
            f"{path}:2: its source ID matches 2 records ({first[0]}, {twin[0]}); name one "
            "(e.g. by record_id)",
            f"{path}:4: names no record (no ID, DOI or title)",
        ]
        assert review.screening.decisions(TA, member=OW) == []  # nothing half-written
        path.write_text(path.read_text().replace("S1,,,,include\n", ""), encoding="utf-8")
        result = review.screening.import_decisions(path, TA, member=A, skip_unmatched=True)
        assert result.unmatched == [{"line": 3, "why": "names no record (no ID, DOI or title)"}]
        assert {
            r["record_id"]: r["decision"] for r in review.screening.decisions(TA, member=OW)
        } == {
            first[1]: "exclude",
            twin[0]: "maybe",
        }


def test_a_file_given_as_one_member_refuses_rows_naming_someone_else(review, tmp_path):
    path = _write(
        tmp_path,
        "mine.csv",
        "source_record_id,reviewer,decision\nS1,A,include\nS2,B,exclude\nS3,,include\n",
    )
    with pytest.raises(DecisionFileError) as error:
        review.screening.import_decisions(path, TA, member=A)
    assert str(error.value) == (
        f"{path}:3 [reviewer]: the row is by B, not by A: a file imported --as A holds only "
        "A's decisions"
    )
    no_one = _write(tmp_path, "anyone.csv", "source_record_id,decision\nS1,include\n")
    with pytest.raises(DecisionFileError, match="does not say whose decision it is"):
        review.screening.import_decisions(no_one, TA, member=None)


def test_an_arbiters_file_settles_conflicts_instead_of_voting(review, tmp_path):
    s, ids = review.screening, review.ids
    s.assign(TA, member=OW)
    for who, decision in ((A, "include"), (B, "exclude")):
        s.decide(TA, ids[0], decision, member=who)
        s.decide(TA, ids[1], decision, member=who)
    path = _write(
        tmp_path,
        "settled.csv",
        "source_record_id,reviewer,decision,reason,why\n"
        "S1,P,include,,about repair after all\n"
        "S2,P,exclude,E1,not psychotherapy\n",
    )
    result = s.import_decisions(path, TA, member=None)
    assert (result.settlements, result.decisions, result.reviewers) == (2, 0, ["P"])
    assert s.conflicts(TA, member=P) == []
    view = s.record(TA, ids[0], member=A)
    assert (view.status, view.settlement.by, view.settlement.arbiter) == ("settled", "arbiter", "P")
    assert view.settlement.why == "about repair after all"
    assert all(r["reviewer"] != "P" for r in s.decisions(TA, member=OW) if r["kind"] == "decision")
    exported = [r for r in s.decisions(TA, member=B) if r["kind"] == "settlement"]
    assert [(r["record_id"], r["reviewer"], r["role"], r["decision"]) for r in exported] == [
        (ids[0], "P", "arbiter", "include"),
        (ids[1], "P", "arbiter", "exclude"),
    ]


def test_an_export_with_settlements_imports_into_another_review_as_it_was(review, tmp_path):
    from evimap.csvtable import write_csv
    from evimap.screening.columns import DECISION_COLUMNS

    s, ids = review.screening, review.ids
    s.assign(TA, member=OW)
    s.decide(TA, ids[0], "include", member=A)
    s.decide(TA, ids[0], "exclude", reason="E1", member=B)
    s.decide(TA, ids[1], "include", member=A)
    s.decide(TA, ids[1], "include", member=B)
    s.settle(TA, ids[0], "include", member=P, why="discussed")
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(s.decisions(TA, member=P), DECISION_COLUMNS, handle)
    with Review.open(write_review(tmp_path / "other")) as other:
        add_records(other, small_records(6))
        result = other.screening.import_decisions(path, TA, member=None)
        assert (result.layout, result.decisions, result.settlements) == ("evimap", 4, 1)
        for rid in ids[:2]:
            mine = review.screening.record(TA, rid, member=OW)
            theirs = other.screening.record(TA, rid, member=OW)
            assert (theirs.status, theirs.settlement) == (mine.status, mine.settlement)


def test_an_import_is_one_batch_that_can_be_undone(make_review, tmp_path):  # noqa: F811
    review = make_review()
    ids = add_records(review, small_records(4))
    s = review.screening
    s.assign(TA, member=OW)
    s.decide(TA, ids[0], "exclude", reason="E2", member=A)
    path = _write(
        tmp_path,
        "a.csv",
        "source_record_id,decision\nS1,include\nS2,include\nS3,exclude\n",
    )
    batch = s.import_decisions(path, TA, member=A).batch
    s.decide(TA, ids[2], "maybe", member=A)  # changed since: stays
    with pytest.raises(NotPermitted):
        s.undo_import(batch, member=B)
    undone = s.undo_import(batch, member=A)
    assert (undone.reverted, undone.changed_since) == (2, 1)
    assert _calls(review, "A") == {"S1": ("exclude", "E2"), "S3": ("maybe", "")}
    with pytest.raises(ScreeningError, match="was undone already"):
        s.undo_import(batch, member=P)
    settled = _write(tmp_path, "p.csv", "source_record_id,reviewer,decision,why\nS4,P,include,ok\n")
    s.decide(TA, ids[3], "include", member=A)
    s.decide(TA, ids[3], "exclude", reason="E1", member=B)
    batch = s.import_decisions(settled, TA, member=None).batch
    assert s.record(TA, ids[3], member=OW).status == "settled"
    assert s.undo_import(batch, member=OW).withdrawn == 1
    assert s.record(TA, ids[3], member=OW).status == "conflict"
    assert log_flow(review) == table_flow(review)
    kinds = [e.kind for e in review.events.read(member=OW) if e.kind.startswith("screen.import")]
    assert kinds == ["screen.import", "screen.import_undo", "screen.import", "screen.import_undo"]


def test_a_stranger_cannot_import(review, tmp_path):
    from evimap.errors import UnknownMember

    path = _write(tmp_path, "x.csv", "source_record_id,decision\nS1,include\n")
    with pytest.raises(UnknownMember):
        review.screening.import_decisions(path, TA, member=Member("Mallory"))


def test_the_records_export_with_a_decision_column_matches_by_evimap_id(review, tmp_path):
    # `evimap records --format csv` names each record by evimap's id in its `id` column; a
    # reviewer who adds a decision column and imports it gets the records of those ids, even
    # where the source file gave the record no ID of its own.
    first, second = review.ids[0], review.ids[1]
    path = _write(
        tmp_path,
        "records.csv",
        "id,source_database,source_record_id,title,decision\n"
        f"{first},PsycINFO,,,include\n{second},PsycINFO,,,exclude\n",
    )
    review.screening.import_decisions(path, TA, member=A)
    assert _calls(review, "A") == {"S1": ("include", ""), "S2": ("exclude", "")}
    bare = _write(tmp_path, "bare.csv", f"record_id,decision\n{first},include\n")
    with pytest.raises(DecisionFileError, match="expected evimap_id for evimap's record ids"):
        review.screening.import_decisions(bare, TA, member=A)


def test_a_rayyan_file_matches_by_pubmed_id_where_its_key_and_title_do_not(tmp_path):
    with Review.open(write_review(tmp_path / "review")) as review:
        records = [
            Record(title="Naproxen in gout", year=1999, pmid="1001", source_record_id="S1"),
            Record(title="Ibuprofen in children", year=2001, pmid="1002", source_record_id="S2"),
        ]
        ids = add_records(review, records)
        path = _write(
            tmp_path,
            "articles.csv",
            "key,title,year,pubmed_id,doi,notes\n"
            # Rayyan's own keys, titles retyped with another wording: only the PMID matches
            'rayyan-1,"Naproxen for gout: a trial",1999,PMID: 1001,,'
            '"RAYYAN-INCLUSION: {""A""=>""Included""}"\n'
            'rayyan-2,"Paediatric ibuprofen",2001,1002,,'
            '"RAYYAN-INCLUSION: {""A""=>""Excluded""}"\n'
            'rayyan-3,"Not in this review",2001,9999,,'
            '"RAYYAN-INCLUSION: {""A""=>""Excluded""}"\n',
        )
        result = review.screening.import_decisions(path, TA, member=A, skip_unmatched=True)
        assert (result.layout, result.decisions) == ("rayyan", 2)
        assert result.unmatched == [
            {
                "line": 4,
                "why": "matches no record by source ID 'rayyan-3' or PubMed ID 9999 or title "
                "'Not in this review' (2001)",
            }
        ]
        calls = {r["record_id"]: r["decision"] for r in review.screening.decisions(TA, member=OW)}
        assert calls == {ids[0]: "include", ids[1]: "exclude"}
