"""`evimap demo`: build the demo review and print what it holds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from evimap.cli import app
from evimap.cli.output import (
    FormatOption,
    OutputFormat,
    cli_errors,
    emit_object,
    emit_rows,
    err_console,
)
from evimap.cli.reviews import _print_database_summary


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder to write the demo to."),
    exports: Path = typer.Option(
        None,
        "--exports",
        help="Folder of exports (default: ../shared/data/exports, else the "
        "sample shipped with evimap).",
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Import every export into a fresh review in OUT and summarise it by database."""
    from evimap.demo import default_exports, export_files, import_tour

    folder = exports or default_exports()
    with (
        cli_errors(),
        Progress(console=err_console, transient=True, disable=fmt is not OutputFormat.table) as bar,
    ):
        task = bar.add_task("importing", total=len(export_files(folder)))

        def on_file(path: Path) -> None:
            bar.update(task, description=path.name)
            bar.advance(task)

        review, results = import_tour(out, folder, on_file=on_file)
        totals = review.records.count_by_database()
        review.close()
    if fmt is OutputFormat.json:
        emit_object(
            {
                "exports": str(folder),
                "files": [r.to_dict() for r in results],
                "records_by_database": totals,
            },
            fmt,
        )
        return
    emit_rows(
        [
            {
                "file": r.name,
                "format": r.format,
                "database": r.database or "(unknown)",
                "records": r.added,
            }
            for r in results
        ],
        fmt,
        title=f"Imported from {folder}",
    )
    if fmt is OutputFormat.table:
        _print_database_summary(totals)
