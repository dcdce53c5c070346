"""Dedup: runs, clusters and their members, scored pairs, reviewer decisions, removals.

Revision ID: 0003_dedup
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_dedup"
down_revision = "0001"
branch_labels = ("dedup",)
depends_on = None


def _now() -> sa.Column:
    return sa.Column("at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "dedup_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _now(),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("engine", sa.String(40), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("review_from", sa.Float(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "dedup_clusters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("dedup_runs.id"), nullable=False),
        sa.Column("primary_record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("canonical", sa.JSON(), nullable=False),
    )
    op.create_index("ix_dedup_clusters_run_id", "dedup_clusters", ["run_id"])
    op.create_table(
        "dedup_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("dedup_runs.id"), nullable=False),
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("dedup_clusters.id"), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.UniqueConstraint("run_id", "record_id", name="uq_dedup_members_run_record"),
    )
    op.create_index("ix_dedup_members_cluster_id", "dedup_members", ["cluster_id"])
    op.create_table(
        "dedup_pairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("dedup_runs.id"), nullable=False),
        sa.Column("record_a", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("record_b", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_dedup_pairs_run_status", "dedup_pairs", ["run_id", "status"])
    op.create_table(
        "dedup_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_a", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("record_b", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        _now(),
    )
    op.create_index("ix_dedup_decisions_pair", "dedup_decisions", ["record_a", "record_b"])
    op.create_table(
        "removals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _now(),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_removals_record_id", "removals", ["record_id"])


def downgrade() -> None:
    op.drop_table("removals")
    op.drop_table("dedup_decisions")
    op.drop_table("dedup_pairs")
    op.drop_table("dedup_members")
    op.drop_table("dedup_clusters")
    op.drop_table("dedup_runs")
