"""The xlsx workbook: one sheet a table (openpyxl)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from evimap.report.tables import Table, _cell

_BAD = re.compile(r"[\[\]:*?/\\]")
# Fixed workbook dates so the same data always writes the same file.
_EPOCH = datetime(2000, 1, 1)


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD.sub("_", name)[:31] or "sheet"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f"_{n}"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def _storable(value):
    """Text with the control characters a worksheet cannot hold (``\x00``-``\x1f`` but tab
    and line breaks) shown as U+FFFD: an export or a typed note may carry them, and openpyxl
    refuses the whole workbook for one."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _append(sheet, values: Sequence) -> None:
    """Append a row; text is always text (a title starting with ``=`` is not run as a formula,
    so no cell can become a live formula or link)."""
    sheet.append([_storable(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


def write_workbook(tables: Sequence[Table], path: str | Path) -> list[str]:
    """Write each table to its own sheet (title row, caption row, header, data).

    :param tables: the tables, in sheet order.
    :param path: the .xlsx file.
    :returns: the sheet names.
    """
    book = Workbook()
    book.remove(book.active)
    book.properties.created = _EPOCH
    book.properties.modified = _EPOCH
    used: set[str] = set()
    names = []
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name, used))
        names.append(sheet.title)
        _append(sheet, [table.title or table.name])
        sheet["A1"].font = Font(bold=True, size=12)
        _append(sheet, [table.caption])
        sheet["A2"].font = Font(italic=True)
        _append(sheet, table.columns)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            _append(sheet, [_cell(row.get(c)) for c in table.columns])
        for i, column in enumerate(table.columns, start=1):
            longest = max([len(str(column))] + [len(str(_cell(r.get(column)))) for r in table.rows])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 8), 70)
            for cell in sheet[get_column_letter(i)][3:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A4"
    book.save(path)
    return names
