"""`evimap imports ...`: the imported files of a review: list, remove, relabel.

`evimap import` (singular, in reviews.py) imports files; these verbs manage what it imported.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from typer.core import TyperGroup

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
)
from evimap.numbers import n_of
from evimap.review import Review


class _ListByDefault(TyperGroup):
    """`evimap imports REVIEW` means `evimap imports list REVIEW`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


imports_app = typer.Typer(
    cls=_ListByDefault,
    help="The files imported into a review: list them (`evimap imports REVIEW`), remove one, "
    "or relabel one with another database.",
    no_args_is_help=True,
)
app.add_typer(imports_app, name="imports")

ReviewArg = typer.Argument(..., metavar="REVIEW", help="The review folder.")
FileIdArg = typer.Argument(
    ..., metavar="FILE_ID", help="The import's id (the first column of `evimap imports`)."
)
COLUMNS = ["id", "name", "format", "database", "records", "skipped", "imported_at", "imported_by"]


@imports_app.command("list")
def list_cmd(
    review_dir: Path = ReviewArg,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the imported files: id, format, database, records now, records skipped."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        files = review.imports.list()
    if fmt is not OutputFormat.table:
        emit_rows([f.to_dict() for f in files], fmt, columns=[*COLUMNS, "sha256", "path"])
        return
    total = sum(f.records for f in files)
    rows = [
        {
            "id": f.id,
            "name": escape(f.name),
            "format": f.format,
            "database": escape(f.database or "(unknown)"),
            "records": n_of(f.records, total),
            "skipped": f.skipped,
            "imported_at": f.imported_at.strftime("%Y-%m-%d %H:%M"),
            "imported_by": escape(f.imported_by),
        }
        for f in files
    ]
    emit_rows(rows, fmt, columns=COLUMNS, title=f"Imported files ({len(files)})")


@imports_app.command("remove")
def remove_cmd(
    review_dir: Path = ReviewArg,
    file_id: int = FileIdArg,
    force: bool = typer.Option(
        False, "--force", help="Remove it even when screening or charting uses its records."
    ),
    why: str = typer.Option("", "--why", help="The reason, kept in the event log."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Remove an imported file and its records from the review (one transaction, logged)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        result = review.imports.remove(file_id, force=force, actor=actor, why=why)
    if fmt is not OutputFormat.table:
        emit_object(result.to_dict(), fmt)
        return
    console.print(
        f"Removed import {file_id} ({escape(result.file.name)}): {result.records} records.",
        highlight=False,
    )
    if result.screening_rows or result.charted_unlinked:
        console.print(
            f"  {result.screening_rows} screening rows removed with them; "
            f"{result.charted_unlinked} charted values unlinked from their record."
        )
    if result.clusters_changed or result.dedup_rows:
        console.print(
            f"  {result.clusters_changed} dedup clusters recomputed; {result.dedup_rows} pairs, "
            "pair decisions and removals dropped. Run `evimap dedup` and `evimap remove` "
            "again to re-check the rest."
        )


@imports_app.command("relabel")
def relabel_cmd(
    review_dir: Path = ReviewArg,
    file_id: int = FileIdArg,
    database: str = typer.Option(
        ..., "--database", "-d", help="The database its records come from (e.g. wos, scopus)."
    ),
    why: str = typer.Option("", "--why", help="The reason, kept in the event log."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Label an imported file and all its records with another source database (logged)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        before = review.imports.get(file_id)
        after = review.imports.relabel(file_id, database, actor=actor, why=why)
    if fmt is not OutputFormat.table:
        emit_object({"before": before.to_dict(), "after": after.to_dict()}, fmt)
        return
    console.print(
        f"Import {file_id} ({escape(after.name)}): {after.records} records relabelled "
        f"{escape(before.database or '(unknown)')} -> {escape(after.database)}.",
        highlight=False,
    )
