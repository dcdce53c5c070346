"""The dashboard: progress per stage and reviewer, conflicts waiting, agreement so far, and the
PRISMA diagram as it stands."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response

from evimap.protocol.screening import STAGES
from evimap.report.prisma import COUNT_FIELDS
from evimap.screening.errors import NotPermitted
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.routes.common import STAGE_LABELS
from evimap.web.routes.stopping import panel
from evimap.web.routing import page
from evimap.web.security import SVG_CSP

router = APIRouter(tags=["dashboard"])


def _stage(ctx: Ctx, stage: str, settings: dict[str, Any]) -> dict[str, Any]:
    screening = ctx.review.screening
    progress = screening.progress(stage, member=ctx.member)
    try:
        conflicts: int | None = len(screening.conflicts(stage, member=ctx.member))
        agreement: list | None = [
            a.to_dict() for a in screening.agreement(stage, member=ctx.member)
        ]
    except NotPermitted:  # a blind stage hides both from a reviewer
        conflicts, agreement = None, None
    return {
        "stage": stage,
        "label": STAGE_LABELS[stage],
        "settings": settings,
        "progress": progress,
        "conflicts": conflicts,
        "agreement": agreement,
        "stopping": panel(ctx, stage, assigned=bool(progress["records"])),
    }


@page(router, "/r/{slug}/dashboard", "dashboard.html", summary="Dashboard")
def dashboard(ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Progress per stage (mine, and the team's for owners and arbiters), conflicts waiting,
    agreement so far, when screening may stop (with prioritisation on), and the PRISMA
    counts."""
    settings = ctx.review.screening.stage_settings()
    prisma = ctx.prisma()
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "stages": [_stage(ctx, stage, settings[stage]) for stage in STAGES],
        "prisma": {
            "counts": {name: prisma[name] for name in COUNT_FIELDS if prisma.known(name)},
            "rows": prisma.rows(known_only=True),
            "notes": prisma.notes,
            "svg": ctx.url("prisma.svg"),
        },
    }


@router.get("/r/{slug}/prisma.svg", summary="The PRISMA 2020 flow diagram as it stands")
def prisma_svg(ctx: Ctx = ReviewCtx) -> Response:
    """The diagram as SVG (drawn again only when the counts change)."""
    from evimap.report.prisma_diagram import prisma_figure
    from evimap.synthesis.gapmap import save_figure

    counts = ctx.prisma()
    key = json.dumps(counts.to_template(), sort_keys=True, default=str)
    cached = ctx.entry.cache.get("prisma.svg")
    if cached is None or cached[0] != key:
        import matplotlib.pyplot as plt

        figure = prisma_figure(counts, ctx.entry.title)
        cached = (key, save_figure(figure))
        plt.close(figure)
        ctx.entry.cache["prisma.svg"] = cached
    return Response(
        cached[1], media_type="image/svg+xml", headers={"content-security-policy": SVG_CSP}
    )
