"""Store guards: one history per record, and a log that TRUNCATE and DROP cannot wipe.

- A reviewer's decisions on a record, and the settlements of a record, form one chain each:
  every row supersedes the one before it. A unique index on ``supersedes_id`` per chain makes
  a fork (two rows superseding one) impossible. Forks written before this revision (two
  decisions sent at once on PostgreSQL) are first relinked in id order, and a ``store.relink``
  event lists every row relinked.
- PostgreSQL: ``TRUNCATE events`` is refused, as UPDATE and DELETE already are; where the
  migrating role may create event triggers (a superuser), ``DROP TABLE events`` and dropping
  its guard triggers are refused too. SQLite has no TRUNCATE, and its ``DELETE FROM events``
  without WHERE fires the row trigger (SQLite skips its truncate shortcut on tables with
  triggers), so it is refused already.

Revision ID: 0007_store_guards
Revises: 0002_screening
Create Date: 2027-01-12
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007_store_guards"
down_revision = "0002_screening"
branch_labels = ("store_guards",)
depends_on = None

CHAINS = {
    "screening_decisions": ("stage", "record_id", "reviewer"),
    "screening_settlements": ("stage", "record_id"),
}

_NO_DROP = """
CREATE FUNCTION evimap_events_no_drop() RETURNS event_trigger AS $$
DECLARE dropped record;
BEGIN
  FOR dropped IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    IF (dropped.object_type = 'table' AND dropped.object_name = 'events'
        AND dropped.schema_name = current_schema())
       OR (dropped.object_type = 'trigger' AND dropped.object_identity IN (
           'events_append_only on ' || current_schema() || '.events',
           'events_no_truncate on ' || current_schema() || '.events')) THEN
      RAISE EXCEPTION 'the event log is append-only: % cannot be dropped',
        dropped.object_identity;
    END IF;
  END LOOP;
END; $$ LANGUAGE plpgsql
"""


def _relink(bind, table: str, keys: tuple[str, ...]) -> list[list]:
    """Set each row's ``supersedes_id`` to the previous row of its chain (id order); returns
    ``[table, id, old, new]`` for every row changed."""
    group = ", ".join(keys)
    rows = bind.execute(
        sa.text(f"SELECT id, supersedes_id, {group} FROM {table} ORDER BY {group}, id")
    ).all()
    changed: list[list] = []
    previous: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row[2:])
        expected = previous.get(key)
        if row[1] != expected:
            changed.append([table, row[0], row[1], expected])
        previous[key] = row[0]
    for _, row_id, _, new in changed:
        bind.execute(
            sa.text(f"UPDATE {table} SET supersedes_id = :new WHERE id = :id"),
            {"new": new, "id": row_id},
        )
    return changed


def upgrade() -> None:
    bind = op.get_bind()
    relinked: list[list] = []
    for table, keys in CHAINS.items():
        relinked += _relink(bind, table, keys)
    if relinked:
        bind.execute(
            sa.text(
                "INSERT INTO events (at, actor, kind, subject, why, counts, details) "
                "VALUES (:at, '', 'store.relink', 'forked histories', :why, :counts, :details)"
            ),
            {
                "at": datetime.now(UTC),
                "why": "rows written at once superseded the same row; relinked in id order",
                "counts": json.dumps({"relinked": len(relinked)}),
                "details": json.dumps(
                    {
                        "rows": [
                            dict(zip(("table", "id", "was", "now"), r, strict=True))
                            for r in relinked
                        ]
                    }
                ),
            },
        )
    for table, keys in CHAINS.items():
        op.create_index(
            f"uq_{table}_chain",
            table,
            [*keys, sa.text("coalesce(supersedes_id, 0)")],
            unique=True,
        )
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION evimap_events_append_only()"
        )
        superuser = bind.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        if superuser:
            op.execute(_NO_DROP)
            op.execute(
                "CREATE EVENT TRIGGER evimap_events_no_drop ON sql_drop "
                "EXECUTE FUNCTION evimap_events_no_drop()"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP EVENT TRIGGER IF EXISTS evimap_events_no_drop")
        op.execute("DROP FUNCTION IF EXISTS evimap_events_no_drop()")
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
    for table in CHAINS:
        op.drop_index(f"uq_{table}_chain", table_name=table)
