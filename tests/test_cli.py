"""The CLI verbs of the foundation: init, import, records, log, demo."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from evimap.cli import app
from evimap.demo import sample_exports

runner = CliRunner(env={"EVIMAP_AS": "owner"})  # the owner of `evimap init`'s team


def _init(tmp_path):
    folder = tmp_path / "review"
    result = runner.invoke(app, ["init", str(folder), "--title", "Rupture repair"])
    assert result.exit_code == 0, result.output
    return folder


def test_init_writes_a_protocol_and_refuses_to_overwrite_it(tmp_path):
    folder = _init(tmp_path)
    assert 'title = "Rupture repair"' in (folder / "review.toml").read_text()
    assert (folder / "review.db").exists() and (folder / "exports").is_dir()
    again = runner.invoke(app, ["init", str(folder)])
    assert again.exit_code == 1
    assert "already exists; not overwriting it" in again.output


def test_a_folder_without_a_protocol_says_how_to_make_one(tmp_path):
    result = runner.invoke(app, ["records", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path} holds no review.toml; create one with `evimap init" in result.output


def test_import_then_list_records_as_csv_and_json(tmp_path):
    folder = _init(tmp_path)
    files = sorted(str(p) for p in sample_exports().glob("*.*") if p.suffix != ".md")
    result = runner.invoke(app, ["import", str(folder), *files, "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["records_by_database"] == {"PsycINFO": 3, "Scopus": 3, "Web of Science": 3}

    listed = runner.invoke(app, ["records", str(folder), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert len(rows) == 9
    assert list(rows[0]) == [
        "id",
        "source_database",
        "source_file",
        "source_record_id",
        "title",
        "year",
        "doi",
        "cited_references",
        "status",
        "kept_id",
        "reason",
    ]
    assert {r["status"] for r in rows} == {"unique"}  # no dedup run yet
    wos = [r for r in rows if r["source_database"] == "Web of Science"]
    assert wos[0]["doi"] == "10.1080/10503300802291463"
    assert wos[0]["cited_references"] == "2"
    assert wos[0]["source_file"] == "savedrecs_wos.txt"

    only = runner.invoke(
        app, ["records", str(folder), "--database", "psycinfo", "--format", "json"]
    )
    assert {r["source_database"] for r in json.loads(only.output)["records"]} == {"PsycINFO"}


def test_reimporting_says_nothing_was_added(tmp_path):
    folder = _init(tmp_path)
    path = str(sample_exports() / "scopus.ris")
    runner.invoke(app, ["import", str(folder), path])
    again = runner.invoke(app, ["import", str(folder), path])
    assert again.exit_code == 0
    assert "already imported, nothing added" in again.output


def test_a_bad_file_fails_with_its_line_and_exit_code_1(tmp_path):
    folder = _init(tmp_path)
    bad = tmp_path / "bad.ris"
    bad.write_bytes("TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"))
    result = runner.invoke(app, ["import", str(folder), str(bad)])
    assert result.exit_code == 1
    assert "bad.ris:2: byte 0xe9 is not valid utf-8" in result.output
    listed = runner.invoke(app, ["records", str(folder), "--format", "json"])
    assert json.loads(listed.output)["records"] == []


def test_the_log_shows_each_import(tmp_path):
    folder = _init(tmp_path)
    runner.invoke(
        app, ["import", str(folder), str(sample_exports() / "scopus.ris"), "--as", "owner"]
    )
    result = runner.invoke(app, ["log", str(folder), "--format", "json"])
    events = json.loads(result.output)
    assert [(e["kind"], e["actor"], e["subject"]) for e in events] == [
        ("team.sync", "review.toml", "team"),
        ("import.file", "owner", "scopus.ris"),
    ]
    assert events[0]["details"]["added"][0] == {"name": "owner", "role": "owner"}
    assert events[1]["counts"]["records"] == 3


def test_a_review_can_keep_its_store_in_postgresql(tmp_path, postgres_url):
    from tests import pg

    url = pg.fresh_database(postgres_url, "evimap_cli_review")
    folder = tmp_path / "review"
    assert runner.invoke(app, ["init", str(folder), "--db", url]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "import",
            str(folder),
            str(sample_exports() / "scopus.ris"),
            "--db",
            url,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["records_by_database"] == {"Scopus": 3}
    assert not (folder / "review.db").exists()
