"""The append-only event log: every step of the review, who did it, when, what, why, counts.

Events are written in the same transaction as the work they describe, so an event exists if and
only if its work was committed. PRISMA counts are computed from this log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from evimap.store.kinds import Kind, kind_of
from evimap.store.models import EventRow, utcnow


@dataclass(frozen=True)
class Event:
    """One step of the review as read back from the log."""

    id: int
    at: datetime
    actor: str
    kind: str
    subject: str
    why: str
    counts: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "kind": self.kind,
            "subject": self.subject,
            "why": self.why,
            "counts": self.counts,
            "details": self.details,
        }


_INSERT = insert(EventRow).returning(EventRow.id)


class EventLog:
    """Append to and read the event log. Appending needs the caller's open transaction."""

    @staticmethod
    def append(
        session: Session,
        kind: Kind | str,
        *,
        actor: str = "",
        subject: str = "",
        why: str = "",
        counts: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
    ) -> EventRow:
        """Add one event inside ``session``'s transaction.

        :param session: the session of the work this event describes.
        :param kind: a kind declared in :mod:`evimap.store.kinds` (``Kind.IMPORT_FILE``).
        :param actor: who did it.
        :param subject: what it was done to (a file name, a record id).
        :param why: the reason, when there is one.
        :param counts: numbers the step produced (records added, skipped...).
        :param details: anything else worth keeping.
        :raises ValueError: for a kind that is not declared.
        :returns: the event as written (with its id; not attached to ``session``).
        """
        values = {
            "at": utcnow(),
            "actor": actor,
            "kind": kind_of(kind).value,
            "subject": subject,
            "why": why,
            "counts": counts or {},
            "details": details or {},
        }
        # one prebuilt INSERT on the transaction's connection, after the work's own rows:
        # the ORM's unit of work costs several times more, and a decision appends one event
        session.flush()
        event_id = session.connection().execute(_INSERT, values).scalar_one()
        return EventRow(id=event_id, **values)

    @staticmethod
    def read(session: Session, kind: str | None = None, prefix: str | None = None) -> list[Event]:
        """Events in the order they happened, optionally of one kind or kind prefix."""
        query = select(EventRow).order_by(EventRow.id)
        if kind:
            query = query.where(EventRow.kind == kind)
        if prefix:
            query = query.where(EventRow.kind.startswith(prefix))
        return [
            Event(
                r.id,
                _aware(r.at),
                r.actor,
                r.kind,
                r.subject,
                r.why,
                r.counts or {},
                r.details or {},
            )
            for r in session.scalars(query)
        ]


def _aware(at: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    from datetime import UTC

    return at if at.tzinfo else at.replace(tzinfo=UTC)
