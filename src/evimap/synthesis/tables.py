"""Frequency tables and cross-tabs of charted studies: counts with n and % of a stated
denominator, rounded half-up to one decimal (:func:`evimap.numbers.percent`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evimap.charting.store import Study
from evimap.numbers import n_of, percent

Labels = Callable[[Any], list[str]]


def study_value(study: Study, name: str) -> Any:
    """A charted value, or else the record's attribute of that name (``year``,
    ``source_title``...), or ``None``."""
    if name in study.values:
        return study.values[name]
    if study.record is not None and hasattr(study.record, name):
        value = getattr(study.record, name)
        return value if value not in ("", []) else None
    return None


def as_labels(value: Any) -> list[str]:
    """A value as category labels: a list stays a list, a scalar becomes one label, nothing
    becomes none."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


@dataclass
class FrequencyRow:
    """One category: how many studies have it, and which."""

    category: str
    n: int
    percent: float | None
    studies: list[str] = field(default_factory=list)


@dataclass
class FrequencyTable:
    """Counts of one field's categories.

    :param field: the field counted.
    :param label: the header of the category column.
    :param denominator: what percentages are of (a count of studies).
    :param denominator_label: what the denominator counts (``all included studies``...).
    :param rows: categories in table order.
    :param missing: studies in the denominator with no value for the field.
    :param multi: a study may fall in several categories (percentages may sum past 100).
    """

    field: str
    label: str
    denominator: int
    denominator_label: str
    rows: list[FrequencyRow]
    missing: int = 0
    multi: bool = False

    def row(self, category: str) -> FrequencyRow:
        """The row of ``category`` (a zero row when absent)."""
        for row in self.rows:
            if row.category == category:
                return row
        return FrequencyRow(category, 0, percent(0, self.denominator), [])

    def to_rows(self, with_studies: bool = False) -> list[dict[str, Any]]:
        """Rows for CSV/JSON/xlsx: category, n, denominator, percent, n_of (``12/25 (48.0%)``)."""
        out = []
        for row in self.rows:
            item: dict[str, Any] = {
                self.label: row.category,
                "n": row.n,
                "denominator": self.denominator,
                "percent": row.percent,
                "n_of": n_of(row.n, self.denominator),
            }
            if with_studies:
                item["studies"] = "; ".join(row.studies)
            out.append(item)
        return out

    @property
    def caption(self) -> str:
        """What the percentages are of, and whether categories overlap."""
        text = f"Percentages of {self.denominator} {self.denominator_label}"
        if self.multi:
            text += "; a study may be counted in several categories"
        if self.missing:
            text += f"; {self.missing} with no value"
        return text + "."


def frequency(
    studies: Sequence[Study],
    name: str,
    *,
    label: str | None = None,
    choices: Sequence[str] = (),
    include_empty: bool = True,
    order: str = "count",
    denominator: int | None = None,
    denominator_label: str = "included studies",
    value: Callable[[Study], Any] | None = None,
) -> FrequencyTable:
    """Count the studies in each category of a single- or multi-valued field.

    :param studies: the studies to count (each counted at most once per category).
    :param name: the field (a codebook field or a record attribute such as ``year``).
    :param label: header of the category column (default: ``name``).
    :param choices: categories to list, in this order, even when no study has them.
    :param include_empty: list ``choices`` with no study (n = 0).
    :param order: ``count`` (most frequent first, ties in choice order then first seen) or
        ``choices`` (choice order, then first seen).
    :param denominator: what percentages are of (default: the number of ``studies``).
    :param denominator_label: what the denominator counts, for the caption.
    :param value: derives the value from a study instead of reading field ``name``.
    """
    get = value or (lambda s: study_value(s, name))
    members: dict[str, list[str]] = {c: [] for c in choices}
    missing = 0
    multi = False
    for study in studies:
        labels = list(dict.fromkeys(as_labels(get(study))))
        if not labels:
            missing += 1
        if len(labels) > 1 or isinstance(get(study), list):
            multi = True
        for category in labels:
            members.setdefault(category, []).append(study.key)
    total = len(studies) if denominator is None else denominator
    seen_order = {c: i for i, c in enumerate(members)}
    categories = [c for c in members if members[c] or (include_empty and c in choices)]
    if order == "count":
        categories.sort(key=lambda c: (-len(members[c]), seen_order[c]))
    rows = [
        FrequencyRow(c, len(members[c]), percent(len(members[c]), total), members[c])
        for c in categories
    ]
    return FrequencyTable(
        name, label or name, total, denominator_label, rows, missing=missing, multi=multi
    )


@dataclass
class CrossTab:
    """Counts of items at each (row, column) pair of categories.

    :param rows: row categories in order.
    :param columns: column categories in order.
    :param cells: (row, column) -> the distinct keys counted there (studies, or sources).
    :param row_label: what the rows are.
    :param column_label: what the columns are.
    :param unit: what a count counts (``studies``, ``recommendations``).
    """

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], list[str]]
    row_label: str = "row"
    column_label: str = "column"
    unit: str = "studies"

    def n(self, row: str, column: str) -> int:
        """The count at a cell."""
        return len(self.cells.get((row, column), []))

    def row_total(self, row: str) -> int:
        """Distinct keys in a row."""
        return len({k for c in self.columns for k in self.cells.get((row, c), [])})

    def column_total(self, column: str) -> int:
        """Distinct keys in a column."""
        return len({k for r in self.rows for k in self.cells.get((r, column), [])})

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict a row: the row category, one count per column, and the row's distinct total."""
        out = []
        for r in self.rows:
            item: dict[str, Any] = {self.row_label: r}
            for c in self.columns:
                item[c] = self.n(r, c)
            item["total"] = self.row_total(r)
            out.append(item)
        return out


def crosstab(
    items: Iterable[Any],
    row: Labels,
    column: Labels,
    keys: Callable[[Any], Iterable[str]],
    *,
    row_order: Sequence[str] = (),
    column_order: Sequence[str] = (),
    row_label: str = "row",
    column_label: str = "column",
    unit: str = "studies",
) -> CrossTab:
    """Cross-tabulate items; a cell counts the distinct keys of the items that fall in it.

    For studies, ``keys`` is the study's own key; for recommendations, the studies behind each,
    so a cell counts how many studies back that combination.

    :param items: studies, recommendations, anything.
    :param row: an item's row categories (several for a multi-valued field).
    :param column: an item's column categories.
    :param keys: what a cell counts for an item.
    :param row_order: rows listed first and in this order (even when empty).
    :param column_order: columns listed first and in this order (even when empty).
    :param row_label: what the rows are.
    :param column_label: what the columns are.
    :param unit: what a count counts.
    """
    cells: dict[tuple[str, str], list[str]] = {}
    rows = list(row_order)
    columns = list(column_order)
    for item in items:
        item_keys = list(keys(item))
        for r in row(item):
            if r not in rows:
                rows.append(r)
            for c in column(item):
                if c not in columns:
                    columns.append(c)
                cell = cells.setdefault((r, c), [])
                for k in item_keys:
                    if k not in cell:
                        cell.append(k)
    return CrossTab(rows, columns, cells, row_label, column_label, unit)


def field_labels(name: str) -> Labels:
    """A ``row``/``column`` function for :func:`crosstab` reading a study field."""
    return lambda study: as_labels(study_value(study, name))


def total_of(studies: Sequence[Study], name: str) -> int | float:
    """The sum of a number field over studies (missing values count as nothing)."""
    return sum(v for s in studies if isinstance(v := study_value(s, name), int | float))
