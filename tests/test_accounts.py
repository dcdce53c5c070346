"""Accounts: logins of team members and their server-side sessions in the review's store, the
`evimap user` verbs, and the 0011_accounts migration, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect as sa_inspect
from typer.testing import CliRunner

from evimap.accounts import Account, AccountError, NotOwner
from evimap.accounts.passwords import new_token, token_hash
from evimap.cli import app
from evimap.review import Review
from tests.screening_support import new_db, write_review  # noqa: F401


@pytest.fixture
def review(tmp_path, new_db):  # noqa: F811
    opened = Review.open(write_review(tmp_path / "acc"), db=new_db())
    yield opened
    opened.close()


def test_an_account_authenticates_with_its_password_only(review):
    review.accounts.add("A", "reviewer", "correct horse")
    assert review.accounts.authenticate("A", "correct horse") == Account(
        "A", "reviewer", True, review.accounts.get("A").created_at
    )
    assert review.accounts.authenticate("A", "wrong horse") is None
    assert review.accounts.authenticate("nobody", "correct horse") is None
    assert [a.name for a in review.accounts.list()] == ["A"]


def test_the_store_keeps_an_argon2_hash_and_the_log_never_holds_it(review):
    review.accounts.add("A", "reviewer", "correct horse")
    review.accounts.set_password("A", "battery staple")
    with review.store.read() as session:
        from sqlalchemy import select

        from evimap.store.models_accounts import AccountRow

        hashed = session.scalar(select(AccountRow.password_hash))
    assert hashed.startswith("$argon2id$")
    log = [e.to_dict() for e in review.events.read(prefix="accounts.")]
    assert [e["kind"] for e in log] == ["accounts.add", "accounts.password"]
    assert all(
        "horse" not in str(e) and "staple" not in str(e) and "$argon2" not in str(e) for e in log
    )


@pytest.mark.parametrize(
    ("name", "role", "secret", "message"),
    [
        ("", "reviewer", "long enough", "needs a name"),
        ("A\x07", "reviewer", "long enough", "control characters"),
        ("A", "boss", "long enough", "'boss' is not a role; roles are owner, arbiter, reviewer"),
        ("A", "reviewer", "short", "at least 8 characters"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(review, name, role, secret, message):
    with pytest.raises(AccountError, match=message):
        review.accounts.add(name, role, secret)
    assert review.accounts.list() == []


def test_a_name_has_one_account(review):
    review.accounts.add("A", "reviewer", "long enough")
    with pytest.raises(AccountError, match="already has an account"):
        review.accounts.add("A", "arbiter", "long enough")


def test_only_an_owner_manages_the_team_and_one_owner_always_remains(review):
    review.accounts.add("O", "owner", "long enough")
    review.accounts.add("A", "reviewer", "long enough")
    owner, reviewer = review.team.member("O"), review.team.member("A")
    with pytest.raises(NotOwner):
        review.accounts.add("B", "reviewer", "long enough", member=reviewer)
    with pytest.raises(NotOwner):  # refused as not an owner before any other check
        review.accounts.add("B", "boss", "short", member=reviewer)
    with pytest.raises(NotOwner):
        review.accounts.set_role("A", "owner", member=reviewer)
    review.accounts.add("B", "reviewer", "long enough", member=owner)
    assert review.events.read(kind="accounts.add")[-1].actor == "O"
    with pytest.raises(AccountError, match="only owner"):
        review.accounts.set_role("O", "reviewer", member=owner)
    with pytest.raises(AccountError, match="only owner"):
        review.accounts.remove("O", member=owner)
    review.accounts.set_role("A", "owner", member=owner)
    review.accounts.set_role("O", "arbiter", member=owner)
    assert review.accounts.roles() == {"A": "owner", "B": "reviewer", "O": "arbiter"}


def test_a_session_lives_until_logout_expiry_password_change_or_removal(review):
    review.accounts.add("A", "reviewer", "long enough")
    hour = timedelta(hours=1)
    tokens = [new_token() for _ in range(4)]
    for token in tokens:
        review.accounts.open_session("A", token, lifetime=hour, client="127.0.0.1")
    assert review.accounts.session(tokens[0]).name == "A"
    assert review.accounts.session("not a token") is None
    assert review.accounts.session("") is None
    assert review.accounts.end_session(tokens[0]) is True
    assert review.accounts.session(tokens[0]) is None
    assert review.accounts.end_session(tokens[0]) is False

    expired = new_token()
    review.accounts.open_session("A", expired, lifetime=timedelta(seconds=-1))
    assert review.accounts.session(expired) is None

    review.accounts.set_password("A", "another one")
    assert review.accounts.session(tokens[1]) is None
    review.accounts.open_session("A", tokens[3] + "x", lifetime=hour)
    review.accounts.remove("A")
    assert review.accounts.session(tokens[3] + "x") is None
    assert review.accounts.authenticate("A", "another one") is None


def test_only_the_token_hash_is_stored(review):
    review.accounts.add("A", "reviewer", "long enough")
    token = new_token()
    review.accounts.open_session("A", token, lifetime=timedelta(hours=1))
    with review.store.read() as session:
        from sqlalchemy import select

        from evimap.store.models_accounts import AccountSessionRow

        stored = session.scalars(select(AccountSessionRow.token_hash)).all()
    assert stored == [token_hash(token)] and token not in stored


def test_a_removed_member_can_be_added_again(review):
    review.accounts.add("A", "reviewer", "long enough")
    review.accounts.remove("A")
    assert review.accounts.list() == []
    assert [a.active for a in review.accounts.list(include_removed=True)] == [False]
    review.accounts.add("A", "arbiter", "new password")
    assert review.accounts.authenticate("A", "new password").role == "arbiter"


def test_account_roles_are_the_screening_roles(review):
    # review.toml says A is a reviewer; the account (the owner's run-time change) wins, and a
    # login that review.toml does not name joins the team
    review.accounts.add("A", "arbiter", "long enough")
    review.accounts.add("Z", "reviewer", "long enough")
    assert review.team.member("A").role == "arbiter"
    assert review.team.member("Z").role == "reviewer"
    assert review.screening.config.screeners == ["B", "Z"]
    # the store's team follows (team.sync), and a removed login that review.toml does not
    # name leaves the team
    stored = {m["name"]: (m["role"], m["active"]) for m in review.team.stored()}
    assert stored["A"] == ("arbiter", True) and stored["Z"] == ("reviewer", True)
    review.accounts.remove("Z")
    assert {m["name"]: m["active"] for m in review.team.stored()}["Z"] is False
    assert "Z" not in [m.name for m in review.team.members()]
    review.accounts.remove("A")
    assert review.team.member("A").role == "reviewer"  # review.toml's role again


def test_the_accounts_migration_goes_down_and_up_on_its_own(review):
    review.accounts.add("A", "reviewer", "long enough")
    review.store.downgrade("0008_members")  # takes 0013_settings_version off (a merge)
    review.store.downgrade("accounts@-1")
    tables = set(sa_inspect(review.store.engine).get_table_names())
    assert not {"accounts", "account_sessions", "screening_stage_settings"} & tables
    assert {"records", "screening_decisions", "charted_values"} <= tables
    review.store.upgrade()
    assert "0013_settings_version" in review.store.revisions()
    assert review.accounts.list() == []


def _run(*args, stdin=None):
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result


def test_the_user_verbs_add_list_change_and_remove_logins(tmp_path):
    folder = write_review(tmp_path / "cli")
    result = _run(
        "user",
        "add",
        str(folder),
        "A",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin="first password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added A (reviewer)." in result.output
    result = _run(
        "user", "add", str(folder), "P", "--role", "arbiter", stdin="pw-of-p!\npw-of-p!\n"
    )
    assert result.exit_code == 0, result.output
    listed = _run("user", "list", str(folder), "--format", "json")
    import json

    assert [(a["name"], a["role"]) for a in json.loads(listed.output)] == [
        ("A", "reviewer"),
        ("P", "arbiter"),
    ]
    result = _run("user", "password", str(folder), "A", "--password-stdin", stdin="second one\n")
    assert result.exit_code == 0 and "Changed the password of A." in result.output
    with Review.open(folder) as review:
        assert review.accounts.authenticate("A", "second one") is not None
        assert review.accounts.authenticate("A", "first password") is None
    result = _run(
        "user", "add", str(folder), "B", "--role", "king", "--password-stdin", stdin="long enough\n"
    )
    assert result.exit_code == 1
    assert "'king' is not a role; roles are owner, arbiter, reviewer" in result.output
    result = _run("user", "remove", str(folder), "A")
    assert result.exit_code == 0 and "Removed the login of A." in result.output
    result = _run("user", "remove", str(folder), "A")
    assert result.exit_code == 1 and "'A' has no account in this review" in result.output
