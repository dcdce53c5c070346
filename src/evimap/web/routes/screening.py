"""Screening: one record at a time with the protocol's terms highlighted, decisions by key
(i, e, m; reasons by number; u to undo), notes, tags, back and forward, and a search within
my records."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from evimap.screening.view import MY_FILTERS, RecordView
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.routes.common import MAX_ID, STAGE_LABELS, Stage, parts, text
from evimap.web.routes.stopping import ordering
from evimap.web.routing import Body_, action, page

router = APIRouter(tags=["screening"])

Show = Literal["all", "todo", "decided", "include", "exclude", "maybe", "settled"]
assert set(Show.__args__) == set(MY_FILTERS)  # type: ignore[attr-defined]


def _call(call) -> dict[str, Any] | None:
    if call is None:
        return None
    return {
        "reviewer": call.reviewer,
        "decision": call.decision,
        "reason": call.reason,
        "at": call.at.isoformat(),
    }


def record_dict(view: RecordView) -> dict[str, Any]:
    """A record as the viewer may see it (the core filtered it), ready for JSON and templates."""
    r = view.record
    return {
        "record_id": view.record_id,
        "title": r.title,
        "title_parts": parts(r.title, view.highlights.get("title", [])),
        "abstract": r.abstract,
        "abstract_parts": parts(r.abstract, view.highlights.get("abstract", [])),
        "authors": [a.display() for a in r.authors],
        "journal": r.source_title,
        "year": r.year,
        "keywords": list(dict.fromkeys([*r.keywords, *r.indexed_keywords])),
        "doi": r.doi,
        "status": view.status,
        "mine": _call(view.mine),
        "others": [_call(c) for c in view.others],
        "others_hidden": view.others_hidden,
        "notes": [
            {
                "reviewer": n.reviewer,
                "kind": n.kind,
                "text": n.text,
                "tags": n.tags,
                "at": n.at.isoformat(),
            }
            for n in view.notes
        ],
        "my_tags": view.my_tags,
        "settlement": asdict(view.settlement) if view.settlement else None,
        "fulltext": (
            {"status": view.fulltext["status"], "why": view.fulltext["why"]}
            if view.fulltext
            else None
        ),
    }


def criteria(ctx: Ctx) -> dict[str, Any]:
    """The eligibility criteria at hand and the exclusion reasons, each with the key (``1``
    to ``9``, or ``""``) that picks it and how it reads (``I4 not met: ...``)."""
    config = ctx.review.screening.config
    return {
        "criteria": [
            {"code": c.code, "kind": c.kind, "text": c.text} for c in ctx.review.protocol.criteria
        ],
        "reasons": [
            {
                "key": key,
                "code": code,
                "label": config.reason_label(code),
                "text": config.reason_text(code),
            }
            for key, code in config.reason_keys()
        ],
        "options": list(config.settings.options),
    }


@page(router, "/r/{slug}/screen/{stage}", "screen.html", summary="Screening: one record")
def screen(
    stage: Stage,
    ctx: Ctx = ReviewCtx,
    record: int | None = Query(None, ge=1, le=MAX_ID, description="The record to show."),
    q: str = Query("", max_length=200, pattern=r"^[^\x00]*$", description="Search my records."),
    show: Show = Query("all", description="Which of my records to list."),
) -> dict[str, Any]:
    """A record to screen (by default my next one to decide), my queue around it, my
    progress, how my queue is ordered, the criteria, and my records matching the search."""
    screening = ctx.review.screening
    order = ordering(ctx, stage)  # with prioritisation on, starts my background ranker
    # my records in the order my queue serves them: position, back and forward walk it
    where = screening.navigation(stage, record_id=record, member=ctx.member)
    current = where.record_id
    view = screening.record(stage, current, member=ctx.member) if current is not None else None
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "stage": stage,
        "label": STAGE_LABELS[stage],
        "settings": screening.stage_settings()[stage],
        "progress": screening.progress(stage, member=ctx.member),
        "record": record_dict(view) if view is not None else None,
        "position": where.position,
        "assigned": where.assigned,
        "back": where.back,
        "forward": where.forward,
        "next_todo": where.next_todo,
        "ordering": order,
        **criteria(ctx),
        "search": screening.my_records(stage, text=q, show=show, limit=100, member=ctx.member),
    }


def _back(stage: str, ctx: Ctx, body: Any, result: dict[str, Any], **_: Any) -> str:
    target = result.get("next") or getattr(body, "record_id", None)
    return ctx.url(f"screen/{stage}") + (f"?record={target}" if target else "")


class DecideBody(Body_):
    """A decision on a record."""

    record_id: int = Field(ge=1, le=MAX_ID)
    decision: Literal["include", "exclude", "maybe"]
    reason: str = text(100)
    note: str = text(5000)


@action(
    router,
    "/r/{slug}/screen/{stage}/decide",
    summary="Decide on a record",
    back=_back,
    on_loop=True,
)
def decide(stage: Stage, body: DecideBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Record my decision (with a reason to exclude, and a note); returns my next record."""
    ctx.review.prioritise.serve(stage, member=ctx.member)  # counts this decision, if ranking
    recorded, following = ctx.write(
        ctx.review.screening.decide_next,
        stage,
        body.record_id,
        body.decision,
        reason=body.reason,
        note=body.note,
        member=ctx.member,
    )
    return {"recorded": asdict(recorded), "next": following}


class UndoBody(Body_):
    """Undo my latest decision (on one record, if given)."""

    record_id: int | None = Field(None, ge=1, le=MAX_ID)


@action(router, "/r/{slug}/screen/{stage}/undo", summary="Undo my latest decision", back=_back)
def undo(stage: Stage, body: UndoBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Undo my latest decision at the stage (a new row, never a delete); back to its record."""
    recorded = ctx.write(
        ctx.review.screening.undo, stage, record_id=body.record_id, member=ctx.member
    )
    return {"recorded": asdict(recorded), "next": recorded.record_id}


class NoteBody(Body_):
    """A note on a record."""

    record_id: int = Field(ge=1, le=MAX_ID)
    text: str = text(5000, min_length=1)


@action(router, "/r/{slug}/screen/{stage}/note", summary="Add a note to a record", back=_back)
def note(stage: Stage, body: NoteBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Add my note (hidden from other reviewers while the stage is blind)."""
    note_id = ctx.write(
        ctx.review.screening.note, stage, body.record_id, body.text, member=ctx.member
    )
    return {"note_id": note_id, "record_id": body.record_id}


class TagsBody(Body_):
    """My tags on a record (comma-separated texts are split)."""

    record_id: int = Field(ge=1, le=MAX_ID)
    tags: list[str] = Field(default_factory=list, max_length=50)


@action(router, "/r/{slug}/screen/{stage}/tags", summary="Set my tags on a record", back=_back)
def tags(stage: Stage, body: TagsBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Replace my tag set on a record."""
    split = [t.strip() for item in body.tags for t in item.split(",") if t.strip()]
    if any("\x00" in t or len(t) > 100 for t in split):
        from evimap.web.errors import WebError

        raise WebError("a tag has at most 100 characters and no NUL")
    note_id = ctx.write(ctx.review.screening.tag, stage, body.record_id, split, member=ctx.member)
    return {"note_id": note_id, "record_id": body.record_id, "tags": sorted(set(split))}
