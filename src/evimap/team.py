"""``review.team``: the review's members, from review.toml, synced into the store.

The team is the ``[[screening.reviewers]]`` list of review.toml (a name and a role each), with
the changes an owner made through members' logins (``review.accounts``: a login's role replaces
the written one, and a login for a name review.toml lacks adds a member). Every
shell turns a name into a :class:`~evimap.members.Member` here, and every core call checks the
member it is given with :meth:`Team.confirm`, so a name that left the team, or a role that
changed, is refused with the same error everywhere.

On one machine the CLI trusts its user: ``--as NAME`` (or ``EVIMAP_AS``) is taken at its word.
The web app is where identity is authenticated: it resolves the member from a login session and
calls the same functions (``docs/team.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evimap.errors import UnknownMember
from evimap.members import Member
from evimap.store.events import EventLog
from evimap.store.kinds import Kind
from evimap.store.models import utcnow
from evimap.store.models_screening import ReviewerRow

if TYPE_CHECKING:  # pragma: no cover
    from evimap.review import Review

HOW_TO_ADD = (
    'add [[screening.reviewers]] entries to review.toml (name = "...", '
    'role = "reviewer" | "arbiter" | "owner")'
)


@dataclass(frozen=True)
class TeamChange:
    """What a sync of review.toml's team into the store changed."""

    added: list[dict[str, str]] = field(default_factory=list)
    role_changed: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.role_changed or self.removed or self.returned)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "added": self.added,
            "role_changed": self.role_changed,
            "removed": self.removed,
            "returned": self.returned,
        }


