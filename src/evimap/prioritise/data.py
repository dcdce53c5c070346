"""Labelled data sets for simulations, read with evimap's own importers.

Any file evimap can import works (CSV/TSV, RIS, BibTeX, ...): the format is detected from the
content and each entry becomes a :class:`~evimap.records.Record` by the same reader an import
uses. The label comes from the entry's ``label_included`` or ``included`` column (1/0, yes/no,
true/false), or, in RIS exported by ASReview, from an ``ASReview_relevant`` /
``ASReview_irrelevant`` note. Rows without a label are an error naming file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evimap.errors import ImportFormatError
from evimap.importers.detect import decode_head, detect, iter_lines
from evimap.records import Record

LABEL_COLUMNS: tuple[str, ...] = ("label_included", "included")
_TRUE = {"1", "1.0", "yes", "y", "true", "include", "included", "relevant"}
_FALSE = {"0", "0.0", "no", "n", "false", "exclude", "excluded", "irrelevant"}


@dataclass
class LabelledSet:
    """Records and their labels, in file order.

    :param name: the file's stem.
    :param records: the records.
    :param labels: 1 (relevant) or 0, one per record.
    :param lines: the line where each record starts.
    """

    name: str
    records: list[Record]
    labels: np.ndarray
    lines: list[int]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def relevant(self) -> int:
        """Number of relevant records."""
        return int(self.labels.sum())


def _label_of(fields: dict[str, Any]) -> str | None:
    lower = {str(k).strip().lower(): v for k, v in fields.items()}
    for column in LABEL_COLUMNS:
        if column in lower:
            value = lower[column]
            if isinstance(value, list):
                value = value[0] if value else ""
            return str(value or "").strip().lower()
    notes = " ".join(
        str(v) for k, values in fields.items() if k in ("N1", "notes") for v in _listed(values)
    )
    if "asreview_relevant" in notes.lower():
        return "1"
    if "asreview_irrelevant" in notes.lower():
        return "0"
    return None


def _listed(values: Any) -> list[Any]:
    return values if isinstance(values, list) else [values]


def read_labelled(path: str | Path, encoding: str = "utf-8") -> LabelledSet:
    """Read a labelled file with evimap's importers.

    :param path: the file.
    :param encoding: its text encoding.
    :raises ImportFormatError: naming file, line and field when a record is broken, has no
        label, or the file has no label column.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError("no such file", file=path)
    head = decode_head(path, encoding)
    reader = detect(path, head).reader(path.name, {})
    records: list[Record] = []
    labels: list[int] = []
    lines: list[int] = []
    for entry in reader.split(iter_lines(path, encoding)):
        if entry.error:
            raise ImportFormatError(entry.error, file=path, line=entry.error_line or entry.line)
        try:
            record = reader.convert(entry)
        except ImportFormatError as exc:
            raise ImportFormatError(
                exc.problem.message, file=path, line=exc.line or entry.line, field=exc.field
            ) from None
        value = _label_of(entry.fields)
        if value is None:
            raise ImportFormatError(
                "no label: give a label_included (or included) column with 1 or 0",
                file=path,
                line=entry.line,
                field="label_included",
            )
        if value in _TRUE:
            labels.append(1)
        elif value in _FALSE:
            labels.append(0)
        else:
            raise ImportFormatError(
                f"label {value!r} is not 1/0, yes/no or true/false",
                file=path,
                line=entry.line,
                field="label_included",
            )
        record.line = record.line or entry.line
        records.append(record)
        lines.append(entry.line)
    if not records:
        raise ImportFormatError("no records found", file=path)
    return LabelledSet(path.stem, records, np.asarray(labels, dtype=np.int64), lines)
