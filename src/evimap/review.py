"""The review object: a folder with its protocol and its store, opened once and shared.

The CLI, the web app and notebooks all hold a :class:`Review`; every verb is a method of it or
of one of its namespaced components (``review.imports``, ``review.records``, ``review.events``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evimap.charting.component import Charting
from evimap.citations.component import Citations
from evimap.dedup.component import Dedup
from evimap.errors import EvimapError, NoReview
from evimap.importing import FileImport, Progress, import_file
from evimap.protocol import PROTOCOL_FILE, Protocol, load_protocol
from evimap.protocol.template import render_template
from evimap.records import Record
from evimap.screening.component import Screening
from evimap.search.component import Search
from evimap.store import Event, EventLog, Store, open_store
from evimap.store.database import WaitNotice
from evimap.store.records import count_by_database, iter_records
from evimap.store.urls import sqlite_path, store_url, url_for_protocol
from evimap.verify import Verification, verify_store

STORE_FILE = "review.db"


class Imports:
    """Importing export files into the review (``review.imports``)."""

    def __init__(self, review: Review):
        self._review = review

    def add(
        self,
        path: str | Path,
        *,
        database: str | None = None,
        format_name: str | None = None,
        encoding: str = "utf-8",
        skip_bad: bool = False,
        actor: str = "",
        options: dict[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> FileImport:
        """Import one file in one transaction; see :func:`evimap.importing.import_file`."""
        return import_file(
            self._review.store,
            path,
            database=database,
            format_name=format_name,
            encoding=encoding,
            skip_bad=skip_bad,
            actor=actor,
            options=options,
            progress=progress,
        )


class Records:
    """Reading the review's records (``review.records``)."""

    def __init__(self, review: Review):
        self._review = review

    def __iter__(self):
        return self.iter()

    def iter(
        self, database: str | None = None, ids: Iterable[int] | None = None
    ) -> Iterable[tuple[int, Record]]:
        """``(id, record)`` pairs in import order."""
        with self._review.store.read() as session:
            yield from iter_records(session, database=database, ids=ids)

    def count_by_database(self) -> dict[str, int]:
        """Records per source database."""
        with self._review.store.read() as session:
            return count_by_database(session)


class Events:
    """Reading the event log (``review.events``)."""

    def __init__(self, review: Review):
        self._review = review

    def read(
        self, kind: str | None = None, prefix: str | None = None, as_reviewer: str | None = None
    ) -> list[Event]:
        """Events in order, optionally of one kind or kind prefix.

        :param as_reviewer: read as this screening team member: while a stage is blind, other
            reviewers' screening events on unsettled records are left out (see
            ``review.screening.log``). Without it, the owner's view: every event.
        """
        with self._review.store.read() as session:
            events = EventLog.read(session, kind=kind, prefix=prefix)
        if as_reviewer is None:
            return events
        visible = {e.id for e in self._review.screening.log(as_reviewer=as_reviewer)}
        return [e for e in events if e.id in visible or not e.kind.startswith(_SCREENING_KINDS)]


_SCREENING_KINDS = ("screen.", "fulltext.")


class Review:
    """A scoping review on disk.

    :param folder: the review folder (holds review.toml).
    :param protocol: the validated protocol.
    :param store: the opened, migrated store.
    """

    def __init__(self, folder: Path, protocol: Protocol, store: Store):
        self.folder = folder
        self.protocol = protocol
        self.store = store
        self.imports = Imports(self)
        self.records = Records(self)
        self.events = Events(self)
        self.charting = Charting(self)
        self.search = Search(self)
        self.screening = Screening(self)
        self.dedup = Dedup(self)
        self.citations = Citations(self)

    @classmethod
    def open(
        cls, folder: str | Path, db: str | None = None, *, on_wait: WaitNotice | None = None
    ) -> Review:
        """Open the review in ``folder``.

        The store is ``db`` when given (relative paths from the current directory), else
        review.toml's ``[store] url`` (relative paths from the review folder), else
        ``review.db`` in the folder; see :mod:`evimap.store.urls` for what a store URL may be.

        :param folder: the review folder.
        :param db: a database URL or SQLite path overriding the protocol's ``[store] url``.
        :param on_wait: called with the seconds waited while a write waits for another writer
            (default: a warning on the ``evimap.store`` logger).
        :raises NoReview: when the folder has no review.toml.
        :raises ProtocolError: when review.toml is invalid.
        :raises StoreError: when the store cannot be opened (an unknown URL scheme included).
        """
        folder = Path(folder)
        if not (folder / PROTOCOL_FILE).exists():
            raise NoReview(
                f"{folder} holds no {PROTOCOL_FILE}; create one with `evimap init {folder}`"
            )
        protocol = load_protocol(folder)
        settings = protocol.store
        if db:
            target, base = db, None
        else:
            target, base = settings.url or STORE_FILE, folder
        store = open_store(target, base=base, busy_timeout=settings.busy_timeout, on_wait=on_wait)
        return cls(folder, protocol, store)

    @classmethod
    def init(cls, folder: str | Path, title: str | None = None, db: str | None = None) -> Review:
        """Create a review folder with a review.toml template and an empty store.

        :param folder: the folder to create (may exist, but must not hold a review.toml).
        :param title: the review's title (default: the folder's name).
        :param db: a database URL (or SQLite path, relative to the current directory) for the
            store instead of review.db in the folder; it is written into review.toml's
            ``[store] url`` (a PostgreSQL URL without its password), so later commands find it.
        :raises StoreError: when ``db`` is not a store URL or SQLite path, or the store cannot
            be created; nothing is left behind.
        """
        folder = Path(folder)
        protocol_file = folder / PROTOCOL_FILE
        if protocol_file.exists():
            raise EvimapError(f"{protocol_file} already exists; not overwriting it")
        saved = url_for_protocol(db, folder) if db else ""
        created = [p for p in (folder, folder / "exports", folder / "fulltext") if not p.exists()]
        sqlite_file = sqlite_path(store_url(db)) if db else None
        if sqlite_file is not None and not sqlite_file.parent.exists():
            created.append(sqlite_file.parent)
            sqlite_file.parent.mkdir(parents=True)
        for path in created[:3]:
            path.mkdir(parents=True, exist_ok=True)
        protocol_file.write_text(
            render_template(title or folder.resolve().name, store_url=saved), encoding="utf-8"
        )
        try:
            return cls.open(folder, db=db)
        except Exception:
            protocol_file.unlink()
            for path in reversed(created):
                if path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            raise

    def verify(self) -> Verification:
        """Replay the event log against the tables and name every row that disagrees (a
        decision edited in the database, a record added without an import, a forked history).

        :returns: rows compared per table, every disagreement, and what could not be checked.
        """
        with self.store.snapshot() as session:
            return verify_store(session)

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()

    def __enter__(self) -> Review:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
