"""``review.search`` on a review with records: counts per database, the event, the index cache,
explanations, recall; and the CLI verbs on the same review."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.records import Record
from evimap.review import Review
from evimap.store.models import SourceFile
from evimap.store.records import insert_rows, record_to_row
from tests.search.test_translate import REFERENCE

RECORDS = [
    (
        "Web of Science",
        "WOS:1",
        Record(title="Repairing alliance ruptures in psychotherapy", doi="10.1037/a1", year=2018),
    ),
    (
        "Web of Science",
        "WOS:2",
        Record(
            title="Meniscal repair outcomes", abstract="Surgical treatment of knees.", year=2019
        ),
    ),
    ("Web of Science", "WOS:3", Record(title="Mindfulness for anxiety", year=2020)),
    (
        "Scopus",
        "2-s2.0-4",
        Record(
            title="Rupture resolution in CBT",
            abstract="Therapeutic alliance repair during therapy.",
            keywords=["alliance repair"],
            doi="10.1037/d4",
        ),
    ),
    (
        "PsycINFO",
        "PI-5",
        Record(
            title="Metacommunication and rupture",
            abstract="A case study of an impasse.",
            doi="10.1037/e5",
        ),
    ),
]


def add_records(review: Review, rows, name="export.txt") -> None:
    with review.store.transaction() as session:
        source = SourceFile(name=name, path=name, sha256=name * 4, format="test", database="")
        session.add(source)
        session.flush()
        out = []
        for database, source_id, record in rows:
            record.source_database = database
            record.source_record_id = source_id
            out.append(record_to_row(record, source.id))
        insert_rows(session, out)


_pg_names = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def review(request, tmp_path):
    """The review with RECORDS, its store on SQLite and on a real PostgreSQL."""
    folder = tmp_path / "rr"
    url = None
    if request.param == "postgresql":
        from tests import pg

        url = pg.fresh_database(
            request.getfixturevalue("postgres_url"), f"evimap_search_{next(_pg_names)}"
        )
    Review.init(folder, title="Rupture repair", db=url).close()
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r"^equation = .*$", "equation = '" + REFERENCE + "'", text, flags=re.M)
    if url:
        text = re.sub(r'^url = ""$', f'url = "{url}"', text, flags=re.M)
    toml.write_text(text, encoding="utf-8")
    opened = Review.open(folder)
    add_records(opened, RECORDS)
    yield opened
    opened.close()


def test_run_counts_per_database_and_logs_the_event(review):
    result = review.search.run()
    assert result.count == 3
    assert [(d.database, d.matched, d.records) for d in result.by_database] == [
        ("Web of Science", 2, 3),
        ("PsycINFO", 0, 1),
        ("Scopus", 1, 1),
    ]
    event = review.events.read(kind="search.run")[-1]
    assert event.counts["matched"] == 3
    assert event.counts["records"] == 5
    assert event.counts["by_database"]["Web of Science"] == {"matched": 2, "records": 3}
    assert event.details["equation"] == REFERENCE


def test_index_is_rebuilt_only_when_records_change(review):
    first = review.search.index()
    assert review.search.index() is first
    add_records(
        review,
        [("Scopus", "2-s2.0-9", Record(title="Repair of the alliance in therapy"))],
        name="more.ris",
    )
    second = review.search.index()
    assert second is not first
    assert second.size == 6
    assert review.search.run(log=False).count == 4


def test_index_is_kept_on_disk_for_the_next_session(review):
    expected = review.search.run(log=False).matched_ids()
    built = review.search.index()
    cache = review.search.cache_dir
    assert (cache / "index.json").is_file()
    assert (cache / "s.abstract.bin").is_file()
    assert not (cache / "s.author.bin").exists()  # laid out only when an equation needs it
    again = Review.open(review.folder)
    try:
        loaded = again.search.index()
        assert loaded is not built
        assert loaded.key == built.key
        assert set(loaded.streams) == set(built.streams)
        assert again.search.run(log=False).matched_ids() == expected
        assert again.search.source_info(loaded.ids[3].item())["source_record_id"] == "2-s2.0-4"
        # a stream the cache lacks is laid out from the records, then kept too
        assert again.search.run("AU=nobody", log=False).count == 0
        assert (cache / "s.author.bin").is_file()
    finally:
        again.close()
    (cache / "s.title.bin").write_bytes(b"not an index")
    fresh = Review.open(review.folder)
    try:
        assert fresh.search.run(log=False).count == 3  # a broken cache is rebuilt
    finally:
        fresh.close()


def test_explain_gives_spans_and_clauses(review):
    result = review.search.run(log=False)
    record_id = result.matched_ids()[0]
    record, why = review.search.explain([record_id])[record_id]
    assert record.title[slice(*why.spans("title")[0])] == "Repairing"
    assert why.clauses[0][1] and why.clauses[1][1]


def test_recall_reports_misses_and_the_failed_branch(review):
    known = [
        Record(title="Repairing alliance ruptures in psychotherapy"),  # by title
        Record(title="Other title", doi="https://doi.org/10.1037/E5"),  # by DOI, missed
        Record(title="Never imported: repair in therapy"),  # not in review, would match
    ]
    report = review.search.recall(known)
    assert [(k.matched_by, k.equation_matches) for k in report.known] == [
        ("title", True),
        ("doi", False),
        ("", True),
    ]
    missed = report.missed[0]
    assert missed.failed_clauses[0].startswith('("rupture repair" OR')
    assert len(missed.failed_clauses) == 2
    assert report.summary()["matched_by_equation"] == "2/3 (66.7%)"
    assert review.events.read(kind="search.recall")[-1].counts == {
        "known": 3,
        "in_review": 2,
        "matched": 2,
    }


def test_lint_and_translate_use_the_protocol(review):
    codes = [f.code for f in review.search.lint()]
    assert codes.count("redundant") == 8
    assert "no-match" in codes  # e.g. "rupture resolutions" is in none of these records
    assert review.search.translate("pubmed").text.startswith('("rupture repair"[tiab]')


def test_equation_as_run_per_protocol_database(review):
    rows = review.search.per_database()
    assert [(r["database"], r["syntax"]) for r in rows] == [
        ("Web of Science", "wos"),
        ("Scopus", "scopus"),
        ("PsycINFO", "ebsco"),
    ]
    assert rows[1]["text"].startswith("TITLE-ABS-KEY(")


# ---- CLI ----------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_run_table_json_csv(review):
    folder = str(review.folder)
    table = runner.invoke(app, ["search", "run", folder])
    assert table.exit_code == 0, table.output
    assert "2/3 (66.7%)" in table.output
    assert "3/5 (60.0%)" in table.output
    data = json.loads(runner.invoke(app, ["search", "run", folder, "--format", "json"]).output)
    assert data["matched"] == 3
    assert data["sample"][0]["hits"][0]["text"] == "Repairing"
    out = runner.invoke(app, ["search", "run", folder, "--format", "csv"]).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["source_record_id"] for r in rows] == ["WOS:1", "WOS:2", "WOS:3", "2-s2.0-4", "PI-5"]
    assert [r["matched"] for r in rows] == ["true", "true", "false", "true", "false"]
    assert rows[1]["matched_terms"] == "repair*; treatment"


def test_cli_run_with_an_edited_equation(review):
    out = runner.invoke(
        app, ["search", "run", str(review.folder), "-e", "TI=rupture*", "--format", "json"]
    )
    assert json.loads(out.output)["matched"] == 3


def test_cli_lint_translate_and_errors(review):
    out = runner.invoke(app, ["search", "lint", "-e", REFERENCE])
    assert out.exit_code == 0
    assert out.output.count("[redundant]") == 8
    out = runner.invoke(app, ["search", "translate", str(review.folder), "--to", "scopus"])
    assert out.output.startswith('TITLE-ABS-KEY(("rupture repair" OR')
    out = runner.invoke(app, ["search", "translate", "-e", "behavio?r", "--to", "pubmed"])
    assert out.exit_code == 0
    assert "behavio*[tiab]" in out.output
    bad = runner.invoke(app, ["search", "translate", "-e", "(repair OR", "--to", "wos"])
    assert bad.exit_code == 1
    assert "parenthesis opened here is never closed" in bad.output
    assert "  ^" in bad.output
    unknown = runner.invoke(app, ["search", "translate", "-e", "x", "--to", "dialog"])
    message = " ".join(unknown.output.split())
    assert "unknown search syntax 'dialog'; valid syntaxes: wos, scopus, ebsco, ovid, pubmed" in (
        message
    )


def test_cli_recall_from_an_ris_file(review, tmp_path):
    from evimap.importers.registry import FORMATS

    if "ris" not in FORMATS:
        pytest.skip("the RIS reader is not merged yet")
    known = tmp_path / "known.ris"
    known.write_text(
        "TY  - JOUR\nTI  - Repairing alliance ruptures in psychotherapy\nER  - \n\n"
        "TY  - JOUR\nTI  - Metacommunication and rupture\nDO  - 10.1037/e5\nER  - \n",
        encoding="utf-8",
    )
    out = runner.invoke(
        app, ["search", "recall", str(review.folder), "--known", str(known), "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["summary"]["matched_by_equation"] == "1/2 (50.0%)"
    assert data["records"][1]["matched_by"] == "doi"


def test_equations_keep_their_brackets_in_log_and_run_output(review):
    equation = '"alliance repair"[tiab] OR rupture*[ti] OR [bold]x[/bold]'
    out = runner.invoke(app, ["search", "run", str(review.folder), "-e", equation])
    assert out.exit_code == 1  # '[bold]x[/bold]' is not a PubMed term: named, brackets kept
    assert "'['" in out.output or "[bold]" in out.output
    equation = '"alliance repair"[tiab] OR rupture*[ti]'
    out = runner.invoke(app, ["search", "run", str(review.folder), "-e", equation])
    assert out.exit_code == 0, out.output
    assert "read as PubMed syntax (detected from [tiab] at column 18" in out.output
    log = runner.invoke(
        app, ["log", str(review.folder), "--kind", "search.run"], env={"COLUMNS": "400"}
    )
    assert log.exit_code == 0
    assert '"alliance repair"[tiab] OR rupture*[ti]' in log.output


def test_run_reports_the_detected_syntax_and_warnings(review):
    result = review.search.run("TITLE-ABS-KEY(rupture*)", log=False)
    assert result.syntax == "scopus"
    assert result.summary()["detected_syntax"] == "scopus"
    assert result.count == 3
    out = runner.invoke(
        app, ["search", "run", str(review.folder), "-e", "TITLE-ABS-KEY(rupture*)", "-s", "wos"]
    )
    assert out.exit_code == 1
    assert "looks like Scopus syntax" in out.output
    assert "TITLE-ABS-KEY(" in out.output
