"""Prioritised screening in the web app: each reviewer's queue kept ranked in the background
while they screen (``review.prioritise.serve``), how their queue is ordered, and when the team
may stop: the statistical test, the heuristic and the estimate on the dashboard, with the lead's
two actions (draw the next look of the random sample; record the decision to stop or go on)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field, field_validator

from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.routes.common import Stage, text
from evimap.web.routing import Body_, action

router = APIRouter(tags=["stopping"])


def ordering(ctx: Ctx, stage: str) -> dict[str, Any]:
    """Keep the member's queue at ``stage`` ranked while they screen (a runner per reviewer,
    started once; nothing while prioritisation is off) and say how it is ordered now."""
    prioritise = ctx.review.prioritise
    prioritise.serve(stage, member=ctx.member)
    return prioritise.ordering(stage, member=ctx.member)


def panel(ctx: Ctx, stage: str, assigned: bool = True) -> dict[str, Any] | None:
    """The dashboard's "when to stop" panel of a stage (None while prioritisation is off or
    nothing is assigned there yet):
    the stop status as the member may see it, the rankings behind the queues (the member's
    own; every screener's for an owner or arbiter) and the team's decisions so far."""
    prioritise = ctx.review.prioritise
    if not prioritise.enabled or not assigned:
        return None
    member = ctx.member
    return {
        "model": prioritise.spec().describe(),
        "status": prioritise.stopping(stage, member=member).to_dict(),
        "rankings": prioritise.rankings(stage, member=member),
        "decisions": prioritise.decisions(stage, member=member),
    }


def _dashboard(stage: str, ctx: Ctx, **_: Any) -> str:
    return ctx.url("dashboard") + f"#stop-{stage}"


class SampleBody(Body_):
    """Draw the next look of the stopping test's random sample."""

    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="A new round's seed.")

    @field_validator("seed", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value  # a form's empty seed field: review.toml's


@action(
    router,
    "/r/{slug}/stop/{stage}/sample",
    summary="Draw the next look of the stopping sample (owner or arbiter)",
    back=_dashboard,
)
def sample(stage: Stage, body: SampleBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Draw the next look of the random sample of records nobody has screened (a new round
    when none is open); the records drawn lead every assigned reviewer's queue."""
    return ctx.write(ctx.review.prioritise.sample, stage, member=ctx.member, seed=body.seed)


class StopBody(Body_):
    """The team's decision on a stage, with its reasons."""

    decision: Literal["stop", "continue"]
    why: str = text(2000, min_length=1)


@action(
    router,
    "/r/{slug}/stop/{stage}/decide",
    summary="Record the decision to stop or go on screening (owner or arbiter)",
    back=_dashboard,
)
def decide_stop(stage: Stage, body: StopBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Log the decision with the test, the heuristic and the estimate at this moment; records
    left unscreened stay unscreened (nothing is excluded)."""
    return ctx.write(
        ctx.review.prioritise.decide, stage, body.decision, member=ctx.member, why=body.why
    )
