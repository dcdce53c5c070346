"""The store behaves the same on SQLite and PostgreSQL (each test runs on both)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from evimap.records import Author, Record
from evimap.store import EventLog
from evimap.store.models import RecordRow, SourceFile
from evimap.store.records import count_by_database, insert_rows, iter_records, record_to_row


def _file(session, name="a.ris", sha="0" * 64) -> SourceFile:
    source = SourceFile(
        name=name,
        path=name,
        sha256=sha,
        format="ris",
        database="Scopus",
        record_count=0,
        skipped_count=0,
        imported_by="t",
    )
    session.add(source)
    session.flush()
    return source


def _record(title="Alliance ruptures", **kw) -> Record:
    return Record(
        title=title,
        authors=[Author("Safran", "Jeremy D.", "Safran, Jeremy D."), Author("Muran", "J. C.")],
        year=2000,
        doi="10.1002/jclp.123",
        keywords=["rupture", "repair"],
        cited_references=["Bordin 1979 PSYCHOTHERAPY", "Safran 1996 J CONSULT CLIN PSYCH"],
        source_database="Scopus",
        source_record_id="2-s2.0-1",
        line=1,
        raw="TY  - JOUR\n",
        **kw,
    )


def test_migrations_create_every_table(store):
    with store.read() as session:
        for table in ("source_files", "records", "events"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_records_round_trip_with_lists_and_authors(store):
    with store.transaction() as session:
        source = _file(session)
        insert_rows(
            session,
            [
                record_to_row(_record(), source.id),
                record_to_row(_record("Second", issn=["0033-3204"]), source.id),
            ],
        )
    with store.read() as session:
        got = [r for _, r in iter_records(session)]
        assert count_by_database(session) == {"Scopus": 2}
    assert [r.title for r in got] == ["Alliance ruptures", "Second"]
    assert got[0].authors[0] == Author("Safran", "Jeremy D.", "Safran, Jeremy D.")
    assert got[0].cited_references == [
        "Bordin 1979 PSYCHOTHERAPY",
        "Safran 1996 J CONSULT CLIN PSYCH",
    ]
    assert got[0].source_file == "a.ris"
    assert got[1].issn == ["0033-3204"]


def test_a_failed_transaction_writes_nothing(store):
    with pytest.raises(RuntimeError), store.transaction() as session:
        source = _file(session)
        insert_rows(session, [record_to_row(_record(), source.id)])
        EventLog.append(session, "import.file", subject="a.ris")
        raise RuntimeError("crash in the middle of an import")
    with store.read() as session:
        assert session.scalar(select(SourceFile)) is None
        assert session.scalar(select(RecordRow)) is None
        assert EventLog.read(session) == []


def test_events_are_read_back_in_order_with_counts(store):
    with store.transaction() as session:
        EventLog.append(
            session,
            "import.file",
            actor="AL-V",
            subject="wos.txt",
            counts={"records": 3},
            details={"format": "wos"},
        )
        EventLog.append(session, "screen.decision", actor="NG-A", subject="17", why="E1")
    with store.read() as session:
        events = EventLog.read(session)
        assert [e.kind for e in events] == ["import.file", "screen.decision"]
        assert events[0].counts == {"records": 3}
        assert events[0].at.tzinfo is not None
        assert [e.kind for e in EventLog.read(session, prefix="screen.")] == ["screen.decision"]


@pytest.mark.parametrize("statement", ["UPDATE events SET why = 'changed'", "DELETE FROM events"])
def test_the_event_log_is_append_only(store, statement):
    with store.transaction() as session:
        EventLog.append(session, "import.file", subject="a.ris")
    with pytest.raises(DBAPIError, match="append-only"), store.transaction() as session:
        session.execute(text(statement))
    with store.read() as session:
        assert len(EventLog.read(session)) == 1


def test_the_same_file_hash_cannot_be_stored_twice(store):
    with store.transaction() as session:
        _file(session)
    with pytest.raises(DBAPIError), store.transaction() as session:
        _file(session, name="copy.ris")


def test_migrations_go_down_and_up_again(store):
    store.downgrade("base")
    assert store.revisions() == set()
    store.upgrade()
    with store.read() as session:
        assert session.execute(text("SELECT count(*) FROM events")).scalar() == 0
