"""Values read on every call but changed rarely (the team's roles, the screening settings, live
sessions), kept in memory while the store's settings version stays the same.

The database raises the version itself (triggers of migration ``0013_settings_version``) on
every change to ``accounts``, ``screening_stage_settings`` and to sessions that end, whoever
makes it: this process, the CLI in another one, or a statement typed by hand. Each use reads
that one number in the caller's session, so a value is never older than the state the caller
reads: a role changed by ``evimap user`` in another process is seen on the next request.

A value is computed in the same session the version was read in, after it, and kept under that
version: when the store moves on between the two reads the value is at worst newer than its
version, and is computed again on the next use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")

_VERSION = "SELECT version FROM store_versions WHERE name = 'settings'"

MAX_VALUES = 10_000
"""Values kept at most (live sessions are keyed one each); past it the cache starts again."""


def settings_version(session: Session) -> int:
    """The store's settings version as the caller's session sees it.

    :param session: an open session (a read or a write).
    """
    # the driver's own cursor, in the session's transaction: a few microseconds, where a
    # statement through SQLAlchemy's session costs some tens (this runs on every request)
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_VERSION)
        return cursor.fetchone()[0]
    finally:
        cursor.close()


class SettingsCache:
    """Values computed from the rarely changed tables, each kept until the settings version
    moves. Safe to share between threads."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[Session], T]) -> T:
        """The value of ``key`` at the version ``session`` sees: kept, or ``compute(session)``.

        :param session: the caller's session (the value is computed in it when needed).
        :param key: what the value is.
        :param compute: reads the value from the store.
        """
        version = settings_version(session)
        with self._lock:
            if version == self._version and key in self._values:
                return self._values[key]
        value = compute(session)
        with self._lock:
            if self._version is None or version > self._version:
                self._version, self._values = version, {}
            if version == self._version:
                if len(self._values) >= MAX_VALUES:
                    self._values = {}
                self._values[key] = value
        return value

    def forget(self, key: Hashable) -> None:
        """Drop one value (it is read again on its next use).

        :param key: what the value is.
        """
        with self._lock:
            self._values.pop(key, None)
