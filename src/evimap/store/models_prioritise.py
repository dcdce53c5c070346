"""Tables of prioritisation: rankings (with the model and training set behind each), the order
of each reviewer's newest ranking, which ranking showed each decided record, and the random
samples drawn for the stopping test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from evimap.store.models import Base, utcnow


class RankingRow(Base):
    """One retrain for one reviewer at one stage: the model and the training set behind it.

    Append-only; the order itself is kept for the newest ranking only
    (:class:`RankingOrderRow`).
    """

    __tablename__ = "prioritise_rankings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(String(200))
    model: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    training_size: Mapped[int] = mapped_column(Integer, default=0)
    training_relevant: Mapped[int] = mapped_column(Integer, default=0)
    ranked: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_prioritise_rankings_reviewer", "stage", "reviewer", "id"),)


class RankingOrderRow(Base):
    """The order of a ranking, best first (kept for each reviewer's newest ranking)."""

    __tablename__ = "prioritise_orders"

    ranking_id: Mapped[int] = mapped_column(ForeignKey("prioritise_rankings.id"), primary_key=True)
    record_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ShownRow(Base):
    """Which ranking (and position in it) put a decided record in front of its reviewer.

    ``source`` is ``ranking``, ``sample`` (drawn for the stopping test) or ``assignment``
    (no ranking yet: the assignment order).
    """

    __tablename__ = "prioritise_shown"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("screening_decisions.id"), unique=True, index=True
    )
    ranking_id: Mapped[int | None] = mapped_column(
        ForeignKey("prioritise_rankings.id"), nullable=True
    )
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="ranking")


class SampleRoundRow(Base):
    """A random sample of the records nobody had screened, for the stopping test.

    ``record_ids`` is the whole urn in a seeded random order; the first ``drawn`` of them have
    been handed to the team (one look of ``look_size`` at a time).
    """

    __tablename__ = "prioritise_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    seed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    relevant_before: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    look_size: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[int] = mapped_column(Integer, default=0)
    recall_target: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_prioritise_rounds_stage", "stage", "id"),)
