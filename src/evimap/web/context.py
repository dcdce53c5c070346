"""The core adapter: the one place that turns a logged-in account into the member the core
takes, and that holds the review for a request.

Routes call ``ctx.review`` (the :class:`~evimap.review.Review`) and its components, passing
``member=ctx.member`` wherever the core asks who is acting or reading, and run writes through
:meth:`Ctx.write`. The server authenticates (the session names an account); the core enforces
roles and blindness through the :class:`~evimap.members.Member` the account maps to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request

from evimap.accounts import Account
from evimap.members import Member
from evimap.report.prisma import PrismaCounts
from evimap.review import Review
from evimap.web.errors import Forbidden
from evimap.web.hub import Entry
from evimap.web.security import csrf_token

T = TypeVar("T")


@dataclass
class Ctx:
    """One request of a logged-in member to one review.

    :param request: the HTTP request.
    :param entry: the served review.
    :param account: the member's account (authenticated by the session).
    :param token: the session token (the CSRF token derives from it).
    """

    request: Request
    entry: Entry
    account: Account
    token: str

    @property
    def review(self) -> Review:
        """The review (the core object)."""
        return self.entry.review

    @property
    def slug(self) -> str:
        """The review's URL slug."""
        return self.entry.slug

    @property
    def member(self) -> Member:
        """Who is acting: the team member the logged-in account is (its name and role)."""
        return Member(self.account.name, self.account.role)  # type: ignore[arg-type]

    @property
    def privileged(self) -> bool:
        """An owner or arbiter."""
        return self.member.privileged

    @property
    def csrf(self) -> str:
        """The CSRF token forms and scripts send back."""
        return csrf_token(self.token)

    def url(self, path: str = "") -> str:
        """A path inside this review: ``/r/<slug>/<path>``."""
        return f"/r/{self.slug}/{path.lstrip('/')}"

    def require(self, *roles: str) -> None:
        """Refuse (403) unless the member has one of ``roles``.

        Used only where the core has no member check of its own yet (dedup, the report,
        charting's other reviewers); the core refuses everything else itself.
        """
        if self.account.role not in roles:
            raise Forbidden(
                f"{self.account.name} is {self.account.role}; this needs " + " or ".join(roles)
            )

    def prisma(self) -> PrismaCounts:
        """The PRISMA 2020 counts as they stand (``review.prisma()``: settled counts only, so
        nothing blind)."""
        return self.review.prisma()

    def write(self, fn, /, *args: Any, **kwargs: Any):
        """Run a core write. On SQLite, under the review's write lock, so concurrent requests
        of this process queue here rather than polling for the database's one write lock. On
        PostgreSQL writes run at once: each waits only for the rows it locks
        (:mod:`evimap.screening.locks`), and queueing them here made decisions under load about
        a sixth slower (``benchmarks/web_load.py``)."""
        if self.review.store.dialect != "sqlite":
            return fn(*args, **kwargs)
        with self.entry.lock:
            return fn(*args, **kwargs)
