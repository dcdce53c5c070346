"""Registering a page with its JSON twin, and an action with its form and JSON variants, from
one function each (Datasette's ``.json`` alternates).

``@page(router, "/r/{slug}/dashboard", "dashboard.html")`` serves the function's dict as
``/r/{slug}/dashboard`` (HTML, rendered by the template) and ``/r/{slug}/dashboard.json``.
``@action(router, "/r/{slug}/screen/{stage}/decide", back=...)`` takes a pydantic ``body``: as
a form at the path (answered by a redirect, for pages without script) and as JSON at
``path.json`` (answered ``{"ok": true, ...}``, described in the OpenAPI document).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from evimap.web.hub import NOT_RUN
from evimap.web.rendering import json_ok, page_response

JSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input (the one error shape)"},
    401: {"description": "No live session"},
    403: {"description": "Not a member, wrong role, or a missing or wrong CSRF token"},
    404: {"description": "No such review or item"},
    409: {"description": "The record's state forbids it now"},
    422: {"description": "The request does not fit the schema"},
}


class Body_(BaseModel):
    """Base of action bodies: unknown keys are ignored (a form also sends ``csrf_token`` and
    ``next``)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _signature(fn: Callable, replace: dict[str, Any] | None = None) -> inspect.Signature:
    hints = typing.get_type_hints(fn, include_extras=True)
    params = []
    for param in inspect.signature(fn).parameters.values():
        annotation = hints.get(param.name, param.annotation)
        if replace and param.name in replace:
            annotation = replace[param.name]
        params.append(param.replace(annotation=annotation))
    return inspect.Signature(params)


def _ctx_or_request(kwargs: dict[str, Any]) -> tuple[Any, Request]:
    ctx = kwargs.get("ctx")
    return ctx, (ctx.request if ctx is not None else kwargs["request"])


def _add_twins(
    router: APIRouter,
    path: str,
    method: str,
    fn: Callable,
    summary: str,
    json_twin: tuple[Callable, inspect.Signature],
    human: tuple[Callable, inspect.Signature],
    human_response: type | None,
) -> None:
    """Register ``fn``'s JSON endpoint at ``path.json`` (in the OpenAPI document) and its
    endpoint for browsers at ``path`` (left out of it), each with its signature and ``fn``'s
    docstring. The JSON twin goes first: ``{param}`` would otherwise swallow ``.json``."""
    for endpoint, signature in (json_twin, human):
        endpoint.__signature__ = signature  # type: ignore[attr-defined]
        endpoint.__doc__ = fn.__doc__
    router.add_api_route(
        path + ".json",
        json_twin[0],
        methods=[method],
        summary=summary,
        name=f"{fn.__name__}_json",
        response_class=JSONResponse,
        responses=JSON_RESPONSES,
    )
    extra = {"response_class": human_response} if human_response else {}
    router.add_api_route(
        path, human[0], methods=[method], include_in_schema=False, name=fn.__name__, **extra
    )


def page(router: APIRouter, path: str, template: str, *, summary: str) -> Callable:
    """Serve a function's dict as an HTML page at ``path`` and as JSON at ``path.json``."""

    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        signature = _signature(fn)

        def as_json(**kwargs: Any) -> JSONResponse:
            return json_ok(fn(**kwargs))

        def as_html(**kwargs: Any) -> HTMLResponse:
            ctx, request = _ctx_or_request(kwargs)
            return page_response(request, template, fn(**kwargs), ctx)

        _add_twins(
            router,
            path,
            "GET",
            fn,
            summary,
            (as_json, signature),
            (as_html, signature),
            HTMLResponse,
        )
        return fn

    return register


def safe_next(value: Any) -> str | None:
    """A redirect target from a form's ``next`` field, only if it is a path on this site."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return None


def action(
    router: APIRouter,
    path: str,
    *,
    summary: str,
    back: Callable[..., str],
    on_loop: bool = False,
) -> Callable:
    """Serve a function taking ``body`` (a pydantic model) as a form post at ``path`` (a 303
    redirect to the form's ``next`` or to ``back(**kwargs, result=...)``) and as a JSON post at
    ``path.json``.

    :param on_loop: the JSON post runs on the event loop when it would not wait
        (:meth:`~evimap.web.hub.Entry.run_on_loop`), else in a worker thread: for short
        writes made many times a minute (a decision), whose function writes in one
        transaction before anything else."""

    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        hints = typing.get_type_hints(fn, include_extras=True)
        model = hints["body"]
        json_signature = _signature(fn, {"body": Annotated[model, Body()]})
        form_signature = _signature(fn, {"body": Annotated[model, Form()]})

        def as_json(**kwargs: Any) -> JSONResponse:
            return json_ok(fn(**kwargs))

        async def as_json_on_loop(**kwargs: Any) -> JSONResponse:
            ctx, _ = _ctx_or_request(kwargs)
            result = ctx.entry.run_on_loop(lambda: fn(**kwargs))
            if result is NOT_RUN:
                result = await run_in_threadpool(lambda: fn(**kwargs))
            return json_ok(result)

        async def as_form(**kwargs: Any) -> RedirectResponse:
            result = await run_in_threadpool(lambda: fn(**kwargs))
            _, request = _ctx_or_request(kwargs)
            form = await request.form()
            target = safe_next(form.get("next")) or back(**kwargs, result=result)
            return RedirectResponse(target, status_code=303)

        _add_twins(
            router,
            path,
            "POST",
            fn,
            summary,
            (as_json_on_loop if on_loop else as_json, json_signature),
            (as_form, form_signature),
            None,
        )
        return fn

    return register
