"""Outcomes of a stage (todo, included, excluded, maybe, conflict, pending) and THE one
definition of an included study, used by charting, records, export, the report and PRISMA."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rispy
from typer.testing import CliRunner

from evimap.cli import app
from evimap.errors import ChartingError, NotPermitted, UnknownMember
from evimap.review import Review
from tests.screening_support import TEAM, add_records, small_records, write_review

TA, FT = "title_abstract", "full_text"
A, B, P, OW = (TEAM[n] for n in "ABPO")
runner = CliRunner()
CODEBOOK = '[[fields]]\nname = "country"\ntype = "single"\nchoices = ["Chile", "Peru"]\n'


@pytest.fixture
def screened(tmp_path):
    """Six records: r1 included at full text, r2 excluded at full text (E2), r3 excluded at
    title/abstract by both, r4 in conflict at title/abstract, r5 pending (only A decided),
    r6 settled maybe by the arbiter (maybe advances)."""
    folder = write_review(tmp_path / "review", maybe_advances=True)
    (folder / "codebook.toml").write_text(CODEBOOK, encoding="utf-8")
    with Review.open(folder) as review:
        ids = add_records(review, small_records(6))
        s = review.screening
        s.assign(TA, member=OW)
        for rid, a, b in (
            (ids[0], "include", "include"),
            (ids[1], "include", "include"),
            (ids[2], "exclude", "exclude"),
            (ids[3], "include", "exclude"),
            (ids[5], "maybe", "maybe"),
        ):
            s.decide(TA, rid, a, member=A)
            s.decide(TA, rid, b, member=B)
        s.decide(TA, ids[4], "include", member=A)
        s.settle(TA, ids[5], "maybe", member=P, why="read the full text")
        s.assign(FT, member=OW)
        for who in (A, B):
            s.decide(FT, ids[0], "include", member=who)
            s.decide(FT, ids[1], "exclude", reason="E2", member=who)
        review.ids = ids
        yield review


def _ids(outcomes):
    return [o.record_id for o in outcomes]


def test_each_outcome_as_each_member_may_see_it(screened):
    s, ids = screened.screening, screened.ids
    assert _ids(s.outcomes(TA, "included", member=A)) == ids[:2]
    assert _ids(s.outcomes(TA, "excluded")) == [ids[2]]
    assert _ids(s.outcomes(TA, "maybe")) == [ids[5]]
    assert _ids(s.outcomes(TA, "conflict", member=P)) == [ids[3]]
    assert _ids(s.outcomes(TA, "pending", member=P)) == [ids[4]]
    # a blind reviewer (or no one) is never told of a conflict: it is pending to them
    assert _ids(s.outcomes(TA, "pending", member=A)) == [ids[3], ids[4]]
    assert _ids(s.outcomes(TA, "pending")) == [ids[3], ids[4]]
    for who in (A, None):
        with pytest.raises(NotPermitted):
            s.outcomes(TA, "conflict", member=who)
    assert _ids(s.outcomes(TA, "todo", member=B)) == [ids[4]]
    assert _ids(s.outcomes(TA, "todo", member=A)) == []
    with pytest.raises(UnknownMember, match="whose to-do list"):
        s.outcomes(TA, "todo")
    (excluded,) = s.outcomes(FT, "excluded")
    assert (excluded.record_id, excluded.reason, excluded.by) == (ids[1], "E2", "agreement")
    (maybe,) = s.outcomes(TA, "maybe")
    assert (maybe.by, maybe.arbiter, maybe.why) == ("arbiter", "P", "read the full text")


def test_included_has_one_definition_everywhere(screened, tmp_path):
    ids, folder = screened.ids, screened.folder
    assert screened.included() == [ids[0]]
    assert screened.prisma()["total_studies"] == 1
    listed = runner.invoke(app, ["records", str(folder), "--outcome", "included", "-f", "json"])
    assert [r["id"] for r in json.loads(listed.output)["records"]] == [ids[0]]
    exported = runner.invoke(app, ["export", str(folder), "--included", "--to", "csv"])
    assert [int(r["record_id"]) for r in csv.DictReader(io.StringIO(exported.output))] == [ids[0]]
    out = tmp_path / "report"
    screened.report(out)
    assert len(rispy.loads((out / "included.ris").read_text(encoding="utf-8"))) == 1
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "1 studies included" in html and "not started (1 studies included so far)" in html


def test_charting_takes_included_studies_only(screened, tmp_path):
    ids = screened.ids
    bad = tmp_path / "charting.toml"
    bad.write_text(
        '[[study]]\nkey = "S1"\ncountry = "Chile"\n'
        '[[study]]\nkey = "S2"\ncountry = "Peru"\n'
        '[[study]]\nkey = "S3"\ncountry = "Peru"\n',
        encoding="utf-8",
    )
    with pytest.raises(ChartingError) as error:
        screened.charting.import_file(bad, member=A)
    assert str(error.value).splitlines() == [
        f"{bad}: study 'S2' (record {ids[1]}) is not an included study: it was settled as "
        "exclude at full_text by the reviewers' agreement; charting takes studies included at "
        "full text or imported as included",
        f"{bad}: study 'S3' (record {ids[2]}) is not an included study: it was settled as "
        "exclude at title_abstract by the reviewers' agreement; charting takes studies "
        "included at full text or imported as included",
    ]
    assert screened.charting.reviewers() == {}
    good = tmp_path / "good.toml"
    good.write_text('[[study]]\nkey = "S1"\ncountry = "Chile"\n', encoding="utf-8")
    assert screened.charting.import_file(good, member=A).studies == 1
    assert screened.charting.reviewers() == {"A": 1}


def test_records_lists_an_outcome_as_table_json_csv_and_ris(screened):
    folder, ids = str(screened.folder), screened.ids
    base = ["records", folder, "--stage", TA, "--outcome"]
    table = runner.invoke(app, [*base, "excluded"])
    assert table.exit_code == 0 and "Excluded records at title_abstract (1 of 1)" in table.output
    data = json.loads(runner.invoke(app, [*base, "excluded", "-f", "json"]).output)
    assert [(r["id"], r["outcome"], r["settled_by"]) for r in data["records"]] == [
        (ids[2], "excluded", "agreement")
    ]
    rows = list(
        csv.DictReader(io.StringIO(runner.invoke(app, [*base, "included", "-f", "csv"]).output))
    )
    assert [int(r["id"]) for r in rows] == ids[:2] and rows[0]["outcome"] == "included"
    ris = runner.invoke(app, [*base, "included", "-f", "ris"]).output
    assert [e["id"] for e in rispy.loads(ris)] == ["S1", "S2"]
    todo = runner.invoke(app, [*base, "todo", "--as", "B", "-f", "json"])
    assert [r["id"] for r in json.loads(todo.output)["records"]] == [ids[4]]
    refused = runner.invoke(app, [*base, "conflict", "--as", "A"])
    assert refused.exit_code == 1 and "stay hidden from A" in " ".join(refused.output.split())
    arbiter = runner.invoke(app, [*base, "conflict", "--as", "P", "-f", "json"])
    assert [r["id"] for r in json.loads(arbiter.output)["records"]] == [ids[3]]
