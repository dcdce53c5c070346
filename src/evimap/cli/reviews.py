"""Verbs on a review folder, its team and its records: init, team, import, records, log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evimap.cli import app
from evimap.cli.output import emit_rows, err_console, say
from evimap.cli.verb import TJ, TJC, Call, verb
from evimap.numbers import n_of


@verb(app, "init", review="none", member="none", formats=TJ)
def init(
    call: Call,
    folder: Path = typer.Argument(..., help="Folder to create the review in."),
    title: str = typer.Option(None, "--title", help="The review's title."),
    db: str = typer.Option(
        None, "--db", help="Database URL or SQLite path for the store (default: review.db)."
    ),
) -> dict[str, Any]:
    """Create a review folder: review.toml (to fill in, with a team to name), exports/,
    fulltext/ and the store (--db is saved in review.toml, so later commands use the same
    store)."""
    from evimap.review import Review

    review = Review.init(folder, title=title, db=db)
    saved = review.protocol.store.url
    review.close()
    if call.fmt == "table":
        say(f"Created {folder / 'review.toml'}: fill in the question, search, criteria and team.")
        if saved:
            say(f"The store is {saved} ([store] url in review.toml).")
        return None  # type: ignore[return-value]
    return {"folder": str(folder), "protocol": str(folder / "review.toml"), "store": saved}


@verb(
    app,
    "team",
    formats=TJC,
    member="none",
    columns=["name", "role", "active", "added_at"],
    title="The review's team (review.toml, as the store holds it)",
)
def team(call: Call) -> list[dict[str, Any]]:
    """List the review's team: each member's name and role (owner, arbiter, reviewer), as
    review.toml names them and the store holds them (former members stay, inactive)."""
    return call.review.team.stored()


def _parse_columns(values: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        if "=" not in value:
            raise typer.BadParameter(f"expected FIELD=COLUMN, got {value!r}", param_hint="--column")
        key, column = value.split("=", 1)
        mapping[key.strip()] = column.strip()
    return mapping


class ImportResults(list):
    """The files imported by one `evimap import`, and the review's totals after."""

    totals: dict[str, int] = {}

    def to_dict(self) -> dict[str, Any]:
        return {"files": [r.to_dict() for r in self], "records_by_database": self.totals}


def _import_rows(results: ImportResults) -> list[dict[str, Any]]:
    return [
        {
            "file": r.name,
            "format": r.format,
            "database": r.database or "(unknown)",
            "added": "already imported, nothing added" if r.already_imported else r.added,
            "skipped": r.lost,
        }
        for r in results
    ]


def _import_table(results: ImportResults, call: Call) -> None:
    emit_rows(_import_rows(results), "table", title="Imported files")
    for r in results:
        for skipped in r.skipped:
            where = f"{skipped.file}:{skipped.line}" + (
                f" [{skipped.field}]" if skipped.field else ""
            )
            lost = f" ({skipped.records} records)" if skipped.records > 1 else ""
            say(f"skipped {where}{lost}: {skipped.reason}", stderr=True)
        for warning in r.warnings:
            say(f"warning: {r.name}: {warning}", stderr=True)
    print_database_summary(results.totals)


@verb(app, "import", member="write", formats=TJC, rows=_import_rows, table=_import_table)
def import_(
    call: Call,
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Export files to import."),
    database: str = typer.Option(
        None, "--database", "-d", help="Source database, when the file does not say (e.g. wos)."
    ),
    reader: str = typer.Option(None, "--reader", help="Import format, overriding detection."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Text encoding of the files."),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Import the good records; log each broken one and go on."
    ),
    role: str = typer.Option(
        "search",
        "--role",
        help="search (a search result) or included (studies included outside evimap's "
        "screening, e.g. a paper's reference list).",
    ),
    column: list[str] = typer.Option(
        [], "--column", help="CSV column mapping FIELD=COLUMN (repeatable), e.g. title=Name."
    ),
    deduplicated: bool = typer.Option(
        False,
        "--deduplicated",
        help="The file was deduplicated before (e.g. an earlier search round's library): "
        "dedup never merges two of its records, only them with others.",
    ),
) -> ImportResults:
    """Import database exports (format detected from content); one transaction per file."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    options = {"columns": _parse_columns(column)} if column else None
    results = ImportResults()
    for path in files:
        size = path.stat().st_size if path.is_file() else 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console(),
            transient=True,
            disable=call.fmt != "table",
        ) as bar:
            task = bar.add_task(path.name, total=size)
            results.append(
                call.review.imports.add(
                    path,
                    member=call.need_member(),
                    database=database,
                    format_name=reader,
                    encoding=encoding,
                    skip_bad=skip_bad,
                    role=role,
                    options=options,
                    progress=lambda n, task=task, bar=bar: bar.advance(task, n),
                    deduplicated=deduplicated,
                )
            )
    results.totals = call.review.records.count_by_database()
    return results


def print_database_summary(totals: dict[str, int]) -> None:
    """The table of records per source database, with n/N (%)."""
    total = sum(totals.values())
    rows = [
        {"database": db or "(unknown)", "records": n_of(n, total)}
        for db, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    rows.append({"database": "all", "records": str(total)})
    emit_rows(rows, "table", title="Records in the review by source database")


def _records_table(result, call: Call) -> None:
    what = f"Records ({len(result.rows)} shown of {result.total})"
    if result.outcome:
        where = f" at {result.stage}" if result.stage else ""
        what = (
            f"{result.outcome.capitalize()} records{where} ({len(result.rows)} of {result.total})"
        )
    columns = result.columns
    if result.outcome:  # a screening list: what a screener reads
        columns = ["id", "year", "title", "outcome", "reason", "settled_by"]
    emit_rows(result.rows, "table", columns=columns, title=what)
    if not result.outcome:
        print_database_summary(result.by_database)


def _ris(result) -> str:
    from evimap.report.exports import to_ris

    return to_ris(result.records)


def _bib(result) -> str:
    from evimap.report.exports import to_bibtex

    return to_bibtex(result.records)


@verb(
    app,
    "records",
    formats=("table", "json", "csv", "ris", "bib"),
    rows=lambda result: result.rows,
    table=_records_table,
    render={"ris": _ris, "bib": _bib},
)
def records(
    call: Call,
    database: str = typer.Option(None, "--database", "-d", help="Only this source database."),
    stage: str = typer.Option(
        None, "--stage", "-s", help="With --outcome: title_abstract or full_text."
    ),
    outcome: str = typer.Option(
        None,
        "--outcome",
        "-o",
        help="todo (yours: needs --as), included, excluded, maybe, conflict (arbiter or owner "
        "while blind) or pending; `--outcome included` without --stage: the included studies.",
    ),
    limit: int = typer.Option(0, "--limit", help="At most this many rows (0: all)."),
):
    """List the review's records (a row each, and the count by source database; each row's
    status is unique, duplicate (kept_id: the record it merged into) or removed (reason)), or the
    records with an outcome at a screening stage as you may see them."""
    return call.review.records.list(
        database=database, limit=limit, stage=stage, outcome=outcome, member=call.member
    )


@verb(app, "log", formats=TJC, columns=["id", "at", "actor", "kind", "subject", "why", "counts"])
def log(
    call: Call,
    kind: str = typer.Option(None, "--kind", help="Only events whose kind starts with this."),
):
    """Show the review's event log: every step, who, when, what, why, counts (blind stages
    stay blind: without --as, no one's unsettled screening shows)."""
    return call.review.events.read(prefix=kind, member=call.member)
