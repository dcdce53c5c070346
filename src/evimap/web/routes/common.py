"""Path and query parameters shared by the routes."""

from __future__ import annotations

from typing import Literal

from fastapi import Path as PathParam

from evimap.protocol.screening import STAGES

Stage = Literal["title_abstract", "full_text"]
"""A screening stage in a path."""

STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}
assert tuple(STAGE_LABELS) == STAGES

MAX_ID = 2**31 - 1
"""The largest id a store column holds (a 32-bit integer): ids in paths, queries and bodies."""

RecordId = PathParam(..., ge=1, le=MAX_ID, description="A record's evimap id.")


def text(max_length: int = 2000, min_length: int = 0):
    """A text field without NUL characters (which PostgreSQL cannot store)."""
    from pydantic import Field

    return Field(
        default="" if min_length == 0 else ...,
        min_length=min_length,
        max_length=max_length,
        pattern=r"^[^\x00]*$",
    )


def parts(text_: str, spans: list) -> list[dict[str, str]]:
    """A text cut at its keyword highlights: ``[{"text": ..., "kind": ""|include|exclude}]``."""
    out, at = [], 0
    for span in spans:
        if span.start > at:
            out.append({"text": text_[at : span.start], "kind": ""})
        out.append({"text": text_[span.start : span.end], "kind": span.kind})
        at = span.end
    if at < len(text_):
        out.append({"text": text_[at:], "kind": ""})
    return out
