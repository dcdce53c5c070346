"""Team and settings for the owner: members and roles (logins), blind on or off, stage open or
closed; and assigning records to the reviewers (owners and arbiters)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from evimap.protocol.screening import STAGES
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.routes.common import STAGE_LABELS, Stage, text
from evimap.web.routing import Body_, action, page

router = APIRouter(tags=["team"])

Role = Literal["owner", "arbiter", "reviewer"]


@page(router, "/r/{slug}/team", "team.html", summary="Team and settings")
def team(ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """The members with a login, the screening team as it stands, each stage's settings and
    assignment (owners)."""
    ctx.require("owner")
    screening = ctx.review.screening
    settings = screening.stage_settings()
    accounts = {a.name: a for a in ctx.review.accounts.list()}
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "members": [
            {"name": m.name, "role": m.role, "login": m.name in accounts}
            for m in screening.config.settings.reviewers
        ],
        "accounts": [a.to_dict() for a in accounts.values()],
        "stages": [
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "settings": settings[stage],
                "progress": screening.progress(stage, member=ctx.member),
            }
            for stage in STAGES
        ],
    }


def _back(ctx: Ctx, **_: Any) -> str:
    return ctx.url("team")


class AddBody(Body_):
    """A new member's login."""

    name: str = text(200, min_length=1)
    role: Role
    password: str = text(1024, min_length=8)


@action(router, "/r/{slug}/team/add", summary="Add a member's login", back=_back)
def add_member(body: AddBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Create a login for a member (owner); they change the password with the owner's help."""
    account = ctx.write(
        ctx.review.accounts.add, body.name, body.role, body.password, member=ctx.member
    )
    return {"account": account.to_dict()}


class RoleBody(Body_):
    """A member's new role."""

    name: str = text(200, min_length=1)
    role: Role


@action(router, "/r/{slug}/team/role", summary="Change a member's role", back=_back)
def set_role(body: RoleBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Change a member's role (owner; the review keeps at least one owner)."""
    account = ctx.write(ctx.review.accounts.set_role, body.name, body.role, member=ctx.member)
    return {"account": account.to_dict()}


class NameBody(Body_):
    """A member."""

    name: str = text(200, min_length=1)


@action(router, "/r/{slug}/team/remove", summary="Remove a member's login", back=_back)
def remove_member(body: NameBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Remove a member's login; their sessions end now (their decisions stay)."""
    account = ctx.write(ctx.review.accounts.remove, body.name, member=ctx.member)
    return {"account": account.to_dict()}


class PasswordBody(Body_):
    """A member's new password."""

    name: str = text(200, min_length=1)
    password: str = text(1024, min_length=8)


@action(router, "/r/{slug}/team/password", summary="Set a member's password", back=_back)
def set_password(body: PasswordBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Set a member's password (owner); their sessions end now."""
    account = ctx.write(
        ctx.review.accounts.set_password, body.name, body.password, member=ctx.member
    )
    return {"account": account.to_dict()}


class StageBody(Body_):
    """A stage's new settings (either or both)."""

    stage: Stage
    blind: bool | None = None
    open: bool | None = None


@action(router, "/r/{slug}/team/stage", summary="Blind on or off, stage open or closed", back=_back)
def set_stage(body: StageBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Turn a stage's blindness on or off, or open or close it (owner)."""
    settings = ctx.write(
        ctx.review.screening.set_stage,
        body.stage,
        blind=body.blind,
        open=body.open,
        member=ctx.member,
    )
    return {"stage": body.stage, "settings": settings}


class AssignBody(Body_):
    """Assign a stage's unassigned records."""

    stage: Stage
    round: Literal["main", "pilot"] = "main"
    mode: Literal["dual", "split"] | None = None
    overlap: float | None = Field(None, ge=0.0, le=1.0)


def _dashboard(ctx: Ctx, **_: Any) -> str:
    return ctx.url("dashboard")


@action(router, "/r/{slug}/assign", summary="Assign records to the reviewers", back=_dashboard)
def assign(body: AssignBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Give the stage's unassigned records to the reviewers (owners and arbiters)."""
    result = ctx.write(
        ctx.review.screening.assign,
        body.stage,
        round=body.round,
        mode=body.mode,
        overlap=body.overlap,
        member=ctx.member,
    )
    return {
        "stage": result.stage,
        "round": result.round,
        "records": result.records,
        "assignments": result.assignments,
        "per_reviewer": result.per_reviewer,
    }
