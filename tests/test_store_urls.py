"""The store is where review.toml says: resolved from the review folder, an unknown scheme is an
error, a bare path must be a SQLite file, and `init --db` saves its URL. Booleans in
review.toml are booleans."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.demo import sample_exports
from evimap.errors import ProtocolError
from evimap.protocol import load_protocol, parse_protocol
from evimap.protocol.template import render_template
from evimap.review import Review
from evimap.store.urls import StoreUrlError, store_url, url_for_protocol

runner = CliRunner()


def _set_store_url(folder: Path, url: str) -> None:
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r'^url = ".*"$', f'url = "{url}"', text, flags=re.M), encoding="utf-8")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("review.db", "sqlite:////base/review.db"),
        ("data/store.sqlite", "sqlite:////base/data/store.sqlite"),
        ("/elsewhere/x.sqlite3", "sqlite:////elsewhere/x.sqlite3"),
        ("sqlite:///rel.db", "sqlite:////base/rel.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u:pw@h:5433/db", "postgresql+psycopg://u:pw@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_store_urls_and_bare_paths(target, expected):
    assert store_url(target, "/base") == expected


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("mysql://u@h/db", "unknown store URL scheme 'mysql'"),
        ("postgres@localhost/db", "is neither a database URL nor a SQLite file"),
        ("localhost:5432/db", "'localhost:' must be followed by //"),
        ("review", "is neither a database URL nor a SQLite file"),
        ("sqlite://", "in-memory SQLite database"),
        ("", "the store URL is empty"),
    ],
)
def test_what_is_not_a_store_is_an_error(target, message):
    with pytest.raises(StoreUrlError, match=re.escape(message)):
        store_url(target, "/base")


def test_a_relative_store_url_is_read_from_the_review_folder(tmp_path, monkeypatch):
    folder = tmp_path / "review"
    Review.init(folder, title="t").close()
    _set_store_url(folder, "data/store.db")
    (folder / "data").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Review.open(folder) as review:
        review.imports.add(sample_exports() / "scopus.ris", member=review.team.member("owner"))
    assert (folder / "data" / "store.db").exists()
    assert not (elsewhere / "data").exists()
    monkeypatch.chdir(tmp_path)
    with Review.open("review") as review:
        assert review.records.count_by_database() == {"Scopus": 3}


def test_an_unknown_scheme_in_review_toml_names_file_line_and_key(tmp_path):
    folder = tmp_path / "review"
    Review.init(folder, title="t").close()
    _set_store_url(folder, "mysql://u@h/db")
    line = (folder / "review.toml").read_text(encoding="utf-8").splitlines().index(
        'url = "mysql://u@h/db"'
    ) + 1
    result = runner.invoke(app, ["records", str(folder)])
    assert result.exit_code == 1
    assert f"review.toml:{line} [store.url]: unknown store URL scheme 'mysql'" in result.output


def test_a_url_without_scheme_separator_is_not_a_new_sqlite_file(tmp_path):
    folder = tmp_path / "review"
    Review.init(folder, title="t").close()
    _set_store_url(folder, "postgres@localhost/evimap")
    with pytest.raises(ProtocolError, match="neither a database URL nor a SQLite file"):
        Review.open(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "exports",
        "fulltext",
        "review.db",
        "review.toml",
    ]


def test_init_db_saves_a_sqlite_path_relative_to_the_review_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "review", "--db", "review/store/main.sqlite"])
    assert result.exit_code == 0, result.output
    assert load_protocol(tmp_path / "review").store.url == "store/main.sqlite"
    imported = runner.invoke(
        app, ["import", "review", str(sample_exports() / "scopus.ris"), "--as", "owner"]
    )
    assert imported.exit_code == 0, imported.output
    monkeypatch.chdir(tmp_path / "review")
    with Review.open(".") as review:  # no --db: review.toml says where
        assert review.records.count_by_database() == {"Scopus": 3}
    assert not (tmp_path / "review" / "review.db").exists()


def test_init_db_saves_a_postgresql_url_without_its_password(tmp_path):
    url = url_for_protocol("postgresql://evimap:secret@db.example:5433/review", tmp_path)
    assert url == "postgresql://evimap@db.example:5433/review"


def test_init_with_a_bad_db_writes_nothing(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "review"), "--db", "oracle://x/y"])
    assert result.exit_code == 1
    assert "unknown store URL scheme 'oracle'" in result.output
    assert not (tmp_path / "review").exists()
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    result = runner.invoke(app, ["init", str(tmp_path / "review"), "--db", unreachable])
    assert result.exit_code == 1
    assert "cannot open the store" in result.output
    assert not (tmp_path / "review").exists()  # init can be run again


@pytest.mark.postgres
def test_init_db_with_postgresql_is_remembered(tmp_path, postgres_url):
    from tests import pg

    url = pg.fresh_database(postgres_url, "evimap_init_remembered")
    folder = tmp_path / "review"
    assert runner.invoke(app, ["init", str(folder), "--db", url]).exit_code == 0
    assert load_protocol(folder).store.url == url
    result = runner.invoke(
        app, ["import", str(folder), str(sample_exports() / "scopus.ris"), "--as", "owner"]
    )
    assert result.exit_code == 0, result.output
    assert not (folder / "review.db").exists()
    with Review.open(folder) as review:
        assert review.store.dialect == "postgresql"
        assert review.records.count_by_database() == {"Scopus": 3}


@pytest.mark.parametrize("value", ['"no"', '"false"', "0", '"yes"', "1"])
def test_booleans_in_review_toml_are_booleans(value):
    text = render_template("x") + f"\n[screening.full_text]\nblind = {value}\n"
    line = text.splitlines().index(f"blind = {value}") + 1
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "my-review/review.toml")
    (problem,) = caught.value.problems
    assert str(problem).startswith(
        f"my-review/review.toml:{line} [screening.full_text.blind]: Input should be a valid boolean"
    )


def test_every_boolean_of_the_protocol_is_strict():
    text = render_template("x").replace("maybe_advances = false", 'maybe_advances = "false"')
    with pytest.raises(
        ProtocolError, match=r"\[screening.maybe_advances\]: Input should be a valid"
    ):
        parse_protocol(text)


def test_the_error_names_the_line_of_the_key_in_its_own_table():
    text = render_template("x") + (
        '\n[screening.title_abstract]\nblind = true\n[screening.full_text]\nblind = "no"\n'
    )
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "r.toml")
    lines = text.splitlines()
    second = len(lines) - lines[::-1].index('blind = "no"')
    assert str(caught.value.problems[0]).startswith(f"r.toml:{second} [screening.full_text.blind]")
