"""Pages and their JSON twins from one dict, and the one error shape.

A route's function returns a JSON-ready dict; :func:`page_response` renders it with a template
for ``/path`` or returns it as JSON for ``/path.json``. Every refusal, on pages and API alike,
is ``{"ok": false, "error": ..., "errors": [...], "status": N}`` (an HTML page with the same
message for browsers).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from evimap import __version__
from evimap.errors import EvimapError
from evimap.web.errors import (
    NotLoggedIn,
    TooManyAttempts,
    WebError,
    core_problems,
    core_status,
)

log = logging.getLogger("evimap.web")

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("evimap.web", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


def wants_json(request: Request) -> bool:
    """True for a JSON twin (``.json`` path) or a client asking for JSON and not HTML."""
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def json_ok(data: dict[str, Any], status: int = 200) -> JSONResponse:
    """``{"ok": true, ...data}``."""
    return JSONResponse({"ok": True, **data}, status_code=status)


def page_response(
    request: Request, template: str, data: dict[str, Any], ctx: Any = None, status: int = 200
) -> Response:
    """The page rendered from ``data`` (``ctx`` gives the layout the review, member and CSRF
    token)."""
    context = {"data": data, "ctx": ctx, "version": __version__}
    return templates.TemplateResponse(request, template, context, status_code=status)


def error_payload(status: int, message: str, errors: list | None = None) -> dict[str, Any]:
    """The one error shape."""
    return {"ok": False, "error": message, "errors": list(errors or [message]), "status": status}


def error_response(
    request: Request, status: int, message: str, errors: list | None = None
) -> Response:
    """A refusal as JSON or as an HTML page; a browser (asking for HTML) without a session goes
    to the login page."""
    if (
        status == 401
        and not wants_json(request)
        and "text/html" in request.headers.get("accept", "")
    ):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response: Response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    elif wants_json(request):
        response = JSONResponse(error_payload(status, message, errors), status_code=status)
    else:
        response = templates.TemplateResponse(
            request,
            "error.html",
            {
                "data": error_payload(status, message, errors),
                "ctx": None,
                "version": __version__,
            },
            status_code=status,
        )
    if status == 401:
        from evimap.web.auth import forget_session

        forget_session(request, response)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through :func:`error_response`."""

    @app.exception_handler(WebError)
    async def _web(request: Request, exc: WebError):
        response = error_response(request, exc.status, exc.message, exc.errors)
        if isinstance(exc, TooManyAttempts):
            response.headers["retry-after"] = str(max(1, round(exc.retry_after)))
        return response

    @app.exception_handler(EvimapError)
    async def _core(request: Request, exc: EvimapError):
        return error_response(request, core_status(exc), str(exc), core_problems(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        ]
        return error_response(request, 422, "the request is not valid", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        response = error_response(request, exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError):
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            log.exception("error serving %s", request.url.path)
            return error_response(request, 500, "internal error; the server log has the details")
        response = error_response(request, 503, "the review's store is busy; try again")
        response.headers["retry-after"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("error serving %s", request.url.path)
        return error_response(request, 500, "internal error; the server log has the details")


__all__ = ["NotLoggedIn", "error_response", "json_ok", "page_response", "wants_json"]
