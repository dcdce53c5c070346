"""Who acts: a :class:`Member` of the review's team (a name and a role), and what each role may do.

Every write of the core takes a member, and every read that could reveal a decision takes a
member or ``None`` (no one). The shells resolve the member and pass it in:

- the CLI from ``--as NAME`` or ``EVIMAP_AS`` (on one machine it trusts its user);
- the web app from its authenticated session;
- a notebook with ``review.team.member("NAME")``.

All three call the same core functions, which check the member against the team in
review.toml (``review.team.confirm``) and the role against :data:`ALLOWED`. This module knows
nothing of the store or the protocol, so every layer can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeVar

from evimap.errors import NotPermitted

Role = Literal["owner", "arbiter", "reviewer"]
ROLES: tuple[str, ...] = ("owner", "arbiter", "reviewer")
"""The three roles, most powerful first."""

PRIVILEGED: frozenset[str] = frozenset({"owner", "arbiter"})
"""Roles that see every decision in a blind stage, settle conflicts and change the record set."""


class Action(StrEnum):
    """Something a member does; :data:`ALLOWED` says which roles may."""

    IMPORT = "importing records"
    DEDUP = "changing duplicates"
    REMOVE = "removing records before screening"
    ASSIGN = "assigning records"
    SETTLE = "settling records"
    SCREEN = "screening records"
    FULLTEXT = "handling full texts"
    CHART = "charting studies"
    UNDO_IMPORT = "undoing another member's decisions import"
    VERIFY = "verifying the store against the event log"


EVERYONE = frozenset(ROLES)
ALLOWED: dict[Action, frozenset[str]] = {
    Action.IMPORT: PRIVILEGED,
    Action.DEDUP: PRIVILEGED,
    Action.REMOVE: PRIVILEGED,
    Action.ASSIGN: PRIVILEGED,
    Action.SETTLE: PRIVILEGED,
    Action.SCREEN: EVERYONE,
    Action.FULLTEXT: EVERYONE,
    Action.CHART: EVERYONE,
    Action.UNDO_IMPORT: PRIVILEGED,
    Action.VERIFY: PRIVILEGED,
}
"""Which roles may do each action: the one table of permissions."""


@dataclass(frozen=True)
class Member:
    """A member of the review's team.

    Get one from the review (``review.team.member("AL-V")``) rather than building it: the core
    checks every member it is given against review.toml, so a stale or made-up role is refused.

    :param name: the name in ``[[screening.reviewers]]``.
    :param role: ``owner``, ``arbiter`` or ``reviewer``.
    """

    name: str
    role: Role = "reviewer"

    @property
    def privileged(self) -> bool:
        """True for an owner or arbiter: sees every decision, settles, changes the record set."""
        return self.role in PRIVILEGED

    def may(self, action: Action) -> bool:
        """Whether this member's role allows ``action``.

        :param action: what the member wants to do.
        """
        return self.role in ALLOWED[action]

    def require(self, action: Action) -> None:
        """Raise :class:`~evimap.errors.NotPermitted` unless the role allows ``action``.

        :param action: what the member wants to do.
        """
        if not self.may(action):
            allowed = " or ".join(r for r in ROLES if r in ALLOWED[action])
            raise NotPermitted(
                f"{self.name} is a{'n' if self.role[0] in 'aeiou' else ''} "
                f"{self.role}; {action} needs an {allowed}"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"name": self.name, "role": self.role}

    def __str__(self) -> str:
        return self.name


def name_of(member: Member | None) -> str | None:
    """The member's name, or ``None`` for no one."""
    return member.name if member is not None else None


F = TypeVar("F", bound=Callable[..., Any])


def writes(function: F) -> F:
    """Mark a public method of a review component as a write (it takes a member and changes the
    store); every unmarked public method is a read, and the blindness audit test calls each
    read as every member and as no one."""
    function.writes = True  # type: ignore[attr-defined]
    return function


def is_write(function: Any) -> bool:
    """Whether ``function`` was marked with :func:`writes`."""
    return bool(getattr(function, "writes", False))
