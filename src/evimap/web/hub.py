"""The reviews a server serves, each opened once and shared by every request (as Datasette
holds one ``Datasette`` object), with a per-review write lock so writes from many requests
queue in the process instead of contending for the database."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from evimap.review import Review


@dataclass
class Entry:
    """One served review: its URL slug, the open review and its write lock."""

    slug: str
    review: Review
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict = field(default_factory=dict)

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
