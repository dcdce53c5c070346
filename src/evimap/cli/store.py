"""Verbs on the store itself: `evimap verify` replays the event log against the tables."""

from __future__ import annotations

import logging
from typing import Any

from evimap.cli import app
from evimap.cli.output import console, err_console, plain
from evimap.cli.verb import TJC, Call, verb

PROBLEM_COLUMNS = ["table", "row_id", "event_id", "message"]


def _print(result: Any, call: Call) -> None:
    from rich.table import Table
    from rich.text import Text

    rows = sum(result.rows.values())
    if result.problems:
        table = Table(title=plain(f"{len(result.problems)} disagreements with the event log"))
        for column in PROBLEM_COLUMNS:
            table.add_column(plain(column.replace("_", " ")), overflow="fold")
        for p in result.problems:
            table.add_row(
                plain(p.table),
                plain("" if p.row_id is None else p.row_id),
                plain("" if p.event_id is None else p.event_id),
                plain(p.message),
            )
        console().print(table)
    verdict = "every row agrees with the log" if result.ok else "the rows above disagree"
    console().print(
        Text(f"Replayed {result.events} events against {rows} rows in {len(result.rows)} tables: ")
        + Text(verdict, style="green" if result.ok else "bold red")
    )
    for note in result.unchecked:
        err_console().print(plain(f"not checked: {note}"))


@verb(
    app,
    "verify",
    formats=TJC,
    table=_print,
    rows=lambda result: [p.to_dict() for p in result.problems],
    columns=PROBLEM_COLUMNS,
    fails=lambda result: not result.ok,
)
def verify(call: Call) -> Any:
    """Replay the event log against the tables and name every row that disagrees (exit 1);
    an owner or arbiter runs it (--as), since it names every reviewer's rows."""
    return call.review.verify(member=call.member)


class _WaitHandler(logging.Handler):
    """Prints the store's "waiting for another writer" notices on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err_console().print(plain(record.getMessage()), style="yellow")


def show_store_waits() -> None:
    """Say on stderr when a write waits for another writer (an import) to finish."""
    logger = logging.getLogger("evimap.store")
    if not any(isinstance(h, _WaitHandler) for h in logger.handlers):
        logger.addHandler(_WaitHandler(logging.WARNING))
        logger.propagate = False
