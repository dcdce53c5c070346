"""Foundation: source files, records, and the append-only event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("database", sa.String(100), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_file_id", sa.Integer(), sa.ForeignKey("source_files.id"), nullable=False),
        sa.Column("source_database", sa.String(100), nullable=False),
        sa.Column("source_record_id", sa.String(200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source_title", sa.Text(), nullable=False),
        sa.Column("volume", sa.String(100), nullable=False),
        sa.Column("issue", sa.String(100), nullable=False),
        sa.Column("pages", sa.String(100), nullable=False),
        sa.Column("doi", sa.String(300), nullable=False),
        sa.Column("issn", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("indexed_keywords", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(100), nullable=False),
        sa.Column("document_type", sa.String(200), nullable=False),
        sa.Column("subject_areas", sa.JSON(), nullable=False),
        sa.Column("cited_references", sa.JSON(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
    )
    op.create_index("ix_records_source_file_id", "records", ["source_file_id"])
    op.create_index("ix_records_source_database", "records", ["source_database"])
    op.create_index("ix_records_doi", "records", ["doi"])
    op.create_index("ix_records_file_position", "records", ["source_file_id", "line"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_kind", "events", ["kind"])
    _make_events_append_only()


def _make_events_append_only() -> None:
    """Refuse UPDATE and DELETE on events in the database itself, whatever the client."""
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION evimap_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the event log is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION evimap_events_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS evimap_events_append_only()")
    op.drop_table("events")
    op.drop_table("records")
    op.drop_table("source_files")
