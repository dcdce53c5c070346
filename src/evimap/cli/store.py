"""Verbs on the store itself: `evimap verify` replays the event log against the tables."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from evimap.cli import app
from evimap.cli.output import (
    DbOption,
    FormatOption,
    OutputFormat,
    cli_errors,
    console,
    emit_object,
    emit_rows,
    err_console,
)
from evimap.review import Review

PROBLEM_COLUMNS = ["table", "row_id", "event_id", "message"]


@app.command()
def verify(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Replay the event log against the tables and name every row that disagrees (exit 1)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        result = review.verify()
    if fmt is OutputFormat.json:
        emit_object(result.to_dict(), fmt)
    elif fmt is OutputFormat.csv:
        emit_rows([p.to_dict() for p in result.problems], fmt, columns=PROBLEM_COLUMNS)
    else:
        _print(result)
    if not result.ok:
        raise typer.Exit(1)


def _print(result) -> None:
    rows = sum(result.rows.values())
    if result.problems:
        table = Table(title=f"{len(result.problems)} disagreements with the event log")
        for column in PROBLEM_COLUMNS:
            table.add_column(column.replace("_", " "), overflow="fold")
        for p in result.problems:
            table.add_row(
                Text(p.table),
                Text("" if p.row_id is None else str(p.row_id)),
                Text("" if p.event_id is None else str(p.event_id)),
                Text(p.message),
            )
        console.print(table)
    verdict = "every row agrees with the log" if result.ok else "the rows above disagree"
    console.print(
        Text(f"Replayed {result.events} events against {rows} rows in {len(result.rows)} tables: ")
        + Text(verdict, style="green" if result.ok else "bold red")
    )
    for note in result.unchecked:
        err_console.print(Text(f"not checked: {note}"))


class _WaitHandler(logging.Handler):
    """Prints the store's "waiting for another writer" notices on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(Text(record.getMessage(), style="yellow"))


def show_store_waits() -> None:
    """Say on stderr when a write waits for another writer (an import) to finish."""
    logger = logging.getLogger("evimap.store")
    if not any(isinstance(h, _WaitHandler) for h in logger.handlers):
        logger.addHandler(_WaitHandler(logging.WARNING))
        logger.propagate = False
