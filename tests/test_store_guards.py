"""Migration 0007_store_guards: the log refuses TRUNCATE and DROP where the database can, and
histories forked before it are relinked and say so (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from evimap.store import EventLog
from evimap.store.models import RecordRow, SourceFile
from evimap.store.models_screening import DecisionRow, SettlementRow

GUARDS = "0007_store_guards"


def _event(store) -> None:
    with store.transaction() as session:
        EventLog.append(session, "import.file", subject="a.ris")


def _count_events(store) -> int:
    with store.read() as session:
        return len(EventLog.read(session))


@pytest.mark.parametrize("statement", ["DELETE FROM events", "DELETE FROM events WHERE id > 0"])
def test_the_log_cannot_be_emptied(store, statement):
    """SQLite has no TRUNCATE; DELETE without WHERE is its form, and the row trigger fires."""
    _event(store)
    with pytest.raises(DBAPIError, match="append-only"), store.transaction() as session:
        session.execute(text(statement))
    assert _count_events(store) == 1


@pytest.fixture
def pg_store(postgres_url):
    """A migrated store on PostgreSQL only (TRUNCATE and DROP guards are PostgreSQL's)."""
    from evimap.store import open_store
    from tests import pg

    opened = open_store(pg.fresh_database(postgres_url, "evimap_guards"))
    yield opened
    opened.close()


@pytest.mark.postgres
def test_truncate_cannot_empty_the_log_on_postgresql(pg_store):
    _event(pg_store)
    with pytest.raises(DBAPIError, match="append-only"), pg_store.transaction() as session:
        session.execute(text("TRUNCATE events CASCADE"))
    assert _count_events(pg_store) == 1


@pytest.mark.postgres
def test_the_log_and_its_guards_cannot_be_dropped_on_postgresql(pg_store):
    """(A SQLite file cannot refuse DROP TABLE; `evimap verify` then shows the damage.)"""
    _event(pg_store)
    for statement in (
        "DROP TABLE events CASCADE",
        "DROP TRIGGER events_no_truncate ON events",
        "DROP TRIGGER events_append_only ON events",
    ):
        with pytest.raises(DBAPIError, match="append-only"), pg_store.transaction() as session:
            session.execute(text(statement))
    assert _count_events(pg_store) == 1


def _forked(store) -> tuple[int, int, int]:
    """Two decisions and two settlements that supersede the same row, as PostgreSQL wrote
    them when two arrived at once."""
    with store.transaction() as session:
        source = SourceFile(
            name="a.ris", path="a.ris", sha256="1" * 64, format="ris", record_count=1
        )
        session.add(source)
        session.flush()
        record = RecordRow(
            source_file_id=source.id,
            authors=[],
            issn=[],
            keywords=[],
            indexed_keywords=[],
            subject_areas=[],
            cited_references=[],
        )
        session.add(record)
        session.flush()
        rows = [
            DecisionRow(stage="title_abstract", record_id=record.id, reviewer="A", decision=d)
            for d in ("include", "exclude")
        ]
        session.add_all(rows)
        settled = [
            SettlementRow(
                stage="title_abstract", record_id=record.id, decision=d, why="x", arbiter="P"
            )
            for d in ("include", "exclude")
        ]
        session.add_all(settled)
        session.flush()
        return rows[0].id, rows[1].id, settled[1].id


def test_forked_histories_are_relinked_in_id_order_and_logged(store):
    store.downgrade("0002_screening")  # before the guards
    assert GUARDS not in store.revisions()
    first, second, settlement = _forked(store)
    store.upgrade()
    assert GUARDS in store.revisions()
    with store.read() as session:
        chain = session.execute(
            select(DecisionRow.id, DecisionRow.supersedes_id).order_by(DecisionRow.id)
        ).all()
        settled = session.get(SettlementRow, settlement)
        relink = EventLog.read(session, kind="store.relink")
    assert [tuple(r) for r in chain] == [(first, None), (second, first)]
    assert settled.supersedes_id == settlement - 1
    assert relink[0].counts == {"relinked": 2}
    assert {"table": "screening_decisions", "id": second, "was": None, "now": first} in relink[
        0
    ].details["rows"]


def test_the_guards_go_down_and_up_again(store):
    _event(store)
    store.downgrade("0002_screening")
    assert GUARDS not in store.revisions()
    if store.dialect == "postgresql":
        with store.transaction() as session:  # without the guards TRUNCATE is allowed again
            session.execute(text("TRUNCATE events CASCADE"))
    store.upgrade()
    assert GUARDS in store.revisions()
    _event(store)
    with pytest.raises(DBAPIError), store.transaction() as session:
        session.execute(text("DELETE FROM events"))
    store.downgrade("base")
    assert store.revisions() == set()
    store.upgrade()
    assert _count_events(store) == 0
