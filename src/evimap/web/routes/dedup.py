"""The dedup review queue: candidate pairs side by side, merge or keep apart; merged clusters
with their members, any of which can be detached. Owners and arbiters."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from evimap.web.auth import ReviewCtx
from evimap.web.context import PRIVILEGED, Ctx
from evimap.web.routes.common import text
from evimap.web.routing import Body_, action, page

router = APIRouter(tags=["dedup"])


@page(router, "/r/{slug}/dedup", "dedup.html", summary="Duplicate pairs to review")
def dedup_queue(ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Pairs awaiting a decision (most probable first) and the clusters merged so far."""
    ctx.require(*PRIVILEGED)
    dedup = ctx.review.dedup
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "pairs": [item.to_dict() for item in dedup.queue()],
        "clusters": dedup.clusters(only_duplicates=True),
        "counts": dedup.prisma(),
    }


def _back(ctx: Ctx, **_: Any) -> str:
    return ctx.url("dedup")


class PairBody(Body_):
    """A decision on a candidate pair."""

    pair_id: int = Field(ge=1, le=2**31 - 1)
    decision: Literal["merge", "keep_apart"]
    why: str = text(2000)


@action(router, "/r/{slug}/dedup/decide", summary="Merge a pair or keep it apart", back=_back)
def decide_pair(body: PairBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Merge the pair's records (``merge``) or keep them apart for good (``keep_apart``)."""
    ctx.require(*PRIVILEGED)
    counts = ctx.write(
        ctx.review.dedup.decide,
        body.pair_id,
        "confirm" if body.decision == "merge" else "reject",
        actor=ctx.actor,
        why=body.why,
    )
    return {"pair_id": body.pair_id, "decision": body.decision, "counts": counts}


class DetachBody(Body_):
    """One record to take out of its cluster."""

    record_id: int = Field(ge=1, le=2**31 - 1)
    why: str = text(2000)


@action(router, "/r/{slug}/dedup/detach", summary="Detach one record from its cluster", back=_back)
def detach(body: DetachBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Take one record out of a merged cluster; it stays apart in later runs."""
    ctx.require(*PRIVILEGED)
    counts = ctx.write(
        ctx.review.dedup.undo, record_id=body.record_id, actor=ctx.actor, why=body.why
    )
    return {"record_id": body.record_id, "counts": counts}
