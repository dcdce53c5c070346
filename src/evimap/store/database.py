"""Open the store (SQLite file or PostgreSQL URL), migrate it, and hand out transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from evimap.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a path to a SQLite file.

    ``postgresql://`` URLs use the psycopg 3 driver.
    """
    text = str(target)
    if "://" not in text:
        return f"sqlite:///{Path(text).resolve()}"
    if text.startswith("postgresql://") or text.startswith("postgres://"):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


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


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys on, and BEGIN IMMEDIATE so one writer holds the lock from the start.

    A new database gets 32 KiB pages (SQLite's default is 4 KiB): a stored record with its
    verbatim ``raw`` text is several KiB, and on 4 KiB pages each row spills into overflow
    pages; imports of large files then cost about 40 % more CPU (insert and checkpoint) and
    the file is no smaller. An existing database keeps its page size.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA page_size=32768")  # before WAL; a no-op once the file exists
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # pragma: no cover - driver hook
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """A migrated review database. Every write goes through :meth:`transaction`.

    :param engine: the SQLAlchemy engine.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading."""
        with self._sessions() as session:
            yield session

    def revisions(self) -> set[str]:
        """The schema revisions (one per migration branch) the database is at."""
        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def upgrade(self) -> None:
        """Bring the schema to the newest revisions (a no-op when it is there)."""
        if self.revisions() == _head_revisions():
            return
        with self.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "heads")

    def downgrade(self, revision: str = "base") -> None:
        """Take the schema back to ``revision`` (tests of the migrations use it)."""
        with self.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), revision)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def open_store(target: str | Path, migrate: bool = True) -> Store:
    """Open (and by default migrate) the store at a SQLite path or database URL.

    :param target: a path to a SQLite file, or a ``sqlite://`` / ``postgresql://`` URL.
    :param migrate: apply pending migrations.
    """
    url = database_url(target)
    try:
        engine = create_engine(url)
    except Exception as exc:  # bad URL, missing driver
        raise StoreError(f"cannot open the store at {target}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    store = Store(engine)
    if migrate:
        try:
            store.upgrade()
        except Exception as exc:
            engine.dispose()
            raise StoreError(f"cannot open the store at {target}: {exc}") from exc
        unknown = store.revisions() - _head_revisions()
        if unknown:
            engine.dispose()
            raise StoreError(
                f"the store at {target} is at schema revision(s) {sorted(unknown)}, which this "
                "evimap does not know; upgrade evimap"
            )
    return store
