"""The core adapter: the one place that turns a logged-in account into the member the core
takes, and that holds the review for a request.

Routes call ``ctx.review`` (the :class:`~evimap.review.Review`) and its components, passing
``**ctx.who`` wherever the core asks who is acting or reading, and run writes through
:meth:`Ctx.write`. When the core's ``Member`` replaces the bare ``as_reviewer`` string, only
:attr:`Ctx.who` and :attr:`Ctx.actor` change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request

from evimap.accounts import Account
from evimap.report.prisma import PrismaCounts
from evimap.review import Review
from evimap.web.errors import Forbidden
from evimap.web.hub import Entry
from evimap.web.security import csrf_token

T = TypeVar("T")

PRIVILEGED = ("owner", "arbiter")


@dataclass(frozen=True)
class Member:
    """Who is acting: a team member's name and role (from their account)."""

    name: str
    role: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict."""
        return {"name": self.name, "role": self.role}


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
        """Who is acting."""
        return Member(self.account.name, self.account.role)

    @property
    def who(self) -> dict[str, Any]:
        """The keyword arguments naming the member to a core call (``as_reviewer=``)."""
        return {"as_reviewer": self.account.name}

    @property
    def actor(self) -> str:
        """The member's name for core calls that take ``actor=``."""
        return self.account.name

    @property
    def privileged(self) -> bool:
        """An owner or arbiter."""
        return self.account.role in PRIVILEGED

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
        """The PRISMA 2020 counts as they stand (settled counts only, so nothing blind)."""
        from evimap.report.build import screening_flow
        from evimap.report.prisma import compute_prisma

        review = self.review
        return compute_prisma(
            review.events.read(), review.protocol.search.databases, screening_flow(review)
        )

    def write(self, fn, /, *args: Any, **kwargs: Any):
        """Run a core write under the review's write lock, so concurrent requests of this
        process queue here rather than in the database."""
        with self.entry.lock:
            return fn(*args, **kwargs)
