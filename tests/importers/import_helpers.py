"""Shared steps for the importer tests: import a file into a store and read back what it holds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from evimap.importing import FileImport, import_file
from evimap.records import Record
from evimap.store import Store
from evimap.store.models import SourceFile
from evimap.store.records import iter_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def import_and_read(store: Store, path: Path, **kwargs) -> tuple[FileImport, list[Record]]:
    """Import ``path`` and return the import summary and every stored record, in order."""
    result = import_file(store, path, **kwargs)
    return result, stored_records(store)


def stored_records(store: Store) -> list[Record]:
    """Every record in the store, in insertion order."""
    with store.read() as session:
        return [record for _, record in iter_records(session)]


def stored_file_count(store: Store) -> int:
    """How many source files the store records."""
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(SourceFile)) or 0
