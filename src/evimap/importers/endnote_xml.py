"""EndNote XML export (``<xml><records><record>...``), as EndNote and many tools write it.

Every value sits in ``<style face="normal" ...>`` runs (a title may have several: plain and
italic); the text is the runs joined. EndNote writes the whole file on one line, so record
lines are often all 1; errors still name the line the parser stopped on.

Parsing streams with the standard library's expat (the parser behind ``xml.etree``), fed the
decoded lines one at a time: only the record being read is held in memory, and expat reports
the line and byte position of every element, which gives each record its first line, its
verbatim text and, for a malformed record, the line of the fault. After a fault the reader
resumes at the next ``<record>``, so ``skip_bad`` can leave out just the broken record.
Expat (2.4+) refuses entity-expansion bombs and never fetches external entities.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from evimap.importers.base import Entry, Reader
from evimap.importers.databases import (
    MEDLINE,
    PUBMED,
    database_from_accession,
    database_from_name,
)
from evimap.importers.languages import language_name
from evimap.records import Record
from evimap.records.normalise import (
    clean_text,
    normalise_doi,
    normalise_isbn,
    normalise_pages,
    normalise_pmid,
    normalise_year,
    parse_author,
)

_RECORD = b"<record"
_ISSN = re.compile(r"(?<![\d-])(\d{4})-(\d{3}[\dXx])(?![\d-])")
_RESTART_PREFIX = b"<xml><records>"
_SLICE = 1 << 16


def _text(element: Element) -> str:
    """An element's text with its style runs joined, whitespace kept (clean later)."""
    return "".join(element.itertext())


def _flatten(record: Element) -> dict[str, list[str]]:
    """``path -> texts`` for every value element of a record (``titles/title``,
    ``contributors/authors/author``...); attributes as ``path@name``."""
    fields: dict[str, list[str]] = {}

    def walk(element: Element, path: str) -> None:
        for name, value in element.attrib.items():
            fields.setdefault(f"{path}@{name}", []).append(value)
        children = [c for c in element if c.tag != "style"]
        if not children:
            fields.setdefault(path, []).append(_text(element))
            return
        for child in children:
            walk(child, f"{path}/{child.tag}")

    for child in record:
        walk(child, child.tag)
    return fields


