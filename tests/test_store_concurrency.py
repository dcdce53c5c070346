"""Readers and writers at once: reads never block writes, opening a store needs no write lock,
and writes wait for each other (saying so) instead of failing.

SQLite's locks are the file's, so each test holds the write lock the way another process
would (a second connection, as an import does) and checks what the store under test does.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from evimap.review import Review
from evimap.store import EventLog, open_store
from evimap.store.database import StoreBusy, StoreBusyNow
from evimap.store.models import EventRow
from tests.test_cli import sample_exports


def _hold_write_lock(
    path: Path, seconds: float, started: threading.Event, release: threading.Event | None = None
) -> threading.Thread:
    """Another writer (an import): BEGIN IMMEDIATE, write, hold the lock ``seconds`` (or until
    ``release`` is set), then commit."""

    def run() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO events (at, actor, kind, subject, why, counts, details) "
            "VALUES ('2026-01-01 00:00:00', 'other', 'import.file', 'big.ris', '', '{}', '{}')"
        )
        started.set()
        if release is None:
            time.sleep(seconds)
        else:
            release.wait(seconds)
        connection.execute("COMMIT")
        connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    return thread


def _append(store, kind: str = "import.file", subject: str = "x") -> None:
    with store.transaction() as session:
        EventLog.append(session, kind, subject=subject)


def test_an_open_read_does_not_block_a_writer(tmp_path):
    reader = open_store(tmp_path / "review.db")
    writer = open_store(tmp_path / "review.db")
    try:
        with reader.read() as session:
            assert session.scalar(select(func.count()).select_from(EventRow)) == 0
            start = time.monotonic()
            _append(writer)  # used to fail with "database is locked" after 5 s
            assert time.monotonic() - start < 1.5
            # the open read still sees the state it started from
            assert session.scalar(select(func.count()).select_from(EventRow)) == 0
        with reader.read() as session:
            assert session.scalar(select(func.count()).select_from(EventRow)) == 1
    finally:
        reader.close()
        writer.close()


def test_a_read_session_cannot_write(store):
    with pytest.raises(Exception, match="(?i)read-?only|readonly"), store.read() as session:
        EventLog.append(session, "import.file")


def test_opening_and_reading_while_an_import_holds_the_write_lock(tmp_path):
    runner_review = Review.init(tmp_path / "review", title="t")
    runner_review.imports.add(
        sample_exports() / "scopus.ris", member=runner_review.team.member("owner")
    )
    runner_review.close()
    started, release = threading.Event(), threading.Event()
    holder = _hold_write_lock(tmp_path / "review" / "review.db", 60, started, release)
    try:
        start = time.monotonic()
        # used to fail after 5 s: "cannot open the store at ...: database is locked"
        with Review.open(tmp_path / "review") as review:
            assert review.records.count_by_database() == {"Scopus": 3}
            assert (
                len(review.events.read(kind="import.file")) == 1
            )  # the import in progress is not visible
        assert time.monotonic() - start < 2
    finally:
        release.set()
        holder.join()


def test_a_write_waits_for_the_other_writer_and_says_so(tmp_path):
    store = open_store(tmp_path / "review.db", busy_timeout=30)
    waits: list[float] = []
    store.policy.on_wait = waits.append
    started = threading.Event()
    holder = _hold_write_lock(tmp_path / "review.db", 2.5, started)
    try:
        start = time.monotonic()
        _append(store, "screen.note")
        waited = time.monotonic() - start
    finally:
        holder.join()
        store.close()
    assert waited >= 2
    assert waits and 1 <= waits[0] < 2.5  # told once it had waited a second
    check = open_store(tmp_path / "review.db")
    with check.read() as session:
        kinds = [e.kind for e in EventLog.read(session)]
    check.close()
    assert kinds == ["import.file", "screen.note"]  # the other writer's first, then ours


def test_a_write_past_the_busy_timeout_fails_with_a_clear_error(tmp_path):
    store = open_store(tmp_path / "review.db", busy_timeout=1)
    store.policy.on_wait = lambda waited: None
    started = threading.Event()
    holder = _hold_write_lock(tmp_path / "review.db", 3, started)
    try:
        with pytest.raises(StoreBusy, match=r"stayed locked by another writer.*busy_timeout"):
            _append(store)
    finally:
        holder.join()
    _append(store)  # the store is still usable once the other writer is done
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(EventRow)) == 2
    store.close()


def test_a_write_that_must_not_wait_gives_way_at_once_having_written_nothing(tmp_path):
    store = open_store(tmp_path / "review.db", busy_timeout=30)
    started, release = threading.Event(), threading.Event()
    holder = _hold_write_lock(tmp_path / "review.db", 30, started, release)
    try:
        start = time.monotonic()
        with pytest.raises(StoreBusyNow), store.no_wait():
            _append(store, "screen.note")
        assert time.monotonic() - start < 1  # SQLite's own busy wait is 10 ms
    finally:
        release.set()
        holder.join()
    with store.no_wait():  # the store is free: the write goes through
        _append(store, "screen.tags")
    with store.read() as session:
        kinds = [e.kind for e in EventLog.read(session)]
    store.close()
    assert kinds == ["import.file", "screen.tags"]


def test_a_later_write_of_a_no_wait_block_waits_as_usual(tmp_path):
    """Once a write of the block has committed, the block cannot be run again elsewhere, so
    its next write waits for the other writer rather than giving way."""
    store = open_store(tmp_path / "review.db", busy_timeout=30)
    store.policy.on_wait = lambda waited: None
    started = threading.Event()
    with store.no_wait():
        _append(store, "screen.note")
        holder = _hold_write_lock(tmp_path / "review.db", 0.5, started)
        try:
            _append(store, "screen.tags")
        finally:
            holder.join()
    with store.read() as session:
        kinds = [e.kind for e in EventLog.read(session)]
    store.close()
    assert kinds == ["screen.note", "import.file", "screen.tags"]


def test_a_server_checkpoints_the_log_in_a_thread_of_its_own(tmp_path):
    """Commits no longer checkpoint (one in about 166 paid 70-90 ms for it); the thread does,
    and stopping it gives the commits SQLite's own checkpoints back."""

    def autocheckpoint(store) -> int:
        with store.transaction() as session:
            return session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()

    store = open_store(tmp_path / "review.db")
    assert autocheckpoint(store) == 1000
    assert store.checkpoint_in_background(every=0.05)
    assert not store.checkpoint_in_background()  # already on
    assert autocheckpoint(store) == 0
    for i in range(40):
        _append(store, subject=str(i))
    deadline = time.monotonic() + 10
    while store.checkpointer.frames == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.checkpointer.frames > 0 and store.checkpointer.runs > 0
    thread = store.checkpointer
    store.stop_checkpoints()
    assert not thread.alive and store.checkpointer is None
    assert autocheckpoint(store) == 1000
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(EventRow)) == 40
    store.close()


