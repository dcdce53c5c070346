"""Charting: a form generated from the codebook for each included study, and the verification
view with the two reviewers' agreement."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import Field

from evimap.errors import ChartingError, CodebookError
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.errors import NotFound, WebError
from evimap.web.rendering import json_ok
from evimap.web.routes.common import RecordId, text
from evimap.web.routing import JSON_RESPONSES, Body_, page, safe_next

router = APIRouter(tags=["charting"])


def _primary(ctx: Ctx) -> str | None:
    try:
        return ctx.review.charting.primary_reviewer()
    except ChartingError:
        return None


def _studies(ctx: Ctx) -> list[dict[str, Any]]:
    """The included studies, and any other study already charted, by record id."""
    charting = ctx.review.charting
    included = ctx.review.included(member=ctx.member)
    rows = {
        rid: {
            "record_id": rid,
            "key": record.source_record_id or f"evimap-{rid}",
            "title": record.title,
            "year": record.year,
            "authors": "; ".join(a.display() for a in record.authors[:3]),
            "doi": record.doi,
        }
        for rid, record in ctx.review.records.iter(ids=included)
    }
    primary = _primary(ctx)
    for study in charting.studies(primary) if primary else []:
        if study.record_id is not None and study.record_id not in rows and study.record:
            rows[study.record_id] = {
                "record_id": study.record_id,
                "key": study.key,
                "title": study.record.title,
                "year": study.record.year,
                "authors": "; ".join(a.display() for a in study.record.authors[:3]),
                "doi": study.record.doi,
            }
    return [rows[r] for r in sorted(rows)]


def _base(ctx: Ctx) -> dict[str, Any]:
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
    }


@page(router, "/r/{slug}/chart", "chart_list.html", summary="Studies to chart")
def chart_list(ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """The included studies, which I have charted, and which the primary reviewer charted."""
    charting = ctx.review.charting
    try:
        fields = len(charting.codebook)
        problem = ""
    except CodebookError as exc:
        fields, problem = 0, str(exc)
    primary = _primary(ctx)
    mine = set(charting.values(ctx.member.name)) if not problem else set()
    firsts = set(charting.values(primary)) if primary else set()
    return {
        **_base(ctx),
        "fields": fields,
        "codebook_problem": problem,
        "primary": primary,
        "reviewers": charting.reviewers(),
        "studies": [
            {**s, "charted_by_me": s["key"] in mine, "charted_by_primary": s["key"] in firsts}
            for s in _studies(ctx)
        ],
    }


def _study(ctx: Ctx, record_id: int) -> dict[str, Any]:
    for study in _studies(ctx):
        if study["record_id"] == record_id:
            return study
    raise NotFound(f"record {record_id} is not an included study")


@page(router, "/r/{slug}/chart/{record_id}", "chart_form.html", summary="A study's charting form")
def chart_form(
    record_id: int = RecordId,
    verify: bool = Query(False, description="Verify the primary reviewer's charting."),
    ctx: Ctx = ReviewCtx,
) -> dict[str, Any]:
    """The codebook's fields as a form, with my values so far."""
    charting = ctx.review.charting
    study = _study(ctx, record_id)
    codebook = charting.codebook
    mine = charting.values(ctx.member.name).get(study["key"], {})
    inputs = codebook.to_inputs(mine)
    return {
        **_base(ctx),
        "study": study,
        "verify": verify,
        "primary": _primary(ctx),
        "charted": bool(mine),
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "choices": list(f.choices),
                "other": f.other,
                "group": f.group,
                "description": f.description,
                "required": f.required,
                "inputs": inputs[f.name],
            }
            for f in codebook
        ],
    }


class ChartBody(Body_):
    """A study's values as texts entered in the form."""

    inputs: dict[str, list[str]] = Field(default_factory=dict)
    basis: str = text(2000)
    verify: bool = False


def _chart(ctx: Ctx, record_id: int, body: ChartBody) -> dict[str, Any]:
    study = _study(ctx, record_id)
    for name, values in body.inputs.items():
        if len(name) > 200 or any("\x00" in v or len(v) > 20_000 for v in values):
            raise WebError(f"field {name[:50]!r}: at most 20,000 characters, and no NUL")
    return ctx.write(
        ctx.review.charting.chart_study,
        study["key"],
        body.inputs,
        member=ctx.member,
        record_id=record_id,
        basis=body.basis,
        verify=body.verify,
    )


@router.post(
    "/r/{slug}/chart/{record_id}.json",
    summary="Save my charting of a study",
    responses=JSON_RESPONSES,
)
def chart_save_json(
    body: ChartBody, record_id: int = RecordId, ctx: Ctx = ReviewCtx
) -> JSONResponse:
    """Store my values for a study (checked against the codebook); ``verify`` records a
    verification of the primary reviewer's charting, with the agreement so far."""
    return json_ok(_chart(ctx, record_id, body))


@router.post("/r/{slug}/chart/{record_id}", include_in_schema=False)
async def chart_save_form(record_id: int = RecordId, ctx: Ctx = ReviewCtx) -> RedirectResponse:
    """The charting form's post: every codebook field by name (checkboxes repeat)."""
    from starlette.concurrency import run_in_threadpool

    form = await ctx.request.form()
    names = [f.name for f in ctx.review.charting.codebook]
    body = ChartBody(
        inputs={n: [v for v in form.getlist(n) if isinstance(v, str)] for n in names},
        basis=str(form.get("basis", "")),
        verify=form.get("verify") in ("1", "true", "on"),
    )
    await run_in_threadpool(_chart, ctx, record_id, body)
    target = safe_next(form.get("next")) or ctx.url("verification" if body.verify else "chart")
    return RedirectResponse(target, status_code=303)


@page(router, "/r/{slug}/verification", "verification.html", summary="Charting verification")
def verification(
    ctx: Ctx = ReviewCtx,
    second: str = Query("", max_length=200, pattern=r"^[^\x00]*$", description="Verifier."),
) -> dict[str, Any]:
    """Agreement per field between the primary reviewer and a verifying reviewer, and their
    values side by side on the studies both charted."""
    charting = ctx.review.charting
    primary = _primary(ctx)
    reviewers = charting.reviewers()
    others = [r for r in reviewers if r != primary]
    chosen = second if second in others else (others[0] if others else "")
    agreement = charting.agreement(primary, chosen) if primary and chosen else []
    return {
        **_base(ctx),
        "primary": primary,
        "second": chosen,
        "reviewers": reviewers,
        "agreement": [a.to_dict() for a in agreement],
        "comparison": charting.comparison(primary, chosen) if primary and chosen else [],
    }
