"""Logging in and out, and the list of my reviews."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import Field

from evimap.accounts.passwords import new_token
from evimap.web import auth
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.errors import NotLoggedIn, TooManyAttempts
from evimap.web.rendering import json_ok, page_response
from evimap.web.routing import JSON_RESPONSES, Body_, page, safe_next

router = APIRouter(tags=["account"])


class LoginBody(Body_):
    """A login."""

    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


def _login_token(request: Request) -> str:
    return request.cookies.get(auth.LOGIN_COOKIE) or new_token()


def _set_login_cookie(request: Request, response: Response, token: str) -> Response:
    response.set_cookie(
        auth.LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=auth.secure(request),
    )
    return response


def _login_page(request: Request, data: dict[str, Any], status: int = 200) -> Response:
    token = _login_token(request)
    response = page_response(request, "login.html", {**data, "login_token": token}, status=status)
    return _set_login_cookie(request, response, token)


def _reviews(found: list[auth.Membership]) -> list[dict[str, Any]]:
    return [
        {
            "slug": m.entry.slug,
            "title": m.entry.title,
            "role": m.account.role,
            "name": m.account.name,
            "url": f"/r/{m.entry.slug}/dashboard",
        }
        for m in found
    ]


@router.get(
    "/login.json",
    summary="Start a login: the CSRF token to send with POST /login.json",
    responses=JSON_RESPONSES,
)
def login_start_json(request: Request) -> Response:
    """The token (also set as a cookie) that ``POST /login.json`` must carry in
    ``X-CSRF-Token``."""
    token = _login_token(request)
    return _set_login_cookie(request, json_ok({"csrf_token": token}), token)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/") -> Response:
    """The login form."""
    return _login_page(request, {"next": safe_next(next) or "/", "error": "", "name": ""})


@router.post("/login.json", summary="Log in", responses=JSON_RESPONSES)
def login_json(request: Request, body: LoginBody) -> JSONResponse:
    """Log in with a member's name and password: sets the session cookie, returns the reviews
    where they match and the session's CSRF token."""
    token, found = auth.login(request, body.name, body.password)
    response = json_ok(
        {
            "name": found[0].account.name,
            "reviews": _reviews(found),
            "csrf_token": auth.csrf_token(token),
        }
    )
    auth.set_session_cookie(request, response, token)
    return response


@router.post("/login", include_in_schema=False)
def login_form(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """The login form's post: to ``next`` when it succeeds, the form again when not."""
    target = safe_next(next) or "/"
    try:
        token, _found = auth.login(request, name, password)
    except (NotLoggedIn, TooManyAttempts) as exc:
        response = _login_page(
            request, {"next": target, "error": exc.message, "name": name}, status=exc.status
        )
        if isinstance(exc, TooManyAttempts):
            response.headers["retry-after"] = str(max(1, round(exc.retry_after)))
        return response
    response = RedirectResponse(target, status_code=303)
    auth.set_session_cookie(request, response, token)
    return response


@router.post(
    "/logout.json", summary="Log out (ends the session everywhere)", responses=JSON_RESPONSES
)
def logout_json(request: Request) -> JSONResponse:
    """End the session in every review and drop the cookie."""
    response = json_ok({"ended": auth.logout(request)})
    auth.forget_session(request, response)
    return response


@router.post("/logout", include_in_schema=False)
def logout_form(request: Request) -> Response:
    """The logout button: ends the session and goes to the login page."""
    auth.logout(request)
    response = RedirectResponse("/login", status_code=303)
    auth.forget_session(request, response)
    return response


@page(router, "/index", "home.html", summary="My reviews")
def home(request: Request) -> dict[str, Any]:
    """The reviews where my session is live."""
    found = auth.memberships(request)
    if not found:
        raise NotLoggedIn("log in first")
    return {
        "name": found[0].account.name,
        "reviews": _reviews(found),
        "csrf_token": auth.csrf_token(auth.session_token(request)),
    }


@router.get("/", include_in_schema=False)
def root(request: Request) -> Response:
    """The home page: my reviews (or the login page)."""
    data = home(request)
    if len(data["reviews"]) == 1:
        return RedirectResponse(data["reviews"][0]["url"], status_code=303)
    return page_response(request, "home.html", data)


@router.get("/r/{slug}", include_in_schema=False)
def review_root(ctx: Ctx = ReviewCtx) -> Response:
    """A review's address goes to its dashboard."""
    return RedirectResponse(ctx.url("dashboard"), status_code=303)
