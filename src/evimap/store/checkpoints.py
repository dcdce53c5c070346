"""Checkpoints of SQLite's write-ahead log in a thread of their own, off the writers' commits.

SQLite copies the log back into the database file when a commit takes it past 1,000 pages
(``wal_autocheckpoint``), inside that commit and with an fsync of the file: one decision in
about 166 took 70 to 90 ms instead of 2. A server that writes on its event loop cannot pay that
on a request, every reviewer's waits behind it. :meth:`Store.checkpoint_in_background
<evimap.store.database.Store.checkpoint_in_background>` turns the automatic checkpoint off on
the store's write connections and starts a :class:`Checkpointer`, which runs
``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection every second: a passive checkpoint
takes no lock a reader or a writer waits for, and copies what it can. Other processes (the
CLI) keep SQLite's automatic checkpoints on their own connections.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

logger = logging.getLogger("evimap.store")


class Checkpointer:
    """A daemon thread that checkpoints one SQLite database's log every ``every`` seconds.

    :param path: the database file.
    :param every: seconds between checkpoints.

    :attr:`runs` counts the checkpoints made and :attr:`frames` the log frames they copied.
    """

    def __init__(self, path: str, every: float = 1.0):
        self.path = path
        self.every = every
        self.runs = 0
        self.frames = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="evimap-checkpoints", daemon=True)

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after its current checkpoint (the last connection to close
        checkpoints what is left)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=0.01)
        try:
            while not self._stop.wait(self.every):
                try:
                    _busy, _log, copied = connection.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)"
                    ).fetchone()
                except sqlite3.Error as exc:  # a disk error: say so, try again next time
                    logger.warning("checkpoint of %s failed: %s", self.path, exc)
                    continue
                self.runs += 1
                self.frames += max(copied, 0)
        finally:
            connection.close()
