"""Tables of the review store (SQLAlchemy 2 declarative models)."""

from __future__ import annotations

from datetime import UTC, datetime
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
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now, the one clock of the store."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every evimap table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SourceFile(Base):
    """One imported export file, kept by content hash so a re-import adds nothing.

    Text columns of source files and records have no length limit (revision ``0006_imports``).
    """

    __tablename__ = "source_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(Text)
    database: Mapped[str] = mapped_column(Text, default="")
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(Text, default="")
    deduplicated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The file's records are free of duplicates among themselves (revision
    ``0012_deduplicated_imports``): dedup never puts two of them in one cluster."""


class RecordRow(Base):
    """A record as imported from one file: normalised fields plus the raw text verbatim."""

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_files.id"), index=True)
    source_database: Mapped[str] = mapped_column(Text, default="")
    source_record_id: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text, default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_title: Mapped[str] = mapped_column(Text, default="")
    volume: Mapped[str] = mapped_column(Text, default="")
    issue: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[str] = mapped_column(Text, default="")
    doi: Mapped[str] = mapped_column(Text, default="")
    issn: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pmid: Mapped[str] = mapped_column(Text, default="", index=True)
    isbn: Mapped[list[Any]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indexed_keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(Text, default="")
    document_type: Mapped[str] = mapped_column(Text, default="")
    subject_areas: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cited_references: Mapped[list[Any]] = mapped_column(JSON, default=list)
    publisher: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_records_file_position", "source_file_id", "line"),
        # Hash on PostgreSQL: a B-tree there refuses keys over ~2.7 kB (0006_imports).
        Index("ix_records_doi", "doi", postgresql_using="hash"),
        Index("ix_records_source_database", "source_database", postgresql_using="hash"),
    )


class EventRow(Base):
    """One step of the review: who did what, when, why, with counts. Append-only."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    why: Mapped[str] = mapped_column(Text, default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


RECORD_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in RecordRow.__table__.columns if c.name not in ("id", "source_file_id")
)
