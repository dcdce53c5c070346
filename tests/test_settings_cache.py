"""The settings version and what is kept in memory against it (roles, the screening settings,
live sessions): every change is seen on the next call, made in this process, in another one
(the CLI beside the web app), or by a statement typed by hand; and the index the next record to
decide is found by."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from evimap.accounts.passwords import new_token
from evimap.screening import view
from evimap.store.versions import settings_version
from tests.screening_support import new_db  # noqa: F401
from tests.web_support import client_for, login, make_review, web  # noqa: F401


@pytest.fixture
def team(tmp_path, new_db):  # noqa: F811
    review, ids = make_review(tmp_path / "cache", db=new_db())
    yield review, ids
    review.close()


def _version(review) -> int:
    with review.store.read() as session:
        return settings_version(session)


def test_the_store_raises_the_version_on_each_change_a_process_keeps(team):
    review, ids = team
    olga, ana = review.team.member("olga"), review.team.member("ana")
    steps = [
        ("a login added", lambda: review.accounts.add("new", "reviewer", "long enough")),
        ("a role changed", lambda: review.accounts.set_role("new", "arbiter", member=olga)),
        (
            "a stage closed",
            lambda: review.screening.set_stage("full_text", open=False, member=olga),
        ),
        ("a password changed", lambda: review.accounts.set_password("new", "longer still")),
        ("a login removed", lambda: review.accounts.remove("new")),
    ]
    for what, step in steps:
        before = _version(review)
        step()
        assert _version(review) > before, what
    token = new_token()
    before = _version(review)
    review.accounts.open_session("ana", token, lifetime=timedelta(hours=1))
    review.screening.decide("title_abstract", ids[0], "include", member=ana)
    assert _version(review) == before  # a new session or a decision keeps what is kept
    assert review.accounts.session(token).name == "ana"
    review.accounts.end_session(token)
    assert _version(review) > before
    assert review.accounts.session(token) is None


def test_a_statement_typed_by_hand_is_seen_on_the_next_call(team):
    review, _ = team
    assert review.team.member("zbyszek").role == "reviewer"
    token = new_token()
    review.accounts.open_session("zbyszek", token, lifetime=timedelta(hours=1))
    assert review.accounts.session(token).role == "reviewer"
    with review.store.transaction() as session:
        session.execute(text("UPDATE accounts SET role = 'arbiter' WHERE name = 'zbyszek'"))
    assert review.team.member("zbyszek").role == "arbiter"
    assert review.accounts.session(token).role == "arbiter"
    assert "zbyszek" not in review.screening.config.screeners
    with review.store.transaction() as session:
        session.execute(text("UPDATE account_sessions SET ended_at = expires_at"))
    assert review.accounts.session(token) is None


def test_an_expired_session_is_refused_though_it_is_kept(team):
    review, _ = team
    token = new_token()
    review.accounts.open_session("ana", token, lifetime=timedelta(seconds=0.5))
    assert review.accounts.session(token).name == "ana"  # now kept in memory
    import time

    time.sleep(0.6)
    assert review.accounts.session(token) is None


def _in_another_process(folder, code: str) -> None:
    """Run ``code`` with ``review`` open on ``folder`` in a new Python process (as the CLI
    beside the web app would)."""
    script = textwrap.dedent(
        f"""
        from evimap.review import Review
        with Review.open({str(folder)!r}) as review:
            olga = review.team.member("olga")
        """
    ) + textwrap.indent(textwrap.dedent(code), "    ")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def _as(app, name):
    client = client_for(app)
    client.headers["x-csrf-token"] = login(client, name)
    return client


def test_changes_made_in_another_process_are_seen_on_the_next_request(web):  # noqa: F811
    app, review, ids = web
    ana, zbyszek = _as(app, "ana"), _as(app, "zbyszek")
    conflicts = "/r/webrev/conflicts/title_abstract.json"
    assert ana.get(conflicts).status_code == 403  # a reviewer, while the stage is blind
    decide = "/r/webrev/screen/title_abstract/decide.json"
    assert (
        zbyszek.post(decide, json={"record_id": ids[0], "decision": "include"}).status_code == 200
    )

    # an owner promotes ana with the CLI, in another process
    _in_another_process(review.folder, 'review.accounts.set_role("ana", "arbiter", member=olga)')
    assert ana.get("/r/webrev/dashboard.json").json()["me"]["role"] == "arbiter"
    assert ana.get(conflicts).status_code == 200

    # ... closes the stage
    _in_another_process(
        review.folder, 'review.screening.set_stage("title_abstract", open=False, member=olga)'
    )
    refused = zbyszek.post(decide, json={"record_id": ids[1], "decision": "include"})
    assert refused.status_code == 409

    # ... and changes zbyszek's password, which ends his sessions
    _in_another_process(review.folder, 'review.accounts.set_password("zbyszek", "a new one!")')
    assert zbyszek.get("/r/webrev/dashboard.json").status_code == 401
    assert ana.get("/r/webrev/dashboard.json").status_code == 200  # ana's session lives on


def test_the_next_record_to_decide_walks_the_queue_index_without_sorting(tmp_path):
    review, ids = make_review(tmp_path / "plan")
    try:
        values = {"stage": "title_abstract", "reviewer": "ana", "skip": 0}
        values.update(round="main", position=3, id=3)  # a queue key to walk on from
        for walk in ("start", "same_round", "later_rounds"):
            compiled = view._NEXT_TODO[False, walk].compile(dialect=sqlite.dialect())
            params = [values.get(n, compiled.params.get(n)) for n in compiled.positiontup]
            with review.store.read() as session:
                index = session.execute(
                    text(
                        "SELECT sql FROM sqlite_master "
                        "WHERE name = 'ix_screening_assignments_queue'"
                    )
                ).scalar_one()
                raw = session.connection().connection.cursor()
                plan = [
                    row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + str(compiled), params)
                ]
            assert "round DESC" in index
            assert any("ix_screening_assignments_queue" in step for step in plan), (walk, plan)
            assert not any("TEMP B-TREE" in step for step in plan), (walk, plan)
            if walk != "start":  # a range of the index, not a walk from the queue's start
                assert any(("position>?" in s or "round<?" in s) for s in plan), (walk, plan)
        ana = review.team.member("ana")
        assert (
            review.screening.next_todo("title_abstract", member=ana)
            == (review.screening.queue("title_abstract", member=ana)[0])
        )
    finally:
        review.close()


def test_a_current_store_is_at_every_head_so_opening_it_takes_no_write_lock(tmp_path):
    from evimap.store import open_store
    from evimap.store.database import _head_revisions

    store = open_store(tmp_path / "heads.db")
    try:
        assert store.revisions() == _head_revisions()
    finally:
        store.close()
