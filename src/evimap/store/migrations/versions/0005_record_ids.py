"""Record identifiers: the PubMed ID and the ISBNs of each record (dedup's PMID pass).

Revision ID: 0005_record_ids
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_record_ids"
down_revision = "0001"
branch_labels = ("record_ids",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("pmid", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("isbn", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_records_pmid", "records", ["pmid"])


def downgrade() -> None:
    op.drop_index("ix_records_pmid", table_name="records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("isbn")
        batch.drop_column("pmid")
