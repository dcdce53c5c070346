"""Errors of the web shell and the HTTP status of each core error: the one error shape
``{"ok": false, "error": ..., "errors": [...], "status": N}`` is built from these."""

from __future__ import annotations

from evimap.accounts import AccountError
from evimap.errors import (
    ChartingError,
    CodebookError,
    EvimapError,
    NotPermitted,
    ProtocolError,
    StageLocked,
    UnknownMember,
)
from evimap.screening.errors import (
    DecisionFileError,
    NotAssigned,
    RecordSettled,
    StageClosed,
)


class WebError(Exception):
    """A refusal of the web shell itself, with its HTTP status.

    :param message: what went wrong, in words.
    :param status: the HTTP status.
    :param errors: the individual problems.
    """

    status = 400

    def __init__(self, message: str, status: int | None = None, errors: list | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.errors = errors or []


class NotLoggedIn(WebError):
    """No live session: never logged in, logged out, expired or revoked."""

    status = 401


class Forbidden(WebError):
    """Logged in, but not a member of this review or not in a role that may do this."""

    status = 403


class NotFound(WebError):
    """No such review, record or file."""

    status = 404


class TooManyAttempts(WebError):
    """Too many failed logins; try again after ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


def core_status(exc: EvimapError) -> int:
    """The HTTP status of a core error: 403 for what the member may not do, 409 for a state
    that forbids it now, 400 for bad input."""
    if isinstance(exc, NotPermitted | UnknownMember | NotAssigned):
        return 403
    if isinstance(exc, RecordSettled | StageClosed | StageLocked):
        return 409
    return 400


def core_problems(exc: EvimapError) -> list[str]:
    """The individual problems a core error lists (each one line), or its message."""
    if isinstance(exc, ProtocolError | CodebookError | ChartingError | DecisionFileError):
        return [str(p) for p in exc.problems]
    if isinstance(exc, AccountError):
        return [str(exc)]
    return [str(exc)]
