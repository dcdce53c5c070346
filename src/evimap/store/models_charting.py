"""Tables of charting: one value per reviewer, study and codebook field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evimap.store.models import Base, utcnow


class ChartedValueRow(Base):
    """What one reviewer charted for one field of one study, and where it comes from."""

    __tablename__ = "charted_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(200), index=True)
    study_key: Mapped[str] = mapped_column(String(200), index=True)
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id"), nullable=True, index=True
    )
    field: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    basis: Mapped[str] = mapped_column(Text, default="")
    charted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("reviewer", "study_key", "field", name="uq_charted_values_cell"),
    )
