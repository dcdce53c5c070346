"""Broken inputs: hundreds of damaged variants of the real exports, imported on SQLite and on a
throw-away PostgreSQL, each outcome classified.

Every file of ../shared/data/exports (and the repository's fixtures for formats the shared data
lacks: Ovid fields, WoS tab-delimited, EndNote XML) is imported clean first; that import is the
reference. Variants are then made by class (truncated, bytes flipped, record markers missing,
other encodings, NUL and other control characters, 1 MB lines, stray braces, garbage lines,
line endings, and the classes of issue 10: lower-case RIS tags, empty RIS records, stray CSV
lines and quotes, short CSV rows, WoS tab rows ending in a tab, Scopus BibTeX editors) and each
is imported twice per store, as is and with ``skip_bad``.

Each import ends one of four ways (the last three are the failures; the target is zero):

- **clear error**: an :class:`evimap.errors.EvimapError` (the CLI prints it as one line), or a
  clean import (exit 0) with no silent damage;
- **traceback**: any other exception (the CLI would print a traceback);
- **partial write**: the import failed but the store holds more source files, records or
  events than before it;
- **silent damage**: the import succeeded, and compared with the clean import of the same file
  (records aligned in file order by all their fields but ``line`` and ``raw``), at least one of:

  - *changed*: a record the mutation did not touch is stored with any field different from its
    clean import (a touched record is one whose lines the mutation changed, or the record just
    before or after such a change when it falls on the boundary between two records);
  - *merged*: a stored record whose verbatim text holds the IDs of two clean records;
  - *lost*: more records missing (present in the damaged file, not stored) than the import
    reported lost (``FileImport.lost``, which counts every record a skipped entry held);
  - *invented*: more records stored than the damaged file holds (a stray line as a record);
  - *cut short*: a touched record stored, without a warning, with fields lost in a way that
    shows its structure was misread: two or more fields emptied, or a list (authors,
    keywords ...) with fewer items (a stray brace that ended a BibTeX entry early, a damaged
    tag that joined two authors); in a truncated file, any field emptied or holding only the
    start of its clean value (a half record). One value that no longer parses (``pp}. 1-19``
    gives no pages) is the damage itself, as is a value that reads differently;
  - *control*: a control character stored in any field.

    python benchmarks/bad_inputs.py [--per-class 16] [--seed 10] [--no-postgres] [--details]
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
EXPORTS = REPO.parent / "shared" / "data" / "exports"
FIXTURES = REPO / "tests" / "fixtures"
EXTRA = ["ovid_psycinfo.txt", "ovid_labelled.txt", "wos_tab_savedrecs.txt", "endnote_library.xml"]

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MB = 1 << 20
OUTCOMES = ("clear error", "imported", "traceback", "partial write", "silent damage")
DAMAGE = ("changed", "merged", "lost", "invented", "cut short", "control")


# --------------------------------------------------------------------------- sources


@dataclass
class Source:
    """A real export and its clean import (the reference)."""

    path: Path
    fmt: str
    data: bytes
    records: list  # Record, in file order
    spans: list[tuple[int, int]]  # first and last line of each record

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def import_lines(self, n: int) -> set[int]:
        """The line numbers the import gives line ``n`` of the text split at ``\\n``: an
        import also breaks lines at a lone ``\\r``, so one such line may be several."""
        if not hasattr(self, "_first"):
            self._first, number = [], 1
            for line in self.text.split("\n"):
                self._first.append(number)
                number += 1 + line.rstrip("\r").count("\r")
        n = max(1, min(n, len(self._first)))
        last = self._first[n] - 1 if n < len(self._first) else self._first[n - 1]
        return set(range(self._first[n - 1], last + 1))

    def touched(self, lines: set[int]) -> set[int]:
        """Indices of the records holding lines ``lines`` (line numbers of the text split at
        ``\\n``), with the neighbour across a boundary the change falls on."""
        lines = {m for n in lines for m in self.import_lines(n)}
        out: set[int] = set()
        for k, (first, last) in enumerate(self.spans):
            hit = {n for n in lines if first <= n <= last}
            if hit:
                out.add(k)
                if first in hit and k > 0:
                    out.add(k - 1)
                if last in hit and k + 1 < len(self.spans):
                    out.add(k + 1)
        return out


@dataclass
class Variant:
    """A damaged copy of a source.

    :param touched: records the mutation changed (may be stored changed, or lost with a count).
    :param removed: records the mutation took out of the file altogether (not expected).
    """

    cls: str
    source: Source
    data: bytes
    touched: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    note: str = ""


def signature(record) -> tuple:
    """A record's fields, without where it sits in its file (line) and its verbatim text."""
    return (
        record.title,
        record.abstract,
        tuple((a.family, a.given, a.literal) for a in record.authors),
        record.year,
        record.source_title,
        record.volume,
        record.issue,
        record.pages,
        record.doi,
        tuple(record.issn),
        tuple(record.keywords),
        tuple(record.indexed_keywords),
        record.language,
        record.document_type,
        tuple(record.subject_areas),
        tuple(record.cited_references),
        record.publisher,
        record.url,
        record.source_database,
        record.source_record_id,
    )


