"""Printing results: a human table by default, or JSON / CSV for scripts (``--format``)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from evimap.errors import EvimapError, ProtocolError

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    """What a verb prints."""

    table = "table"
    json = "json"
    csv = "csv"


ReviewArg = typer.Argument(..., metavar="REVIEW", help="The review folder.")
DbOption = typer.Option(None, "--db", help="Database URL or SQLite path overriding review.toml.")
ActorOption = typer.Option("", "--as", help="Who is doing this (for the event log).")

FormatOption = typer.Option(
    OutputFormat.table, "--format", "-f", help="table (for people), json or csv (for scripts)."
)


def emit_rows(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print a list of rows as a table, JSON array or CSV (header + one line a row)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
    elif fmt is OutputFormat.csv:
        writer = csv.DictWriter(
            sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in columns})
    else:
        table = Table(title=title, caption=caption)
        for column in columns:
            table.add_column(column.replace("_", " "), overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        console.print(table)


def emit_object(data: dict[str, Any], fmt: OutputFormat) -> None:
    """Print one result object as JSON (tables are the caller's job)."""
    if fmt is OutputFormat.csv:
        raise typer.BadParameter("this verb prints a summary; use --format table or json")
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _cell(value: Any) -> Text:
    """A table cell as plain text: equations (``[tiab]``) and record text keep their brackets
    instead of being read as Rich markup."""
    if value is None:
        return Text("")
    if isinstance(value, list):
        return Text("; ".join(str(v) for v in value))
    return Text(str(value))


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn evimap's typed errors into a message on stderr and exit code 1."""
    try:
        yield
    except ProtocolError as exc:
        err_console.print(Text.assemble(("Error: ", "bold red"), "the protocol has problems:"))
        for problem in exc.problems:
            err_console.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except EvimapError as exc:
        err_console.print(Text.assemble(("Error: ", "bold red"), str(exc)), soft_wrap=True)
        raise typer.Exit(1) from None
