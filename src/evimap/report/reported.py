"""Counts a review's authors reported (``reported_counts.toml``), logged as ``prisma.reported``
events so that the PRISMA diagram of a review known only from its paper is still computed from
the event log.

File format (one ``[[count]]`` a number)::

    [[count]]
    key = "identified"          # the file's own name for the count
    box = "database_results"    # optional: the PRISMA box (else looked up from key, see BOXES)
    value = 775
    reported = true             # printed by the authors; false: derived by the file's author
    section = "Results: Article selection"
    quote = "The database search strategy yielded 775 articles"

    [[not_reported]]
    key = "duplicates"
    note = "Number of duplicates removed, apart from wrong-field records."

Only ``reported = true`` counts become events: evimap derives the rest itself (and the
consistency check compares its derivations with the file's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evimap.errors import Problem, ReportError
from evimap.report.prisma import BOX_LABELS, COUNT_FIELDS, KIND_REPORTED
from evimap.store import EventLog, Store
from evimap.tomlfile import load_toml

#: The PRISMA box of the count keys used in reported_counts.toml files, when a count gives no
#: ``box`` of its own.
BOXES = {
    "identified": "database_results",
    "identified_databases": "database_results",
    "duplicates": "duplicates",
    "removed_before_screening": "removed_before_screening",
    "after_duplicates_and_field_removal": "records_screened",
    "screened": "records_screened",
    "excluded_title_abstract": "records_excluded",
    "excluded_by_eligibility": "excluded_screening_and_eligibility",
    "full_text_assessed": "dbr_assessed",
    "eligible_from_databases": "dbr_included",
    "included_databases": "dbr_included",
    "included_other_methods": "other_included",
    "other_methods_identified": "citations_results",
    "included": "total_studies",
}


@dataclass(frozen=True)
class ReportedCount:
    """One count from reported_counts.toml.

    :param key: the file's name for it.
    :param box: the PRISMA box it fills.
    :param value: the number.
    :param reported: printed by the authors (``False``: derived by whoever wrote the file).
    :param quote: the authors' words.
    :param section: where in the paper.
    :param note: a remark.
    """

    key: str
    box: str
    value: int
    reported: bool
    quote: str = ""
    section: str = ""
    note: str = ""
    label: str = ""


@dataclass
class ReportedCounts:
    """Everything reported_counts.toml says."""

    counts: list[ReportedCount] = field(default_factory=list)
    not_reported: list[tuple[str, str]] = field(default_factory=list)
    file: str = ""

    def get(self, key: str) -> ReportedCount | None:
        """The count with this key (file name or box)."""
        for count in self.counts:
            if key in (count.key, count.box):
                return count
        return None


def load_reported_counts(path: str | Path) -> ReportedCounts:
    """Read reported_counts.toml.

    :param path: the file.
    :raises ReportError: naming file and count for every problem.
    """
    path = Path(path)
    data = load_toml(path, lambda problem: ReportError(str(problem)))
    problems: list[str] = []
    counts = []
    for i, entry in enumerate(data.get("count") or []):
        where = f"count[{i}]"
        key = entry.get("key")
        box = entry.get("box") or BOXES.get(key or "")
        value = entry.get("value")
        if not isinstance(key, str):
            problems.append(str(Problem("key is missing", str(path), field=where)))
            continue
        if box not in COUNT_FIELDS:
            valid = ", ".join(sorted(set(BOXES)))
            problems.append(
                str(
                    Problem(
                        f"no PRISMA box for key {key!r}: add box = <PRISMA field> "
                        f"(known keys: {valid})",
                        str(path),
                        field=where,
                    )
                )
            )
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(str(Problem("value must be a whole number", str(path), field=where)))
            continue
        counts.append(
            ReportedCount(
                key,
                box,
                value,
                bool(entry.get("reported", False)),
                entry.get("quote", ""),
                entry.get("section", ""),
                entry.get("note", ""),
                entry.get("label", ""),
            )
        )
    if problems:
        raise ReportError("\n".join(problems))
    not_reported = [(e.get("key", ""), e.get("note", "")) for e in data.get("not_reported") or []]
    return ReportedCounts(counts, not_reported, str(path))


def log_reported_counts(store: Store, reported: ReportedCounts, actor: str = "") -> int:
    """Log each count the authors reported as a ``prisma.reported`` event (one transaction).

    :param store: the review's store.
    :param reported: the counts.
    :param actor: who records them.
    :returns: the number of events logged.
    """
    n = 0
    not_reported = "; ".join(not_reported_words(k) for k, _ in reported.not_reported)
    with store.transaction() as session:
        for count in reported.counts:
            if not count.reported:
                continue
            EventLog.append(
                session,
                KIND_REPORTED,
                actor=actor,
                subject=count.box,
                why=count.quote,
                counts={count.box: count.value},
                details=_details(count),
            )
            n += 1
        if not_reported:
            EventLog.append(
                session,
                KIND_REPORTED,
                actor=actor,
                subject="not reported",
                counts={},
                details={
                    "reported": True,
                    "notes": [f"Not reported by the review's authors: {not_reported}."],
                },
            )
    return n


def not_reported_words(key: str) -> str:
    """A count the authors did not report, in words: its PRISMA box's label where the key names
    a box (``excluded_title_abstract`` -> ``records excluded``), else the key spelled out."""
    box = BOXES.get(key, key)
    label = BOX_LABELS.get(box)
    return label[0].lower() + label[1:] if label else key.replace("_", " ")


def _details(count: ReportedCount) -> dict[str, Any]:
    return {
        "reported": True,
        "key": count.key,
        "quote": count.quote,
        "section": count.section,
        "label": count.label,
    }
