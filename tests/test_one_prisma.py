"""One PRISMA: ``review.prisma()`` is the only computation, and ``evimap prisma``,
``evimap screening-flow`` and the report's prisma.json all print it. The report can be built
at any stage: right after screening it has the diagram, the screening tables and agreement."""

from __future__ import annotations

import csv
import json
import re

from typer.testing import CliRunner

from evimap.cli import app
from evimap.review import Review
from tests.conftest import REPO
from tests.screening_support import TEAM, add_records, small_records, write_review

TA, FT = "title_abstract", "full_text"
A, B, P, OW = (TEAM[n] for n in "ABPO")
runner = CliRunner()


def _screened(folder) -> list[int]:
    with Review.open(folder) as review:
        ids = add_records(review, small_records(5))
        s = review.screening
        s.assign(TA, member=OW)
        for rid, a, b in zip(
            ids,
            ("include", "include", "exclude", "include", "exclude"),
            ("include", "exclude", "exclude", "include", "exclude"),
            strict=True,
        ):
            s.decide(TA, rid, a, member=A)
            s.decide(TA, rid, b, member=B)
        s.settle(TA, ids[1], "exclude", member=P, why="not about repair")
        s.assign(FT, member=OW)
        for who in (A, B):
            s.decide(FT, ids[0], "include", member=who)
            s.decide(FT, ids[3], "exclude", reason="E2", member=who)
    return ids


def test_prisma_is_computed_in_one_place():
    callers = [
        path.relative_to(REPO / "src").as_posix()
        for path in (REPO / "src" / "evimap").rglob("*.py")
        if re.search(r"\bcompute_prisma\(", path.read_text(encoding="utf-8"))
        and path.name != "prisma.py"
    ]
    assert callers == ["evimap/review.py"]
    for path in (REPO / "src" / "evimap" / "cli").rglob("*.py"):
        assert "compute_prisma" not in path.read_text(encoding="utf-8"), path


def test_the_cli_the_report_and_the_core_give_the_same_counts(tmp_path):
    folder = write_review(tmp_path / "review")
    _screened(folder)
    with Review.open(folder) as review:
        counts = review.prisma()
        expected = counts.to_template()
        report = review.report(tmp_path / "report")
    assert (counts["records_screened"], counts["records_excluded"]) == (5, 3)
    assert (counts["dbr_assessed"], counts["dbr_excluded"], counts["total_studies"]) == (2, 1, 1)
    printed = json.loads(runner.invoke(app, ["prisma", str(folder), "-f", "json"]).output)
    written = json.loads((tmp_path / "report" / "prisma.json").read_text(encoding="utf-8"))
    assert printed == written == json.loads(json.dumps(expected))
    assert printed["records_screened"] == 5  # not null: the screening boxes are there
    flow = json.loads(runner.invoke(app, ["screening-flow", str(folder), "-f", "json"]).output)
    assert flow == printed["evimap"]["screening"]
    assert report.included == 1 and report.charted == 0


def test_a_report_right_after_screening_has_the_diagram_the_tables_and_agreement(tmp_path):
    folder = write_review(tmp_path / "review")
    _screened(folder)
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(folder), "--out", str(out), "--as", "P"])
    assert result.exit_code == 0, result.output
    assert "1 studies included, 0 charted" in " ".join(result.output.split())
    for name in ("prisma.svg", "prisma.png", "report.html", "workbook.xlsx", "included.ris"):
        assert (out / name).is_file(), name
    with open(out / "tables" / "screening_outcomes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["stage"], r["records"], r["included"], r["excluded"]) for r in rows] == [
        ("Title and abstract", "5", "2/5 (40.0%)", "3/5 (60.0%)"),
        ("Full text", "2", "1/2 (50.0%)", "1/2 (50.0%)"),
    ]
    with open(out / "tables" / "screening_agreement.csv", encoding="utf-8") as handle:
        (ta, ft) = list(csv.DictReader(handle))
    assert (ta["pair"], ta["records"], ta["agreed"]) == ("A / B", "5", "4/5 (80.0%)")
    assert ft["agreed"] == "2/2 (100.0%)"
    with open(out / "tables" / "screening_reasons.csv", encoding="utf-8") as handle:
        assert [(r["code"], r["reason"]) for r in csv.DictReader(handle)] == [
            ("", "(no reason given)"),
            ("E2", "Wrong publication type"),
        ]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="screening"' in html and "Agreement between reviewers" in html
    assert "PRISMA 2020 flow diagram" in html and "not started (1 studies included so far)" in html


def test_a_report_by_no_one_keeps_unsettled_decisions_out_of_its_log(tmp_path):
    folder = write_review(tmp_path / "review")
    _screened(folder)
    with Review.open(folder) as review:
        extra = add_records(review, small_records(1), name="more.csv")
        review.screening.assign(TA, member=OW)
        review.screening.decide(TA, extra[0], "include", member=A, note="A-PRIVATE")
        review.report(tmp_path / "anyone")
        review.report(tmp_path / "owner", member=OW)
    anyone = (tmp_path / "anyone" / "report.html").read_text(encoding="utf-8")
    owner = (tmp_path / "owner" / "report.html").read_text(encoding="utf-8")
    assert f"record:{extra[0]}" not in anyone and f"record:{extra[0]}" in owner
