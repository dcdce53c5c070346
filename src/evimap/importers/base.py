"""The reader protocol every import format implements, and the entry it yields.

A reader does two things (as ASReview's ``BaseReader`` does): it *splits* a text stream into
raw entries (each with its first line and verbatim text), and it *converts* one entry into a
:class:`~evimap.records.Record`. Splitting streams, so a file of any size is read in constant
memory. Detection, decoding, database recognition and storing are shared and live elsewhere.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from evimap.records import Record


@dataclass(slots=True)
class Entry:
    """One record as the file holds it.

    :param line: 1-based line where the entry starts.
    :param raw: the entry's text verbatim.
    :param fields: the entry parsed into tags or columns (tag -> list of values for tagged
        formats; column -> value for delimited ones).
    :param error: set when the entry is structurally broken; the import stops there, or skips it
        with ``--skip-bad``.
    :param error_line: the line of the problem when it is not the entry's first line.
    :param error_field: the field (tag, column) at fault, when one is.
    :param records: how many records the entry's text holds (more than one only when a broken
        structure ran records together, e.g. a missing record marker); a skipped entry loses
        that many.
    """

    line: int
    raw: str
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_line: int | None = None
    error_field: str | None = None
    records: int = 1


class Reader(ABC):
    """An import format. Subclasses set the class attributes and implement two methods.

    :cvar name: short name used by ``--reader`` and stored with the import (``ris``).
    :cvar label: a human label (``RIS (Scopus, WoS, EBSCOhost, Ovid, ...)``).
    :cvar title_field: the tag or field that holds a record's title, named when it is missing.
    :cvar ends_records: the format marks where each record ends (RIS ``ER``, a closing brace,
        a row's line break); without such a mark (Ovid, MEDLINE) a file cut short after its
        last line break cannot be told from a whole one, and one cut inside its last line is
        warned about.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    title_field: str = "title"
    ends_records: ClassVar[bool] = True

    def __init__(self, file_name: str = "", options: dict[str, Any] | None = None):
        self.file_name = file_name
        self.options = options or {}
        self.warnings: dict[str, int] = {}

    def warn(self, message: str) -> None:
        """Note a problem that does not fail its record (a secondary field kept as written).

        The import warns once per message with its count: ``message`` may hold ``{n}``.
        """
        self.warnings[message] = self.warnings.get(message, 0) + 1

    def warning_messages(self) -> list[str]:
        """Each noted problem once, with how many records had it."""
        return [m.format(n=n) if "{n}" in m else f"{m} ({n}x)" for m, n in self.warnings.items()]

    @classmethod
    @abstractmethod
    def sniff(cls, head: str) -> int:
        """How sure (0-100) this reader is that a file starting with ``head`` is its format.

        ``head`` is the first 64 KiB of the decoded text, BOM removed.
        """

    @abstractmethod
    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        """Yield the file's entries in order from its lines (each with its line ending)."""

    @abstractmethod
    def convert(self, entry: Entry) -> Record:
        """Turn one entry into a record; raise :class:`ImportFormatError` naming the field."""

    def database(self, head: str) -> str:
        """The source database the whole file says it came from, or ``""`` (see databases.py)."""
        from evimap.importers.databases import database_from_text

        return database_from_text(head)


_NEAR_TAG = re.compile(r"[A-Za-z][A-Za-z0-9]{1,3} {1,3}-(?:\s|$)")


def damaged_tag(line: str) -> bool:
    """True when a line that is not a tag line would be one but for one character in its
    first seven (``{AU  - Smith``, ``AU - Smith``, ``A%U  - Smith``): a tag damaged in the file,
    whose value must not be read as the text of the field before it."""
    head = line[:8]
    if "-" not in head:
        return False
    if _NEAR_TAG.match(line):
        return True
    return any(_NEAR_TAG.match(line[:i] + line[i + 1 : 9]) for i in range(min(7, len(line))))
