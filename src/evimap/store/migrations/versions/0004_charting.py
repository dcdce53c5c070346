"""Charting: values per reviewer, study and codebook field.

Revision ID: 0004_charting
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_charting"
down_revision = "0001"
branch_labels = ("charting",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charted_values",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("study_key", sa.String(200), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=True),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("charted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reviewer", "study_key", "field", name="uq_charted_values_cell"),
    )
    op.create_index("ix_charted_values_reviewer", "charted_values", ["reviewer"])
    op.create_index("ix_charted_values_study_key", "charted_values", ["study_key"])
    op.create_index("ix_charted_values_record_id", "charted_values", ["record_id"])


def downgrade() -> None:
    op.drop_table("charted_values")
