"""`evimap report`, `evimap prisma`, `evimap export` and `evimap recommend`."""

from __future__ import annotations

from pathlib import Path

import typer

from evimap.cli import app
from evimap.cli.output import (
    DbOption,
    FormatOption,
    OutputFormat,
    ReviewArg,
    cli_errors,
    console,
    emit_object,
    emit_rows,
)
from evimap.review import Review


@app.command()
def report(
    review_dir: Path = ReviewArg,
    out: Path = typer.Option(None, "--out", help="Folder to write to (default: REVIEW/report)."),
    paper_numbers: Path = typer.Option(
        None, "--paper-numbers", help="paper_numbers.toml to check printed numbers against."
    ),
    reviewer: str = typer.Option(None, "--reviewer", help="Whose charting (default: primary)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Write the report: HTML, PRISMA diagram, tables, gap maps, workbook, RIS/BibTeX/CSV."""
    from evimap.report.build import compute_report, write_report

    with cli_errors(), Review.open(review_dir, db=db) as review:
        data = compute_report(review, paper_numbers=paper_numbers, reviewer=reviewer)
        files = write_report(data, out or review_dir / "report")
    rows = [{"file": name, "path": str(path)} for name, path in files.items()]
    emit_rows(rows, fmt, title="Report files")


@app.command()
def prisma(
    review_dir: Path = ReviewArg,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """PRISMA 2020 flow counts computed from the event log (json: PRISMA2020 template names)."""
    from evimap.report.prisma import COUNT_FIELDS, compute_prisma

    with cli_errors(), Review.open(review_dir, db=db) as review:
        counts = compute_prisma(review.events.read(), review.protocol.search.databases)
    if fmt is OutputFormat.json:
        emit_object(counts.to_template(), fmt)
        return
    rows = [
        {"box": name, "n": counts[name], "source": counts.source.get(name, "")}
        for name in COUNT_FIELDS
        if counts.known(name)
    ]
    emit_rows(rows, fmt, title="PRISMA 2020 counts", caption="; ".join(counts.notes) or None)


@app.command()
def export(
    review_dir: Path = ReviewArg,
    to: str = typer.Option("ris", "--to", help="ris, bib or csv."),
    included: bool = typer.Option(False, "--included", help="Only the charted (included) studies."),
    database: str = typer.Option(None, "--database", "-d", help="Only this source database."),
    ids: str = typer.Option(
        None, "--ids", help="Only these evimap record ids (comma-separated: 12,13 or #12,#13)."
    ),
    out: Path = typer.Option(None, "--out", help="File to write (default: print)."),
    db: str = DbOption,
) -> None:
    """Export a set of the review's records as RIS, BibTeX or CSV."""
    from evimap.importers.databases import canonical_database
    from evimap.report.exports import export_records

    with cli_errors(), Review.open(review_dir, db=db) as review:
        wanted = _record_ids(ids) if ids else None
        if included:
            studies = review.charting.studies()
            wanted = [s.record_id for s in studies if s.record_id is not None]
        records = list(
            review.records.iter(
                database=canonical_database(database) if database else None, ids=wanted
            )
        )
        text = export_records(records, to, out)
    if out is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"Wrote {len(records)} records to {out}.")


def _record_ids(ids: str) -> list[int]:
    """Evimap record ids from ``12,#13,evimap:14``; anything else is an error naming it."""
    from evimap.errors import EvimapError

    out = []
    for piece in ids.split(","):
        piece = piece.strip()
        if not piece:
            continue
        digits = piece.removeprefix("#").removeprefix("evimap:")
        if not digits.isdigit():
            raise EvimapError(
                f"--ids: {piece!r} is not an evimap record id (the id column of "
                "`evimap records`, e.g. 12 or #12)"
            )
        out.append(int(digits))
    return out


@app.command()
def recommend(
    review_dir: Path = typer.Argument(
        None, metavar="[REVIEW]", help="The review folder (default: the worked example)."
    ),
    rupture: str = typer.Option(None, "--rupture", help="withdrawal or confrontation."),
    context: str = typer.Option(
        None,
        "--context",
        help="complex-trauma, cultural, telepsychotherapy, termination, highly-reactive, ...",
    ),
    approach: str = typer.Option(None, "--approach", help="A therapeutic approach family."),
    include_general: bool = typer.Option(
        False, "--include-general", help="Also list recommendations not specific to any."
    ),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Mapped repair recommendations for a rupture type, context and approach, with sources."""
    from evimap.demo import example_recommendations, review_recommendations
    from evimap.synthesis.recommendations import CAVEAT, explore

    with cli_errors():
        if review_dir is None:
            recs, labels = example_recommendations()
        else:
            with Review.open(review_dir, db=db) as review:
                recs, labels = review_recommendations(review)
        rows = explore(
            recs,
            labels,
            rupture=rupture,
            context=context,
            approach=approach,
            include_general=include_general,
        )
    if fmt is OutputFormat.json:
        emit_object({"caveat": CAVEAT, "recommendations": rows}, fmt)
        return
    columns = ["id", "domain", "recommendation", "source_type", "sources"]
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt, columns=[*columns, "rupture_types", "contexts", "approaches"])
        return
    emit_rows(
        rows,
        fmt,
        columns=columns,
        title=f"{len(rows)} mapped recommendations",
        caption=f"Not an evidence-based guideline. {CAVEAT}",
    )
