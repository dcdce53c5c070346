"""Tables of deduplication and removals before screening (migration branch ``dedup``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from evimap.store.models import Base, utcnow


class DedupRun(Base):
    """One run of the dedup pipeline; the newest active run holds the review's clusters."""

    __tablename__ = "dedup_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    engine: Mapped[str] = mapped_column(String(40), default="")
    threshold: Mapped[float] = mapped_column(Float)
    review_from: Mapped[float] = mapped_column(Float)
    model: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    records: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DedupCluster(Base):
    """A group of records judged one: its canonical record and the member it keeps."""

    __tablename__ = "dedup_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dedup_runs.id"), index=True)
    primary_record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    size: Mapped[int] = mapped_column(Integer, default=1)
    canonical: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DedupMember(Base):
    """A record's place in a cluster of one run (every source record is kept)."""

    __tablename__ = "dedup_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dedup_runs.id"))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("dedup_clusters.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))

    __table_args__ = (UniqueConstraint("run_id", "record_id", name="uq_dedup_members_run_record"),)


class DedupPair(Base):
    """A scored pair of one run: merged (exact pass or above the threshold) or queued."""

    __tablename__ = "dedup_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dedup_runs.id"))
    record_a: Mapped[int] = mapped_column(ForeignKey("records.id"))
    record_b: Mapped[int] = mapped_column(ForeignKey("records.id"))
    rule: Mapped[str] = mapped_column(String(60))
    probability: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_dedup_pairs_run_status", "run_id", "status"),)


class DedupDecision(Base):
    """A reviewer's word on a pair (``confirm`` or ``reject``); the latest one counts."""

    __tablename__ = "dedup_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a: Mapped[int] = mapped_column(ForeignKey("records.id"))
    record_b: Mapped[int] = mapped_column(ForeignKey("records.id"))
    decision: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_dedup_decisions_pair", "record_a", "record_b"),)


class Removal(Base):
    """A record (the kept member of its cluster) removed before screening, with the reason."""

    __tablename__ = "removals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
