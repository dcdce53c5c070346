"""Members: the team synced into the store, and assignments that can be moved.

``screening_reviewers`` gets ``active`` (a member removed from review.toml stays, inactive, so
their decisions keep a name) and ``updated_at``. ``screening_assignments`` gets ``active``: a
forced dedup or removal after assignment moves a record's screening to the kept record and
deactivates the old assignment instead of deleting it.

Revision ID: 0008_members
Revises: 0002_screening
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_members"
down_revision = "0002_screening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("screening_reviewers") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("screening_assignments") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("screening_assignments") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("screening_reviewers") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("active")
