"""The CLI as a thin shell: one verb decorator checks --format before any work, prints one error
shape, never reads record text as markup, starts fast and knows its version."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import evimap
from evimap.cli import app
from evimap.cli.verb import READ_VERBS, WRITE_VERBS
from evimap.records import Record
from evimap.review import Review
from tests.conftest import REPO
from tests.screening_support import TEAM, add_records, write_review

TA = "title_abstract"
A, B, P, OW = (TEAM[n] for n in "ABPO")
runner = CliRunner()
NASTY = 'Ruptures [/i] in [in Spanish] [bold red]therapy[/bold red] =HYPERLINK("x")'


def _evimap(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "evimap.cli.__main__", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"evimap {evimap.__version__}\n"


def test_a_format_a_verb_cannot_print_is_refused_before_any_work(tmp_path):
    folder = write_review(tmp_path / "review")
    with Review.open(folder) as review:
        add_records(review, [Record(title="One", doi="10.1/x"), Record(title="One", doi="10.1/x")])
    result = runner.invoke(app, ["dedup", str(folder), "--as", "O", "--format", "csv"])
    assert result.exit_code == 2
    assert "'csv' is not one of" in result.output
    with Review.open(folder) as review:
        assert review.events.read(kind="dedup.run") == []  # nothing ran


def test_one_json_error_shape_for_core_and_usage_errors(tmp_path):
    folder = write_review(tmp_path / "review")
    result = runner.invoke(app, ["conflicts", str(folder), "--as", "A", "--format", "json"])
    assert result.exit_code == 1
    error = json.loads(result.output)
    assert set(error) == {"ok", "error", "kind", "errors"}
    assert error["ok"] is False and error["kind"] == "NotPermitted"
    assert error["errors"][0]["message"].startswith("the conflict list at title_abstract")
    bad = tmp_path / "bad.csv"
    bad.write_text("source_record_id,decision\nS1,perhaps\nS2,nope\n", encoding="utf-8")
    result = runner.invoke(
        app, ["decisions", "import", str(folder), str(bad), "--as", "A", "-f", "json"]
    )
    error = json.loads(result.output)
    assert error["error"] == "2 problems" and [e["line"] for e in error["errors"]] == [2, 3]
    usage = _evimap("records", str(folder), "--limit", "many", "--format", "json")
    assert usage.returncode == 2
    error = json.loads(usage.stdout)
    assert error["ok"] is False and "--limit" in error["error"]


def test_record_text_is_never_read_as_markup_in_tables(tmp_path):
    folder = write_review(tmp_path / "review")
    with Review.open(folder) as review:
        (rid,) = add_records(review, [Record(title=NASTY, doi="10.1/nasty", source_record_id="S1")])
        s = review.screening
        s.assign(TA, member=OW)
        s.decide(TA, rid, "include", member=A)
        s.decide(TA, rid, "exclude", member=B)
    wide = CliRunner(env={"COLUMNS": "400"})
    for args in (
        ["records", str(folder)],
        ["conflicts", str(folder), "--as", "P"],
        ["decisions", "export", str(folder), "--as", "P", "--format", "table"],
        ["records", str(folder), "--stage", TA, "--outcome", "conflict", "--as", "P"],
    ):
        result = wide.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert NASTY in result.output, (args, result.output)
    with Review.open(folder) as review:
        review.screening.settle(TA, rid, "include", member=P, why="[b]fine[/b]")
    result = wide.invoke(app, ["fulltext", "missing", str(folder)])
    assert result.exit_code == 0 and NASTY in result.output


def test_csv_cells_a_spreadsheet_would_run_are_quoted_and_read_back(tmp_path):
    from evimap.csvtable import parse_csv

    folder = write_review(tmp_path / "review")
    with Review.open(folder) as review:
        add_records(review, [Record(title='=HYPERLINK("http://x")', doi="10.1/a")])
        add_records(review, [Record(title="+1 -2 @3", doi="10.1/b")], name="b.csv")
    text = runner.invoke(app, ["records", str(folder), "-f", "csv"]).output
    titles = [r["title"] for r in csv.DictReader(io.StringIO(text))]
    assert titles == ['\'=HYPERLINK("http://x")', "'+1 -2 @3"]
    assert [r.cells["title"] for r in parse_csv(text).rows] == [
        '=HYPERLINK("http://x")',
        "+1 -2 @3",
    ]
    exported = runner.invoke(app, ["export", str(folder), "--to", "csv"]).output
    assert "'=HYPERLINK" in exported


def test_every_review_verb_is_a_known_read_or_write():
    assert not READ_VERBS & WRITE_VERBS
    assert {"decide", "assign", "import", "dedup run", "decisions import"} <= WRITE_VERBS
    assert {"records", "log", "progress", "conflicts", "prisma", "report"} <= READ_VERBS


def test_the_cli_starts_without_loading_the_core():
    code = (
        "import sys, evimap.cli\n"
        "heavy = [m for m in ('sqlalchemy', 'pydantic', 'numpy', 'evimap.review', "
        "'evimap.store', 'duckdb', 'splink', 'matplotlib', 'jinja2') if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_evimap_help_answers_in_under_half_a_second_of_cpu():
    """Median CPU time (user + system) of five `evimap --help` runs: wall-clock time on a
    shared machine measures the neighbours; CPU time measures evimap."""
    times = []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = _evimap("--help")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert result.returncode == 0 and "decisions" in result.stdout
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    assert sorted(times)[2] < 0.5, times


@pytest.mark.parametrize("verb", ["records", "decide", "decisions import"])
def test_each_verb_lists_the_team_in_its_help(tmp_path, verb):
    folder = write_review(tmp_path / "review")
    result = runner.invoke(app, [*verb.split(), str(folder), "--help"])
    assert "A (reviewer), B (reviewer), P (arbiter), O (owner)" in " ".join(result.output.split())


def test_main_is_the_console_script():
    assert (REPO / "src" / "evimap" / "cli" / "__main__.py").is_file()
