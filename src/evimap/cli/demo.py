"""`evimap demo`: build the worked example and its report (or, with --imports-only, the
import tour) and print what it holds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from evimap.cli import app
from evimap.cli.output import (
    FormatOption,
    OutputFormat,
    cli_errors,
    console,
    emit_object,
    emit_rows,
    err_console,
)
from evimap.cli.reviews import _print_database_summary


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder to write the demo to."),
    imports_only: bool = typer.Option(
        False,
        "--imports-only",
        help="Run the import tour instead: import every export into a fresh review.",
    ),
    exports: Path = typer.Option(
        None,
        "--exports",
        help="With --imports-only: folder of exports (default: ../shared/data/exports, else "
        "the sample shipped with evimap).",
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Build the worked example (the reference review rebuilt from data) and write its report
    into OUT: report.html, prisma.svg/png/json, workbook.xlsx, included.ris/bib, tables/ and
    consistency.md. With --imports-only, import every export into a review in OUT instead."""
    if imports_only:
        _import_tour(out, exports, fmt)
        return
    from evimap.demo import build_example

    with (
        cli_errors(),
        Progress(console=err_console, transient=True, disable=fmt is not OutputFormat.table) as bar,
    ):
        task = bar.add_task("building the worked example", total=None)
        build = build_example(out, on_step=lambda text: bar.update(task, description=text))
    consistency = build.consistency
    summary = {
        "folder": str(out),
        "studies_imported": build.imported.added,
        "studies_charted": build.charted_studies,
        "reported_counts": build.reported_events,
        "files": {name: str(path) for name, path in build.files.items()},
        "paper_numbers": len(consistency.checks),
        "match": consistency.matches,
        "differ": len(consistency.differences),
    }
    if fmt is not OutputFormat.table:
        emit_object(summary, fmt)
        return
    emit_rows(
        [{"file": name, "path": str(path)} for name, path in build.files.items()],
        fmt,
        title=f"Worked example written to {out}",
    )
    console.print(
        f"{build.charted_studies} studies charted; {len(consistency.checks)} numbers printed in "
        f"the paper recomputed: {consistency.matches} match, {len(consistency.differences)} "
        f"differ (explained in {out / 'consistency.md'}). Open {out / 'report.html'}."
    )


def _import_tour(out: Path, exports: Path | None, fmt: OutputFormat) -> None:
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
