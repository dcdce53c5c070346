"""Reading and writing CSV tables: the one reader and the one writer of evimap's own tables.

The reader keeps newlines inside quoted fields, strips a byte-order mark, and gives each row the
line its record starts on (a row spanning three lines still names its first line). The writer
guards against formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is written with a leading ``'`` (OWASP's advice for CSV files opened in
spreadsheets), and the reader takes that quote off again, so a table written by evimap reads
back as it was. Numbers are written as they are.

Database exports are read by :mod:`evimap.importers`, not here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from evimap.errors import EvimapError, Problem

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is read as a formula by spreadsheets."""


class CsvError(EvimapError):
    """A CSV table cannot be read (missing file, bad encoding, missing columns); lists every
    problem with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class CsvRow:
    """One row of a table: the line it starts on, and its cells by column name."""

    line: int
    cells: dict[str, str]

    def get(self, column: str | None, default: str = "") -> str:
        """The cell of ``column`` (``default`` when the column or the cell is missing)."""
        if column is None:
            return default
        value = self.cells.get(column)
        return default if value is None else value


@dataclass
class CsvTable:
    """A CSV table: its file, its columns as written, and its rows."""

    file: str
    columns: list[str]
    rows: list[CsvRow] = field(default_factory=list)

    def column(self, *names: str) -> str | None:
        """The first column whose name (stripped, case-insensitive) is one of ``names``."""
        by_name = {c.strip().lower(): c for c in self.columns}
        for name in names:
            if name.lower() in by_name:
                return by_name[name.lower()]
        return None

    def require(self, names: Iterable[str]) -> None:
        """Raise :class:`CsvError` naming every column of ``names`` the table lacks."""
        missing = [n for n in names if self.column(n) is None]
        if missing:
            raise CsvError(
                [Problem(f"missing column(s) {', '.join(missing)}", file=self.file, line=1)]
            )


def unquote(cell: str) -> str:
    """A cell as written before formula quoting (``'=x`` -> ``=x``)."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def parse_csv(text: str, file: str = "<text>") -> CsvTable:
    """A CSV table from text (header on the first line).

    :param text: the CSV text.
    :param file: the file name for messages.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return CsvTable(file, [])
    except csv.Error as exc:
        raise CsvError([Problem(f"not a CSV table: {exc}", file=file, line=1)]) from None
    columns = [h.strip() for h in header]
    table = CsvTable(file, columns)
    start = reader.line_num + 1
    try:
        for values in reader:
            if values and any(v.strip() for v in values):
                cells = {c: unquote(v) for c, v in zip(columns, values, strict=False)}
                table.rows.append(CsvRow(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError([Problem(f"not a CSV table: {exc}", file=file, line=start)]) from None
    return table


def read_csv(path: str | Path, encoding: str = "utf-8") -> CsvTable:
    """Read a CSV table from a file.

    :param path: the file.
    :param encoding: its text encoding (a byte-order mark is dropped either way).
    :raises CsvError: when the file is missing, cannot be decoded or is not CSV.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise CsvError([Problem("no such file", file=str(path))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvError([Problem(f"cannot read the file: {exc}", file=str(path))]) from None
    return parse_csv(text, str(path))


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell: lists and dicts as JSON, and text that a spreadsheet would run as
    a formula quoted with a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], handle: IO[str]) -> None:
    """Write ``rows`` as CSV (header, then one line a row) with formula-safe cells.

    :param rows: the rows (keys outside ``columns`` are left out).
    :param columns: the columns, in order.
    :param handle: a text handle opened with ``newline=""``.
    """
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """The CSV text of ``rows`` (see :func:`write_csv`)."""
    buffer = io.StringIO(newline="")
    write_csv(rows, columns, buffer)
    return buffer.getvalue()
