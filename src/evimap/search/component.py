"""``review.search``: run, lint, translate and recall-check the review's search equation on
its records. The index of the records is built once and kept until the records change."""

from __future__ import annotations

import contextlib
import shutil
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, select

from evimap.errors import SearchError
from evimap.members import Member
from evimap.numbers import n_of, percent
from evimap.records import Record
from evimap.search.evaluate import Explanation, Matcher, explain, positive_nodes
from evimap.search.index import Index
from evimap.search.lint import Finding, lint_tree
from evimap.search.reading import Reading, read
from evimap.search.recall import RecallReport, check_recall, read_known
from evimap.search.syntax import Rendered, get_syntax
from evimap.search.tree import TOPIC, Node, describe
from evimap.store import EventLog
from evimap.store.models import RecordRow

if TYPE_CHECKING:
    from evimap.review import Review

CACHE_DIR = ".evimap-cache"
_BUILDERS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def pending_builds() -> list[threading.Thread]:
    """Word-index builders still running in this process (a CLI waits for them on exit)."""
    return [t for t in list(_BUILDERS) if t.is_alive()]


PROTOCOL_FIELDS = {
    "title": {"title"},
    "titles": {"title"},
    "abstract": {"abstract"},
    "abstracts": {"abstract"},
    "keywords": {"keywords"},
    "key words": {"keywords"},
    "topic": set(TOPIC),
    "subject": {"subject"},
}


def fields_from_protocol(names: Iterable[str]) -> frozenset[str]:
    """Canonical search fields from the protocol's ``search.fields`` list."""
    out: set[str] = set()
    for name in names:
        key = name.strip().lower()
        if key not in PROTOCOL_FIELDS:
            valid = ", ".join(sorted(PROTOCOL_FIELDS))
            raise SearchError(f"search.fields: unknown field {name!r}; valid fields: {valid}")
        out |= PROTOCOL_FIELDS[key]
    return frozenset(out) or TOPIC


@dataclass
class DatabaseCount:
    """Matched records of one source database, with its denominator."""

    database: str
    matched: int
    records: int

    def to_dict(self) -> dict:
        return {
            "database": self.database,
            "matched": self.matched,
            "records": self.records,
            "percent": percent(self.matched, self.records),
            "matched_of": n_of(self.matched, self.records),
        }


@dataclass
class SearchRun:
    """The result of running an equation on the review's records."""

    equation: str
    syntax: str
    tree: Node
    ids: np.ndarray
    matched: np.ndarray
    by_database: list[DatabaseCount]
    leaf_masks: dict[str, np.ndarray] = field(default_factory=dict)
    reading: Reading | None = None

    @property
    def warnings(self) -> list[str]:
        """What to tell the user (e.g. the detected syntax differs from the one given)."""
        return self.reading.warnings if self.reading else []

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def count(self) -> int:
        return int(self.matched.sum())

    def matched_ids(self) -> list[int]:
        """Store ids of the matching records, in import order."""
        return self.ids[self.matched].tolist()

    def terms_by_id(self) -> dict[int, list[str]]:
        """The query terms found in each record (every record, matched or not)."""
        out: dict[int, list[str]] = {int(i): [] for i in self.ids}
        for label, mask in self.leaf_masks.items():
            for record_id in self.ids[mask].tolist():
                out[record_id].append(label)
        return out

    def summary(self) -> dict:
        return {
            "equation": self.equation,
            "syntax": self.syntax,
            "records": self.total,
            "matched": self.count,
            "matched_of": n_of(self.count, self.total),
            "by_database": [d.to_dict() for d in self.by_database],
            "detected_syntax": self.reading.detected if self.reading else None,
            "warnings": self.warnings,
        }


