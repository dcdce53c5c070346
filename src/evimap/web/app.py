"""The app factory: ``create_app(["my-review"])`` serves one or more reviews."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from evimap import __version__
from evimap.review import Review
from evimap.web.auth import check_csrf
from evimap.web.hub import ReviewHub
from evimap.web.rendering import install_error_handlers
from evimap.web.routes import ROUTERS
from evimap.web.security import RateLimiter, SecurityHeaders
from evimap.web.settings import WebSettings

DESCRIPTION = """The evimap team web app's JSON API: every page's JSON twin (`.json`) and
every action. Log in with `POST /login.json` (after `GET /login.json`, whose `csrf_token`
goes in the `X-CSRF-Token` header); the session is a cookie, and every state-changing request
carries the session's CSRF token (`csrf_token` in the login answer and in every page's JSON)
in `X-CSRF-Token`. Refusals have one shape: `{"ok": false, "error", "errors", "status"}`."""


def create_app(
    reviews: Sequence[str | Path | Review], *, settings: WebSettings | None = None
) -> FastAPI:
    """The web app serving ``reviews`` (folders, opened here and closed on shutdown, or open
    :class:`Review` objects, which the caller closes).

    :param reviews: the reviews to serve; each is reached at ``/r/<folder name>/``.
    :param settings: session lifetime, cookie and rate-limit settings.
    """
    opened = [r if isinstance(r, Review) else Review.open(r) for r in reviews]
    owned = [r for r, given in zip(opened, reviews, strict=True) if not isinstance(given, Review)]
    hub = ReviewHub(opened)
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        for review in opened:  # no request waits for a checkpoint of SQLite's log
            review.store.checkpoint_in_background()
        yield
        for review in opened:
            review.prioritise.stop_runners()  # the rankers the app started for its reviewers
            review.store.stop_checkpoints()
        for review in owned:
            review.close()

    app = FastAPI(
        title="evimap",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        dependencies=[Depends(check_csrf)],
    )
    app.state.hub = hub
    app.state.settings = settings
    app.state.login_limiter = RateLimiter(settings.login_window)
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(packages=[("evimap.web", "static")]), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
