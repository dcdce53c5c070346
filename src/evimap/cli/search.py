"""`evimap search run|lint|translate|recall`: the search equation on the review's records."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

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
    err_console,
)
from evimap.errors import EvimapError
from evimap.numbers import n_of

search_app = typer.Typer(
    help="Run, lint, translate and recall-check search equations.", no_args_is_help=True
)
app.add_typer(search_app, name="search")

EquationOption = typer.Option(
    None, "--equation", "-e", help="The equation (default: search.equation in review.toml)."
)
SyntaxOption = typer.Option(
    None,
    "--syntax",
    "-s",
    help="Syntax of the equation: wos, scopus, ebsco, ovid, pubmed "
    "(default: detected from its field codes and operators).",
)
TARGETS = ["wos", "scopus", "ebsco", "ovid", "pubmed"]


def _open(review_dir: Path, db: str | None):
    from evimap.review import Review

    return Review.open(review_dir, db=db)


@search_app.command("run")
def run(
    review_dir: Path = ReviewArg,
    equation: str = EquationOption,
    syntax: str = SyntaxOption,
    sample: int = typer.Option(5, "--sample", help="Matching records to show with highlights."),
    actor: str = typer.Option("", "--as", help="Who runs it (for the event log)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Run the equation on the review's records: counts per database, sample hits highlighted
    (csv: a row per record with its ID in the source file, matched, and the matched terms)."""
    with cli_errors(), _open(review_dir, db) as review:
        result = review.search.run(equation, syntax, actor=actor)
        if fmt is OutputFormat.table:  # json carries the same in "warnings"
            _say_syntax(result.reading)
        if fmt is OutputFormat.csv:
            terms = result.terms_by_id()
            rows = []
            matched = set(result.matched_ids())
            for record_id in result.ids.tolist():
                info = review.search.source_info(record_id)
                rows.append(
                    {
                        "id": record_id,
                        "database": info["database"],
                        "source_file": info["file"],
                        "source_record_id": info["source_record_id"],
                        "matched": "true" if record_id in matched else "false",
                        "matched_terms": "; ".join(terms[record_id]),
                    }
                )
            emit_rows(rows, fmt)
            return
        shown = review.search.explain(result.matched_ids()[:sample], equation, result.syntax)
        sources = {rid: review.search.source_info(rid) for rid in shown}
    if fmt is OutputFormat.json:
        data = result.summary()
        data["sample"] = [
            {"id": rid, "title": rec.title, **why.to_dict()} for rid, (rec, why) in shown.items()
        ]
        emit_object(data, fmt)
        return
    rows = [
        {"database": d.database, "matched": n_of(d.matched, d.records)} for d in result.by_database
    ]
    rows.append({"database": "all", "matched": n_of(result.count, result.total)})
    emit_rows(rows, fmt, title="Records matched by the equation, by source database")
    for rid, (record, why) in shown.items():
        src = sources[rid]
        where = " ".join(x for x in (src["database"], src["source_record_id"]) if x)
        console.print(
            Text(f"#{rid} ", style="bold"),
            Text(f"[{where}] " if where else "", style="dim"),
            _highlight(record.title, why, "title"),
        )
        if record.abstract:
            console.print(Text("   "), _snippet(record.abstract, why, "abstract"))
        for item, keyword in enumerate(record.keywords):
            if why.spans("keywords", item):
                console.print(Text("   keyword: "), _highlight(keyword, why, "keywords", item))
        clauses = "; ".join(("✓ " if ok else "✗ ") + c for c, ok in why.clauses)
        console.print(Text(f"   {clauses}", style="dim"))


def _say_syntax(reading) -> None:
    """On stderr: which syntax the equation was read in, and any warning about it."""
    from evimap.search.detect import label

    if reading is None:
        return
    for warning in reading.warnings:
        err_console.print(f"warning: {warning}", markup=False, highlight=False)
    if reading.given is None and reading.detected is not None:
        err_console.print(
            f"read as {label(reading.syntax)} syntax "
            f"(detected from {reading.detection.evidence(reading.syntax)})",
            markup=False,
            highlight=False,
            style="dim",
        )


def _highlight(text: str, why, field: str, item: int = 0) -> Text:
    out = Text(text)
    for start, end in why.spans(field, item):
        out.stylize("bold black on yellow", start, end)
    return out


