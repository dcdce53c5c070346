"""Who is asking: server-side sessions in each review's store, the session cookie, CSRF on
every state-changing request, and the login rate limit.

A login checks the name and password against every served review's accounts; the session
(one random token, stored as its hash) is opened in each review where they match, so a member
sees only the reviews they belong to. A request to a review with no live session there is
refused: 401 without any live session (a browser goes to the login page), 403 with one
elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from evimap.accounts import Account
from evimap.accounts.passwords import new_token
from evimap.web.context import Ctx
from evimap.web.errors import Forbidden, NotFound, NotLoggedIn, TooManyAttempts, WebError
from evimap.web.hub import Entry, ReviewHub
from evimap.web.security import RateLimiter, csrf_token, same_token
from evimap.web.settings import WebSettings

SESSION_COOKIE = "evimap_session"
LOGIN_COOKIE = "evimap_login"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_PATHS = ("/login", "/login.json")

SlugParam = PathParam(
    ..., pattern=r"^[a-z0-9_-]{1,100}$", description="The review's slug (its folder's name)."
)


def hub_of(request: Request) -> ReviewHub:
    """The app's served reviews."""
    return request.app.state.hub


def settings_of(request: Request) -> WebSettings:
    """The app's settings."""
    return request.app.state.settings


def secure(request: Request) -> bool:
    """Whether cookies get the Secure flag for this request."""
    mode = settings_of(request).secure_cookies
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def session_token(request: Request) -> str:
    """The session token the client sent (empty if none)."""
    return request.cookies.get(SESSION_COOKIE, "")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, expiring with the
    session."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings_of(request).session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )


def forget_session(request: Request, response: Response) -> None:
    """Tell the browser to drop its session cookie."""
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request)
        )


@dataclass(frozen=True)
class Membership:
    """A served review where the session is live, and the member's account there."""

    entry: Entry
    account: Account


def memberships(request: Request, token: str | None = None) -> list[Membership]:
    """Every served review where the session is live."""
    token = session_token(request) if token is None else token
    if not token:
        return []
    found = []
    for entry in hub_of(request).entries():
        account = entry.review.accounts.session(token)
        if account is not None:
            found.append(Membership(entry, account))
    return found


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request whose CSRF token (``X-CSRF-Token`` header or the
    ``csrf_token`` form field) is missing or not the session's. Before a session exists (the
    login), the token must match the login cookie (double submit)."""
    if request.method not in UNSAFE:
        return
    if not session_token(request) and request.url.path not in LOGIN_PATHS:
        return  # no session: nothing to forge; the route refuses it (401)
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form()
            except Exception as exc:  # malformed multipart
                raise WebError(f"the form cannot be read: {exc}") from None
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    token = session_token(request)
    expected = csrf_token(token) if token else None
    if same_token(given, expected):
        return
    if request.url.path in LOGIN_PATHS and same_token(given, request.cookies.get(LOGIN_COOKIE)):
        return
    raise Forbidden(
        "missing or wrong CSRF token: reload the page (scripts send X-CSRF-Token)",
    )


async def review_ctx(request: Request, slug: str = SlugParam) -> Ctx:
    """The dependency of every review route: the review and the member from the session.

    It runs on the event loop, not in a worker thread: a live session is kept in memory
    (``review.accounts.session``), so this is one short read of the store's settings version
    (and of the session's row when it is not kept), never a write or a lock; a thread hop per
    request cost more (``benchmarks/web_load.py``: about 1 ms of processor time a decision)."""
    token = session_token(request)
    if not token:
        raise NotLoggedIn("log in first")
    entry = hub_of(request).get(slug)
    account = entry.review.accounts.session(token) if entry is not None else None
    if account is None:
        if not memberships(request, token):
            raise NotLoggedIn("your session has ended; log in again")
        if entry is None:
            raise NotFound(f"no review {slug!r} is served here")
        raise Forbidden("you are not a member of this review")
    return Ctx(request, entry, account, token)


ReviewCtx = Depends(review_ctx)


def login(request: Request, name: str, password: str) -> tuple[str, list[Membership]]:
    """Check the name and password against every served review, open a session in each
    where they match, and return its token and the memberships.

    :raises TooManyAttempts: after too many failures for the name or the client.
    :raises NotLoggedIn: for a wrong name or password (the same message either way).
    """
    settings = settings_of(request)
    limiter: RateLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    name = (name or "").strip()
    keys = {f"name:{name.lower()}": settings.login_failures}
    keys[f"client:{client}"] = settings.login_failures * 4
    wait = limiter.retry_after(keys)
    if wait > 0:
        raise TooManyAttempts(
            f"too many failed logins; try again in {max(1, round(wait))} s", retry_after=wait
        )
    matched = [
        (entry, account)
        for entry in hub_of(request).entries()
        if (account := entry.review.accounts.authenticate(name, password)) is not None
    ]
    if not matched:
        limiter.fail(*keys)
        raise NotLoggedIn("wrong name or password")
    limiter.clear(f"name:{name.lower()}")
    token = new_token()
    lifetime = timedelta(hours=settings.session_hours)
    found = []
    for entry, account in matched:
        with entry.lock:
            entry.review.accounts.open_session(
                account.name, token, lifetime=lifetime, client=client
            )
        found.append(Membership(entry, account))
    return token, found


def logout(request: Request) -> int:
    """End the session in every review; the number of reviews where it was live."""
    token = session_token(request)
    ended = 0
    if token:
        for entry in hub_of(request).entries():
            with entry.lock:
                ended += entry.review.accounts.end_session(token)
    return ended
