"""Imports already free of duplicates: dedup never merges two records of such a file.

A team that brings in a library it deduplicated before (the previous round of an updated
search, a reference manager's cleaned export) marks the import ``deduplicated``; its records
are then treated as distinct works among themselves, and only matched against the others.

Revision ID: 0012_deduplicated_imports
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_deduplicated_imports"
down_revision = "0001"
branch_labels = ("deduplicated_imports",)
depends_on = None


def upgrade() -> None:
    op.add_column(
        "source_files",
        sa.Column("deduplicated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # In place on both stores (SQLite 3.35+ drops a column itself): a batch copy of
    # source_files would trip the foreign keys of the records that name it.
    op.execute("ALTER TABLE source_files DROP COLUMN deduplicated")
