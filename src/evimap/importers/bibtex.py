"""BibTeX, including Scopus and Web of Science BibTeX exports, read with bibtexparser 2.

The file is split into entries at lines that start with ``@`` outside braces, and each entry's
text is parsed on its own: memory stays flat, every entry keeps its line, and an entry that
bibtexparser rejects becomes an error naming that line while the others still read.

An entry whose braces close early (a stray ``}`` inside a field) is an error, not an entry cut
short: field text after it (``doi = {...}``, a lone ``}``) shows that the entry went on. Name
lists written ``Last F., Last F.`` (Scopus editors) are read as such; a name field bibtexparser
still cannot split never fails its entry: it is read as a list of names (or, for editors, kept
as written) and the import warns once with the count.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    DuplicateFieldKeyBlock,
    Field,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from bibtexparser.model import Entry as BibEntry

from evimap.importers.author_lists import (
    authors_from_names,
    split_names,
    split_outside_brackets,
    split_references,
)
from evimap.importers.base import Entry, Reader
from evimap.importers.databases import ALIASES, canonical_database, database_from_text
from evimap.records import Author, Record
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

# bibtexparser logs each block it cannot parse; evimap reports those itself, as entry errors.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_START = re.compile(r"^\s*@\s*([A-Za-z][\w-]*)\s*[{(]")
_SKIPPED_TYPES = {"comment", "preamble"}
# The fields a record is built from, and so the only ones LaTeX-decoded (decoding is the
# slowest step; URLs and DOIs are not LaTeX: `%`, `~` and `_` in them are characters).
DECODED = {
    "title",
    "abstract",
    "author",
    "editor",
    "journal",
    "journaltitle",
    "booktitle",
    "series",
    "publisher",
    "keywords",
    "author_keywords",
    "author-keywords",
    "keywords-plus",
    "mesh",
    "web-of-science-categories",
    "research-areas",
    "cited-references",
    "references",
    "language",
    "type",
    "document_type",
    "source",
    "volume",
    "number",
    "issue",
    "pages",
    "year",
    "date",
}
_NAME_FIELDS = ("author", "editor")
# A field name: letters, digits and a few marks (``funding_text 1``: Scopus puts a space).
_FIELD_KEY = re.compile(r"[A-Za-z][\w:.+/-]*(?:[ \u00a0]\d+)?")
# ``Smith J., Jones K.-L., Brown A.``: family names each followed by initials, comma-separated.
_INITIALS_NAME = re.compile(r"^[^,{}]*[^\s,{}]\s+(?:[A-Z]\.?-?\s?){1,4}$")
# Text after an entry closed that shows it did not end there: a field (``doi = {``) or the
# entry's own closing brace on a line of its own.
_LEFT_OVER = re.compile(r"^\s*(?:[\w-]+\s*=\s*[{\"\d]|}\s*,?\s*$)")
# What LaTeX would change: commands, groups, math, ties, dashes and quotes.
_LATEX_MARKUP = re.compile(r"[\\{}$~]|--|``|''")
_TEXT_SPECIAL = re.compile(r"(?<!\\)([%&])")


class _DecodeLatex(middlewares.LatexDecodingMiddleware):
    """LaTeX-decode the fields a record is built from (not URLs, DOIs, IDs), and the parts of
    split names too (the base class leaves a list of names as it is)."""

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        # pylatexenc takes ~1 ms a value; most values hold no markup at all once WoS's extra
        # brace pair is off, so only those with markup go through it (imports ~10x faster).
        text = python_string
        while text.startswith("{") and text.endswith("}") and _balanced(text[1:-1]):
            text = text[1:-1]
        if not _LATEX_MARKUP.search(text):
            return text, ""
        # Databases write "%" and "&" as text ("85.58% of ...", "Taylor & Francis"); to LaTeX
        # they would start a comment or separate table cells.
        return super()._transform_python_value_string(_TEXT_SPECIAL.sub(r"\\\1", text))

    def transform_entry(self, entry: BibEntry, library: Library):
        kept = [f for f in entry.fields if f.key.lower() not in DECODED]
        entry.fields = [f for f in entry.fields if f.key.lower() in DECODED]
        block = super().transform_entry(entry, library)
        errors: list[str] = []
        for field in entry.fields:
            if isinstance(field.value, list):
                for parts in field.value:
                    if isinstance(parts, middlewares.NameParts):
                        for attr in ("first", "von", "last", "jr"):
                            value = getattr(parts, attr)
                            setattr(parts, attr, self._transform_all_strings(value, errors))
        entry.fields = entry.fields + kept
        return block


class _InitialsLists(middlewares.BlockMiddleware):
    """Rewrite ``Smith J., Jones K.`` (no ``and``) as ``Smith, J. and Jones, K.`` so the name
    middlewares split it into people (bibtexparser reads the commas as ``Last, First``)."""

    def transform_entry(self, entry: BibEntry, library: Library) -> BibEntry:
        for field in entry.fields:
            value = field.value
            if (
                field.key.lower() in _NAME_FIELDS
                and isinstance(value, str)
                and value.count(",") >= 1
                and " and " not in value
            ):
                pieces = [p.strip() for p in value.split(",")]
                if len(pieces) > 1 and all(_INITIALS_NAME.match(p) for p in pieces):
                    field.value = " and ".join(_family_initials(p) for p in pieces)
        return entry


def _family_initials(name: str) -> str:
    """``van der Berg J. K.`` -> ``van der Berg, J. K.`` (the initials are the last words)."""
    words = name.split()
    cut = len(words)
    while cut > 1 and re.fullmatch(r"(?:[A-Z]\.?-?){1,4}", words[cut - 1]):
        cut -= 1
    return f"{' '.join(words[:cut])}, {' '.join(words[cut:])}"


def _parse_stack(split_names_: bool = True) -> list[middlewares.Middleware]:
    """bibtexparser's middlewares as evimap reads entries; ``split_names_=False`` leaves name
    fields as text (the fallback when a name field cannot be split)."""
    names: list[middlewares.Middleware] = [
        _InitialsLists(True),
        middlewares.SeparateCoAuthors(True, name_fields=_NAME_FIELDS),
        middlewares.SplitNameParts(True, name_fields=_NAME_FIELDS),
    ]
    return [
        middlewares.NormalizeFieldKeys(True),
        middlewares.ResolveStringReferencesMiddleware(True),
        middlewares.RemoveEnclosingMiddleware(True),
        *(names if split_names_ else []),
        _DecodeLatex(True),
    ]


class BibtexReader(Reader):
    """BibTeX (``@article{key, ...}``): Scopus, Web of Science, Zotero, JabRef, EndNote..."""

    name = "bibtex"
    label = "BibTeX (Scopus, Web of Science, reference managers)"

    def __init__(self, file_name: str = "", options: dict[str, Any] | None = None):
        super().__init__(file_name, options)
        self._strings: list[str] = []
        self._stack = _parse_stack()

    @classmethod
    def sniff(cls, head: str) -> int:
        lines = head.splitlines()
        for line in lines:
            text = line.strip()
            if not text or text.startswith("%"):
                continue
            if _START.match(text):
                return 90
            break
        # Free text before the first entry is a comment in BibTeX.
        return 50 if any(_START.match(line) and line[0] == "@" for line in lines) else 0

    def database(self, head: str) -> str:
        return database_from_text(head)

    # ------------------------------------------------------------------ splitting

    def split(self, lines: Iterable[str]) -> Iterator[Entry]:
        chunk: list[str] = []
        start = 0
        depth = 0
        opened = False
        # An entry whose braces balanced, held until the text after it shows it really ended.
        held: list[str] = []
        held_start = held_end = 0
        broken = False  # the held entry closed early; the lines after it are its remnants
        for number, line in enumerate(lines, 1):
            starts = _START.match(line)
            # A new entry starts at an "@type{" line outside braces, or at one in the first
            # column even inside braces (the previous entry then lacks a closing brace).
            if starts and (depth <= 0 or not line[0].isspace()):
                if held:
                    yield from self._release(held, held_start, held_end, broken)
                    held, broken = [], False
                if chunk:
                    yield from self._finish(chunk, start, unbalanced=depth > 0)
                chunk, start, depth, opened = [line], number, 0, False
            elif not chunk:
                if held:
                    held.append(line)
                    if not broken and _LEFT_OVER.match(line):
                        broken = True
                continue  # otherwise text between entries is a comment in BibTeX
            else:
                chunk.append(line)
            depth += _brace_balance(line)
            opened = opened or depth > 0
            if (opened and depth <= 0) or depth < 0:
                held, held_start, held_end, broken = chunk, start, number, depth < 0
                chunk, depth, opened = [], 0, False
        if held:
            yield from self._release(held, held_start, held_end, broken)
        if chunk:
            yield from self._finish(chunk, start, unbalanced=depth > 0)

    def _release(self, lines: list[str], start: int, end: int, broken: bool) -> Iterator[Entry]:
        """The entry that closed at line ``end``; field text after it (or a lone ``}``) is an
        error: either a stray ``}`` closed the entry early, or, when the entry closed on a
        line of its own, the next entry lost its ``@type{key,`` line."""
        body = lines[: end - start + 1]
        if not broken:
            yield from self._finish(body, start, unbalanced=False)
            return
        if body[-1].strip() in ("}", ")") and len(lines) > len(body):
            yield from self._finish(body, start, unbalanced=False)
            yield Entry(
                end + 1,
                "".join(lines[len(body) :]),
                error="entry fields without an '@type{key,' line before them: the entry's "
                "first line is missing?",
            )
            return
        yield Entry(
            start,
            "".join(lines),
            error=f"the entry's braces close early, at line {end} (a stray '}}' inside a "
            "field?): the text after it still belongs to the entry",
            error_line=end,
        )

    def _finish(self, chunk: list[str], line: int, unbalanced: bool) -> Iterator[Entry]:
        raw = "".join(chunk)
        kind = _START.match(raw)
        entry_type = kind[1].lower() if kind else ""
        if entry_type in _SKIPPED_TYPES:
            return
        if unbalanced:
            yield Entry(
                line,
                raw,
                error="the entry's braces do not balance: a closing '}' "
                "is missing before the next entry or the end of the file",
            )
            return
        if entry_type == "string":
            # Checked on its own once, then put before every later entry so macros resolve.
            problem = next((e for e in self._parse(raw, line, with_strings=False) if e.error), None)
            if problem:
                yield problem
            else:
                self._strings.append(raw)
            return
        yield from self._parse(raw, line)

    def _parse(self, raw: str, line: int, with_strings: bool = True) -> list[Entry]:
        """The entries in ``raw`` (usually one), or one entry carrying the parse error."""
        prefix = "".join(self._strings) if with_strings else ""
        library = bibtexparser.parse_string(prefix + raw, parse_stack=self._stack)
        entries = list(library.entries)
        for block in library.failed_blocks:
            if isinstance(block, DuplicateFieldKeyBlock):
                # Scopus repeats `funding_details`: keep every value, then run the middlewares
                # that bibtexparser skips on a block it flagged.
                entries.extend(self._transformed(_merge_repeated(block.ignore_error_block)))
            elif isinstance(block, MiddlewareErrorBlock):
                # A name field bibtexparser cannot split: read the entry with names as text.
                entries.extend(self._names_as_text(prefix + raw))
            elif isinstance(block, ParsingFailedBlock):
                error = block.error
                reason = getattr(error, "abort_reason", "") or str(error) or "unreadable entry"
                offset = getattr(error, "end_index", None)
                at = line
                if isinstance(offset, int) and offset >= len(prefix):
                    at = line + (prefix + raw)[len(prefix) : offset].count("\n")
                return [Entry(line, raw, error=f"not valid BibTeX: {reason}", error_line=at)]
        if not entries and with_strings:
            return [Entry(line, raw, error="not valid BibTeX: no entry could be read here")]
        for entry in entries:
            bad = next((f.key for f in entry.fields if not _FIELD_KEY.fullmatch(f.key)), None)
            if bad is not None:
                # Text that is no field (a damaged line) ran into the next field's name.
                junk = bad.strip().split()[0] if bad.strip() else bad
                at = line + raw[: max(0, raw.find(junk))].count("\n")
                return [
                    Entry(
                        line,
                        raw,
                        error=f"not valid BibTeX: {bad.strip()[:40]!r} is not a field name (a "
                        "damaged line?)",
                        error_line=at,
                    )
                ]
        return [Entry(line, raw, _entry_fields(entry)) for entry in entries]

    def _transformed(self, entry: BibEntry) -> list[BibEntry]:
        library = Library([entry])
        for middleware in self._stack:
            library = middleware.transform(library)
        entries = list(library.entries)
        if any(isinstance(b, MiddlewareErrorBlock) for b in library.failed_blocks):
            library = Library([entry])
            for middleware in _parse_stack(split_names_=False):
                library = middleware.transform(library)
            entries.extend(self._names_read_as_lists(library.entries))
        return entries

    def _names_as_text(self, text: str) -> list[BibEntry]:
        library = bibtexparser.parse_string(text, parse_stack=_parse_stack(split_names_=False))
        return self._names_read_as_lists(library.entries)

    def _names_read_as_lists(self, entries: Iterable[BibEntry]) -> list[BibEntry]:
        """Name fields that could not be split by BibTeX's rules: authors are read as a list
        of names (``;``, ``,``, ``and``), editors kept as written; each noted once a file."""
        out = []
        for entry in entries:
            for field in entry.fields:
                key = _field_key(field)
                if key not in _NAME_FIELDS or not isinstance(field.value, str):
                    continue
                try:
                    for name in split_multiple_persons_names(field.value):
                        parse_single_name_into_parts(name)
                    continue
                except InvalidNameError:
                    pass
                if key == "author":
                    field.value = authors_from_names(split_names(field.value))
                    self.warn(
                        "the author field of {n} entries is not in BibTeX's name form "
                        "('Last, First and Last, First'); read as a list of names"
                    )
                else:
                    self.warn(
                        f"the {key} field of {{n}} entries could not be split into names; "
                        "kept as written"
                    )
            out.append(entry)
        return out

    # ------------------------------------------------------------------ conversion

    def convert(self, entry: Entry) -> Record:
        fields: dict[str, Any] = entry.fields
        text = _text_getter(fields)
        authors = fields.get("author") or fields.get("editor") or []
        if isinstance(authors, str):  # an editor field kept as written
            authors = authors_from_names(split_names(clean_text(authors)))
        author_keywords = text("author_keywords", "author-keywords")
        keywords = author_keywords or text("keywords")
        indexed = text("keywords") if author_keywords else text("keywords-plus", "mesh")
        references = text("cited-references", "references")
        if "\n" in references:  # WoS: one reference a line
            cited = clean_list(references.split("\n"))
        else:
            cited = split_references(references) if references else []
        record = Record(
            title=text("title"),
            abstract=text("abstract"),
            authors=authors,
            year=normalise_year(text("year") or text("date")),
            source_title=text("journal", "journaltitle", "booktitle", "series"),
            volume=text("volume"),
            issue=text("number", "issue"),
            pages=normalise_pages(text("pages")),
            doi=normalise_doi(text("doi")),
            issn=normalise_issn(" ".join(filter(None, (text("issn"), text("eissn"))))),
            pmid=normalise_pmid(text("pmid")),
            isbn=normalise_isbn(text("isbn")),
            keywords=_split_terms(keywords),
            indexed_keywords=_split_terms(indexed),
            language=text("language"),
            document_type=text("document_type", "type") or fields.get("ENTRYTYPE", ""),
            subject_areas=_split_terms(text("web-of-science-categories", "research-areas")),
            cited_references=cited,
            publisher=text("publisher"),
            url=(text("url").split() or [""])[0],
            source_record_id=fields.get("ID", ""),
            line=entry.line,
            raw=entry.raw,
        )
        source = text("source")
        if source.lower() in ALIASES:
            record.source_database = canonical_database(source)
        else:
            record.source_database = database_from_text(entry.raw)
        return record


def _balanced(text: str) -> bool:
    """True when no closing brace in ``text`` comes before its opening one."""
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _brace_balance(line: str) -> int:
    """Opening minus closing braces on a line, ignoring escaped ones (``\\{``)."""
    line = line.replace("\\{", "").replace("\\}", "")
    return line.count("{") - line.count("}")


def _entry_fields(entry: BibEntry) -> dict[str, Any]:
    """Field key (lower case) -> text, or a list of authors for name fields; repeated keys
    join with ``; ``."""
    out: dict[str, Any] = {"ENTRYTYPE": entry.entry_type.lower(), "ID": entry.key.strip()}
    for field in entry.fields:
        key = _field_key(field)
        value = field.value
        if key in _NAME_FIELDS and isinstance(value, list):
            out[key] = [p if isinstance(p, Author) else _author(p) for p in value]
        elif isinstance(value, str):
            out[key] = f"{out[key]}; {value}" if isinstance(out.get(key), str) else value
    return out


def _merge_repeated(entry: BibEntry) -> BibEntry:
    """One field per key: the values of a repeated key joined with ``; ``."""
    merged: dict[str, Field] = {}
    for field in entry.fields:
        if field.key in merged and isinstance(field.value, str):
            merged[field.key] = Field(field.key, f"{merged[field.key].value}; {field.value}")
        else:
            merged.setdefault(field.key, field)
    entry.fields = list(merged.values())
    return entry


def _field_key(field: Field) -> str:
    # Scopus writes `funding_text 1` with a no-break space.
    return " ".join(field.key.split()).lower()


def _author(parts: Any) -> Author:
    family = " ".join([*parts.von, *parts.last]).strip()
    given = " ".join([*parts.first, *parts.jr]).strip()
    family, given = clean_text(family.strip("{}")), clean_text(given.strip("{}"))
    literal = f"{family}, {given}" if given else family
    return Author(family=family, given=given, literal=literal)


def _text_getter(fields: dict[str, Any]):
    def text(*keys: str) -> str:
        for key in keys:
            value = fields.get(key)
            if isinstance(value, str):
                value = value.strip()
                if value:
                    return value if "\n" in value and key in _MULTILINE else clean_text(value)
        return ""

    return text


# Fields whose line breaks separate items (WoS `Cited-References`).
_MULTILINE = {"cited-references"}


def _split_terms(value: str) -> list[str]:
    """Split a keyword or category list at ``;`` (or ``,`` when there is no ``;``)."""
    if not value:
        return []
    return clean_list(split_outside_brackets(value, ";" if ";" in value else ","))
