"""Typed errors of screening; the shells word them, the core never prints."""

from __future__ import annotations

from evimap.errors import EvimapError, Problem, UnknownMember
from evimap.errors import NotPermitted as _NotPermitted


class ScreeningError(EvimapError):
    """A screening step cannot be done as asked (the message says why and what to do)."""


class UnknownReviewer(ScreeningError, UnknownMember):
    """The name is not on the screening team in review.toml ``[[screening.reviewers]]``."""


class NotPermitted(ScreeningError, _NotPermitted):
    """The person's role does not allow this (e.g. a reviewer asking for conflicts while blind)."""


class InvalidDecision(ScreeningError):
    """A decision, reason or stage that the protocol does not offer."""


class RecordSettled(ScreeningError):
    """The record is settled at this stage; only an arbiter can change it now."""


class NotAssigned(ScreeningError):
    """The record is not assigned to this reviewer at this stage."""


class DecisionFileError(ScreeningError):
    """A decisions file (CSV from evimap, Rayyan, Covidence or ASReview) has problems; lists all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
