"""`evimap <verb>`: a thin shell over the core. Each verb parses arguments, calls one core
function, and prints; the same functions serve the web app and notebooks."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="evimap",
    help="Run a scoping review end to end, reproducibly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module adds its verbs to `app` (or a sub-app) when imported.
from evimap.cli import (  # noqa: E402,F401
    charting,
    chase,
    dedup,
    demo,
    report,
    reviews,
    screening,
    search,
    store,
)


def main() -> None:
    """Entry point of the `evimap` command."""
    store.show_store_waits()
    app()
