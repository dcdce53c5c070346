"""Printing results: a human table by default, or JSON / CSV for scripts (``--format``).

Record text is never read as markup: every cell, title and caption goes to Rich as plain
``Text`` (a title holding ``[/i]`` or ``[in Spanish]`` prints as it is), and CSV cells are
formula-safe (:mod:`evimap.csvtable`). Errors print in one shape: a line on stderr for people,
``{"ok": false, "error": ..., "errors": [...]}`` on stdout with ``--format json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

import typer

from evimap.csvtable import write_csv

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.text import Text


@cache
def console() -> Console:
    """The console for results (Rich loads on first use, not at start)."""
    from rich.console import Console

    return Console(highlight=False)


@cache
def err_console() -> Console:
    """The console for progress and errors (stderr)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class OutputFormat(StrEnum):
    """What a verb prints."""

    table = "table"
    json = "json"
    csv = "csv"


ReviewArg = typer.Argument(..., metavar="REVIEW", help="The review folder.")
DbOption = typer.Option(None, "--db", help="Database URL or SQLite path overriding review.toml.")


def plain(value: Any) -> Text:
    """``value`` as Rich text that is never parsed as markup."""
    from rich.text import Text

    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(value))


def say(*parts: Any, stderr: bool = False) -> None:
    """Print plain text (record text included) without markup or highlighting."""
    from rich.text import Text

    target = err_console() if stderr else console()
    target.print(Text.assemble(*(plain(p) for p in parts)), soft_wrap=True)


def emit_rows(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat | str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print a list of rows as a table, JSON array or CSV (header + one line a row)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    fmt = str(fmt)
    if fmt == "json":
        typer.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        write_csv(rows, columns, sys.stdout)
    else:
        from rich.table import Table

        table = Table(
            title=plain(title) if title else None, caption=plain(caption) if caption else None
        )
        for column in columns:
            table.add_column(plain(column.replace("_", " ")), overflow="fold")
        for row in rows:
            table.add_row(*(plain(_cell(row.get(c))) for c in columns))
        console().print(table)


def emit_object(data: Any, fmt: OutputFormat | str = "json") -> None:
    """Print one result object as JSON."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _cell(value: Any) -> str:
    """A table cell's text (:func:`plain` keeps equations' ``[tiab]`` and record text's
    brackets instead of reading them as Rich markup)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def error_payload(exc: BaseException) -> dict[str, Any]:
    """The one JSON shape of an error: ``ok``, ``error`` and every problem in ``errors``."""
    problems = getattr(exc, "problems", None)
    if problems:
        errors = [
            {
                "message": getattr(p, "message", str(p)),
                "file": getattr(p, "file", None),
                "line": getattr(p, "line", None),
                "field": getattr(p, "field", None),
            }
            for p in problems
        ]
    else:
        problem = getattr(exc, "problem", None)
        errors = [
            {
                "message": getattr(problem, "message", str(exc)),
                "file": getattr(problem, "file", None),
                "line": getattr(problem, "line", None),
                "field": getattr(problem, "field", None),
            }
        ]
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if problems and len(problems) > 1:
        message = f"{len(problems)} problems"
    return {"ok": False, "error": message, "kind": type(exc).__name__, "errors": errors}


def print_error(exc: BaseException, fmt: str | None) -> None:
    """Print an evimap error for people (stderr) or, with ``--format json``, as JSON (stdout)."""
    if fmt == "json":
        typer.echo(json.dumps(error_payload(exc), ensure_ascii=False, indent=2, default=str))
        return
    from rich.text import Text

    problems = getattr(exc, "problems", None)
    if problems and len(problems) > 1 or type(exc).__name__ == "ProtocolError":
        head = {
            "ProtocolError": "the protocol has problems:",
            "DecisionFileError": "the decisions file has problems; nothing was imported:",
            "ChartingError": "the charting has problems; nothing was stored:",
        }.get(type(exc).__name__, "there are problems:")
        err_console().print(Text.assemble(("Error: ", "bold red"), head), soft_wrap=True)
        for problem in problems or []:
            err_console().print(Text(f"  {problem}"), soft_wrap=True)
        return
    err_console().print(Text.assemble(("Error: ", "bold red"), str(exc)), soft_wrap=True)
