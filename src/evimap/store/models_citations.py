"""Tables of citation searching: every reference read, what it was matched to, and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from evimap.store.models import Base


class CitationLink(Base):
    """One reference read by a chase: from which record (or file), parsed how, and the record it
    stands for in the review (matched, or added as a candidate), with the evidence.

    ``direction`` is ``backward`` (a reference list of ``from_record_id``) or ``forward`` (a
    work citing ``from_record_id``, found online). ``status`` is ``matched`` (a record already
    in the review), ``candidate`` (a new record this chase added), ``duplicate`` (the same work
    as a candidate added from another reference) or ``unparsed`` (too little to identify it).
    ``key`` identifies the reference, so a second chase stores nothing twice.
    """

    __tablename__ = "citation_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    run_event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10), default="backward")
    from_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id"), nullable=True, index=True
    )
    origin: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[str] = mapped_column(Text, default="")
    parsed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20))
    target_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id"), nullable=True, index=True
    )
    method: Mapped[str] = mapped_column(String(30), default="")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
