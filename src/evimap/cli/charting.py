"""`evimap chart import|export|verify|agreement`: charting the included studies."""

from __future__ import annotations

from pathlib import Path

import typer

from evimap.cli import app
from evimap.cli.output import say
from evimap.cli.verb import TJ, TJC, Call, verb

chart = typer.Typer(
    rich_markup_mode=None, help="Chart the included studies: import, export, verify, agreement."
)
app.add_typer(chart, name="chart")

AGREEMENT_CAPTION = "kappa: Cohen's kappa (categorical fields); percent: exact agreement."


@verb(
    chart,
    "import",
    member="write",
    formats=TJ,
    full_name="chart import",
    table=lambda r, call: say(
        f"Charted {r.values} values of {r.studies} studies by {', '.join(r.reviewers)} "
        f"({r.replaced} replaced)."
    ),
)
def chart_import(
    call: Call,
    file: Path = typer.Argument(..., metavar="FILE", help="Charting file (.toml, .json, .csv)."),
):
    """Store your charted values (checked against the codebook; included studies only; one
    transaction). The file's reviewer, if it names one, must be you (--as)."""
    return call.review.charting.import_file(file, member=call.need_member())


@verb(chart, "export", formats=TJC, member="none", full_name="chart export", title="Charted values")
def chart_export(
    call: Call,
    reviewer: str = typer.Option(None, "--reviewer", help="Whose values (default: the first)."),
    basis: bool = typer.Option(False, "--basis", help="Add a FIELD_basis column per field."),
    sample: int = typer.Option(
        0, "--sample", help="Only a reproducible random subset of N studies (for verification)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed of --sample."),
    blank: bool = typer.Option(
        False, "--blank", help="Empty values: a form for the verifying reviewer to fill in."
    ),
):
    """Print charted values, one row per study (use --format csv for a charting CSV)."""
    keys = call.review.charting.sample(sample, seed, reviewer) if sample else None
    return call.review.charting.export_rows(reviewer, basis=basis, keys=keys, blank=blank)


@verb(
    chart,
    "verify",
    member="write",
    formats=TJC,
    full_name="chart verify",
    title="Agreement on the verified studies",
)
def chart_verify(
    call: Call,
    file: Path = typer.Argument(..., metavar="FILE", help="Your charting of a subset."),
    against: str = typer.Option(None, "--against", help="The first reviewer (default: primary)."),
):
    """Store your (the second reviewer's) charting of a subset and print per-field agreement
    with the first reviewer's."""
    _saved, result = call.review.charting.verify(file, member=call.need_member(), against=against)
    return result


@verb(chart, "agreement", formats=TJC, member="none", full_name="chart agreement")
def chart_agreement(
    call: Call,
    first: str = typer.Option(None, "--first", help="First reviewer (default: the primary)."),
    second: str = typer.Option(None, "--second", help="Second reviewer (default: the other)."),
):
    """Per-field agreement of two reviewers over the studies both charted (Cohen's kappa for
    categorical fields, exact agreement for every field)."""
    return call.review.charting.agreement(first, second)