class Team:
    """The review's team (``review.team``).

    :param review: the open review.
    """

    def __init__(self, review: Review):
        self._review = review

    def members(self) -> list[Member]:
        """Every member of the team: review.toml's, in the file's order, with the role of each
        member's login where an owner changed it, then members who have only a login
        (``review.accounts``; see :func:`evimap.screening.overrides.merge_team`)."""
        with self._review.store.read() as session:
            return self._members_in(session)

    def _members_in(self, session) -> list[Member]:
        """:meth:`members` read in the caller's session (kept in memory while the store's
        settings version stays the same; see :mod:`evimap.store.versions`).

        :param session: an open session.
        """
        key = ("team.members", id(self._review.protocol))
        return list(self._review.store.settings.get(session, key, self._read_members))

    def _read_members(self, session) -> tuple[Member, ...]:
        from evimap.screening.overrides import account_roles, merge_team

        written = [(m.name, m.role) for m in self._review.protocol.screening.reviewers]
        roles = account_roles(session)
        return tuple(Member(name, role) for name, role in merge_team(written, roles))

    def member(self, name: str, *, session=None) -> Member:
        """The member called ``name``.

        :param name: a name from ``[[screening.reviewers]]``.
        :param session: read in this open session (default: a read of its own).
        :raises UnknownMember: when nobody on the team has that name (the message lists the
            team, or says how to add one).
        """
        if not name or not name.strip():
            raise UnknownMember("say who you are: --as NAME (or EVIMAP_AS); " + self._listing())
        team = self.members() if session is None else self._members_in(session)
        for member in team:
            if member.name == name.strip():
                return member
        raise UnknownMember(f"{name!r} is not on the team; " + self._listing())

    def find(self, name: str | None) -> Member | None:
        """The member called ``name``, or ``None`` (no one) when ``name`` is empty.

        :param name: a name, or ``None``/``""`` for no one.
        :raises UnknownMember: for a name not on the team.
        """
        return self.member(name) if name else None

    def confirm(self, member: Member | None, *, session=None) -> Member | None:
        """``member`` as review.toml has it now; ``None`` stays ``None`` (no one).

        :param member: a member as given to a core call.
        :param session: read in this open session (a write confirms its member in its own
            transaction); default: a read of its own.
        :raises UnknownMember: when the name left the team or its role changed since the member
            was resolved.
        :raises TypeError: for a bare name (core calls take a :class:`Member`).
        """
        if member is None:
            return None
        if not isinstance(member, Member):
            raise TypeError(
                f"expected a Member, got {type(member).__name__} {member!r}; "
                "use review.team.member(name)"
            )
        current = self.member(member.name, session=session)
        if current.role != member.role:
            raise UnknownMember(
                f"{member.name} is now a{'n' if current.role[0] in 'aeiou' else ''} "
                f"{current.role}, not a{'n' if member.role[0] in 'aeiou' else ''} {member.role}; "
                "resolve the member again"
            )
        return current

    def require(self, member: Member | None, *, session=None) -> Member:
        """``member`` confirmed; ``None`` is refused (writes need someone).

        :param member: the member doing a write.
        :param session: read in this open session (default: a read of its own).
        :raises UnknownMember: for no one, or a member not on the team.
        """
        confirmed = self.confirm(member, session=session)
        if confirmed is None:
            raise UnknownMember("say who you are: --as NAME (or EVIMAP_AS); " + self._listing())
        return confirmed

    def _listing(self) -> str:
        members = self.members()
        if not members:
            return "review.toml names no team: " + HOW_TO_ADD
        return "the team: " + ", ".join(f"{m.name} ({m.role})" for m in members)

    def stored(self) -> list[dict[str, Any]]:
        """The members as the store holds them (former members too, inactive)."""
        with self._review.store.read() as session:
            rows = session.scalars(select(ReviewerRow).order_by(ReviewerRow.id)).all()
            return [
                {
                    "name": r.name,
                    "role": r.role,
                    "active": bool(r.active),
                    "added_at": r.added_at.isoformat() if r.added_at else None,
                }
                for r in rows
            ]

    def pending_changes(self) -> TeamChange:
        """What :meth:`sync` would change (nothing when the store matches review.toml)."""
        with self._review.store.read() as session:
            return _changes(session, self.members())

    def sync(self) -> TeamChange:
        """Write review.toml's team into the store (one transaction, one ``team.sync`` event);
        a no-op when nothing changed. :meth:`evimap.review.Review.open` calls it.
        """
        if not self.pending_changes():
            return TeamChange()
        try:
            return self._sync_once()
        except IntegrityError:  # another process synced the same names first
            return self._sync_once()

    def _sync_once(self) -> TeamChange:
        wanted = self.members()
        with self._review.store.transaction() as session:
            change = _changes(session, wanted)
            if not change:
                return change
            rows = {r.name: r for r in session.scalars(select(ReviewerRow))}
            now = utcnow()
            for member in wanted:
                row = rows.get(member.name)
                if row is None:
                    session.add(ReviewerRow(name=member.name, role=member.role, active=True))
                elif row.role != member.role or not row.active:
                    row.role, row.active, row.updated_at = member.role, True, now
            names = {m.name for m in wanted}
            for name, row in rows.items():
                if name not in names and row.active:
                    row.active, row.updated_at = False, now
            session.flush()
            EventLog.append(
                session,
                Kind.TEAM_SYNC,
                actor="review.toml",
                subject="team",
                counts={
                    "members": len(wanted),
                    "added": len(change.added),
                    "removed": len(change.removed),
                },
                details=change.to_dict(),
            )
            return change


def _changes(session, wanted: list[Member]) -> TeamChange:
    rows = {r.name: r for r in session.scalars(select(ReviewerRow))}
    change = TeamChange()
    for member in wanted:
        row = rows.get(member.name)
        if row is None:
            change.added.append(member.to_dict())
            continue
        if not row.active:
            change.returned.append(member.name)
        if row.role != member.role:
            change.role_changed.append({"name": member.name, "from": row.role, "to": member.role})
    names = {m.name for m in wanted}
    change.removed.extend(n for n, r in rows.items() if n not in names and r.active)
    return change
