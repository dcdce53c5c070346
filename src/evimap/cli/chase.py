"""Citation searching: ``evimap chase`` (reference lists, and citing works online),
``evimap chase-links`` (what each reference was matched to) and ``evimap other-methods``
(records found on websites, through organisations or experts)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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
def chase(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    source: str = typer.Option(
        "included",
        "--from",
        help="included (the included records), all (every screened record), or a FILE: an "
        "export whose records carry references, a PDF, or a text list.",
    ),
    online: bool = typer.Option(
        False, "--online", help="Also ask OpenAlex for citing works and missing metadata."
    ),
    email: str = typer.Option(None, "--email", help="Sent to OpenAlex with --online."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Chase reference lists: match each reference to the review's records and add the works
    not in it as candidate records (source "citation searching"), to be screened. One
    transaction, logged; running it again adds nothing new."""
    if fmt is OutputFormat.csv:
        raise typer.BadParameter("chase prints a summary; use --format table or json")
    with cli_errors(), Review.open(review_dir, db=db) as review:
        client = None
        if online:
            from evimap.citations.online import OpenAlex

            client = OpenAlex(email=email)
        with Progress(
            TextColumn("chasing references"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=fmt is not OutputFormat.table,
        ) as bar:
            task = bar.add_task("chase", total=None)
            result = review.citations.chase(
                source,
                actor=actor,
                online=client,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    if fmt is OutputFormat.json:
        emit_object(result.to_dict(), fmt)
        return
    n = result.references
    rows = [
        {"": "works whose references were read", "n": str(result.citing)},
        {"": "references found", "n": str(n)},
        {"": "parsed with first author and year", "n": n_of(result.parsed_author_year, n)},
        {"": "matched to records in the review", "n": n_of(result.matched, n)},
        {"": "same work as another new reference", "n": n_of(result.duplicates, n)},
        {"": "too incomplete to identify", "n": n_of(result.unparsed, n)},
        {"": "candidates added (to screen)", "n": str(result.candidates)},
        {"": "already chased before", "n": n_of(result.already_chased, n)},
    ]
    if result.online:
        rows.append({"": "citing works found online", "n": str(result.forward)})
        rows.append({"": "candidates completed online", "n": str(result.completed)})
    emit_rows(rows, fmt, title=f"Citation searching ({result.source})")
    if result.matched_by:
        methods = ", ".join(f"{k}: {v}" for k, v in sorted(result.matched_by.items()))
        console.print(f"Matched by {methods}.", markup=False)
    if result.candidates:
        console.print(
            f"{result.candidates} new records wait for screening: "
            f"`evimap assign {review_dir} --stage title_abstract --as OWNER`.",
            markup=False,
        )
    else:
        console.print("Nothing new to screen.")


@app.command("chase-links")
def chase_links(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    status: str = typer.Option(None, "--status", help="matched, candidate, duplicate or unparsed."),
    record: int = typer.Option(None, "--record", help="Only references read from this record."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Every reference chased, with the record it stands for and the evidence of the match."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        links = review.citations.links(status=status, record_id=record)
    columns = ["id", "from_record_id", "reference", "status", "record_id", "method", "score"]
    if fmt is OutputFormat.table:
        columns = [c for c in columns if c != "id"]
    emit_rows(links, fmt, columns=None if fmt is OutputFormat.json else columns)


@app.command("other-methods")
def other_methods(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    method: str = typer.Option(
        ..., "--method", help="websites, organisations, experts or citation searching."
    ),
    records: int = typer.Option(None, "--records", help="How many records it found."),
    file: Path = typer.Option(
        None, "--file", help="An export of the records found (added, to be screened)."
    ),
    why: str = typer.Option("", "--why", help="A note: which websites, which organisation."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Log records identified by other methods, for the PRISMA diagram's right-hand column."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        result = review.citations.log_other(
            method, records=records, path=file, actor=actor, why=why
        )
    if fmt is not OutputFormat.table:
        emit_object(result, fmt)
        return
    line = f"Logged {result['records']} records identified by {result['method']}"
    if result["already_in_review"]:
        line += f" ({result['already_in_review']} more were already in the review)"
    console.print(line + ".", markup=False)
