"""The reviews a server serves, each opened once and shared by every request (as Datasette
holds one ``Datasette`` object), with a per-review write lock so writes from many requests
queue in the process instead of contending for the database."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from evimap.review import Review
from evimap.store.database import StoreBusyNow

NOT_RUN = object()
"""What :meth:`Entry.run_on_loop` answers when the call must run in a worker thread."""


@dataclass
class Entry:
    """One served review: its URL slug, the open review and its write lock (reentrant: a
    call run on the event loop holds it while the core write inside takes it again)."""

    slug: str
    review: Review
    lock: threading.RLock = field(default_factory=threading.RLock)
    cache: dict = field(default_factory=dict)

    def run_on_loop(self, call: Callable[[], Any]) -> Any:
        """Run a short write on the event loop's own thread when nothing would make it wait:
        the review is on SQLite, no other write of this process holds the lock, and the
        database's write lock is free (:meth:`~evimap.store.database.Store.no_wait`).
        Otherwise answers :data:`NOT_RUN` having written nothing, and the caller runs it in a
        worker thread, where it may wait.

        A decision takes about 2 ms of processor time; handing it to a worker thread and back
        cost as much again under load (thread switches, and the interpreter lock passed to and
        fro on every SQLite call while twenty requests share the process). ``call`` must
        write in at most one transaction before anything else it changes, so a call refused
        at its first write can run again elsewhere.
        """
        store = self.review.store
        if store.dialect != "sqlite" or not self.lock.acquire(blocking=False):
            return NOT_RUN
        try:
            with store.no_wait():
                return call()
        except StoreBusyNow:
            return NOT_RUN
        finally:
            self.lock.release()

    @property
    def title(self) -> str:
        """The review's title from its protocol."""
        return self.review.protocol.title


def slug_of(name: str) -> str:
    """A URL slug from a folder name: letters, digits, ``-`` and ``_``."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower()
    return slug or "review"


class ReviewHub:
    """The served reviews by slug (a folder's name; ``-2``, ``-3`` ... when names repeat).

    :param reviews: the open reviews.
    """

    def __init__(self, reviews: Iterable[Review]):
        self._entries: dict[str, Entry] = {}
        for review in reviews:
            base = slug_of(review.folder.resolve().name)
            slug, n = base, 1
            while slug in self._entries:
                n += 1
                slug = f"{base}-{n}"
            self._entries[slug] = Entry(slug, review)

    def get(self, slug: str) -> Entry | None:
        """The review served under ``slug``, or None."""
        return self._entries.get(slug)

    def entries(self) -> list[Entry]:
        """Every served review, in the order given."""
        return list(self._entries.values())

    def close(self) -> None:
        """Close every review's store."""
        for entry in self._entries.values():
            entry.review.close()