TEXT_FIELDS = (
    "title",
    "abstract",
    "source_title",
    "volume",
    "issue",
    "pages",
    "doi",
    "language",
    "document_type",
    "publisher",
    "url",
    "source_record_id",
)
LIST_FIELDS = ("authors", "issn", "keywords", "indexed_keywords", "subject_areas")


# --------------------------------------------------------------------------- mutations

Mutation = Callable[[Source, random.Random], list[Variant]]


def _lines(src: Source) -> list[str]:
    return src.text.split("\n")


def _join(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8")


def _inner_line(src: Source, rng: random.Random, skip_first: bool = True) -> tuple[int, int]:
    """A random record and a random non-blank line inside it (1-based), not its first line."""
    lines = _lines(src)
    for _ in range(50):
        k = rng.randrange(len(src.spans))
        first, last = src.spans[k]
        start = first + 1 if skip_first and last > first else first
        last = min(last, len(lines))  # a lone CR inside a line counts as a break on import
        candidates = [n for n in range(start, last + 1) if lines[n - 1].strip()]
        if candidates:
            return k, rng.choice(candidates)
    k = rng.randrange(len(src.spans))
    return k, src.spans[k][0]


def truncated(src: Source, rng: random.Random) -> list[Variant]:
    cut = int(len(src.data) * rng.uniform(0.35, 0.97))
    data = src.data[:cut]
    line = max(src.import_lines(data.count(b"\n") + 1))
    line += data[data.rfind(b"\n") + 1 :].count(b"\r")
    removed = {k for k, (first, _) in enumerate(src.spans) if first > line}
    touched = {k for k, (first, last) in enumerate(src.spans) if first <= line <= last}
    # Several records on the cut line (EndNote XML is one line): those that start after the
    # cut are gone, not damaged.
    if src.fmt == "endnote-xml":
        kept, at = len(data.decode("utf-8", errors="ignore")), 0
        for k, record in enumerate(src.records):
            at = src.text.find(record.raw.strip(), at)
            if at >= kept:
                touched.discard(k)
                removed.add(k)
    return [Variant("truncated", src, data, touched, removed, f"cut at byte {cut}")]


def bytes_flipped(src: Source, rng: random.Random) -> list[Variant]:
    data = bytearray(src.data)
    start = src.data.find(b"\n") + 1
    lines: set[int] = set()
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(start, len(data))
        data[at] ^= rng.choice([0x01, 0x02, 0x20, 0x40, 0x80, 0xFF, rng.randrange(1, 256)])
        lines.add(src.data[:at].count(b"\n") + 1)
    return [Variant("bytes flipped", src, bytes(data), src.touched(lines), note=str(sorted(lines)))]


MARKERS = {
    "ris": re.compile(r"^ER  -"),
    "wos": re.compile(r"^ER\s*$"),
    "ovid": re.compile(r"^<\d+\.?\s*>\s*$"),
    "bibtex": re.compile(r"^\s*@\s*\w+\s*\{"),
    "medline": re.compile(r"^PMID- "),
    "endnote-xml": re.compile(r"</record>"),
}


def markers_missing(src: Source, rng: random.Random) -> list[Variant]:
    pattern = MARKERS.get(src.fmt)
    if pattern is None:
        return []
    lines = _lines(src)
    found = [i for i, line in enumerate(lines) if pattern.search(line)]
    if not found or src.fmt == "endnote-xml":
        return []
    i = rng.choice(found)
    del lines[i]
    touched = src.touched({i + 1})
    return [Variant("markers missing", src, _join(lines), touched, note=f"line {i + 1}")]


def encodings(src: Source, rng: random.Random) -> list[Variant]:
    text = src.text.lstrip("\ufeff")
    out = [Variant("encodings", src, text.encode("utf-16"), note="utf-16")]
    latin = text.encode("latin-1", errors="replace")
    if latin != text.encode("utf-8"):
        # Characters outside latin-1 became "?": the records holding them changed.
        lines = {n + 1 for n, line in enumerate(text.split("\n")) if not line.isascii()}
        out.append(Variant("encodings", src, latin, src.touched(lines), note="latin-1"))
    return out


def _insert_chars(src: Source, rng: random.Random, chars: str, cls: str) -> list[Variant]:
    lines = _lines(src)
    touched: set[int] = set()
    for _ in range(rng.randint(1, 5)):
        _, n = _inner_line(src, rng)
        line = lines[n - 1]
        at = rng.randrange(len(line) + 1)
        lines[n - 1] = line[:at] + rng.choice(chars) + line[at:]
        touched.add(n)
    return [Variant(cls, src, _join(lines), src.touched(touched))]


def nul_bytes(src: Source, rng: random.Random) -> list[Variant]:
    return _insert_chars(src, rng, "\x00", "NUL bytes")


def control_chars(src: Source, rng: random.Random) -> list[Variant]:
    return _insert_chars(src, rng, "\x01\x07\x08\x0b\x0c\x1b\x1f\x7f", "control chars")


def long_line(src: Source, rng: random.Random) -> list[Variant]:
    lines = _lines(src)
    _, n = _inner_line(src, rng)
    line = lines[n - 1]
    end = len(line.rstrip("\r"))
    lines[n - 1] = line[:end] + "x" * MB + line[end:]
    return [Variant("1 MB lines", src, _join(lines), src.touched({n}), note=f"line {n}")]


def stray_braces(src: Source, rng: random.Random) -> list[Variant]:
    out = []
    for brace in "}{":
        lines = _lines(src)
        _, n = _inner_line(src, rng)
        line = lines[n - 1]
        at = rng.randrange(len(line.rstrip("\r")) + 1)
        lines[n - 1] = line[:at] + brace + line[at:]
        out.append(Variant("stray braces", src, _join(lines), src.touched({n}), note=brace))
    return out


GARBAGE = ["#@!% lorem ipsum 42 ~~ ;;", "%%%%%%%%%%", "garbage line without structure", "@@@ ???"]


def garbage_lines(src: Source, rng: random.Random) -> list[Variant]:
    lines = _lines(src)
    _, n = _inner_line(src, rng, skip_first=False)
    lines.insert(n - 1, rng.choice(GARBAGE))
    # The garbage sits before line n; the record holding line n (and the one before) touched.
    return [Variant("garbage lines", src, _join(lines), src.touched({n, max(1, n - 1)}))]


def line_endings(src: Source, rng: random.Random) -> list[Variant]:
    text = src.text.replace("\r\n", "\n")
    return [
        Variant("line endings", src, text.replace("\n", "\r").encode("utf-8"), note="CR"),
        Variant("line endings", src, text.replace("\n", "\r\n").encode("utf-8"), note="CRLF"),
    ]


def lower_case_tags(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt != "ris":
        return []
    tag = re.compile(r"^([A-Z][A-Z0-9])(  -)")
    lines = _lines(src)
    whole = [tag.sub(lambda m: m[1].lower() + m[2], line) for line in lines]
    k = rng.randrange(len(src.spans))
    first, last = src.spans[k]
    one = list(lines)
    for n in range(first, last + 1):
        one[n - 1] = tag.sub(lambda m: m[1].lower() + m[2], one[n - 1])
    return [
        Variant("lower-case RIS tags", src, _join(whole), note="whole file"),
        Variant("lower-case RIS tags", src, _join(one), note=f"record {k}"),
    ]


def empty_record(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt != "ris":
        return []
    lines = _lines(src)
    k = rng.randrange(len(src.spans))
    first = src.spans[k][0]
    end = "\r" if lines[0].endswith("\r") else ""
    lines[first - 1 : first - 1] = [f"TY  - JOUR{end}", f"ER  - {end}", end]
    return [Variant("empty RIS record", src, _join(lines), note=f"before record {k}")]


def _csv_row(src: Source, rng: random.Random) -> tuple[list[str], int, int]:
    lines = _lines(src)
    k = rng.randrange(len(src.spans))
    return lines, k, src.spans[k][0]


def stray_csv_line(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt not in ("csv", "scopus-csv"):
        return []
    lines, k, first = _csv_row(src, rng)
    end = "\r" if lines[0].endswith("\r") else ""
    lines.insert(first - 1, "stray line without any delimiter" + end)
    return [Variant("stray CSV line", src, _join(lines), src.touched({first}), note=f"row {k}")]


def short_csv_row(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt not in ("csv", "scopus-csv"):
        return []
    lines, k, first = _csv_row(src, rng)
    line = lines[first - 1]
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    # Join the row's last two cells by removing the last delimiter outside quotes.
    depth, cut = False, -1
    for i, char in enumerate(line):
        if char == '"':
            depth = not depth
        elif char == delimiter and not depth:
            cut = i
    if cut < 0 or src.spans[k][1] != first:
        return []
    lines[first - 1] = line[:cut] + line[cut + 1 :]
    return [Variant("short CSV row", src, _join(lines), src.touched({first}), note=f"row {k}")]


def stray_quote(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt not in ("csv", "scopus-csv"):
        return []
    lines, k, first = _csv_row(src, rng)
    line = lines[first - 1]
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    starts = [
        i + 1 for i, char in enumerate(line) if char == delimiter and line[i + 1 : i + 2] != '"'
    ]
    if not starts:
        return []
    at = rng.choice(starts)
    lines[first - 1] = line[:at] + '"' + line[at:]
    return [Variant("stray CSV quote", src, _join(lines), src.touched({first}), note=f"row {k}")]


def trailing_tab(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt != "wos-tab":
        return []
    lines = _lines(src)
    out = [lines[0].rstrip("\r").rstrip("\t") + ("\r" if lines[0].endswith("\r") else "")]
    for line in lines[1:]:
        body = line.rstrip("\r")
        out.append(body + ("\t" if body else "") + line[len(body) :])
    return [Variant("WoS tab rows end in a tab", src, _join(out))]


def editor_initials(src: Source, rng: random.Random) -> list[Variant]:
    if src.fmt != "bibtex":
        return []
    text = re.sub(
        r"(?m)^(\s*title\s*=)",
        r"  editor = {Smith J., Jones K.-L., Brown A.},\n\1",
        src.text,
        count=0,
    )
    return [Variant("BibTeX editors 'Last F., Last F.'", src, text.encode("utf-8"))]


GENERIC: list[Mutation] = [
    truncated,
    bytes_flipped,
    encodings,
    nul_bytes,
    control_chars,
    long_line,
    stray_braces,
    garbage_lines,
    line_endings,
]
SPECIFIC: list[Mutation] = [
    markers_missing,
    lower_case_tags,
    empty_record,
    stray_csv_line,
    short_csv_row,
    stray_quote,
    trailing_tab,
    editor_initials,
]


def variants(sources: list[Source], per_class: int, seed: int) -> list[Variant]:
    """Generic classes on ``per_class`` sources each (seeded choice), specific ones on every
    source they apply to."""
    rng = random.Random(seed)
    out: list[Variant] = []
    for mutation in GENERIC:
        chosen = rng.sample(sources, min(per_class, len(sources)))
        for src in sorted(chosen, key=lambda s: str(s.path)):
            out.extend(mutation(src, rng))
    for mutation in SPECIFIC:
        for src in sources:
            for _ in range(2 if mutation is markers_missing else 1):
                out.extend(mutation(src, rng))
    return out


# --------------------------------------------------------------------------- importing


@dataclass
class Outcome:
    outcome: str
    damage: Counter = field(default_factory=Counter)
    message: str = ""


class Target:
    """One store (SQLite file or PostgreSQL database) that every import goes through."""

    def __init__(self, name: str, url: str):
        from evimap.store import open_store

        self.name = name
        self.store = open_store(url)

    def counts(self) -> tuple[int, int, int]:
        from sqlalchemy import func, select

        from evimap.store.models import EventRow, RecordRow, SourceFile

        with self.store.read() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(t)) or 0
                for t in (SourceFile, RecordRow, EventRow)
            )

    def records(self, file_id: int) -> list:
        from sqlalchemy import select

        from evimap.store.models import RecordRow, SourceFile
        from evimap.store.records import row_to_record

        with self.store.read() as session:
            query = (
                select(RecordRow, SourceFile.name)
                .join(SourceFile, SourceFile.id == RecordRow.source_file_id)
                .where(RecordRow.source_file_id == file_id)
                .order_by(RecordRow.id)
            )
            return [row_to_record(row, name) for row, name in session.execute(query)]

    def drop(self, file_id: int) -> None:
        from sqlalchemy import delete

        from evimap.store.models import RecordRow, SourceFile

        with self.store.transaction() as session:
            session.execute(delete(RecordRow).where(RecordRow.source_file_id == file_id))
            session.execute(delete(SourceFile).where(SourceFile.id == file_id))

    def import_(self, path: Path, skip_bad: bool):
        from evimap.importing import import_file

        return import_file(self.store, path, skip_bad=skip_bad)


def clean_import(target: Target, path: Path):
    result = target.import_(path, skip_bad=False)
    records = target.records(result.source_file_id)
    target.drop(result.source_file_id)
    return records


def classify(target: Target, variant: Variant, path: Path, skip_bad: bool) -> Outcome:
    from evimap.errors import EvimapError

    before = target.counts()
    try:
        result = target.import_(path, skip_bad)
    except EvimapError as exc:
        outcome = "clear error" if target.counts() == before else "partial write"
        return Outcome(outcome, message=str(exc)[:200])
    except Exception as exc:  # noqa: BLE001 - a traceback is what this counts
        target.store.engine.dispose()
        outcome = "traceback" if target.counts() == before else "partial write"
        return Outcome(outcome, message=f"{type(exc).__name__}: {str(exc)[:200]}")
    stored = target.records(result.source_file_id)
    target.drop(result.source_file_id)
    damage = compare(variant, target.name, stored, result)
    outcome = "silent damage" if +damage else "imported"
    fields = [k for k in damage if k.startswith("cut short: ")]
    return Outcome(outcome, +damage, " ".join(fields) + " ".join(getattr(result, "warnings", [])))


CLEAN: dict[tuple[str, str], list] = {}


def compare(variant: Variant, store: str, stored: list, result) -> Counter:
    """The silent damage of a successful import (see the module notes)."""
    clean = CLEAN[(store, str(variant.source.path))]
    damage: Counter = Counter()
    for record in stored:
        if any(CONTROL.search(str(v)) for v in signature(record)) or CONTROL.search(record.raw):
            damage["control"] += 1
    a = [signature(r) for r in clean]
    b = [signature(r) for r in stored]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    missing = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        present = [i for i in range(i1, i2) if i not in variant.removed]
        touched = [i for i in present if i in variant.touched]
        kept = j2 - j1
        if kept > len(present):
            damage["invented"] += kept - len(present)
        altered = min(kept, len(present))
        if altered > len(touched):
            damage["changed"] += altered - len(touched)
        missing += max(0, len(present) - kept)
        for i, j in zip(touched, range(j1, j2), strict=False):
            cut = _cut_short(clean[i], stored[j], truncated=variant.cls == "truncated")
            if cut and not getattr(result, "warnings", []):
                damage["cut short"] += 1
                damage[f"cut short: {cut}"] += 0
    lost = getattr(result, "lost", len(result.skipped))
    if missing > lost:
        damage["lost"] += missing - lost
    damage["merged"] += _merged(clean, stored)
    return damage


def _cut_short(clean, stored, truncated: bool) -> str:
    """The fields a touched record lost in a way that shows its structure was misread, or
    ``""``: in a cut file, any field emptied or holding only the start of its clean value (a
    half record); otherwise two or more fields emptied, or a list with fewer items (a stray
    brace that ended a BibTeX entry early, a damaged tag that joined two authors). One value
    that no longer parses (``pp}. 1-19`` gives no pages) is the damage itself."""
    emptied = []
    for name in TEXT_FIELDS:
        before, after = getattr(clean, name), getattr(stored, name)
        shorter = truncated and len(after) < len(before) and before.startswith(after)
        if before and (not after or shorter):
            emptied.append(name)
    fewer = [n for n in LIST_FIELDS if len(getattr(stored, n)) < len(getattr(clean, n))]
    if (truncated and (emptied or fewer)) or len(emptied) >= 2 or fewer:
        return ", ".join(emptied + fewer)
    return ""


def _merged(clean: list, stored: list) -> int:
    ids = Counter(r.source_record_id for r in clean if len(r.source_record_id) >= 5)
    tokens = [i for i, n in ids.items() if n == 1]
    merged = 0
    for record in stored:
        if sum(1 for token in tokens if token in record.raw) >= 2:
            merged += 1
    return merged


# --------------------------------------------------------------------------- report


def run(sources_paths: list[Path], per_class: int, seed: int, postgres: bool, details: bool):
    from evimap.importers.detect import detect

    with tempfile.TemporaryDirectory() as folder:
        targets = [Target("SQLite", str(Path(folder) / "review.db"))]
        server = None
        if postgres:
            from tests import pg

            if not pg.available():
                sys.exit("PostgreSQL (initdb, pg_ctl) is not installed; use --no-postgres")
            server = pg.postgres_server()
            url = server.__enter__()
            targets.append(Target("PostgreSQL", pg.fresh_database(url, "evimap_bad_inputs")))
        try:
            sources = []
            for path in sources_paths:
                fmt = detect(path).reader.name
                records = clean_import(targets[0], path)
                for target in targets:
                    CLEAN[(target.name, str(path))] = (
                        records if target is targets[0] else clean_import(target, path)
                    )
                spans = []
                end = path.read_bytes().count(b"\n") + 1
                for k, record in enumerate(records):
                    last = records[k + 1].line - 1 if k + 1 < len(records) else end
                    spans.append((record.line, max(record.line, last)))
                sources.append(Source(path, fmt, path.read_bytes(), records, spans))
            todo = variants(sources, per_class, seed)
            print(
                f"{len(sources)} real exports and fixtures, {len(todo)} broken variants, "
                f"each imported as is and with skip_bad on {', '.join(t.name for t in targets)}"
            )
            table: dict[tuple[str, str], Counter] = defaultdict(Counter)
            damages: dict[tuple[str, str], Counter] = defaultdict(Counter)
            noted: list[str] = []
            started = time.perf_counter()
            for n, variant in enumerate(todo):
                path = Path(folder) / f"v{n}_{variant.source.name}"
                path.write_bytes(variant.data)
                for target in targets:
                    for skip_bad in (False, True):
                        got = classify(target, variant, path, skip_bad)
                        key = (variant.cls, target.name)
                        table[key]["imports"] += 1
                        table[key][got.outcome] += 1
                        damages[key].update(got.damage)
                        if got.outcome in ("traceback", "partial write", "silent damage"):
                            noted.append(
                                f"{target.name:<10} {variant.cls:<22} {variant.source.name} "
                                f"({variant.note}) skip_bad={skip_bad}: {got.outcome} "
                                f"{dict(got.damage) or ''} {got.message}"
                            )
                path.unlink()
            seconds = time.perf_counter() - started
        finally:
            for target in targets:
                target.store.close()
            if server is not None:
                server.__exit__(None, None, None)
    print_table(table, damages, [t.name for t in targets], len(todo), seconds)
    if noted:
        print(f"\n{len(noted)} failing imports:" if details else "")
        for line in noted if details else []:
            print("  " + line)


def print_table(table, damages, stores: list[str], total: int, seconds: float) -> None:
    classes = sorted({cls for cls, _ in table}, key=lambda c: [k for k, _ in table].index(c))
    print(
        f"\n{total} variants in {seconds:.0f} s. Per class and store: imports (2 per variant: as "
        "is, and skip_bad), then how each ended.\n"
    )
    header = (
        f"{'class':<34} {'store':<10} {'variants':>8} {'imports':>7} {'clear err':>9} "
        f"{'imported':>8} {'traceback':>9} {'partial':>7} {'silent':>6}  damage"
    )
    print(header)
    print("-" * len(header))
    totals: dict[str, Counter] = defaultdict(Counter)
    for cls in classes:
        for store in stores:
            row = table[(cls, store)]
            totals[store].update(row)
            damage = ", ".join(f"{k} {v}" for k, v in damages[(cls, store)].items())
            print(
                f"{cls:<34} {store:<10} {row['imports'] // 2:>8} {row['imports']:>7} "
                f"{row['clear error']:>9} {row['imported']:>8} {row['traceback']:>9} "
                f"{row['partial write']:>7} {row['silent damage']:>6}  {damage}"
            )
    print("-" * len(header))
    for store in stores:
        row = totals[store]
        print(
            f"{'all classes':<34} {store:<10} {row['imports'] // 2:>8} {row['imports']:>7} "
            f"{row['clear error']:>9} {row['imported']:>8} {row['traceback']:>9} "
            f"{row['partial write']:>7} {row['silent damage']:>6}"
        )
    print(
        "\nclear err = an evimap error naming the problem, nothing written; imported = exit 0 "
        "and no silent damage; traceback, partial (write) and silent (damage) are the failures "
        "(target: 0 on every store). Damage kinds: see the module docstring."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=16, help="sources per generic class")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--details", action="store_true", help="list every failing import")
    parser.add_argument("--only", help="only sources whose name contains this (debugging)")
    args = parser.parse_args()
    if not EXPORTS.is_dir():
        sys.exit(f"real exports not found at {EXPORTS}")
    paths = sorted(p for p in EXPORTS.rglob("*") if p.is_file())
    paths += [FIXTURES / name for name in EXTRA if (FIXTURES / name).exists()]
    if args.only:
        paths = [p for p in paths if args.only in p.name]
    run(paths, args.per_class, args.seed, not args.no_postgres, args.details)


if __name__ == "__main__":
    main()
