"""The settings version, and the index each reviewer's queue is walked by.

- ``store_versions``: one row, ``settings``, whose ``version`` the database itself raises
  (triggers) on every change to ``accounts``, to ``screening_stage_settings`` and on every
  session that ends or goes (``account_sessions`` updated or deleted), whoever makes it: the
  web app, the CLI in another process, or a hand-written statement. A process that keeps the
  team's roles, the stage settings or live sessions in memory reads this one number on each
  use and reads the tables again when it has moved (:mod:`evimap.store.versions`).
- ``ix_screening_assignments_queue`` (stage, reviewer, round DESC, position, id): a reviewer's
  assignments in queue order, so "my next record to decide" walks the queue from its start
  and stops at the first open record instead of sorting every assignment.

Revision ID: 0013_settings_version
Revises: 0011_accounts, 0008_members
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_settings_version"
down_revision = ("0011_accounts", "0008_members")
"""A merge of the accounts branch and the members branch: it needs both tables, and it must run
after ``0008_members``, whose batch rebuild of ``screening_assignments`` on SQLite recreates that
table's indexes from reflection, without a DESC (so would any later batch change of the table:
create the index again as written here after it). A merge, not ``depends_on``: with
``depends_on`` the database's version table drops ``0008_members`` while the scripts still
list it as a head, and every open would then take the write lock to "migrate"."""
branch_labels = None
depends_on = None

WATCHED = {
    "accounts": ("INSERT", "UPDATE", "DELETE"),
    "account_sessions": ("UPDATE", "DELETE"),
    "screening_stage_settings": ("INSERT", "UPDATE", "DELETE"),
}
"""Tables whose changes raise the settings version, and on which statements (a new session
changes nothing a process keeps: only live sessions it has seen are kept)."""

_BUMP = "UPDATE store_versions SET version = version + 1 WHERE name = 'settings'"


def upgrade() -> None:
    op.create_table(
        "store_versions",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO store_versions (name, version) VALUES ('settings', 1)")
    if op.get_bind().dialect.name == "sqlite":
        for table, actions in WATCHED.items():
            for action in actions:
                op.execute(
                    f"CREATE TRIGGER {table}_settings_{action.lower()} AFTER {action} ON {table} "
                    f"BEGIN {_BUMP}; END"
                )
    else:
        op.execute(
            "CREATE FUNCTION evimap_bump_settings() RETURNS trigger AS $$ "
            f"BEGIN {_BUMP}; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        for table, actions in WATCHED.items():
            op.execute(
                f"CREATE TRIGGER {table}_settings AFTER {' OR '.join(actions)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION evimap_bump_settings()"
            )
    # written out: op.create_index drops the DESC of a text column on SQLite, and without it
    # SQLite sorts each reviewer's whole queue again
    op.execute(
        "CREATE INDEX ix_screening_assignments_queue ON screening_assignments "
        "(stage, reviewer, round DESC, position, id)"
    )


def downgrade() -> None:
    op.drop_index("ix_screening_assignments_queue", table_name="screening_assignments")
    if op.get_bind().dialect.name == "sqlite":
        for table, actions in WATCHED.items():
            for action in actions:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_settings_{action.lower()}")
    else:
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_settings ON {table}")
        op.execute("DROP FUNCTION IF EXISTS evimap_bump_settings()")
    op.drop_table("store_versions")