def _snippet(text: str, why, field: str, width: int = 240) -> Text:
    spans = why.spans(field)
    start = max(0, spans[0][0] - 60) if spans else 0
    end = min(len(text), start + width)
    out = _highlight(text, why, field)[start:end]
    if start:
        out = Text("…") + out
    if end < len(text):
        out.append("…")
    return out


@search_app.command("lint")
def lint_(
    review_dir: Path = typer.Argument(
        None, metavar="[REVIEW]", help="The review folder (its equation and records)."
    ),
    equation: str = EquationOption,
    syntax: str = SyntaxOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Point out redundant terms, unbalanced brackets, short truncations and terms that match
    no record (the last only with a REVIEW)."""
    from evimap.search import lint

    with cli_errors():
        if review_dir is None:
            if not equation:
                raise EvimapError("give a REVIEW folder or --equation")
            findings = lint(equation, syntax)
            text = equation
        else:
            with _open(review_dir, db) as review:
                findings = review.search.lint(equation, syntax)
                text = equation or review.search.equation
    if fmt is OutputFormat.table:
        if not findings:
            console.print("No problems found.")
            return
        for f in findings:
            style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[f.severity]
            console.print(Text(f"{f.severity} [{f.code}] ", style=style), Text(f.message))
            if f.span and f.code not in ("syntax", "unbalanced"):
                console.print(Text("  " + text), highlight=False)
                console.print(Text("  " + " " * f.span[0] + "^" * max(1, f.span[1] - f.span[0])))
        return
    emit_rows(
        [f.to_dict() for f in findings],
        fmt,
        columns=["severity", "code", "message", "start", "end", "term"],
    )


@search_app.command("translate")
def translate(
    review_dir: Path = typer.Argument(
        None, metavar="[REVIEW]", help="The review folder (for its equation and fields)."
    ),
    equation: str = EquationOption,
    to: str = typer.Option(..., "--to", help="wos, scopus, ebsco, ovid, pubmed, or all."),
    syntax: str = SyntaxOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Write the equation (given, else the protocol's) in another database's syntax, with a
    warning for each feature that database lacks."""
    from evimap.search import translate as translate_equation
    from evimap.search.tree import TOPIC

    targets = TARGETS if to.strip().lower() == "all" else [to]
    with cli_errors():
        fields = TOPIC
        if review_dir is not None:
            with _open(review_dir, db) as review:
                equation = equation or review.search.equation
                fields = review.search.default_fields
        if not equation:
            raise EvimapError("give a REVIEW folder or --equation")
        results = [translate_equation(equation, t, syntax, fields) for t in targets]
    if fmt is OutputFormat.table:
        for r in results:
            if len(results) > 1:
                console.print(Text(r.syntax, style="bold"))
            typer.echo(r.text)
            for warning in r.warnings:
                err_console.print(f"warning: {warning}", markup=False, highlight=False)
        return
    emit_rows([r.to_dict() for r in results], fmt, columns=["syntax", "text", "warnings"])


@search_app.command("recall")
def recall(
    review_dir: Path = ReviewArg,
    known: Path = typer.Option(..., "--known", help="Known relevant records (RIS, CSV ...)."),
    equation: str = EquationOption,
    syntax: str = SyntaxOption,
    actor: str = typer.Option("", "--as", help="Who runs it (for the event log)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Which known relevant records the equation misses, and why (which AND branch failed)."""
    with cli_errors(), _open(review_dir, db) as review:
        report = review.search.recall(known, equation, syntax, actor=actor)
    if fmt is OutputFormat.json:
        emit_object(report.to_dict(), fmt)
        return
    rows = [
        {
            "line": k.line,
            "title": k.title,
            "doi": k.doi,
            "in_review": f"yes (by {k.matched_by})" if k.review_id is not None else "no",
            "matched": "yes" if k.equation_matches else "no",
            "reason": k.reason,
        }
        for k in report.known
    ]
    emit_rows(rows, fmt, title="Known relevant records")
    if fmt is OutputFormat.table:
        s = report.summary()
        console.print(
            f"Matched by the equation: {s['matched_by_equation']}; "
            f"among the review's records: {s['in_review']}",
            markup=False,
        )
