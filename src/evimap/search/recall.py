"""Recall check: does the equation find the records known to be relevant, and if not, why?

Known records come from a file (any format the importers read: RIS, CSV ...) or from a list of
records. Each is matched to a review record by DOI, then by normalised title. For each, the
report says whether it is among the review's records, whether the equation matches it, and for a
miss which clauses of the equation failed (the AND branches none of whose terms occur).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evimap.numbers import n_of, percent
from evimap.records import Record
from evimap.records.normalise import normalise_doi
from evimap.search.evaluate import explain
from evimap.search.index import fold
from evimap.search.tree import TOPIC, Node

_NON_ALNUM = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    """A title folded for matching: lower case, no accents, letters and digits only."""
    return _NON_ALNUM.sub("", fold(title or ""))


def read_known(path: str | Path, encoding: str = "utf-8") -> list[Record]:
    """Read known relevant records from an export file with the importers (format detected).

    :param path: an RIS, CSV, BibTeX ... file.
    :param encoding: its text encoding.
    :raises ImportFormatError: when the file cannot be read.
    """
    from evimap.errors import ImportFormatError
    from evimap.importers.detect import decode_head, detect, iter_lines

    path = Path(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=path)
    head = decode_head(path, encoding)
    reader = detect(path, head, None).reader(path.name, None)
    records: list[Record] = []
    for entry in reader.split(iter_lines(path, encoding)):
        if entry.error:
            raise ImportFormatError(entry.error, file=path, line=entry.error_line or entry.line)
        record = reader.convert(entry)
        record.line = record.line or entry.line
        record.source_file = path.name
        records.append(record)
    return records


@dataclass
class KnownRecord:
    """What happened to one known relevant record."""

    title: str
    doi: str
    line: int
    review_id: int | None
    matched_by: str  # "doi", "title" or "" (not among the review's records)
    equation_matches: bool
    failed_clauses: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if self.equation_matches:
            where = "found" if self.review_id is not None else "not among the review's records"
            return f"matched by the equation ({where})"
        failed = "; ".join(self.failed_clauses) or "the equation as a whole"
        return f"missed: no term of {failed} occurs in the searched fields"

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "doi": self.doi,
            "line": self.line,
            "review_id": self.review_id,
            "matched_by": self.matched_by,
            "in_review": self.review_id is not None,
            "equation_matches": self.equation_matches,
            "failed_clauses": self.failed_clauses,
            "reason": self.reason,
        }


@dataclass
class RecallReport:
    """The recall of an equation on known relevant records."""

    known: list[KnownRecord]

    @property
    def total(self) -> int:
        return len(self.known)

    @property
    def found(self) -> int:
        return sum(1 for k in self.known if k.equation_matches)

    @property
    def in_review(self) -> int:
        return sum(1 for k in self.known if k.review_id is not None)

    @property
    def missed(self) -> list[KnownRecord]:
        return [k for k in self.known if not k.equation_matches]

    @property
    def recall(self) -> float | None:
        return percent(self.found, self.total)

    def summary(self) -> dict:
        return {
            "known": self.total,
            "in_review": n_of(self.in_review, self.total),
            "matched_by_equation": n_of(self.found, self.total),
            "recall_percent": self.recall,
        }

    def to_dict(self) -> dict:
        return {"summary": self.summary(), "records": [k.to_dict() for k in self.known]}


def check_recall(
    known: Iterable[Record],
    review_records: Iterable[tuple[int, Record]],
    tree: Node,
    default_fields: frozenset[str] = TOPIC,
) -> RecallReport:
    """Match known records to review records and explain each miss.

    :param known: the known relevant records.
    :param review_records: ``(id, record)`` of the review.
    :param tree: the equation's query tree.
    :param default_fields: fields searched by untagged terms.
    """
    by_doi: dict[str, tuple[int, Record]] = {}
    by_title: dict[str, tuple[int, Record]] = {}
    for record_id, record in review_records:
        doi = normalise_doi(record.doi)
        if doi:
            by_doi.setdefault(doi, (record_id, record))
        key = title_key(record.title)
        if key:
            by_title.setdefault(key, (record_id, record))
    out: list[KnownRecord] = []
    for record in known:
        doi = normalise_doi(record.doi)
        hit, how = None, ""
        if doi and doi in by_doi:
            hit, how = by_doi[doi], "doi"
        elif title_key(record.title) in by_title:
            hit, how = by_title[title_key(record.title)], "title"
        target = hit[1] if hit else record
        why = explain(target, tree, default_fields)
        out.append(
            KnownRecord(
                title=record.title,
                doi=doi,
                line=record.line,
                review_id=hit[0] if hit else None,
                matched_by=how,
                equation_matches=why.matched,
                failed_clauses=[] if why.matched else why.failed_clauses,
            )
        )
    return RecallReport(out)
