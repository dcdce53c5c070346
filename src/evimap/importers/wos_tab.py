"""Web of Science tab-delimited export (``savedrecs.txt``, "Tab delimited file").

A header row of the two-letter field tags (``PT AU BA BE GP AF ... UT PM ...``), then one record
a line; lists (authors, cited references) are ``"; "``-separated. WoS writes UTF-8 with a BOM or
UTF-16 LE ("Win" variant), CRLF line endings, and a tab at the end of every line. Fields are
never quoted (abstracts hold bare ``"``), so lines are split on tabs, not read as CSV. The field
mapping is shared with the plain-text reader (:mod:`evimap.importers.wos_fields`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from evimap.importers.base import Entry, Reader
from evimap.importers.databases import WEB_OF_SCIENCE, database_from_accession
from evimap.importers.wos_fields import LIST_TAGS, record_from_fields
from evimap.records import Record

_TAG = re.compile(r"[A-Z][A-Z0-9]")
_CORE = frozenset({"PT", "AU", "TI", "SO", "UT"})


def _header(line: str) -> list[str] | None:
    """The tags of a header line, or None when the line is not a WoS tab header."""
    tags = line.rstrip("\r\n").lstrip("\ufeff").split("\t")
    while tags and not tags[-1].strip():
        tags.pop()
    if len(tags) < 5 or not all(_TAG.fullmatch(t) for t in tags):
        return None
    return tags if len(_CORE.intersection(tags)) >= 3 else None


class WosTabReader(Reader):
    """Web of Science tab-delimited (UTF-8 with BOM or UTF-16 LE)."""

    name = "wos-tab"
    label = "Web of Science tab-delimited"
    title_field = "TI"

    @classmethod
    def sniff(cls, head: str) -> int:
        first = head.lstrip("\ufeff").split("\n", 1)[0]
        return 100 if _header(first) else 0

    def database(self, head: str) -> str:
        """The index every accession number (UT) in the head names; else Web of Science."""
        lines = head.lstrip("\ufeff").splitlines()
        tags = _header(lines[0]) if lines else None
        found: set[str] = set()
        if tags and "UT" in tags:
            column = tags.index("UT")
            for line in lines[1:-1]:  # the last line of the head may be cut short
                values = line.split("\t")
                if len(values) > column:
                    found.add(database_from_accession(values[column]))
        found.discard("")
        return found.pop() if len(found) == 1 else WEB_OF_SCIENCE

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        tags: list[str] | None = None
        for number, line in enumerate(lines, 1):
            body = line.rstrip("\r\n")
            if not body.strip():
                continue
            if tags is None:
                tags = _header(body)
                if tags is None:
                    yield Entry(
                        line=number,
                        raw=line,
                        error="the first line is not a Web of Science tab-delimited "
                        "header (PT, AU, TI, ... UT)",
                    )
                    return
                continue
            values = body.split("\t")
            extra = values[len(tags) :]
            if len(values) < len(tags) or any(v.strip() for v in extra):
                yield Entry(
                    line=number,
                    raw=line,
                    error=f"the line has {len(values)} tab-separated fields; the header "
                    f"has {len(tags)} (a line break inside a field?)",
                )
                continue
            row = {
                tag: value.strip()
                for tag, value in zip(tags, values, strict=False)
                if value.strip()
            }
            fields = {
                tag: (value.split("; ") if tag in LIST_TAGS else [value])
                for tag, value in row.items()
            }
            yield Entry(line=number, raw=json.dumps(row, ensure_ascii=False), fields=fields)

    def convert(self, entry: Entry) -> Record:
        return record_from_fields(entry.fields, line=entry.line, raw=entry.raw)
