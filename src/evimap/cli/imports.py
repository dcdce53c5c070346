"""`evimap imports ...`: the imported files of a review: list, remove, relabel.

`evimap import` (singular, in reviews.py) imports files; these verbs manage what it imported.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from evimap.cli import app
from evimap.cli.output import emit_rows, say
from evimap.cli.verb import TJ, TJC, Call, verb
from evimap.numbers import n_of


class _ListByDefault(TyperGroup):
    """`evimap imports REVIEW` means `evimap imports list REVIEW`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


imports_app = typer.Typer(
    rich_markup_mode=None,
    cls=_ListByDefault,
    help="The files imported into a review: list them (`evimap imports REVIEW`), remove one, "
    "or relabel one with another database.",
    no_args_is_help=True,
)
app.add_typer(imports_app, name="imports")

FileIdArg = typer.Argument(
    ..., metavar="FILE_ID", help="The import's id (the first column of `evimap imports`)."
)
WhyOption = typer.Option("", "--why", help="The reason, kept in the event log.")
COLUMNS = [
    "id",
    "name",
    "format",
    "database",
    "records",
    "skipped",
    "deduplicated",
    "imported_at",
    "imported_by",
]


def _list_rows(files: list) -> list[dict[str, Any]]:
    return [f.to_dict() for f in files]


def _list_table(files: list, call: Call) -> None:
    total = sum(f.records for f in files)
    rows = [
        {
            "id": f.id,
            "name": f.name,
            "format": f.format,
            "database": f.database or "(unknown)",
            "records": n_of(f.records, total),
            "skipped": f.skipped,
            "deduplicated": "yes" if f.deduplicated else "",
            "imported_at": f.imported_at.strftime("%Y-%m-%d %H:%M"),
            "imported_by": f.imported_by,
        }
        for f in files
    ]
    emit_rows(rows, "table", columns=COLUMNS, title=f"Imported files ({len(files)})")


@verb(
    imports_app,
    "list",
    formats=TJC,
    rows=_list_rows,
    columns=[*COLUMNS, "sha256", "path"],
    table=_list_table,
    full_name="imports list",
)
def list_cmd(call: Call):
    """List the imported files: id, format, database, records now, records skipped."""
    return call.review.imports.list()


def _removed_table(result, call: Call) -> None:
    say(f"Removed import {result.file.id} ({result.file.name}): {result.records} records.")
    if result.screening_rows or result.charted_unlinked:
        say(
            f"  {result.screening_rows} screening rows removed with them (their screening "
            f"voided in the log); {result.charted_unlinked} charted values unlinked from their "
            "record."
        )
    if result.clusters_changed or result.dedup_rows:
        say(
            f"  {result.clusters_changed} dedup clusters recomputed; {result.dedup_rows} pairs, "
            "pair decisions and removals dropped (the removal rules, if applied, were applied "
            "again). Run `evimap dedup` to re-check the rest."
        )


@verb(
    imports_app,
    "remove",
    member="write",
    formats=TJ,
    table=_removed_table,
    full_name="imports remove",
)
def remove_cmd(
    call: Call,
    file_id: int = FileIdArg,
    force: bool = typer.Option(
        False,
        "--force",
        help="Remove it even though its records are assigned for screening or charted: their "
        "screening stops counting (logged), charted values are unlinked.",
    ),
    why: str = WhyOption,
):
    """Remove an imported file and its records from the review (one transaction, logged;
    PRISMA's identification follows). Refused once its records are assigned for screening,
    unless --force."""
    return call.review.imports.remove(file_id, member=call.need_member(), force=force, why=why)


class _Relabelled(dict):
    def to_dict(self) -> dict[str, Any]:
        return {"before": self["before"].to_dict(), "after": self["after"].to_dict()}


def _relabelled_table(result: _Relabelled, call: Call) -> None:
    before, after = result["before"], result["after"]
    say(
        f"Import {after.id} ({after.name}): {after.records} records relabelled "
        f"{before.database or '(unknown)'} -> {after.database}."
    )


@verb(
    imports_app,
    "relabel",
    member="write",
    formats=TJ,
    table=_relabelled_table,
    full_name="imports relabel",
)
def relabel_cmd(
    call: Call,
    file_id: int = FileIdArg,
    database: str = typer.Option(
        ..., "--database", "-d", help="The database its records come from (e.g. wos, scopus)."
    ),
    why: str = WhyOption,
):
    """Label an imported file and all its records with another source database (logged;
    PRISMA counts them under it)."""
    before = call.review.imports.get(file_id)
    after = call.review.imports.relabel(file_id, database, member=call.need_member(), why=why)
    return _Relabelled(before=before, after=after)
