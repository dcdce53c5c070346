"""Delimited text (CSV, TSV, semicolon): rows with their line numbers, column layouts, and the
one conversion from a row to a :class:`Record` that every delimited format shares.

A *layout* is data: which header names (aliases, matched case-insensitively) hold which record
field, how list cells are separated, and which database the layout comes from. The Scopus
reader and the generic CSV reader differ only in their layouts and in how sure they are that a
file is theirs. A database's own export is matched by the names it writes; a ``loose`` layout
(the generic one, for tables people and other tools write) matches names by
:func:`header_key`, so ``PubMed ID``, ``pubmed_id``, ``pubmedID`` and ``PUBMED-ID`` are one name.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from evimap.errors import ImportFormatError
from evimap.importers.author_lists import (
    authors_from_names,
    split_names,
    split_outside_brackets,
    split_references,
    split_run_together,
)
from evimap.importers.base import Entry, Reader
from evimap.importers.databases import ALIASES, canonical_database
from evimap.records import Record
from evimap.records.normalise import (
    clean_list,
    clean_text,
    normalise_doi,
    normalise_isbn,
    normalise_issn,
    normalise_pages,
    normalise_pmid,
    normalise_year,
)

# Scopus reference lists and abstracts can exceed csv's default 128 KiB cell limit.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))

DELIMITERS = (",", "\t", ";")
_SEP_HINT = re.compile(r"^\s*sep=(.)\s*$")

# Record fields a layout can map a column to. `page_start`/`page_end` join into `pages`;
# `citation` is a whole citation string (Embase `Source`); `openurl` an OpenURL link whose
# query carries doi, issn, volume, issue and pages; `database` names the record's database.
FIELDS = (
    "id",
    "title",
    "abstract",
    "authors",
    "year",
    "source_title",
    "volume",
    "issue",
    "pages",
    "page_start",
    "page_end",
    "doi",
    "issn",
    "pmid",
    "isbn",
    "keywords",
    "indexed_keywords",
    "language",
    "document_type",
    "subject_areas",
    "cited_references",
    "publisher",
    "url",
    "database",
    "citation",
    "openurl",
)
_LIST_FIELDS = ("keywords", "indexed_keywords", "subject_areas")
_MISSING = {"NA", "N/A", "NULL", "[]"}


@dataclass(frozen=True)
class Layout:
    """How one export's columns map to record fields.

    :param name: short name (``scopus``, ``ieee``...).
    :param database: the database files of this layout come from (``""`` for re-exports such
        as Zotero, whose records may come from anywhere).
    :param signature: header names that together identify the layout (case-insensitive).
    :param columns: record field -> header aliases, in order of preference.
    :param separators: record field -> characters separating items in its cells (default
        ``;``); ``authors`` may be ``run-together`` (names written without a separator).
    :param link_ids: (column, query parameter) pairs whose URL carries the record ID when no
        ID column has one (Scopus ``Link`` ... ``eid=``).
    :param checks: header name -> pattern a non-empty cell of that column always matches
        (Scopus ``EID``: ``2-s2.0-...``); a cell that does not shows the row's cells shifted
        (a delimiter lost or added), and the row is an error naming the column.
    :param loose: match header names to aliases by :func:`header_key` (case, spaces,
        underscores, hyphens, dots and camelCase aside) instead of by their letters (case
        aside); for tables whose column names nobody fixed.
    """

    name: str
    database: str = ""
    signature: tuple[str, ...] = ()
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    separators: Mapping[str, str] = field(default_factory=dict)
    link_ids: tuple[tuple[str, str], ...] = ()
    checks: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    loose: bool = False

    def matches(self, header: Iterable[str]) -> bool:
        """True when every signature column is in the header."""
        names = {h.strip().lower() for h in header}
        return bool(self.signature) and all(s.lower() in names for s in self.signature)


# --------------------------------------------------------------------------- rows


@dataclass(slots=True)
class Row:
    """One row of cells, the line it starts on, and its text verbatim.

    :param unclosed: the row ran to the end of the file inside a quoted field.
    :param cut: the file ends inside this row's last (unquoted) cell, without a line break:
        the row may be cut short.
    """

    line: int
    raw: str
    cells: list[str]
    unclosed: bool = False
    cut: bool = False


class _Feed:
    """The line iterator csv reads from; keeps the lines of the row being read, counts lines,
    and takes lines back (to read a broken row's later lines again as rows of their own)."""

    def __init__(self, lines: Iterator[str], number: int = 0):
        self._lines = lines
        self._back: list[str] = []  # taken back, in reverse order
        self._taken: list[str] = []
        self.number = number  # lines handed out so far
        self.exhausted = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self._back:
            line = self._back.pop()
        else:
            try:
                line = next(self._lines)
            except StopIteration:
                self.exhausted = True
                raise
        self._taken.append(line)
        self.number += 1
        return line

    def take(self) -> list[str]:
        taken = self._taken
        self._taken = []
        return taken

    def give_back(self, lines: list[str]) -> None:
        self._back.extend(reversed(lines))
        self.number -= len(lines)
        self.exhausted = False


def sniff_delimiter(line: str) -> str:
    """The delimiter (comma, tab or semicolon) that splits a header line into most cells."""
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


class Rows:
    """The non-blank rows of delimited text, the header first, each with its first line.

    Quoted cells may span lines; the ``csv`` module reads them from the line stream, so memory
    stays flat. The delimiter is sniffed from the first non-blank line unless given. A row the
    caller finds broken (cells that do not fit the header, a quote never closed) is given back
    with :meth:`resync`: its later lines are then read again as rows of their own, so a stray
    quote costs one row, not the rest of the file.

    :param lines: the text's lines, each with its ``\\n``.
    :param delimiter: the cell delimiter, or ``None`` to sniff it.
    """

    def __init__(self, lines: Iterable[str], delimiter: str | None = None):
        self._source = iter(lines)
        self._delimiter = delimiter
        self._feed: _Feed | None = None
        self._reader: Any = None

    @property
    def delimiter(self) -> str:
        """The delimiter in use (sniffed once the first row is read)."""
        return self._delimiter or ","

    def __iter__(self) -> Iterator[Row]:
        skipped = 0
        first = None
        for line in self._source:
            hint = _SEP_HINT.match(line)
            if hint:  # Excel's "sep=;" line names the delimiter
                self._delimiter = self._delimiter or hint[1]
            elif line.strip():
                first = line
                break
            skipped += 1
        if first is None:
            return
        self._delimiter = self._delimiter or sniff_delimiter(first)
        self._feed = _Feed(itertools.chain([first], self._source), skipped)
        self._reader = csv.reader(self._feed, delimiter=self._delimiter)
        feed = self._feed
        while True:
            start = feed.number + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFormatError(f"unreadable CSV: {exc}", line=start) from None
            taken = feed.take()
            if not any(cell.strip() for cell in cells):
                continue
            raw = "".join(taken)
            # A row that needed more lines than the file had was still inside quotes when the
            # file ended. A last line without a line break whose last cell is not quoted may
            # be cut short (a closing quote shows that its cell is whole).
            unclosed = feed.exhausted
            cut = not unclosed and not raw.endswith("\n") and not raw.rstrip(" \t").endswith('"')
            yield Row(start, raw, cells, unclosed, cut)

    def resync(self, row: Row) -> None:
        """Read the lines after ``row``'s first line again, as rows of their own."""
        assert self._feed is not None
        lines = row.raw.splitlines(keepends=True)
        if len(lines) > 1:
            self._feed.give_back(lines[1:])
            self._reader = csv.reader(self._feed, delimiter=self._delimiter)


def iter_rows(lines: Iterable[str], delimiter: str | None = None) -> Iterator[Row]:
    """The non-blank rows of delimited text, the header first (see :class:`Rows`).

    :raises ImportFormatError: naming the line, when ``csv`` rejects the text.
    """
    return iter(Rows(lines, delimiter))


def read_header(head: str) -> tuple[str, list[str]] | None:
    """The delimiter and header cells of a file's first 64 KiB, or ``None`` when blank."""
    hinted = None
    for line in head.splitlines():
        hint = _SEP_HINT.match(line)
        if hint:
            hinted = hint[1]
        elif line.strip():
            delimiter = hinted or sniff_delimiter(line)
            cells = next(csv.reader([line], delimiter=delimiter), [])
            return delimiter, [c.strip() for c in cells]
    return None


def unique_header(cells: list[str]) -> list[str]:
    """Header names stripped; a repeated name gets `` (2)``, `` (3)``..."""
    seen: dict[str, int] = {}
    out = []
    for cell in cells:
        name = cell.strip()
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


# --------------------------------------------------------------------------- columns

_NOT_KEY = re.compile(r"[\W_]+")


def header_key(name: str) -> str:
    """A header name reduced to what tells columns apart when people name them: its letters and
    digits, case-folded. ``PubMed ID``, ``pubmed_id``, ``pubmedID``, ``PUBMED-ID`` and
    ``Pubmed.Id`` all give ``pubmedid``; ``Author(s)`` gives ``authors``."""
    return _NOT_KEY.sub("", name.casefold())


def _lookup(header: list[str], key) -> dict[str, str]:
    """``key(name)`` -> the first header name with that key (empty keys left out)."""
    found: dict[str, str] = {}
    for name in header:
        k = key(name)
        if k:
            found.setdefault(k, name)
    return found


def resolve_columns(
    header: list[str], layout: Layout, mapping: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Record field -> the header names (as the file spells them) that hold it.

    :param header: the file's header.
    :param layout: the layout whose aliases apply.
    :param mapping: user mapping ``{field: header}``, overriding the layout for that field.
    :raises ImportFormatError: naming the field or header when the mapping does not fit.
    """
    by_lower = _lookup(header, str.lower)
    by_key = _lookup(header, header_key)
    match = by_key if layout.loose else by_lower
    fold = header_key if layout.loose else str.lower
    columns: dict[str, list[str]] = {}
    for name, aliases in layout.columns.items():
        found: list[str] = []
        for alias in aliases:
            column = match.get(fold(alias))
            if column is not None and column not in found:
                found.append(column)
        if found:
            columns[name] = found
    for name, column in (mapping or {}).items():
        if name not in FIELDS:
            raise ImportFormatError(
                f"unknown field {name!r} in the column mapping; fields: {', '.join(FIELDS)}",
                field=name,
            )
        named = by_lower.get(column.lower()) or by_key.get(header_key(column))
        if named is None:
            raise ImportFormatError(
                f"column {column!r} mapped to {name} is not in the header ({_show_header(header)})",
                field=name,
            )
        columns[name] = [named]
    return columns


def _show_header(header: list[str], limit: int = 30) -> str:
    shown = ", ".join(repr(h) for h in header[:limit])
    return shown + (f", ... ({len(header)} columns)" if len(header) > limit else "")


# --------------------------------------------------------------------------- conversion

_CITATION = re.compile(
    r"^(?P<source>.+?)\s+\((?P<year>\d{4})\)\s*(?P<volume>[^\s:(]+)?(?::(?P<issue>[^\s(]+))?"
    r"\s*(?:\((?P<pages>[^)]*)\))?"
)


def _cell(fields: Mapping[str, str], column: str) -> str:
    value = (fields.get(column) or "").strip()
    return "" if value in _MISSING else value


def row_to_record(
    fields: Mapping[str, str], columns: Mapping[str, list[str]], layout: Layout
) -> Record:
    """Build a record from one row (header name -> cell) through resolved columns.

    :param fields: the row as a mapping.
    :param columns: from :func:`resolve_columns`.
    :param layout: the layout (for separators and link IDs).
    """

    def first(name: str) -> str:
        for column in columns.get(name, ()):
            value = _cell(fields, column)
            if value:
                return value
        return ""

    def every(name: str) -> list[str]:
        return [v for v in (_cell(fields, c) for c in columns.get(name, ())) if v]

    record = Record(
        title=clean_text(first("title")),
        abstract=clean_text(first("abstract")),
        source_title=clean_text(first("source_title")),
        volume=clean_text(first("volume")),
        issue=clean_text(first("issue")),
        language=clean_text(first("language")),
        document_type=clean_text(first("document_type")),
        publisher=clean_text(first("publisher")),
        url=next(iter(first("url").split()), ""),
        source_record_id=clean_text(first("id")),
    )
    record.year = normalise_year(first("year"))
    record.pages = normalise_pages(first("pages")) or normalise_pages(
        first("page_start"), first("page_end")
    )
    record.doi = next((d for d in (normalise_doi(unquote(v)) for v in every("doi")) if d), "")
    record.issn = normalise_issn(" ".join(every("issn")))
    record.pmid = next((p for p in (normalise_pmid(v) for v in every("pmid")) if p), "")
    record.isbn = normalise_isbn(" ".join(every("isbn")))
    for name in _LIST_FIELDS:
        separators = layout.separators.get(name, ";")
        items: list[str] = []
        for value in every(name):
            items.extend(split_outside_brackets(value, separators))
        setattr(record, name, clean_list(items))
    authors = first("authors")
    if authors:
        style = layout.separators.get("authors", "")
        names = split_run_together(authors) if style == "run-together" else split_names(authors)
        record.authors = authors_from_names(names)
    references = first("cited_references")
    if references:
        separator = layout.separators.get("cited_references", ";")
        record.cited_references = split_references(references, separator)
    database = first("database")
    if database.lower() in ALIASES:
        record.source_database = canonical_database(database)
    if not record.source_record_id:
        record.source_record_id = _id_from_links(fields, layout)
    _fill_from_citation(record, first("citation"))
    _fill_from_openurl(record, first("openurl"))
    record.raw = json.dumps({k: v for k, v in fields.items() if v}, ensure_ascii=False)
    return record


def _id_from_links(fields: Mapping[str, str], layout: Layout) -> str:
    for column, parameter in layout.link_ids:
        for name, value in fields.items():
            if name.lower() == column.lower() and value:
                found = parse_qs(urlsplit(value.strip()).query).get(parameter)
                if found:
                    return found[0]
    return ""


def _fill_from_citation(record: Record, citation: str) -> None:
    """Fill what is missing from a citation string (``Cancer (2004) 102:4 (253-258). ...``)."""
    match = _CITATION.match(citation) if citation else None
    if not match:
        return
    record.source_title = record.source_title or clean_text(match["source"])
    record.year = record.year or int(match["year"])
    record.volume = record.volume or (match["volume"] or "")
    record.issue = record.issue or (match["issue"] or "")
    record.pages = record.pages or normalise_pages(match["pages"] or "")


def _fill_from_openurl(record: Record, url: str) -> None:
    """Fill what is missing from an OpenURL link's query (``id=doi:...&issn=...&spage=``)."""
    if not url:
        return
    query = {k.removeprefix("rft."): v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    if not record.doi:
        for key in ("id", "rft_id", "doi"):
            record.doi = normalise_doi(query.get(key, ""))
            if record.doi:
                break
    record.issn = record.issn or normalise_issn(query.get("issn", ""))
    record.volume = record.volume or query.get("volume", "")
    record.issue = record.issue or query.get("issue", "")
    record.pages = record.pages or normalise_pages(query.get("spage"), query.get("epage"))
    record.year = record.year or normalise_year(query.get("date"))
    record.source_title = record.source_title or clean_text(query.get("title", ""))


# --------------------------------------------------------------------------- reader


class DelimitedReader(Reader):
    """A reader for delimited text: subclasses give their layouts and how sure they are.

    Options: ``columns`` (``{field: header}``) maps columns by hand; ``delimiter`` forces the
    delimiter instead of sniffing it.
    """

    layouts: ClassVar[tuple[Layout, ...]]
    fallback: ClassVar[Layout | None] = None

    def __init__(self, file_name: str = "", options: dict[str, Any] | None = None):
        super().__init__(file_name, options)
        self.header: list[str] = []
        self.layout: Layout | None = None
        self.columns: dict[str, list[str]] = {}
        self.delimiter = ","

    @classmethod
    def layout_for(cls, header: list[str]) -> Layout | None:
        """The first layout whose signature the header has, else the fallback."""
        return next((lay for lay in cls.layouts if lay.matches(header)), cls.fallback)

    def header_for(self, width: int) -> list[str] | None:
        """Header names for a row of ``width`` cells; ``None`` when the row cannot fit it."""
        return self.header if width == len(self.header) else None

    def database(self, head: str) -> str:
        parsed = read_header(head)
        layout = self.layout_for(parsed[1]) if parsed else None
        return layout.database if layout else ""

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        try:
            rows = Rows(lines, self.options.get("delimiter"))
            stream = iter(rows)
            header_row = next(stream, None)
            if header_row is None:
                return
            self.delimiter = rows.delimiter
            self._start(header_row)
            for row in stream:
                entry = self._entry(row)
                if entry.error and not row.cut:
                    rows.resync(row)
                    entry.raw = row.raw.splitlines(keepends=True)[0]
                yield entry
        except ImportFormatError as exc:
            raise ImportFormatError(
                exc.problem.message, file=self.file_name or None, line=exc.line, field=exc.field
            ) from None

    def _start(self, header_row: Row) -> None:
        self.header = unique_header(header_row.cells)
        layout = self.layout_for(self.header)
        mapping = self.options.get("columns") or {}
        if layout is None:
            layout = Layout("user")
        try:
            self.columns = resolve_columns(self.header, layout, mapping)
        except ImportFormatError as exc:
            raise ImportFormatError(
                exc.problem.message, line=header_row.line, field=exc.field
            ) from None
        if "title" not in self.columns:
            raise ImportFormatError(
                f"no title column in the header ({_show_header(self.header)}); the layout is "
                "not one evimap knows: name the title column with --column title=HEADER "
                "(and others the same way: authors, abstract, year, doi, source_title, id ...)",
                line=header_row.line,
            )
        self.layout = layout
        self.title_field = self.columns["title"][0]

    def _entry(self, row: Row) -> Entry:
        if row.unclosed:
            return Entry(
                row.line,
                row.raw,
                error="a quoted cell that starts in this row is never closed before the end "
                "of the file (a stray quote?)",
            )
        cells = row.cells
        header = self.header_for(len(cells))
        if header is None and len(cells) > len(self.header):
            while len(cells) > len(self.header) and not cells[-1].strip():
                cells = cells[:-1]  # a delimiter at the end of the row (WoS, Excel)
            header = self.header_for(len(cells))
        if header is None:
            return Entry(
                row.line,
                row.raw,
                error=f"the row has {len(cells)} cells but the header has {len(self.header)} "
                + (
                    "(a stray line, or a line break inside an unquoted cell?)"
                    if len(cells) < len(self.header)
                    else "(a delimiter inside an unquoted cell?)"
                ),
            )
        if row.cut:
            return Entry(
                row.line,
                row.raw,
                error="the file ends inside this row, with no line break after it: it may be "
                "cut short (if the row is whole, end the file with a line break)",
                error_field=header[-1],
            )
        swallowed = self._swallowed_row(row)
        if swallowed:
            return Entry(
                row.line,
                row.raw,
                error=f"the row runs on over line {swallowed}, which holds a whole row of its "
                "own: a stray quote joined them?",
                error_line=swallowed,
            )
        fields = dict(zip(header, cells, strict=True))
        assert self.layout is not None
        for column, pattern in self.layout.checks.items():
            value = (fields.get(column) or "").strip()
            if value and not pattern.fullmatch(value):
                return Entry(
                    row.line,
                    row.raw,
                    error=f"the {column} column holds {value[:40]!r}, which no {column} "
                    "is: the row's cells are shifted (a delimiter lost or added?)",
                    error_field=column,
                )
        return Entry(row.line, row.raw, fields)

    def _swallowed_row(self, row: Row) -> int | None:
        """The line inside a multi-line row that is a whole row by itself (as many cells as
        the header), or ``None``. Quoted cells may hold line breaks (abstracts), but with six
        or more columns a line of such text that splits into exactly a row's cells is another
        row that a stray quote ran into this one. Such a line lies wholly inside one cell of the
        row (the last line of a quoted abstract, followed by the row's year and label cells, is
        the row's own tail); and where the file has a year column, the line's year cell must
        hold a year (or nothing): a paragraph of an abstract with five commas splits into six
        cells too, but not with a year in the right place."""
        width = len(self.header)
        if width < 6 or row.raw.count("\n") < 2:
            return None
        lines = row.raw.split("\n")[1:-1]
        delimiter = self.delimiter
        years = [self.header.index(name) for name in self.columns.get("year", [])[:1]]
        inside = _lines_inside_one_cell(row.cells)
        for offset, line in enumerate(lines, 1):
            if offset in inside and line.count(delimiter) >= width - 1:
                cells = next(csv.reader([line], delimiter=delimiter), [])
                if len(cells) == width and all(_YEARISH.fullmatch(cells[i]) for i in years):
                    return row.line + offset
        return None

    def convert(self, entry: Entry) -> Record:
        assert self.layout is not None, "split() reads the header before convert()"
        record = row_to_record(entry.fields, self.columns, self.layout)
        record.line = entry.line
        return record


def _lines_inside_one_cell(cells: list[str]) -> set[int]:
    """Lines of a row (0 = its first) that lie wholly inside one cell: every line a cell spans
    after its first, except its last when more cells follow on that line."""
    inside: set[int] = set()
    start = 0
    for k, cell in enumerate(cells):
        end = start + cell.count("\n")
        inside.update(range(start + 1, end + (1 if k == len(cells) - 1 else 0)))
        start = end
    return inside


_YEARISH = re.compile(r"\s*(?:\d{4}\S*)?\s*")
"""A year cell as exports write it: empty, or four digits first (``2004``, ``2004.0``)."""


def sniff_layouts(head: str, layouts: Iterable[Layout]) -> tuple[list[str], Layout | None]:
    """The header of ``head`` and the first of ``layouts`` it matches."""
    parsed = read_header(head)
    if parsed is None:
        return [], None
    header = parsed[1]
    return header, next((lay for lay in layouts if lay.matches(header)), None)
