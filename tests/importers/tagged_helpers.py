"""Helpers for importer tests: read a file through a reader, or import it into a store."""

from __future__ import annotations

import re
from pathlib import Path

from evimap.importers.base import Reader
from evimap.importers.detect import iter_lines
from evimap.records import Record
from evimap.store.records import iter_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read_records(reader_cls: type[Reader], path: Path) -> list[Record]:
    """Every record of a file, read with the given reader (no store)."""
    reader = reader_cls(path.name)
    records = []
    for entry in reader.split(iter_lines(path)):
        assert entry.error is None, (entry.line, entry.error)
        records.append(reader.convert(entry))
    return records


def stored(store) -> list[Record]:
    """The records in a store, in import order."""
    with store.read() as session:
        return [record for _, record in iter_records(session)]


def tag_count(path: Path, pattern: str) -> int:
    """How many lines of a file match a regular expression (to compare with what was read)."""
    text = path.read_text(encoding="utf-8-sig")
    return len(re.findall(pattern, text, re.M))
