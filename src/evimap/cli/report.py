"""`evimap report`, `evimap prisma`, `evimap export` and `evimap recommend`: thin shells over
``review.report``, ``review.prisma``, ``review.export`` and ``review.recommend``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evimap.cli import app
from evimap.cli.output import emit_rows, say
from evimap.cli.verb import TJC, Call, verb

PRISMA_COLUMNS = ["label", "box", "n", "share", "source"]


def _report_table(result, call: Call) -> None:
    emit_rows(
        [{"file": name, "path": path} for name, path in result.files.items()],
        "table",
        title="Report files",
    )
    say(
        f"{result.included} studies included, {result.charted} charted; open "
        f"{Path(result.folder) / 'report.html'}"
    )


@verb(
    app,
    "report",
    formats=TJC,
    table=_report_table,
    rows=lambda r: [{"file": name, "path": path} for name, path in r.files.items()],
)
def report(
    call: Call,
    out: Path = typer.Option(None, "--out", help="Folder to write to (default: REVIEW/report)."),
    paper_numbers: Path = typer.Option(
        None, "--paper-numbers", help="paper_numbers.toml to check printed numbers against."
    ),
    reviewer: str = typer.Option(None, "--reviewer", help="Whose charting (default: primary)."),
):
    """Write the report at any stage: HTML, PRISMA diagram, screening tables and agreement, and
    (once charted) the synthesis tables, gap maps, workbook and RIS/BibTeX/CSV of the included
    studies. The event log in it is as --as may see it."""
    return call.review.report(
        out, member=call.member, paper_numbers=paper_numbers, reviewer=reviewer
    )


class _Prisma:
    def __init__(self, counts):
        self.counts = counts

    def to_dict(self) -> dict[str, Any]:
        return self.counts.to_template()


def _prisma_rows(result: _Prisma) -> list[dict[str, Any]]:
    return [
        {column: row[column] for column in PRISMA_COLUMNS}
        for row in result.counts.rows(known_only=True)
    ]


def _prisma_table(result: _Prisma, call: Call) -> None:
    emit_rows(
        _prisma_rows(result),
        "table",
        columns=PRISMA_COLUMNS,
        title="PRISMA 2020 counts",
        caption="; ".join(result.counts.notes) or None,
    )


@verb(app, "prisma", formats=TJC, rows=_prisma_rows, columns=PRISMA_COLUMNS, table=_prisma_table)
def prisma(call: Call):
    """PRISMA 2020 flow counts computed from the event log (json: PRISMA2020 template names,
    the same as the report's prisma.json)."""
    return _Prisma(call.review.prisma())


@verb(
    app,
    "export",
    formats=("table",),
    table=lambda written, call: say(written) if written else None,
)
def export(
    call: Call,
    to: str = typer.Option("ris", "--to", help="ris, bib or csv."),
    included: bool = typer.Option(
        False, "--included", help="Only the included studies (full text, or imported as such)."
    ),
    database: str = typer.Option(None, "--database", "-d", help="Only this source database."),
    ids: str = typer.Option(
        None, "--ids", help="Only these evimap record ids (comma-separated: 12,13 or #12,#13)."
    ),
    stage: str = typer.Option(None, "--stage", "-s", help="With --outcome: the stage."),
    outcome: str = typer.Option(
        None, "--outcome", "-o", help="Only records with this outcome at --stage."
    ),
    out: Path = typer.Option(None, "--out", help="File to write (default: print)."),
):
    """Export a set of the review's records as RIS, BibTeX or CSV (formula-safe)."""
    wanted = _record_ids(ids) if ids else None
    text = call.review.export(
        to,
        included=included,
        database=database,
        ids=wanted,
        stage=stage,
        outcome=outcome,
        member=call.member,
        path=out,
    )
    if out is None:
        typer.echo(text, nl=False)
        return None
    return f"Wrote {out}."


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


RECOMMEND_COLUMNS = ["id", "domain", "recommendation", "source_type", "sources"]


class _Recommendations(list):
    general = False

    def to_dict(self) -> dict[str, Any]:
        from evimap.synthesis.recommendations import CAVEAT

        return {"caveat": CAVEAT, "recommendations": list(self)}


def _recommend_table(rows: _Recommendations, call: Call) -> None:
    from evimap.synthesis.recommendations import CAVEAT

    emit_rows(
        rows,
        "table",
        columns=RECOMMEND_COLUMNS,
        title=f"{len(rows)} mapped recommendations",
        caption=f"Not an evidence-based guideline. {CAVEAT}",
    )
    if not rows and not rows.general:
        say(
            "No recommendation names all of these. Add --include-general to also list those "
            "that name no rupture type, context or approach (they are general)."
        )


@verb(
    app,
    "recommend",
    review="optional",
    formats=TJC,
    table=_recommend_table,
    rows=list,
    columns=[*RECOMMEND_COLUMNS, "rupture_types", "contexts", "approaches"],
)
def recommend(
    call: Call,
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
):
    """Mapped repair recommendations for a rupture type, context and approach, with sources
    (default: the worked example's map)."""
    options = dict(
        rupture=rupture, context=context, approach=approach, include_general=include_general
    )
    if call.review is None:
        from evimap.demo import recommend_example

        found = _Recommendations(recommend_example(**options))
    else:
        found = _Recommendations(call.review.recommend(**options))
    found.general = include_general
    return found
