"""The screening verbs through Typer's CliRunner: the same results as the Python calls."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from evimap.cli import app
from tests.screening_support import TEAM, add_records, make_review, new_db, small_records  # noqa: F401

runner = CliRunner()
TA, FT = "title_abstract", "full_text"


def _run(review, *args: str):
    db = review.store.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, [*args, "--db", db])
    return result


def test_a_whole_review_from_the_command_line(make_review, tmp_path):
    review = make_review()
    folder = str(review.folder)
    ids = add_records(review, small_records(4))
    result = _run(review, "assign", folder, "--as", "O", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["assignments"] == 8
    calls = {
        ids[0]: ("include", "include"),
        ids[1]: ("exclude", "include"),
        ids[2]: ("include", "include"),
        ids[3]: ("exclude", "exclude"),
    }
    for rid, pair in calls.items():
        for who, decision in zip("AB", pair, strict=True):
            reason = ["--reason", "E1"] if decision == "exclude" else []
            result = _run(review, "decide", folder, str(rid), decision, "--as", who, *reason)
            assert result.exit_code == 0, result.output
    refused = _run(review, "conflicts", folder, "--as", "A")
    assert refused.exit_code == 1
    assert "stay hidden from A while the stage is blind" in refused.output
    result = _run(review, "conflicts", folder, "--as", "P", "--format", "json")
    found = json.loads(result.output)
    assert [(c["record_id"], c["calls"]) for c in found] == [
        (ids[1], {"A": "exclude (E1)", "B": "include"})
    ]
    result = _run(review, "agreement", folder, "--as", "P", "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(result.output)))
    assert (row["rater_a"], row["rater_b"], row["n"], row["agreed"]) == ("A", "B", "4", "3")
    assert json.loads(row["table"]) == [[2, 0], [1, 1]]
    result = _run(review, "agreement", folder, "--as", "P")
    assert "3/4 (75.0%)" in result.output
    result = _run(
        review,
        "resolve",
        folder,
        str(ids[1]),
        "include",
        "--as",
        "P",
        "--why",
        "discussed at the meeting",
        "--format",
        "json",
    )
    assert json.loads(result.output)["decision"] == "include"
    assert _run(review, "assign", folder, "--stage", FT, "--as", "O").exit_code == 0
    pdf = tmp_path / "r1.pdf"
    pdf.write_bytes(b"%PDF-1.5\n%%EOF\n")
    result = _run(review, "fulltext", "attach", folder, str(ids[0]), str(pdf), "--as", "A")
    assert result.exit_code == 0 and "fulltext/" in result.output
    result = _run(
        review,
        "fulltext",
        "not-retrieved",
        folder,
        str(ids[2]),
        "--as",
        "O",
        "--why",
        "out of print",
    )
    assert result.exit_code == 0, result.output
    result = _run(review, "fulltext", "missing", folder, "--as", "A", "--format", "json")
    assert [r["record_id"] for r in json.loads(result.output)] == [ids[1]]
    for who in "AB":
        _run(review, "decide", folder, str(ids[0]), "include", "--stage", FT, "--as", who)
        _run(
            review,
            "decide",
            folder,
            str(ids[1]),
            "exclude",
            "--reason",
            "E2",
            "--stage",
            FT,
            "--as",
            who,
        )
    result = _run(review, "screening-flow", folder, "--as", "A", "--format", "json")
    assert json.loads(result.output) | {"reason_labels": None} == {
        "records_screened": 4,
        "records_excluded": 1,
        "records_awaiting": 0,
        "reports_sought": 3,
        "reports_not_retrieved": 1,
        "reports_assessed": 2,
        "reports_excluded": 1,
        "reports_excluded_by_reason": {"E2": 1},
        "reports_awaiting": 0,
        "studies_included": 1,
        "reason_labels": None,
    }
    result = _run(review, "screening-flow", folder, "--as", "A")
    assert "Reports excluded" in result.output and "1/2 (50.0%)" in result.output
    result = _run(review, "progress", folder, "--as", "A", "--format", "json")
    assert json.loads(result.output)["decided"] == 4 and "team" not in result.output


def test_decisions_import_and_export_verbs(make_review, tmp_path):
    review = make_review()
    folder = str(review.folder)
    add_records(review, small_records(3))
    file = tmp_path / "asreview.csv"
    file.write_text("record_id,included\nS1,1\nS2,0\nS9,1\n", encoding="utf-8")
    failed = _run(review, "decisions", "import", folder, str(file), "--as", "A")
    assert failed.exit_code == 1
    assert "asreview.csv:4: matches no record by source ID 'S9'" in " ".join(failed.output.split())
    result = _run(
        review,
        "decisions",
        "import",
        folder,
        str(file),
        "--as",
        "A",
        "--skip-unmatched",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["decisions"] == 2
    assert data["unmatched"] == [{"line": 4, "why": "matches no record by source ID 'S9'"}]
    result = _run(review, "decisions", "export", folder, "--as", "B")
    assert result.output.splitlines() == [
        "record_id,source_record_id,doi,title,year,stage,reviewer,role,kind,decision,reason,why,at"
    ]
    result = _run(review, "decisions", "export", folder, "--as", "A")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["source_record_id"], r["decision"]) for r in rows] == [
        ("S1", "include"),
        ("S2", "exclude"),
    ]


def test_screen_refuses_a_stranger_before_opening_the_screen(make_review):
    review = make_review()
    result = _run(review, "screen", str(review.folder), "--as", "Mallory")
    assert result.exit_code == 1
    assert "'Mallory' is not on the team" in " ".join(result.output.split())
    result = _run(review, "screen", str(review.folder), "--as", "A", "--stage", "abstracts")
    assert result.exit_code == 1 and "no screening stage 'abstracts'" in result.output
