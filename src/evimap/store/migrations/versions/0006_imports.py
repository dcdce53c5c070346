"""Imports: text columns of records and source files without a length limit.

PostgreSQL enforced the ``VARCHAR(n)`` limits of the foundation, so an export with a long
volume, DOI, accession number or document type (a 1 MB line, a Zotero re-export that packs
notes into a field) crashed the import. Those columns become ``TEXT``. SQLite never enforces a
``VARCHAR`` length (its type affinity is TEXT), so there the change is schema metadata only and
the tables are not rebuilt: rebuilding ``records`` would copy every stored record.

PostgreSQL's B-tree indexes refuse keys over about 2.7 kB, so the indexes on ``records.doi``
and ``records.source_database`` become hash indexes there (lookups by these columns are
equality only, and a hash index takes a key of any length).

Revision ID: 0006_imports
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_imports"
down_revision = "0001"
branch_labels = ("imports",)
depends_on = None

#: table -> column -> its length before this revision.
LIMITED: dict[str, dict[str, int]] = {
    "source_files": {"name": 500, "format": 40, "database": 100, "imported_by": 200},
    "records": {
        "source_database": 100,
        "source_record_id": 200,
        "volume": 100,
        "issue": 100,
        "pages": 100,
        "doi": 300,
        "language": 100,
        "document_type": 200,
    },
}


#: Indexes of text columns that become hash indexes on PostgreSQL.
HASHED = {"ix_records_doi": "doi", "ix_records_source_database": "source_database"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in LIMITED.items():
        for column, length in columns.items():
            op.alter_column(
                table,
                column,
                type_=sa.Text(),
                existing_type=sa.String(length),
                existing_nullable=False,
            )
    for index, column in HASHED.items():
        op.drop_index(index, table_name="records")
        op.create_index(index, "records", [column], postgresql_using="hash")


def downgrade() -> None:
    """Back to the limits; PostgreSQL refuses (and nothing changes) while a value is longer."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for index, column in HASHED.items():
        op.drop_index(index, table_name="records")
        op.create_index(index, "records", [column])
    for table, columns in LIMITED.items():
        for column, length in columns.items():
            op.alter_column(
                table,
                column,
                type_=sa.String(length),
                existing_type=sa.Text(),
                existing_nullable=False,
            )
