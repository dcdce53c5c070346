"""Citation searching: the references each chase read and what they were matched to.

Revision ID: 0010_citations
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_citations"
down_revision = "0001"
branch_labels = ("citations",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citation_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("run_event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("from_record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("parsed", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("target_record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=True),
        sa.Column("method", sa.String(30), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.UniqueConstraint("key", name="uq_citation_links_key"),
    )
    op.create_index("ix_citation_links_run_event_id", "citation_links", ["run_event_id"])
    op.create_index("ix_citation_links_from_record_id", "citation_links", ["from_record_id"])
    op.create_index("ix_citation_links_target_record_id", "citation_links", ["target_record_id"])


def downgrade() -> None:
    op.drop_table("citation_links")
