"""The team: members from review.toml, checked by every core call, synced into the store; the
CLI's --as / EVIMAP_AS and its help."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evimap.cli import app
from evimap.errors import NotPermitted, UnknownMember
from evimap.members import ALLOWED, Action, Member
from evimap.review import Review
from evimap.store.models_screening import ReviewerRow
from tests.screening_support import TEAM, add_records, small_records, write_review

runner = CliRunner()
TA = "title_abstract"


def test_a_member_comes_from_the_team_and_unknown_names_list_it(tmp_path):
    with Review.open(write_review(tmp_path / "r")) as review:
        assert review.team.member("P") == Member("P", "arbiter")
        assert [m.name for m in review.team.members()] == ["A", "B", "P", "O"]
        with pytest.raises(UnknownMember) as error:
            review.team.member("Mallory")
        assert str(error.value) == (
            "'Mallory' is not on the team; the team: A (reviewer), B (reviewer), P (arbiter), "
            "O (owner)"
        )
        with pytest.raises(UnknownMember, match="say who you are: --as NAME"):
            review.team.member("")
        assert review.team.find(None) is None


def test_the_core_checks_each_member_against_review_toml(tmp_path):
    with Review.open(write_review(tmp_path / "r")) as review:
        add_records(review, small_records(2))
        forged = Member("A", "owner")
        with pytest.raises(UnknownMember, match="A is now a reviewer, not an owner"):
            review.screening.assign(TA, member=forged)
        with pytest.raises(TypeError, match="use review.team.member"):
            review.screening.progress(TA, member="A")  # type: ignore[arg-type]
        with pytest.raises(UnknownMember, match="say who you are"):
            review.screening.assign(TA, member=None)  # type: ignore[arg-type]
        with pytest.raises(NotPermitted, match="A is a reviewer; assigning records needs"):
            review.screening.assign(TA, member=TEAM["A"])


def test_one_table_says_what_each_role_may_do():
    assert Member("B").may(Action.SCREEN) and not Member("B").may(Action.SETTLE)
    assert all(Member("O", "owner").may(a) for a in Action)
    assert ALLOWED[Action.IMPORT] == frozenset({"owner", "arbiter"})
    with pytest.raises(NotPermitted, match="B is a reviewer; importing records needs an owner"):
        Member("B").require(Action.IMPORT)


def test_the_team_is_synced_into_the_store_once_and_changes_are_logged(tmp_path):
    folder = write_review(tmp_path / "r")
    with Review.open(folder) as review:
        assert [(m["name"], m["role"], m["active"]) for m in review.team.stored()] == [
            ("A", "reviewer", True),
            ("B", "reviewer", True),
            ("P", "arbiter", True),
            ("O", "owner", True),
        ]
    with Review.open(folder) as review:  # nothing changed: nothing written
        assert len(review.events.read(kind="team.sync")) == 1
    protocol = folder / "review.toml"
    text = protocol.read_text(encoding="utf-8")
    text = text.replace('name = "B"\n', 'name = "C"\n').replace(
        'name = "P"\nrole = "arbiter"', 'name = "P"\nrole = "owner"'
    )
    protocol.write_text(text, encoding="utf-8")
    with Review.open(folder) as review:
        stored = {m["name"]: (m["role"], m["active"]) for m in review.team.stored()}
        assert stored["B"] == ("reviewer", False)  # kept, so B's decisions keep a name
        assert stored["C"] == ("reviewer", True)
        assert stored["P"] == ("owner", True)
        (event,) = review.events.read(kind="team.sync")[1:]
        assert event.details == {
            "added": [{"name": "C", "role": "reviewer"}],
            "role_changed": [{"name": "P", "from": "arbiter", "to": "owner"}],
            "removed": ["B"],
            "returned": [],
        }
        with review.store.read() as session:
            assert session.query(ReviewerRow).count() == 5


def test_the_members_migration_goes_down_and_up(store):
    from sqlalchemy import inspect

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(store.engine).get_columns(table)}

    assert {"active", "updated_at"} <= columns("screening_reviewers")
    assert "active" in columns("screening_assignments")
    store.downgrade("0002_screening")
    assert "active" not in columns("screening_assignments")
    assert "active" not in columns("screening_reviewers")
    store.upgrade()
    assert "active" in columns("screening_assignments")


def test_evimap_team_lists_the_members(tmp_path):
    folder = write_review(tmp_path / "r")
    result = runner.invoke(app, ["team", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [(m["name"], m["role"]) for m in json.loads(result.output)] == [
        ("A", "reviewer"),
        ("B", "reviewer"),
        ("P", "arbiter"),
        ("O", "owner"),
    ]


def test_help_lists_the_team_of_the_review_it_names_or_says_how(tmp_path):
    folder = write_review(tmp_path / "r")
    named = runner.invoke(app, ["decide", str(folder), "--help"])
    text = " ".join(named.output.split())
    assert "A (reviewer), B (reviewer), P (arbiter), O (owner)" in text
    assert "the CLI trusts its user" in text and "EVIMAP_AS" in text
    anywhere = runner.invoke(app, ["progress", "--help"], catch_exceptions=False)
    assert "evimap team REVIEW" in " ".join(anywhere.output.split())


def test_as_comes_from_evimap_as_and_writes_need_someone(tmp_path):
    folder = write_review(tmp_path / "r")
    with Review.open(folder) as review:
        add_records(review, small_records(2))
    refused = runner.invoke(app, ["assign", str(folder)])
    assert refused.exit_code == 1
    assert "say who you are: --as NAME (or EVIMAP_AS)" in " ".join(refused.output.split())
    done = runner.invoke(app, ["assign", str(folder), "--format", "json"], env={"EVIMAP_AS": "O"})
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["assignments"] == 4
