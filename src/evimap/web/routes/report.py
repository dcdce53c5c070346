"""The report: PRISMA diagram, tables, evidence-gap maps, and downloads (HTML, xlsx, RIS,
BibTeX, CSV), at any stage of the review. Each member gets the report as they may see it: the
core applies the blindness rule to its log and agreement (``review.report(member=...)``)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response

from evimap.errors import ChartingError, CodebookError
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.errors import NotFound
from evimap.web.routing import JSON_RESPONSES, page
from evimap.web.security import SVG_CSP

router = APIRouter(tags=["report"])

DOWNLOADS = {
    "report.html": ("HTML report", "text/html"),
    "workbook.xlsx": (
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "included.ris": ("RIS", "application/x-research-info-systems"),
    "included.bib": ("BibTeX", "application/x-bibtex"),
    "included.csv": ("CSV", "text/csv"),
}
Download = Literal["report.html", "workbook.xlsx", "included.ris", "included.bib", "included.csv"]
REPORT_FOLDER = Path("report") / "web"
"""Where the downloads are written, inside the review folder (generated; safe to delete)."""


def _compute(ctx: Ctx):
    from evimap.report.build import compute_report

    return compute_report(ctx.review, member=ctx.member)


def _written(ctx: Ctx) -> Path:
    """The member's report folder (each member's view is its own), written again when the log
    has grown since or the member's role changed."""
    view = f"{ctx.member.name}\x00{ctx.member.role}".encode()
    folder = ctx.review.folder / REPORT_FOLDER / hashlib.sha256(view).hexdigest()[:16]
    stamp = folder / ".event-id"
    last = str(ctx.review.events.last_id())
    lock = ctx.entry.cache.setdefault("report-lock", threading.Lock())
    with lock:
        if not stamp.is_file() or stamp.read_text() != last:
            ctx.review.report(folder, member=ctx.member)
            stamp.write_text(last)
    return folder


@page(router, "/r/{slug}/report", "report.html", summary="The report")
def report(ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """PRISMA counts, the screening tables and agreement, the synthesis tables (once studies
    are charted), the gap maps and the downloads."""
    prisma = ctx.prisma()
    from evimap.report.prisma import COUNT_FIELDS

    tables: list[dict[str, Any]] = []
    gapmaps: list[dict[str, str]] = []
    problem = ""
    try:
        data = _compute(ctx)
    except (ChartingError, CodebookError) as exc:
        problem = f"the report cannot be computed: {exc}"
    else:
        tables = [
            {
                "name": t.name,
                "title": t.title,
                "columns": list(t.columns),
                "rows": [{c: row.get(c) for c in t.columns} for row in t.rows],
                "caption": t.caption,
            }
            for t in [*data.screening, *data.tables]
        ]
        gapmaps = [
            {
                "name": g.name,
                "title": g.title or g.name,
                "svg": ctx.url(f"report/figures/{g.name}.svg"),
            }
            for g in (data.spec.gapmaps if data.studies else [])
        ]
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "prisma": {
            "counts": {name: prisma[name] for name in COUNT_FIELDS if prisma.known(name)},
            "svg": ctx.url("prisma.svg"),
        },
        "problem": problem,
        "tables": tables,
        "gapmaps": gapmaps,
        "downloads": (
            []
            if problem
            else [
                {"name": name, "label": label, "url": ctx.url(f"report/files/{name}")}
                for name, (label, _) in DOWNLOADS.items()
            ]
        ),
    }


@router.get(
    "/r/{slug}/report/files/{name}",
    summary="Download a report file",
    responses={200: {"content": {"application/octet-stream": {}}}, **JSON_RESPONSES},
)
def report_file(name: Download, ctx: Ctx = ReviewCtx) -> FileResponse:
    """One of the report's files, written from the review as it stands."""
    path = _written(ctx) / name
    return FileResponse(path, media_type=DOWNLOADS[name][1], filename=name)


@router.get(
    "/r/{slug}/report/figures/{name}.svg",
    summary="An evidence-gap map (SVG)",
    responses={200: {"content": {"image/svg+xml": {}}}, **JSON_RESPONSES},
)
def report_figure(
    name: str = PathParam(..., pattern=r"^[A-Za-z0-9_-]{1,100}$"), ctx: Ctx = ReviewCtx
) -> Response:
    """A gap map of the report, drawn as it stands."""
    path = _written(ctx) / "figures" / f"{name}.svg"
    if not path.is_file():
        raise NotFound(f"the report has no gap map {name!r}")
    return Response(
        path.read_text(encoding="utf-8"),
        media_type="image/svg+xml",
        headers={"content-security-policy": SVG_CSP},
    )
