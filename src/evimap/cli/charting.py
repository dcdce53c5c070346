"""`evimap chart import|export|verify|agreement`: charting the included studies."""

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

chart = typer.Typer(help="Chart the included studies: import, export, verify, agreement.")
app.add_typer(chart, name="chart")


@chart.command("import")
def chart_import(
    review_dir: Path = ReviewArg,
    file: Path = typer.Argument(..., metavar="FILE", help="Charting file (.toml, .json, .csv)."),
    reviewer: str = typer.Option(None, "--reviewer", help="Reviewer, overriding the file's."),
    actor: str = typer.Option("", "--as", help="Who is doing this (for the event log)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Store a reviewer's charted values (checked against the codebook; one transaction)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        result = review.charting.import_file(file, reviewer=reviewer, actor=actor)
    if fmt is OutputFormat.table:
        console.print(
            f"Charted {result.values} values of {result.studies} studies by "
            f"{', '.join(result.reviewers)} ({result.replaced} replaced)."
        )
    else:
        emit_object(result.to_dict(), fmt)


@chart.command("export")
def chart_export(
    review_dir: Path = ReviewArg,
    reviewer: str = typer.Option(None, "--reviewer", help="Whose values (default: the first)."),
    basis: bool = typer.Option(False, "--basis", help="Add a FIELD_basis column per field."),
    sample: int = typer.Option(
        0, "--sample", help="Only a reproducible random subset of N studies (for verification)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed of --sample."),
    blank: bool = typer.Option(
        False, "--blank", help="Empty values: a form for the verifying reviewer to fill in."
    ),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Print charted values, one row per study (use --format csv for a charting CSV)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        keys = review.charting.sample(sample, seed, reviewer) if sample else None
        rows = review.charting.export_rows(reviewer, basis=basis, keys=keys, blank=blank)
    emit_rows(rows, fmt, title="Charted values")


def _agreement_rows(result) -> list[dict]:
    return [a.to_dict() for a in result]


@chart.command("verify")
def chart_verify(
    review_dir: Path = ReviewArg,
    file: Path = typer.Argument(..., metavar="FILE", help="The verifying reviewer's charting."),
    reviewer: str = typer.Option(..., "--reviewer", help="The verifying (second) reviewer."),
    against: str = typer.Option(None, "--against", help="The first reviewer (default: primary)."),
    actor: str = typer.Option("", "--as", help="Who is doing this (for the event log)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Store a second reviewer's charting of a subset and print per-field agreement."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        saved, result = review.charting.verify(
            file, reviewer=reviewer, against=against, actor=actor
        )
    emit_rows(
        _agreement_rows(result),
        fmt,
        title=f"Agreement on {saved.studies} verified studies",
        caption="kappa: Cohen's kappa (categorical fields); percent: exact agreement.",
    )


@chart.command("agreement")
def chart_agreement(
    review_dir: Path = ReviewArg,
    first: str = typer.Option(None, "--first", help="First reviewer (default: the primary)."),
    second: str = typer.Option(None, "--second", help="Second reviewer (default: the other)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Per-field agreement of two reviewers over the studies both charted."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        result = review.charting.agreement(first, second)
    emit_rows(
        _agreement_rows(result),
        fmt,
        title="Charting agreement",
        caption="kappa: Cohen's kappa (categorical fields); percent: exact agreement.",
    )
