"""The dedup review queue: candidate pairs side by side, merge or keep apart; merged clusters
with their members, any of which can be detached. Owners and arbiters."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from evimap.members import PRIVILEGED
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.routes.common import MAX_ID, text
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
        "counts": _counts(ctx),
    }


def _counts(ctx: Ctx) -> dict[str, int | None]:
    """Records identified and duplicates removed, from the one PRISMA (``review.prisma()``)."""
    prisma = ctx.prisma()
    identified = [
        prisma[name] for name in ("database_results", "register_results") if prisma.known(name)
    ]
    return {
        "records_identified": sum(identified) if identified else None,
        "duplicates_removed": prisma["duplicates"] if prisma.known("duplicates") else None,
    }


def _back(ctx: Ctx, **_: Any) -> str:
    return ctx.url("dedup")


class PairBody(Body_):
    """A decision on a candidate pair."""

    pair_id: int = Field(ge=1, le=MAX_ID)
    decision: Literal["merge", "keep_apart"]
    why: str = text(2000)
    force: bool = False


@action(router, "/r/{slug}/dedup/decide", summary="Merge a pair or keep it apart", back=_back)
def decide_pair(body: PairBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Merge the pair's records (``merge``) or keep them apart for good (``keep_apart``); once
    records are assigned for screening, only with ``force`` (screening moves to the kept
    record)."""
    counts = ctx.write(
        ctx.review.dedup.decide,
        body.pair_id,
        "confirm" if body.decision == "merge" else "reject",
        member=ctx.member,
        why=body.why,
        force=body.force,
    )
    return {"pair_id": body.pair_id, "decision": body.decision, "counts": counts}


class DetachBody(Body_):
    """One record to take out of its cluster."""

    record_id: int = Field(ge=1, le=MAX_ID)
    why: str = text(2000)
    force: bool = False


@action(router, "/r/{slug}/dedup/detach", summary="Detach one record from its cluster", back=_back)
def detach(body: DetachBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Take one record out of a merged cluster; it stays apart in later runs (once records are
    assigned, only with ``force``)."""
    counts = ctx.write(
        ctx.review.dedup.undo,
        record_id=body.record_id,
        member=ctx.member,
        why=body.why,
        force=body.force,
    )
    return {"record_id": body.record_id, "counts": counts}
