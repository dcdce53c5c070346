"""Open the store (SQLite file or PostgreSQL URL), migrate it, and hand out transactions.

Concurrency, on both engines:

- **Reads never take the write lock.** :meth:`Store.read` sessions run on their own
  read-only connections (SQLite: a deferred ``BEGIN`` and ``PRAGMA query_only``; PostgreSQL:
  ``default_transaction_read_only``). With SQLite's WAL journal a reader sees the last
  committed state and neither waits for a writer nor makes one wait.
- **Opening needs no write lock** when the schema is current: the revision check is a read;
  only a pending migration takes the write lock (and on PostgreSQL an advisory lock, so two
  processes opening a new database migrate it once).
- **Writes wait, they do not fail.** :meth:`Store.transaction` on SQLite starts with
  ``BEGIN IMMEDIATE``; while another process or thread holds the write lock (an import), the
  write waits up to ``busy_timeout`` seconds, calling ``on_wait`` (the CLI prints a line on
  stderr) once it has waited ``notice_after`` seconds and then every ``notice_every`` seconds.
  On PostgreSQL a write waits for row locks up to ``busy_timeout`` (``lock_timeout``). Past the
  limit, :class:`StoreBusy` says who to wait for.
- **Or they do not wait at all**, inside :meth:`Store.no_wait` (a server's event loop, which
  must never sleep on a lock): on SQLite the first ``BEGIN IMMEDIATE`` that finds the store
  locked raises :class:`StoreBusyNow` before anything is written, and the caller runs the
  work where it may wait (a worker thread).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from evimap.errors import StoreError
from evimap.store.checkpoints import Checkpointer
from evimap.store.urls import is_sqlite, store_url
from evimap.store.versions import SettingsCache

MIGRATIONS = Path(__file__).parent / "migrations"

DEFAULT_BUSY_TIMEOUT = 300.0
"""Seconds a write waits for another writer (an import of 100k records takes about 20 s)."""

_MIGRATION_LOCK = 0x65766D70  # "evmp": the advisory lock key of migrations on PostgreSQL
_LOCK_STEP = 0.01
"""SQLite's own busy wait per attempt at BEGIN IMMEDIATE, in seconds: short, so a waiting
writer tries again every few milliseconds. SQLite's busy handler sleeps longer the longer it
has waited (1, 2, 5, 10 ... 100 ms), so with a long step the writers that have waited longest
poll least often, and the writer that just committed takes the lock again first: with 16
processes deciding at once, some decisions waited seconds while most took milliseconds
(``benchmarks/concurrent_decisions.py``)."""
_RETRY_PAUSE = (0.0005, 0.003)
"""Seconds (random, between these) between attempts, so waiting writers do not retry in step."""

logger = logging.getLogger("evimap.store")


class StoreBusy(StoreError):
    """Another writer held the store for longer than the busy timeout."""


class StoreBusyNow(StoreBusy):
    """Inside :meth:`Store.no_wait`: the write lock was held when a write began; nothing was
    written."""


class _NoWait(threading.local):
    """Per thread: inside :meth:`Store.no_wait`, and whether a write transaction began there."""

    active = False
    began = False


_NO_WAIT = _NoWait()


WaitNotice = Callable[[float], None]
"""Called with the seconds waited so far while a write waits for the store's write lock."""


def _log_wait(waited: float) -> None:
    logger.warning(
        "waiting for the store: another writer (an import?) holds it; %.0f s so far", waited
    )


