"""Alembic migrations of the review store."""