def test_threads_of_one_process_write_at_once_without_errors(tmp_path):
    """The web app: many threads, one store object."""
    store = open_store(tmp_path / "review.db")
    errors: list[Exception] = []

    def work(n: int) -> None:
        try:
            for _ in range(20):
                _append(store, "screen.note", subject=f"thread {n}")
                with store.read() as session:
                    session.execute(text("SELECT count(*) FROM events")).scalar()
        except Exception as exc:  # pragma: no cover - the failure this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.read() as session:
        total = session.scalar(select(func.count()).select_from(EventRow))
        subjects = [e.subject for e in EventLog.read(session)]
    store.close()
    assert errors == []
    assert total == 160
    assert sorted(set(subjects)) == [f"thread {n}" for n in range(8)]
    assert all(subjects.count(f"thread {n}") == 20 for n in range(8))


def test_the_cli_says_on_stderr_that_a_write_is_waiting(tmp_path):
    folder = tmp_path / "review"
    Review.init(folder, title="t").close()
    started, release = threading.Event(), threading.Event()
    holder = _hold_write_lock(folder / "review.db", 120, started, release)
    command = [
        str(Path(sys.executable).parent / "evimap"),
        "import",
        str(folder),
        str(sample_exports() / "scopus.ris"),
        "--as",
        "owner",
        "--format",
        "json",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()  # blocks until the CLI says something on stderr
    finally:
        release.set()
        holder.join()
    out, rest = process.communicate(timeout=120)
    assert process.returncode == 0, first + rest
    assert "waiting for the store: another writer (an import?) holds it" in first
    assert '"Scopus": 3' in out