@dataclass
class WaitPolicy:
    """How long writes wait for the write lock, and when they say so.

    :param busy_timeout: seconds a write waits before :class:`StoreBusy`.
    :param on_wait: called with the seconds waited (default: a warning on the
        ``evimap.store`` logger, which the CLI prints on stderr).
    :param notice_after: seconds of waiting before the first call of ``on_wait``.
    :param notice_every: seconds between later calls.
    """

    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    on_wait: WaitNotice | None = None
    notice_after: float = 1.0
    notice_every: float = 10.0

    def notify(self, waited: float) -> None:
        """Tell whoever listens that a write has been waiting ``waited`` seconds."""
        (self.on_wait or _log_wait)(waited)


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _head_revisions() -> set[str]:
    """Every head: each part of evimap may keep its own branch of migrations off ``0001``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(config).get_heads())


def _begin_immediate(raw: sqlite3.Connection, policy: WaitPolicy) -> None:
    """``BEGIN IMMEDIATE``, retried while another connection holds the write lock (inside
    :meth:`Store.no_wait`, tried once if it is the first write there)."""
    start = time.monotonic()
    next_notice = policy.notice_after
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")
            if _NO_WAIT.active:
                _NO_WAIT.began = True
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        if _NO_WAIT.active and not _NO_WAIT.began:
            # a later write waits as usual: an earlier one of the same call is committed
            raise StoreBusyNow("another writer holds the store")
        waited = time.monotonic() - start
        if waited >= policy.busy_timeout:
            raise StoreBusy(
                f"the store stayed locked by another writer for {waited:.0f} s (an import or a "
                "dedup run?); try again once it is done, or raise [store] busy_timeout"
            )
        if waited >= next_notice:
            policy.notify(waited)
            next_notice = waited + policy.notice_every
        time.sleep(random.uniform(*_RETRY_PAUSE))


def _sqlite_engine(url: str, policy: WaitPolicy, *, read_only: bool) -> Engine:
    """A SQLite engine: WAL, foreign keys, and either write transactions that begin with
    ``BEGIN IMMEDIATE`` (one writer holds the lock from the start, so a transaction never has
    to upgrade a read lock and fail) or read-only connections that never take the write lock.

    A new database gets 32 KiB pages (SQLite's default is 4 KiB): a stored record with its
    verbatim ``raw`` text is several KiB, and on 4 KiB pages each row spills into overflow
    pages; imports of large files then cost about 40 % more CPU (insert and checkpoint) and
    the file is no smaller. An existing database keeps its page size.
    """
    engine = create_engine(url, connect_args={"timeout": _LOCK_STEP})  # read at connect time

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute(f"PRAGMA busy_timeout={int(policy.busy_timeout * 1000)}")
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA page_size=32768")  # before WAL; a no-op once the file exists
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # pragma: no cover - driver hook
        raw = connection.connection.dbapi_connection
        if read_only:
            raw.execute("BEGIN")
        else:
            _begin_immediate(raw, policy)

    return engine


def _no_autocheckpoint(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _postgres_engine(url: str, policy: WaitPolicy, *, read_only: bool) -> Engine:
    """A PostgreSQL engine whose writes wait for row locks up to the busy timeout, and whose
    read engine refuses writes."""
    options = f"-c lock_timeout={int(policy.busy_timeout * 1000)}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    return create_engine(url, connect_args={"options": options})


def _is_lock_timeout(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "55P03"


class Store:
    """A migrated review database. Every write goes through :meth:`transaction`, every read
    through :meth:`read`.

    :param engine: the SQLAlchemy engine of writes.
    :param read_engine: the engine of reads (default: ``engine``).
    :param policy: how writes wait for the write lock.

    :attr:`settings` keeps values read from the rarely changed tables (roles, stage settings,
    live sessions) while the store's settings version stays the same
    (:mod:`evimap.store.versions`).
    """

    def __init__(
        self, engine: Engine, read_engine: Engine | None = None, policy: WaitPolicy | None = None
    ):
        self.engine = engine
        self.read_engine = read_engine or engine
        self.policy = policy or WaitPolicy()
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self.settings = SettingsCache()
        self.checkpointer: Checkpointer | None = None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any error.

        :raises StoreBusy: when another writer held the store past the busy timeout.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            if _is_lock_timeout(exc):
                raise StoreBusy(
                    f"a write waited {self.policy.busy_timeout:.0f} s for a lock held by "
                    "another writer; try again, or raise [store] busy_timeout"
                ) from exc
            raise

    @contextmanager
    def no_wait(self) -> Iterator[None]:
        """Writes in this block (this thread) do not wait for another writer: on SQLite, the
        first write that finds the store locked raises :class:`StoreBusyNow` at its
        ``BEGIN``, having written nothing (SQLite's own busy wait, 10 ms, is the most it
        waits). A later write of the block waits as usual, so a caller that retries the
        block elsewhere never repeats a committed write. No effect on PostgreSQL, whose
        writes wait for row locks, not the store."""
        if _NO_WAIT.active:
            yield
            return
        _NO_WAIT.active, _NO_WAIT.began = True, False
        try:
            yield
        finally:
            _NO_WAIT.active = _NO_WAIT.began = False

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading: it sees the last committed state and never takes the write
        lock (writing in it is an error)."""
        with self._read_sessions() as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read session that sees one committed state throughout, however long it reads
        (SQLite: one WAL read transaction; PostgreSQL: REPEATABLE READ)."""
        with self._read_sessions() as session:
            if self.dialect == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def revisions(self) -> set[str]:
        """The schema revisions (one per migration branch) the database is at."""
        with self.read_engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def upgrade(self) -> None:
        """Bring the schema to the newest revisions (a no-op, and no write lock, when it is
        there already)."""
        if self.revisions() == _head_revisions():
            return
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            command.upgrade(_alembic_config(connection), "heads")

    def downgrade(self, revision: str = "base") -> None:
        """Take the schema back to ``revision`` (tests of the migrations use it)."""
        with self.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), revision)

    def checkpoint_in_background(self, every: float = 1.0) -> bool:
        """SQLite: checkpoint the write-ahead log in a thread every ``every`` seconds instead
        of inside the commit that fills it (:mod:`evimap.store.checkpoints`); for a server,
        whose requests must not wait 70-90 ms for one. Returns False on PostgreSQL, or when
        already on. Undone by :meth:`stop_checkpoints` and :meth:`close`.
        """
        if self.dialect != "sqlite" or self.checkpointer is not None:
            return False
        event.listen(self.engine, "connect", _no_autocheckpoint)
        self.engine.dispose()  # pooled write connections reconnect without it
        self.checkpointer = Checkpointer(self.engine.url.database, every)
        self.checkpointer.start()
        return True

    def stop_checkpoints(self) -> None:
        """Stop the checkpoint thread, and give the commits back SQLite's own checkpoints."""
        if self.checkpointer is None:
            return
        self.checkpointer.stop()
        event.remove(self.engine, "connect", _no_autocheckpoint)
        self.engine.dispose()
        self.checkpointer = None

    def close(self) -> None:
        """Release the engines' connections (stopping the checkpoint thread first)."""
        self.stop_checkpoints()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def open_store(
    target: str | Path,
    migrate: bool = True,
    *,
    base: str | Path | None = None,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    on_wait: WaitNotice | None = None,
) -> Store:
    """Open (and by default migrate) the store at a SQLite path or database URL.

    :param target: a path to a SQLite file, or a ``sqlite:///`` / ``postgresql://`` URL (see
        :mod:`evimap.store.urls`).
    :param migrate: apply pending migrations.
    :param base: the folder relative SQLite paths are resolved from (default: the current
        directory).
    :param busy_timeout: seconds a write waits for another writer before :class:`StoreBusy`.
    :param on_wait: called with the seconds waited while a write waits (default: a warning on
        the ``evimap.store`` logger).
    :raises StoreUrlError: for a target that is not a store URL or SQLite path.
    :raises StoreError: when the store cannot be opened or migrated.
    """
    url = store_url(target, base)
    policy = WaitPolicy(busy_timeout=busy_timeout, on_wait=on_wait)
    make = _sqlite_engine if is_sqlite(url) else _postgres_engine
    try:
        engine = make(url, policy, read_only=False)
        read_engine = make(url, policy, read_only=True)
        if is_sqlite(url):
            with engine.connect():  # creates the file, in WAL mode, before any reader opens it
                pass
    except StoreError:
        raise
    except Exception as exc:  # bad URL, missing driver, unreachable server, unwritable file
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc
    store = Store(engine, read_engine, policy)
    if migrate:
        try:
            store.upgrade()
        except StoreBusy:
            store.close()
            raise
        except Exception as exc:
            store.close()
            raise StoreError(f"cannot open the store at {target}: {exc}") from exc
        unknown = store.revisions() - _head_revisions()
        if unknown:
            store.close()
            raise StoreError(
                f"the store at {target} is at schema revision(s) {sorted(unknown)}, which this "
                "evimap does not know; upgrade evimap"
            )
    return store
