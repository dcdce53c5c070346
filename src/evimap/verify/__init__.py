"""Replay the event log against the tables, and name every row that disagrees.

The log is append-only in the database itself; the other tables are not (a dedup run rewrites
its clusters, charting replaces values), and anyone with access to the database can edit
them. :func:`verify_store` rebuilds from the events what each table should hold and compares:
a decision edited in place, a settlement inserted by hand, a record deleted, a forked history,
a cluster changed outside evimap, each is named with its table, row and event.

The replay is table-driven: :data:`RULES` gives every event kind of
:class:`~evimap.store.kinds.Kind` either the check that replays it (:data:`CHECKS`) or the
reason it changes no table (:data:`NO_TABLE`); a test fails when a declared kind has neither.
An event whose kind has no rule (written by a newer evimap, or a kind added without one) is
listed in :attr:`Verification.unchecked` as not replayed, never silently passed.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.verify import accounts, other, prioritise, screening
from evimap.verify.base import Check, Mismatch, Verification

CHECKS: tuple[tuple[Check, tuple[Kind, ...]], ...] = (
    *screening.CHECKS,
    *other.CHECKS,
    *prioritise.CHECKS,
    *accounts.CHECKS,
)
"""Each check, with the event kinds it replays against its tables."""

NO_TABLE: dict[Kind, str] = {
    Kind.IMPORT_ROLE: "marks an imported file's role; read by PRISMA, writes no table",
    Kind.SEARCH_RUN: "the search's result is the log's record; writes no table",
    Kind.SEARCH_RECALL: "a recall check against known records; writes no table",
    Kind.REMOVAL_AUTOMATIC: "counts for PRISMA from another tool; writes no table",
    Kind.REMOVAL_OTHER: "counts for PRISMA from another tool; writes no table",
    Kind.SCREEN_SUMMARY: "counts for PRISMA from screening done elsewhere; writes no table",
    Kind.RETRIEVAL_SUMMARY: "counts for PRISMA from retrieval done elsewhere; writes no table",
    Kind.SCREEN_IMPORT_UNDO: "writes no row of its own: each decision it reverts is a "
    "screen.undo event, each settlement it withdraws a screen.settle event",
    Kind.PRISMA_REPORTED: "the counts a paper reported; writes no table",
    Kind.STORE_RELINK: "the migration's record of the histories it relinked; the rows are "
    "checked as decisions and settlements",
}
"""Event kinds that change no table, and why (the log is their record)."""

RULES: dict[str, str] = {
    **{kind.value: f"replayed by {check.__name__}" for check, kinds in CHECKS for kind in kinds},
    **{kind.value: f"no table: {why}" for kind, why in NO_TABLE.items()},
}
"""Every event kind the replay knows: how it is replayed, or why it needs no replay."""

__all__ = ["CHECKS", "NO_TABLE", "RULES", "Mismatch", "Verification", "verify_store"]


def verify_store(session: Session) -> Verification:
    """Replay every event against the tables in one consistent read.

    :param session: a read session (a single snapshot of the store).
    :returns: the rows compared, every disagreement, and what could not be checked.
    """
    events = EventLog.read(session)
    result = Verification(events=len(events))
    for check, _kinds in CHECKS:
        check(session, events, result)
    unknown = Counter(e.kind for e in events if e.kind not in RULES)
    for kind, n in sorted(unknown.items()):
        result.unchecked.append(f"{n} {kind} event(s) not replayed: no replay rule for this kind")
    return result