class _Stream:
    """Expat fed line by line. Finished records (or faults) collect in ``done`` as
    ``(first line, raw bytes, element or None, error or None, error line or None)``.

    Byte positions are offsets in the whole stream; ``buffer`` holds the bytes from ``base``
    on that the record being read still needs.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.base = 0
        self.done: list[tuple[int, bytes, Element | None, str | None, int | None]] = []
        self.waiting = False  # after a fault, until the next <record>
        self._start_parser(b"", 1)

    def _start_parser(self, prefix: bytes, first_line: int) -> None:
        """A fresh parser whose line 1 is ``first_line`` and whose input (after ``prefix``)
        starts at stream offset ``base``."""
        parser = expat.ParserCreate(encoding="UTF-8")  # lines arrive decoded; we re-encode
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        parser.buffer_text = True
        self.parser: Any = parser
        self.line_offset = first_line - 1
        self.origin = self.base - len(prefix)  # stream offset of the parser's byte 0
        self.builder: TreeBuilder | None = None
        self.depth = 0
        self.start_line = 0
        self.start_byte = 0
        if prefix:
            parser.Parse(prefix, False)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self.builder is None:
            if name != "record":
                return
            self.builder = TreeBuilder()
            self.depth = 0
            self.start_line = self.parser.CurrentLineNumber + self.line_offset
            self.start_byte = self.origin + self.parser.CurrentByteIndex
        self.depth += 1
        self.builder.start(name, attrs)

    def _end(self, name: str) -> None:
        if self.builder is None:
            return
        self.builder.end(name)
        self.depth -= 1
        if self.depth == 0:
            end = self.origin + self.parser.CurrentByteIndex + len(b"</record>")
            raw = bytes(self.buffer[self.start_byte - self.base : end - self.base])
            self.done.append((self.start_line, raw, self.builder.close(), None, None))
            self.builder = None

    def _data(self, data: str) -> None:
        if self.builder is not None:
            self.builder.data(data)

    def feed(self, data: bytes, line: int, final: bool = False) -> None:
        """Parse one more line (``line`` is its number in the file)."""
        if self.waiting:
            self.buffer += data
            found = self.buffer.find(_RECORD)
            if found == -1:
                # Keep a tail in case "<record" is split between this slice and the next.
                cut = max(len(self.buffer) - len(_RECORD) + 1, 0)
                del self.buffer[:cut]
                self.base += cut
                return
            self._seek(self.base + found, line)
            return
        self.buffer += data
        self._parse(data, line, final)

    def _parse(self, data: bytes, line: int, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            self._fault(exc, line, final)
            return
        # Drop bytes no record needs any more, so memory stays flat.
        keep_from = self.start_byte if self.builder is not None else self.base + len(self.buffer)
        del self.buffer[: keep_from - self.base]
        self.base = keep_from

    def _fault(self, exc: expat.ExpatError, line: int, final: bool) -> None:
        error_line = exc.lineno + self.line_offset
        message = f"the XML is not well-formed: {expat.ErrorString(exc.code)}"
        if self.builder is not None:
            if final:
                message = "the file ends inside a record: is it truncated?"
                error_line = line
            raw = bytes(self.buffer[self.start_byte - self.base :])
            self.done.append((self.start_line, raw, None, message, error_line))
        else:
            self.done.append((error_line, b"", None, message, error_line))
        self.builder = None
        fault = self.origin + max(self.parser.ErrorByteIndex, 0)
        self._seek(max(fault + 1, self.base), line)

    def _seek(self, start: int, line: int) -> None:
        """Restart parsing at the first ``<record`` at or after stream offset ``start``."""
        found = self.buffer.find(_RECORD, start - self.base)
        while found != -1 and self.buffer[found + len(_RECORD) : found + len(_RECORD) + 1] not in (
            b">",
            b" ",
            b"\t",
            b"\n",
            b"\r",
            b"",
        ):
            found = self.buffer.find(_RECORD, found + 1)
        if found == -1:
            self.waiting = True
            # Keep a short tail after `start` in case "<record" is split across slices.
            cut = min(max(len(self.buffer) - len(_RECORD), start - self.base, 0), len(self.buffer))
            del self.buffer[:cut]
            self.base += cut
            return
        self.waiting = False
        del self.buffer[:found]
        self.base += found
        rest = bytes(self.buffer)
        # The buffer ends with line `line`: count back to the line the record starts on.
        first_line = line - rest.count(b"\n") + (1 if rest.endswith(b"\n") else 0)
        self._start_parser(_RESTART_PREFIX, first_line)
        self._parse(rest, line, False)


class EndnoteXmlReader(Reader):
    """EndNote XML (``.xml`` export of an EndNote library)."""

    name = "endnote-xml"
    label = "EndNote XML"
    title_field = "titles/title"

    @classmethod
    def sniff(cls, head: str) -> int:
        start = head.lstrip()[:2000]
        if re.search(r"<xml>\s*<records>\s*<record>", start):
            return 100
        if "<records>" in start and re.search(r"<(?:rec-number|ref-type|source-app)\b", head):
            return 90
        return 0

    def database(self, head: str) -> str:
        """The database every ``remote-database-name`` in the head names, else ``""``."""
        names = {
            database_from_name(clean_text(re.sub(r"<[^>]+>", "", n)))
            for n in re.findall(r"<remote-database-name>(.*?)</remote-database-name>", head, re.S)
        }
        names.discard("")
        return names.pop() if len(names) == 1 else ""

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        stream = _Stream()
        number = 0
        for number, line in enumerate(lines, 1):
            # EndNote writes the whole file on one line: feed it in slices so finished records
            # are released (and their bytes dropped) as the line is read.
            for at in range(0, len(line), _SLICE):
                stream.feed(line[at : at + _SLICE].encode("utf-8"), number)
                yield from self._drain(stream)
        if not stream.waiting:
            stream.feed(b"", number, final=True)
        yield from self._drain(stream)

    @staticmethod
    def _drain(stream: _Stream) -> Iterator[Entry]:
        for line, raw, element, error, error_line in stream.done:
            text = raw.decode("utf-8", errors="replace")
            if element is None:
                yield Entry(line=line, raw=text, error=error, error_line=error_line)
            else:
                yield Entry(line=line, raw=text, fields=_flatten(element))
        stream.done.clear()

    def convert(self, entry: Entry) -> Record:
        f: dict[str, Any] = entry.fields

        def first(*paths: str) -> str:
            for path in paths:
                for value in f.get(path, ()):
                    value = clean_text(value)
                    if value:
                        return value
            return ""

        def every(path: str) -> list[str]:
            return [v for v in (clean_text(x) for x in f.get(path, ())) if v]

        keywords: list[str] = []
        for value in f.get("keywords/keyword", ()):
            for word in re.split(r"[\r\n]+", value):
                word = clean_text(word)
                if word and word not in keywords:
                    keywords.append(word)
        accession = first("accession-num")
        database = database_from_name(first("remote-database-name"))
        if not database and accession:
            database = database_from_accession(accession)
        issn: list[str] = []
        for a, b in _ISSN.findall(" ".join(f.get("isbn", ()))):
            if f"{a}-{b.upper()}" not in issn:
                issn.append(f"{a}-{b.upper()}")
        urls = [u for u in every("urls/related-urls/url") if u.startswith(("http://", "https://"))]
        return Record(
            title=first("titles/title"),
            abstract=first("abstract"),
            authors=[
                a
                for a in (parse_author(n) for n in every("contributors/authors/author"))
                if a.family
            ],
            year=(
                normalise_year(first("dates/year")) or normalise_year(first("dates/pub-dates/date"))
            ),
            source_title=first(
                "periodical/full-title",
                "titles/secondary-title",
                "alt-periodical/full-title",
                "periodical/abbr-1",
            ),
            volume=first("volume"),
            issue=first("number", "issue"),
            pages=normalise_pages(first("pages")),
            doi=normalise_doi(first("electronic-resource-num")),
            issn=issn,
            # EndNote keeps a PubMed record's PMID as its accession number; ISBNs share <isbn>.
            pmid=normalise_pmid(accession) if database in (PUBMED, MEDLINE) else "",
            isbn=normalise_isbn(" ".join(f.get("isbn", ()))),
            keywords=keywords,
            language=language_name(first("language")),
            document_type=first("ref-type@name", "work-type"),
            publisher=first("publisher"),
            url=urls[0] if urls else "",
            source_database=database,
            source_record_id=accession or first("rec-number"),
            line=entry.line,
            raw=entry.raw,
        )
