"""Full texts: upload one PDF or many (matched by DOI or file name), read them in the browser's
own PDF viewer, mark a report not retrieved; exclusion with a reason is the full-text
stage's decision (``screen/full_text/decide``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import Field

from evimap.protocol.screening import STAGES
from evimap.web.auth import ReviewCtx
from evimap.web.context import Ctx
from evimap.web.errors import WebError
from evimap.web.rendering import json_ok
from evimap.web.routes.common import MAX_ID, RecordId, text
from evimap.web.routes.screening import criteria
from evimap.web.routing import JSON_RESPONSES, Body_, action, page, safe_next
from evimap.web.security import PDF_CSP

router = APIRouter(tags=["full text"])


@page(router, "/r/{slug}/fulltext", "fulltext.html", summary="Full texts")
def fulltexts(ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Every report sought with its status (missing, attached, not retrieved), and which of
    them I screen at full text."""
    screening = ctx.review.screening
    mine = set(screening.queue(STAGES[1], todo_only=False, member=ctx.member))
    rows = [
        {
            **row,
            "mine": row["record_id"] in mine,
            "pdf": ctx.url(f"fulltext/{row['record_id']}.pdf"),
        }
        for row in screening.fulltexts(member=ctx.member)
    ]
    return {
        "review": {"slug": ctx.slug, "title": ctx.entry.title},
        "me": ctx.member.to_dict(),
        "csrf_token": ctx.csrf,
        "reports": rows,
        "counts": {
            status: sum(1 for r in rows if r["status"] == status)
            for status in ("missing", "attached", "not_retrieved")
        },
        **criteria(ctx),
    }


@router.get(
    "/r/{slug}/fulltext/{record_id}.pdf",
    summary="A record's full-text PDF (shown inline)",
    responses={200: {"content": {"application/pdf": {}}}, **JSON_RESPONSES},
)
def fulltext_pdf(record_id: int = RecordId, ctx: Ctx = ReviewCtx) -> FileResponse:
    """The PDF, for the browser's own viewer."""
    path = ctx.review.screening.fulltext_file(record_id, member=ctx.member)
    return FileResponse(
        path,
        media_type="application/pdf",
        content_disposition_type="inline",
        filename=f"record-{record_id}.pdf",
        headers={"content-security-policy": PDF_CSP},
    )


def _upload(ctx: Ctx, files: list[UploadFile], record_id: int | None) -> dict[str, Any]:
    limit = ctx.request.app.state.settings.max_upload_mb << 20
    if not files:
        raise WebError("choose at least one PDF")
    with tempfile.TemporaryDirectory(prefix="evimap-upload-") as folder:
        saved: list[tuple[str, Path]] = []
        for i, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{i}.pdf").name
            target = Path(folder) / f"{i}.pdf"
            with target.open("wb") as out:
                shutil.copyfileobj(upload.file, out, 1 << 20)
            if target.stat().st_size > limit:
                raise WebError(f"{name} is larger than {limit >> 20} MiB")
            saved.append((name, target))
        screening = ctx.review.screening
        if record_id is not None:
            if len(saved) != 1:
                raise WebError("attach one PDF to one record (or leave the record out)")
            name, path = saved[0]
            row = ctx.write(
                screening.attach_fulltext, record_id, path, name=name, member=ctx.member
            )
            results = [
                {
                    "file": name,
                    "record_id": record_id,
                    "matched_by": "chosen",
                    "status": "attached",
                    "message": row["path"],
                }
            ]
        else:
            results = ctx.write(screening.attach_fulltexts, saved, member=ctx.member)
    return {
        "results": results,
        "attached": sum(1 for r in results if r["status"] == "attached"),
        "files": len(results),
    }


UploadFiles = File(..., description="One PDF or many.")
UploadRecord = Form(None, ge=1, le=MAX_ID, description="The record (one PDF only).")


@router.post(
    "/r/{slug}/fulltext/upload.json",
    summary="Upload full-text PDFs (matched by DOI or file name)",
    responses=JSON_RESPONSES,
)
def upload_json(
    files: list[UploadFile] = UploadFiles,
    record_id: int | None = UploadRecord,
    ctx: Ctx = ReviewCtx,
) -> JSONResponse:
    """Attach PDFs: to ``record_id`` when given, else each to the record whose DOI, source ID
    or evimap id its name holds, or whose DOI it contains."""
    return json_ok(_upload(ctx, files, record_id))


@router.post("/r/{slug}/fulltext/upload", include_in_schema=False)
def upload_form(
    files: list[UploadFile] = UploadFiles,
    record_id: int | None = UploadRecord,
    next: str = Form("", max_length=500),
    ctx: Ctx = ReviewCtx,
) -> RedirectResponse:
    """The upload form's post: back to the full-text page with what was matched."""
    result = _upload(ctx, files, record_id)
    target = safe_next(next) or ctx.url("fulltext")
    sep = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{sep}attached={result['attached']}&files={result['files']}", status_code=303
    )


class NotRetrievedBody(Body_):
    """A report that could not be retrieved."""

    record_id: int = Field(ge=1, le=MAX_ID)
    why: str = text(2000)


def _back(ctx: Ctx, **_: Any) -> str:
    return ctx.url("fulltext")


@action(
    router, "/r/{slug}/fulltext/not-retrieved", summary="Mark a report not retrieved", back=_back
)
def not_retrieved(body: NotRetrievedBody, ctx: Ctx = ReviewCtx) -> dict[str, Any]:
    """Mark a sought report as not retrieved (PRISMA's "reports not retrieved")."""
    ctx.write(
        ctx.review.screening.mark_not_retrieved, body.record_id, why=body.why, member=ctx.member
    )
    return {"record_id": body.record_id, "status": "not_retrieved"}
