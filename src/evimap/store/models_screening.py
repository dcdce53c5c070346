"""Tables of screening: reviewers, assignments, decisions, notes, settlements, full-text files.

Every table is append-only: a changed mind, an undo or a new settlement is a new row that
supersedes the old one, so the history of each record stays readable. The screened unit is
referenced by ``record_id`` (a ``records`` row); see :mod:`evimap.screening.units`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from evimap.store.models import Base, utcnow


class ReviewerRow(Base):
    """A member of the team, synced from review.toml (``review.team.sync``); a member removed
    from review.toml stays here, inactive."""

    __tablename__ = "screening_reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="reviewer")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AssignmentRow(Base):
    """One record given to one reviewer at one stage, in the pilot or the main round.

    ``active`` is False once a forced dedup or removal moved the record's screening to the
    record kept for it (see :mod:`evimap.screening.gate`); only active rows count.
    """

    __tablename__ = "screening_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    reviewer: Mapped[str] = mapped_column(String(200))
    round: Mapped[str] = mapped_column(String(10), default="main")
    position: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (
        UniqueConstraint("stage", "record_id", "reviewer", name="uq_screening_assignment"),
        Index("ix_screening_assignments_reviewer", "stage", "reviewer"),
    )


class DecisionRow(Base):
    """A reviewer's decision on a record at a stage. Append-only: the newest row is current.

    ``action`` is ``decide``, ``undo`` (restores the state before ``reverts_id``) or
    ``import``; ``decision`` empty means undecided again.
    """

    __tablename__ = "screening_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    reviewer: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10), default="decide")
    decision: Mapped[str] = mapped_column(String(10), default="")
    reason: Mapped[str] = mapped_column(String(100), default="")
    supersedes_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reverts_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_screening_decisions_unit", "stage", "record_id", "reviewer", "id"),)


class NoteRow(Base):
    """A reviewer's note (``kind='note'``) or tag set (``kind='tags'``, newest wins)."""

    __tablename__ = "screening_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    reviewer: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="note")
    text: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_screening_notes_unit", "stage", "record_id"),)


class SettlementRow(Base):
    """An arbiter's (or owner's) settlement of a record at a stage; the newest row is current."""

    __tablename__ = "screening_settlements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(100), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    arbiter: Mapped[str] = mapped_column(String(200))
    supersedes_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_screening_settlements_unit", "stage", "record_id", "id"),)


class FulltextRow(Base):
    """A full-text report attached (``attached``) or marked ``not_retrieved``; newest wins."""

    __tablename__ = "screening_fulltext"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    original_name: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    why: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