class Search:
    """The search equation of a review (``review.search``)."""

    def __init__(self, review: Review):
        self._review = review
        self._index: Index | None = None
        self._matcher: Matcher | None = None
        self._meta: dict[str, list] = {}
        self._builder: threading.Thread | None = None
        self._stop = threading.Event()
        self.words_error: Exception | None = None  # why the last word index was not built

    # ---- the equation ----------------------------------------------------------------------

    @property
    def equation(self) -> str:
        """The protocol's equation (``search.equation`` in review.toml)."""
        return self._review.protocol.search.equation

    @property
    def default_fields(self) -> frozenset[str]:
        """The protocol's search fields (``search.fields``), for untagged terms."""
        return fields_from_protocol(self._review.protocol.search.fields)

    def read(self, equation: str | None = None, syntax: str | None = None) -> Reading:
        """``equation`` (default: the protocol's) read in ``syntax`` (``None``: detected)."""
        return read(equation or self.equation, syntax)

    def parse(self, equation: str | None = None, syntax: str | None = None) -> Node:
        """The query tree of ``equation`` (default: the protocol's)."""
        return self.read(equation, syntax).tree

    # ---- the index -------------------------------------------------------------------------

    def _key(self) -> tuple[int, int]:
        with self._review.store.read() as session:
            count, top = session.execute(select(func.count(), func.max(RecordRow.id))).one()
        return int(count or 0), int(top or 0)

    @property
    def cache_dir(self) -> Path:
        """Where the laid-out records are kept between sessions (safe to delete)."""
        return self._review.folder / CACHE_DIR / "search"

    def index(self) -> Index:
        """The index of the review's records; rebuilt only when records were added or removed.

        Streams are laid out when an equation first needs them, kept in memory, and saved in
        :attr:`cache_dir` so the next session (or CLI call) maps them instead of reading every
        record again.
        """
        key = self._key()
        if self._index is None or self._index.key != key:
            self._stop_builder()
            if self._load_cached(key):
                return self._index
            with contextlib.suppress(OSError):
                shutil.rmtree(self.cache_dir)
            meta: dict[str, list] = {"database": [], "record_id": [], "file": []}
            first = [True]

            def records() -> Iterator[tuple[int, Record]]:
                if first[0]:  # the first complete pass fills the columns
                    for column in meta.values():
                        column.clear()
                for record_id, record in self._review.records.iter():
                    if first[0]:
                        meta["database"].append(record.source_database)
                        meta["record_id"].append(record.source_record_id)
                        meta["file"].append(record.source_file)
                    yield record_id, record
                first[0] = False

            self._index = Index.lazy(records, key=key, on_build=self._save)
            self._meta = meta
            self._matcher = Matcher(self._index, self.default_fields)
        return self._index

    def _save(self, _built: dict) -> None:
        with contextlib.suppress(OSError):  # a read-only folder only loses the cache
            self._index.save(self.cache_dir, self._meta)

    def _load_cached(self, key: tuple[int, int]) -> bool:
        try:
            index, meta = Index.load(self.cache_dir)
        except (OSError, ValueError, KeyError, EOFError):
            return False
        if index.key != key or any(len(v) != index.size for v in meta.values()):
            return False
        index.source = lambda: self._review.records.iter()
        index.on_build = self._save
        index.load_words(self.cache_dir)
        self._index, self._meta = index, meta
        self._matcher = Matcher(index, self.default_fields)
        return True

    # ---- the word index, built in the background ----------------------------------------

    def index_words(self, background: bool = True) -> threading.Thread | None:
        """Build the word index of the streams laid out so far (those without one), in
        :attr:`cache_dir`, so later runs look words up instead of searching every record.

        Runs after an equation has answered (``search.run`` starts it); until it is ready, and
        if it cannot be written, runs search the laid-out text as before, with the same results.

        :param background: build in a daemon thread (returned) rather than now.
        """
        index = self._index
        if index is None or (self._builder is not None and self._builder.is_alive()):
            return self._builder
        if not [n for n in index.streams if n != "headings" and n not in index.words]:
            return None
        stop = self._stop = threading.Event()
        folder = self.cache_dir
        from evimap.search.words import BuildCancelled

        def build() -> None:
            try:
                index.index_words(folder, stop=stop)
            except BuildCancelled:
                pass
            except Exception as exc:  # noqa: BLE001 (runs go on without it, with the same results)
                self.words_error = exc

        if not background:
            build()
            return None
        self._builder = threading.Thread(target=build, name="evimap-search-words", daemon=True)
        _BUILDERS.add(self._builder)
        self._builder.start()
        return self._builder

    def wait_for_words(self, timeout: float | None = None) -> bool:
        """Wait for the word index being built; ``True`` when none is being built any more."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
            return not builder.is_alive()
        return True

    def _stop_builder(self) -> None:
        """Abandon a build for records that changed (it stops at its next window)."""
        self._stop.set()
        if self._builder is not None:
            self._builder.join(5)
        self._builder = None

    def matcher(self) -> Matcher:
        """The matcher over the current index (keeps leaf results between runs)."""
        self.index()
        assert self._matcher is not None
        return self._matcher

    # ---- verbs -------------------------------------------------------------------------------

    def run(
        self,
        equation: str | None = None,
        syntax: str | None = None,
        member: Member | None = None,
        log: bool = True,
    ) -> SearchRun:
        """Run an equation on the review's records and log a ``search.run`` event.

        :param equation: the equation (default: the protocol's).
        :param syntax: the syntax it is written in; ``None`` detects it from its field codes
            (the result's ``warnings`` say when a given syntax differs from the detected one).
        :param member: who runs it (for the event log; ``None``: no one).
        :param log: append the ``search.run`` event.
        """
        actor = member.name if (member := self._review.team.confirm(member)) else ""
        text = equation or self.equation
        reading = self.read(text, syntax)
        tree = reading.tree
        syntax = reading.syntax
        matcher = self.matcher()
        index = self.index()
        mask = matcher.mask(tree)
        leaf_masks = {describe(n): matcher.mask(n) for n in positive_nodes(tree)}
        totals: Counter[str] = Counter(self._meta["database"])
        hits: Counter[str] = Counter(
            self._meta["database"][i] for i in np.flatnonzero(mask).tolist()
        )
        by_db = [
            DatabaseCount(db or "(unknown)", hits.get(db, 0), n)
            for db, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        result = SearchRun(text, syntax, tree, index.ids, mask, by_db, leaf_masks, reading)
        self.index_words()  # the answer is in: index the words for the next run
        if log:
            with self._review.store.transaction() as session:
                EventLog.append(
                    session,
                    "search.run",
                    actor=actor,
                    subject=text,
                    counts={
                        "records": result.total,
                        "matched": result.count,
                        "by_database": {
                            d.database: {"matched": d.matched, "records": d.records} for d in by_db
                        },
                    },
                    details={
                        "syntax": syntax,
                        "detected_syntax": reading.detected,
                        "warnings": reading.warnings,
                        "equation": text,
                        "fields": sorted(self.default_fields),
                        "tree": describe(tree),
                    },
                )
        return result

    def source_info(self, record_id: int) -> dict[str, str]:
        """Source database, file and the record's ID in that file, for an indexed record."""
        index = self.index()
        row = int(np.searchsorted(index.ids, record_id))
        if row >= index.size or index.ids[row] != record_id:
            raise SearchError(f"no record {record_id} in the review")
        return {
            "database": self._meta["database"][row],
            "file": self._meta["file"][row],
            "source_record_id": self._meta["record_id"][row],
        }

    def explain(
        self, record_ids: Iterable[int], equation: str | None = None, syntax: str | None = None
    ) -> dict[int, tuple[Record, Explanation]]:
        """Spans of the matching words and matched clauses for some records."""
        tree = self.parse(equation, syntax)
        out: dict[int, tuple[Record, Explanation]] = {}
        for record_id, record in self._review.records.iter(ids=list(record_ids)):
            out[record_id] = (record, explain(record, tree, self.default_fields))
        return out

    def lint(
        self, equation: str | None = None, syntax: str | None = None, records: bool = True
    ) -> list[Finding]:
        """Lint an equation (default: the protocol's), also against the records if asked."""
        from evimap.errors import SearchSyntaxError
        from evimap.search.lint import lint, syntax_findings

        text = equation or self.equation
        try:
            reading = self.read(text, syntax)
        except SearchSyntaxError:
            return lint(text, syntax)
        tree = reading.tree
        head = syntax_findings(reading)
        if records and self._key()[0]:
            return head + lint_tree(tree, self.index(), self.default_fields, self.matcher())
        return head + lint_tree(tree, None, self.default_fields)

    def translate(
        self, to: str, equation: str | None = None, syntax: str | None = None
    ) -> Rendered:
        """Write an equation (default: the protocol's) in another database's syntax."""
        reading = self.read(equation, syntax)
        out = get_syntax(to).render(reading.tree, self.default_fields)
        out.warnings = reading.warnings + out.warnings
        return out

    def per_database(self, equation: str | None = None, syntax: str | None = None) -> list[dict]:
        """The equation as run in each of the protocol's databases, in that database's syntax
        (for the report): ``database``, ``syntax``, ``text``, ``warnings``.

        A database evimap has no syntax for gets ``syntax`` ``""`` and the equation as given.
        """
        tree = self.parse(equation, syntax)
        out = []
        for database in self._review.protocol.search.databases:
            try:
                target = get_syntax(database)
            except SearchError:
                out.append(
                    {
                        "database": database,
                        "syntax": "",
                        "text": equation or self.equation,
                        "warnings": [],
                    }
                )
                continue
            rendered = target.render(tree, self.default_fields)
            out.append({"database": database, **rendered.to_dict()})
        return out

    def recall(
        self,
        known: str | Path | Iterable[Record],
        equation: str | None = None,
        syntax: str | None = None,
        member: Member | None = None,
    ) -> RecallReport:
        """Check the equation against known relevant records (a file or records).

        Logs a ``search.recall`` event with the counts.

        :param known: a file of known relevant records, or the records.
        :param equation: the equation (default: the protocol's).
        :param syntax: the syntax it is written in.
        :param member: who checks (for the event log; ``None``: no one).
        """
        actor = member.name if (member := self._review.team.confirm(member)) else ""
        records = read_known(known) if isinstance(known, str | Path) else list(known)
        text = equation or self.equation
        tree = self.parse(text, syntax)
        report = check_recall(records, self._review.records.iter(), tree, self.default_fields)
        with self._review.store.transaction() as session:
            EventLog.append(
                session,
                "search.recall",
                actor=actor,
                subject=str(known) if isinstance(known, str | Path) else "records",
                counts={
                    "known": report.total,
                    "in_review": report.in_review,
                    "matched": report.found,
                },
                details={
                    "equation": text,
                    "syntax": syntax,
                    "missed": [k.to_dict() for k in report.missed],
                },
            )
        return report
