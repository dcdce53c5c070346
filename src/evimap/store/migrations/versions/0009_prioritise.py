"""Prioritisation: rankings, their orders, which ranking showed each decision, stopping samples.

Revision ID: 0009_prioritise
Revises: 0001
Depends on: 0002_screening (decisions are referenced)
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_prioritise"
down_revision = "0001"
branch_labels = ("prioritise",)
depends_on = "0002_screening"


def upgrade() -> None:
    op.create_table(
        "prioritise_rankings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("training_size", sa.Integer(), nullable=False),
        sa.Column("training_relevant", sa.Integer(), nullable=False),
        sa.Column("ranked", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_prioritise_rankings_reviewer", "prioritise_rankings", ["stage", "reviewer", "id"]
    )
    op.create_table(
        "prioritise_orders",
        sa.Column(
            "ranking_id",
            sa.Integer(),
            sa.ForeignKey("prioritise_rankings.id"),
            primary_key=True,
        ),
        sa.Column("record_ids", sa.JSON(), nullable=False),
    )
    op.create_table(
        "prioritise_shown",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("screening_decisions.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "ranking_id", sa.Integer(), sa.ForeignKey("prioritise_rankings.id"), nullable=True
        ),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_index("ix_prioritise_shown_decision_id", "prioritise_shown", ["decision_id"])
    op.create_table(
        "prioritise_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("relevant_before", sa.Integer(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("look_size", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.Integer(), nullable=False),
        sa.Column("recall_target", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_prioritise_rounds_stage", "prioritise_rounds", ["stage", "id"])


def downgrade() -> None:
    for table in (
        "prioritise_rounds",
        "prioritise_shown",
        "prioritise_orders",
        "prioritise_rankings",
    ):
        op.drop_table(table)
