"""Replay the event log against the tables, and name every row that disagrees.

The log is append-only in the database itself; the other tables are not (a dedup run rewrites
its clusters, charting replaces values), and anyone with access to the database can edit
them. :func:`verify_store` rebuilds from the events what each table should hold and compares:
a decision edited in place, a settlement inserted by hand, a record deleted, a forked history,
a cluster changed outside evimap, each is named with its table, row and event.

Every event kind is either replayed (see :mod:`evimap.verify.screening` and
:mod:`evimap.verify.other`), or has no table to check (:data:`LOG_ONLY`); other kinds are
listed in :attr:`Verification.unchecked`, so a kind nobody taught this module about shows.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from evimap.store.events import EventLog
from evimap.verify import other, screening
from evimap.verify.base import Mismatch, Verification

LOG_ONLY = (
    "import.role",
    "search.run",
    "search.recall",
    "prisma.reported",
    "store.relink",
)
"""Event kinds that write no table (the log is their record)."""

REPLAYED = screening.KINDS + other.KINDS
"""Event kinds replayed against tables."""

__all__ = ["LOG_ONLY", "REPLAYED", "Mismatch", "Verification", "verify_store"]


def verify_store(session: Session) -> Verification:
    """Replay every event against the tables in one consistent read.

    :param session: a read session (a single snapshot of the store).
    :returns: the rows compared, every disagreement, and what could not be checked.
    """
    events = EventLog.read(session)
    result = Verification(events=len(events))
    for check in (*screening.CHECKS, *other.CHECKS):
        check(session, events, result)
    unknown = Counter(e.kind for e in events if e.kind not in REPLAYED + LOG_ONLY)
    for kind, n in sorted(unknown.items()):
        result.unchecked.append(f"{n} {kind} event(s): no replay rule for this kind")
    return result
