"""Citation searching: ``evimap chase`` (reference lists, and citing works online),
``evimap chase-links`` (what each reference was matched to) and ``evimap other-methods``
(records found on websites, through organisations or experts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evimap.cli import app
from evimap.cli.output import emit_rows, err_console, say
from evimap.cli.verb import TJ, TJC, Call, verb
from evimap.numbers import n_of


def _chase_table(result, call: Call) -> None:
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
    emit_rows(rows, "table", title=f"Citation searching ({result.source})")
    if result.matched_by:
        methods = ", ".join(f"{k}: {v}" for k, v in sorted(result.matched_by.items()))
        say(f"Matched by {methods}.")
    if result.candidates:
        say(
            f"{result.candidates} new records wait for screening: "
            f"`evimap assign {call.review_dir} --stage title_abstract --as OWNER`."
        )
    else:
        say("Nothing new to screen.")


@verb(app, "chase", member="write", formats=TJ, table=_chase_table)
def chase(
    call: Call,
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
):
    """Chase reference lists: match each reference to the review's records and add the works
    not in it as candidate records (source "citation searching"), to be screened. One
    transaction, logged; running it again adds nothing new."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    client = None
    if online:
        from evimap.citations.online import OpenAlex

        client = OpenAlex(email=email)
    with Progress(
        TextColumn("chasing references"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console(),
        transient=True,
        disable=call.fmt != "table",
    ) as bar:
        task = bar.add_task("chase", total=None)
        return call.review.citations.chase(
            source,
            member=call.need_member(),
            online=client,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


LINK_COLUMNS = ["id", "from_record_id", "reference", "status", "record_id", "method", "score"]


@verb(
    app,
    "chase-links",
    formats=TJC,
    member="none",
    rows=lambda links: links,
    columns=LINK_COLUMNS,
    table=lambda links, call: emit_rows(
        links, "table", columns=[c for c in LINK_COLUMNS if c != "id"], title="Chased references"
    ),
)
def chase_links(
    call: Call,
    status: str = typer.Option(None, "--status", help="matched, candidate, duplicate or unparsed."),
    record: int = typer.Option(None, "--record", help="Only references read from this record."),
):
    """Every reference chased, with the record it stands for and the evidence of the match."""
    return call.review.citations.links(status=status, record_id=record)


def _other_table(result: dict[str, Any], call: Call) -> None:
    line = f"Logged {result['records']} records identified by {result['method']}"
    if result["already_in_review"]:
        line += f" ({result['already_in_review']} more were already in the review)"
    say(line + ".")


@verb(app, "other-methods", member="write", formats=TJ, table=_other_table)
def other_methods(
    call: Call,
    method: str = typer.Option(
        ..., "--method", help="websites, organisations, experts or citation searching."
    ),
    records: int = typer.Option(None, "--records", help="How many records it found."),
    file: Path = typer.Option(
        None, "--file", help="An export of the records found (added, to be screened)."
    ),
    why: str = typer.Option("", "--why", help="A note: which websites, which organisation."),
):
    """Log records identified by other methods, for the PRISMA diagram's right-hand column."""
    return call.review.citations.log_other(
        method, records=records, path=file, member=call.need_member(), why=why
    )
