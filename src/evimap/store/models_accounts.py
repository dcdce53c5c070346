"""Tables of accounts (logins for team members), their server-side sessions, and the stage
settings an owner changes at run time (migration branch ``accounts``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from evimap.store.models import Base, utcnow


class AccountRow(Base):
    """A login of one team member: name, role and an Argon2 hash of the password.

    A removed account keeps its row (``active`` false, no hash), so its sessions and the event
    log still name it; adding the name again reactivates it.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccountSessionRow(Base):
    """A server-side login session: only the SHA-256 of its token is stored.

    A session is valid while ``ended_at`` is empty, ``expires_at`` is in the future and its
    account is active; logging out, a password change or removing the account ends it.
    """

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    client: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_account_sessions_account", "account_id"),)


class StageSettingRow(Base):
    """An owner's change to a screening stage (blind on or off, open or closed); append-only,
    the newest row of a stage and key wins over review.toml."""

    __tablename__ = "screening_stage_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(20))
    value: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_screening_stage_settings_stage", "stage", "key", "id"),)
