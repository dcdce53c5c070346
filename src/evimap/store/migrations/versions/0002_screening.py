"""Screening: reviewers, assignments, decisions, notes, settlements, full-text files.

Revision ID: 0002_screening
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_screening"
down_revision = "0001"
branch_labels = ("screening",)
depends_on = None


def _record() -> sa.Column:
    return sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False)


def _at() -> sa.Column:
    return sa.Column("at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "screening_reviewers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "screening_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        _record(),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("round", sa.String(10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _at(),
        sa.UniqueConstraint("stage", "record_id", "reviewer", name="uq_screening_assignment"),
    )
    op.create_index(
        "ix_screening_assignments_reviewer", "screening_assignments", ["stage", "reviewer"]
    )
    op.create_table(
        "screening_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        _record(),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("reverts_id", sa.Integer(), nullable=True),
        _at(),
    )
    op.create_index(
        "ix_screening_decisions_unit",
        "screening_decisions",
        ["stage", "record_id", "reviewer", "id"],
    )
    op.create_table(
        "screening_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        _record(),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        _at(),
    )
    op.create_index("ix_screening_notes_unit", "screening_notes", ["stage", "record_id"])
    op.create_table(
        "screening_settlements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        _record(),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("arbiter", sa.String(200), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        _at(),
    )
    op.create_index(
        "ix_screening_settlements_unit", "screening_settlements", ["stage", "record_id", "id"]
    )
    op.create_table(
        "screening_fulltext",
        sa.Column("id", sa.Integer(), primary_key=True),
        _record(),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _at(),
    )
    op.create_index("ix_screening_fulltext_record_id", "screening_fulltext", ["record_id"])


def downgrade() -> None:
    for table in (
        "screening_fulltext",
        "screening_settlements",
        "screening_notes",
        "screening_decisions",
        "screening_assignments",
        "screening_reviewers",
    ):
        op.drop_table(table)
