"""Verbs on a review folder and its records: init, import, records, log."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from evimap.cli import app
from evimap.cli.output import (
    ActorOption,
    DbOption,
    FormatOption,
    OutputFormat,
    cli_errors,
    console,
    emit_object,
    emit_rows,
    err_console,
)
from evimap.numbers import n_of
from evimap.review import Review


@app.command()
def init(
    folder: Path = typer.Argument(..., help="Folder to create the review in."),
    title: str = typer.Option(None, "--title", help="The review's title."),
    db: str = DbOption,
) -> None:
    """Create a review folder: review.toml (to fill in), exports/, fulltext/ and the store
    (--db is saved in review.toml, so later commands use the same store)."""
    with cli_errors():
        review = Review.init(folder, title=title, db=db)
        saved = review.protocol.store.url
        review.close()
    console.print(
        f"Created {folder / 'review.toml'}: fill in the question, search and criteria.",
        markup=False,
    )
    if saved:
        console.print(f"The store is {saved} ([store] url in review.toml).", markup=False)


def _parse_columns(values: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        if "=" not in value:
            raise typer.BadParameter(f"expected FIELD=COLUMN, got {value!r}", param_hint="--column")
        key, column = value.split("=", 1)
        mapping[key.strip()] = column.strip()
    return mapping


@app.command("import")
def import_(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Export files to import."),
    database: str = typer.Option(
        None, "--database", "-d", help="Source database, when the file does not say (e.g. wos)."
    ),
    reader: str = typer.Option(None, "--reader", help="Import format, overriding detection."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Text encoding of the files."),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Import the good records; log each broken one and go on."
    ),
    column: list[str] = typer.Option(
        [], "--column", help="CSV column mapping FIELD=COLUMN (repeatable), e.g. title=Name."
    ),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Import database exports (format detected from content); one transaction per file."""
    options = {"columns": _parse_columns(column)} if column else None
    results = []
    with cli_errors(), Review.open(review_dir, db=db) as review:
        for path in files:
            size = path.stat().st_size if path.is_file() else 0
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
                disable=fmt is not OutputFormat.table,
            ) as bar:
                task = bar.add_task(path.name, total=size)
                result = review.imports.add(
                    path,
                    database=database,
                    format_name=reader,
                    encoding=encoding,
                    skip_bad=skip_bad,
                    actor=actor,
                    options=options,
                    progress=lambda n, task=task, bar=bar: bar.advance(task, n),
                )
            results.append(result)
        totals = review.records.count_by_database()
    if fmt is OutputFormat.json:
        emit_object({"files": [r.to_dict() for r in results], "records_by_database": totals}, fmt)
        return
    rows = [
        {
            "file": r.name,
            "format": r.format,
            "database": r.database or "(unknown)",
            "added": "already imported, nothing added" if r.already_imported else r.added,
            "skipped": len(r.skipped),
        }
        for r in results
    ]
    emit_rows(rows, fmt, title="Imported files")
    if fmt is OutputFormat.table:
        for r in results:
            for skipped in r.skipped:
                err_console.print(
                    f"skipped {skipped.file}:{skipped.line}: {skipped.reason}", markup=False
                )
        _print_database_summary(totals)


def _print_database_summary(totals: dict[str, int]) -> None:
    total = sum(totals.values())
    rows = [
        {"database": db or "(unknown)", "records": n_of(n, total)}
        for db, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    rows.append({"database": "all", "records": str(total)})
    emit_rows(rows, OutputFormat.table, title="Records in the review by source database")


RECORD_COLUMNS = [
    "id",
    "source_database",
    "source_file",
    "source_record_id",
    "title",
    "year",
    "doi",
    "cited_references",
]


@app.command()
def records(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    database: str = typer.Option(None, "--database", "-d", help="Only this source database."),
    limit: int = typer.Option(0, "--limit", help="At most this many rows (0: all)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the review's records (a row each) and count them by source database."""
    from evimap.importers.databases import canonical_database

    wanted = canonical_database(database) if database else None
    rows = []
    with cli_errors(), Review.open(review_dir, db=db) as review:
        for record_id, record in review.records.iter(database=wanted):
            rows.append(
                {
                    "id": record_id,
                    "source_database": record.source_database,
                    "source_file": record.source_file,
                    "source_record_id": record.source_record_id,
                    "title": record.title,
                    "year": record.year,
                    "doi": record.doi,
                    "cited_references": len(record.cited_references),
                }
            )
            if limit and len(rows) >= limit:
                break
        totals = review.records.count_by_database()
    if fmt is OutputFormat.table:
        emit_rows(rows, fmt, columns=RECORD_COLUMNS, title=f"Records ({len(rows)} shown)")
        _print_database_summary(totals)
    else:
        emit_rows(rows, fmt, columns=RECORD_COLUMNS)


@app.command()
def log(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    kind: str = typer.Option(None, "--kind", help="Only events whose kind starts with this."),
    viewer: str = typer.Option(
        None, "--as", help="Read as this screening team member (blind stages stay blind)."
    ),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Show the review's event log: every step, who, when, what, why, counts."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        events = [e.to_dict() for e in review.events.read(prefix=kind, as_reviewer=viewer)]
    emit_rows(events, fmt, columns=["id", "at", "actor", "kind", "subject", "why", "counts"])
