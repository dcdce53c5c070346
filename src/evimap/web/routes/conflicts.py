"""Conflicts for the arbiter: both reviewers' decisions side by side with reasons and notes,
settled one at a time or many at once."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.routes.common import MAX_ID, STAGE_LABELS, Stage, text
from evimap.web.routes.screening import criteria, record_dict
from evimap.web.routing import Body_, action, page

router = APIRouter(tags=["conflicts"])


@page(router, "/r/{slug}/conflicts/{stage}", "conflicts.html", summary="Conflicts at a stage")
def conflict_list(stage: Stage, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Every record in conflict with each reviewer's decision, reason and notes (owners and
    arbiters; anyone when the stage is not blind)."""
    screening = ctx.review.screening
    found = screening.conflicts(stage, member=ctx.member)
    rows = []
    for item in found:
        view = record_dict(screening.record(stage, item["record_id"], member=ctx.member))
        calls = [c for c in [view["mine"], *view["others"]] if c is not None]
        rows.append(
            {
                "record_id": item["record_id"],
                "title": item["title"],
                "conflict": item["conflict"],
                "calls": sorted(calls, key=lambda c: c["reviewer"]),
                "notes": view["notes"],
                "record": view,
            }
        )
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "stage": stage,
        "label": STAGE_LABELS[stage],
        "conflicts": rows,
        **criteria(ctx),
    }


def _back(stage: str, ctx: Ctx, **_: Any) -> str:
    return ctx.url(f"conflicts/{stage}")


class SettleBody(Body_):
    """An arbiter's settlement of one record."""

    record_id: int = Field(ge=1, le=MAX_ID)
    decision: Literal["include", "exclude", "maybe"]
    why: str = text(5000, min_length=1)
    reason: str = text(100)


@action(router, "/r/{slug}/conflicts/{stage}/settle", summary="Settle a record", back=_back)
def settle(stage: Stage, body: SettleBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Settle a record with a decision and the reason why (arbiters and owners)."""
    state = ctx.write(
        ctx.review.screening.settle,
        stage,
        body.record_id,
        body.decision,
        why=body.why,
        reason=body.reason,
        member=ctx.member,
    )
    return {"record_id": body.record_id, "status": state.status}


class SettleManyBody(Body_):
    """The same settlement of several records."""

    record_ids: list[int] = Field(min_length=1, max_length=5000)
    decision: Literal["include", "exclude", "maybe"]
    why: str = text(5000, min_length=1)
    reason: str = text(100)


@action(
    router, "/r/{slug}/conflicts/{stage}/settle-many", summary="Settle many records", back=_back
)
def settle_many(stage: Stage, body: SettleManyBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Settle several records the same way, all or none (arbiters and owners)."""
    if any(not 1 <= r <= MAX_ID for r in body.record_ids):
        from evimap.web.errors import WebError

        raise WebError("record ids are positive integers")
    states = ctx.write(
        ctx.review.screening.settle_many,
        stage,
        body.record_ids,
        body.decision,
        why=body.why,
        reason=body.reason,
        member=ctx.member,
    )
    return {"settled": [s.record_id for s in states]}
