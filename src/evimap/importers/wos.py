"""Web of Science plain text / ``.ciw`` export (also Zoological Record and other WoS indexes).

Layout: optional ``FN``/``VR`` header lines; each record is two-letter tags at the start of a
line, a space, the value; continuation lines start with three spaces; ``ER`` ends a record and
``EF`` the file. Lists (authors, cited references) have one item per line. Files concatenated
from several exports (``EF`` then a new ``FN``) read as one.

The layout is simple enough that a line-by-line splitter is shorter than adapting a parser
library, and it keeps each record's first line and verbatim text, which errors and provenance
need.

Every tag appears once in a record (lists continue on indented lines), and every record starts
with ``PT``. So a ``PT`` inside an open record means that record lost its ``ER`` line: it is an
error and the new record starts there; any other tag seen twice means records ran together
(their ``ER`` and ``PT`` lines are gone), and the entry is an error that holds two records.
Records are never merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from evimap.importers.base import Entry, Reader
from evimap.importers.databases import WEB_OF_SCIENCE, database_from_accession
from evimap.importers.wos_fields import record_from_fields
from evimap.records import Record

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_FILE_TAGS = frozenset({"FN", "VR", "EF"})


class _Building:
    """A record being read: its first line, lines so far, fields, and the first problem."""

    __slots__ = ("line", "lines", "fields", "error", "error_line", "records")

    def __init__(self, line: int):
        self.line = line
        self.lines: list[str] = []
        self.fields: dict[str, list[str]] = {}
        self.error: str | None = None
        self.error_line: int | None = None
        self.records = 1

    def fail(self, message: str, line: int) -> None:
        if self.error is None:
            self.error, self.error_line = message, line

    def entry(self) -> Entry:
        return Entry(
            line=self.line,
            raw="".join(self.lines),
            fields=self.fields,
            error=self.error,
            error_line=self.error_line,
            records=self.records,
        )


class WosReader(Reader):
    """Web of Science tagged plain text (``savedrecs.txt``, ``.ciw``)."""

    name = "wos"
    label = "Web of Science plain text / .ciw (also Zoological Record)"
    title_field = "TI"

    @classmethod
    def sniff(cls, head: str) -> int:
        lines = [line for line in head.splitlines()[:60] if line.strip()]
        if not lines:
            return 0
        first = lines[0].lstrip("\ufeff")
        if first.startswith("FN ") and any(line.startswith("PT ") for line in lines):
            return 100
        if re.fullmatch(r"PT [A-Z]\s*", first):
            tagged = sum(1 for line in lines if _TAG.match(line))
            return 95 if tagged >= 3 else 0
        return 0

    def database(self, head: str) -> str:
        """The index every accession number in the head names; else Web of Science."""
        found = {database_from_accession(a) for a in re.findall(r"^(?:UT|AN) (\S+)", head, re.M)}
        found.discard("")
        return found.pop() if len(found) == 1 else WEB_OF_SCIENCE

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        current: _Building | None = None
        last_tag: str | None = None
        number = 0
        for number, line in enumerate(lines, 1):
            body = line.rstrip("\r\n")
            if not body.strip():
                if current is not None:
                    current.lines.append(line)
                continue
            if body[0] in " \t":
                if current is None or last_tag is None:
                    yield Entry(
                        line=number,
                        raw=line,
                        error="continuation line outside a record (no tag before it)",
                    )
                    continue
                current.lines.append(line)
                current.fields[last_tag].append(body.strip())
                continue
            match = _TAG.match(body)
            if not match:
                message = (
                    f"line does not start with a two-letter tag or three spaces: {body[:40]!r}"
                )
                if current is None:
                    yield Entry(line=number, raw=line, error=message)
                else:
                    current.lines.append(line)
                    current.fail(message, number)
                continue
            tag, value = match.group(1), (match.group(2) or "").strip()
            if current is None:
                if tag in _FILE_TAGS:
                    continue
                if tag == "ER":
                    yield Entry(line=number, raw=line, error="ER (end of record) with no record")
                    continue
                current = _Building(number)
            current.lines.append(line)
            if tag == "ER":
                yield current.entry()
                current, last_tag = None, None
                continue
            if tag in _FILE_TAGS:
                current.fail(
                    f"{tag} inside a record: the record before it lacks its ER line", number
                )
                continue
            if tag in current.fields:
                if tag == "PT":
                    # A new record starts: the open one never got its ER line.
                    last = current.lines.pop()
                    current.fail(
                        f"the record has no ER line before the next record (PT at line {number})",
                        number,
                    )
                    yield current.entry()
                    current = _Building(number)
                    current.lines.append(last)
                else:
                    current.records = max(current.records, len(current.fields[tag]) + 1)
                    current.fail(
                        f"tag {tag} appears twice in one record (line {number}): records ran "
                        "together (an ER and a PT line are missing?)",
                        number,
                    )
            current.fields.setdefault(tag, []).append(value)
            last_tag = tag
        if current is not None:
            current.fail("the file ends inside a record (no ER line): is it truncated?", number)
            yield current.entry()

    def convert(self, entry: Entry) -> Record:
        return record_from_fields(entry.fields, line=entry.line, raw=entry.raw)
