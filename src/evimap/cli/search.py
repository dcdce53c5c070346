"""`evimap search run|lint|translate|recall`: the search equation on the review's records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evimap.cli import app
from evimap.cli.output import console, emit_rows, err_console, say
from evimap.cli.verb import TJC, Call, verb
from evimap.errors import EvimapError
from evimap.numbers import n_of

if TYPE_CHECKING:  # pragma: no cover
    from rich.text import Text

search_app = typer.Typer(
    rich_markup_mode=None,
    help="Run, lint, translate and recall-check search equations.",
    no_args_is_help=True,
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


class _Run:
    """A search run with the sample of hits it shows and (for CSV) a row per record."""

    def __init__(self, review, result, shown, sources, rows):
        self.result, self.shown, self.sources, self.rows = result, shown, sources, rows

    def to_dict(self) -> dict:
        data = self.result.summary()
        data["sample"] = [
            {"id": rid, "title": rec.title, **why.to_dict()}
            for rid, (rec, why) in self.shown.items()
        ]
        return data


def _run_table(run: _Run, call: Call) -> None:
    from rich.text import Text

    result = run.result
    rows = [
        {"database": d.database, "matched": n_of(d.matched, d.records)} for d in result.by_database
    ]
    rows.append({"database": "all", "matched": n_of(result.count, result.total)})
    emit_rows(rows, "table", title="Records matched by the equation, by source database")
    for rid, (record, why) in run.shown.items():
        src = run.sources[rid]
        where = " ".join(x for x in (src["database"], src["source_record_id"]) if x)
        console().print(
            Text(f"#{rid} ", style="bold"),
            Text(f"[{where}] " if where else "", style="dim"),
            _highlight(record.title, why, "title"),
        )
        if record.abstract:
            console().print(Text("   "), _snippet(record.abstract, why, "abstract"))
        for item, keyword in enumerate(record.keywords):
            if why.spans("keywords", item):
                console().print(Text("   keyword: "), _highlight(keyword, why, "keywords", item))
        clauses = "; ".join(("✓ " if ok else "✗ ") + c for c, ok in why.clauses)
        console().print(Text(f"   {clauses}", style="dim"))


@verb(
    search_app,
    "run",
    formats=TJC,
    full_name="search run",
    table=_run_table,
    rows=lambda run: run.rows,
    columns=["id", "database", "source_file", "source_record_id", "matched", "matched_terms"],
)
def run(
    call: Call,
    equation: str = EquationOption,
    syntax: str = SyntaxOption,
    sample: int = typer.Option(5, "--sample", help="Matching records to show with highlights."),
):
    """Run the equation on the review's records: counts per database, sample hits highlighted
    (csv: a row per record with its ID in the source file, matched, and the matched terms)."""
    review = call.review
    result = review.search.run(equation, syntax, member=call.member)
    _finish_word_index_on_exit()
    if call.fmt == "table":  # json carries the same in "warnings"
        _say_syntax(result.reading)
    rows = []
    shown: dict = {}
    sources: dict = {}
    if call.fmt == "csv":
        terms = result.terms_by_id()
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
    else:
        shown = review.search.explain(result.matched_ids()[:sample], equation, result.syntax)
        sources = {rid: review.search.source_info(rid) for rid in shown}
    return _Run(review, result, shown, sources, rows)


_waiting = [False]


def _finish_word_index_on_exit() -> None:
    """Once the results are printed, let the word index being built (which makes the next run
    of an edited equation fast) finish before the process ends; Ctrl-C skips it (the next run
    builds it again)."""
    import atexit

    if _waiting[0]:
        return
    _waiting[0] = True

    def finish() -> None:
        from evimap.search.component import pending_builds

        builders = pending_builds()
        if not builders:
            return
        from rich.status import Status

        try:
            with Status(
                "indexing the records' words for faster re-runs (Ctrl-C skips)",
                console=err_console(),
            ):
                for builder in builders:
                    builder.join()
        except KeyboardInterrupt:
            pass

    atexit.register(finish)


def _say_syntax(reading) -> None:
    """On stderr: which syntax the equation was read in, and any warning about it."""
    from evimap.search.detect import label

    if reading is None:
        return
    for warning in reading.warnings:
        err_console().print(f"warning: {warning}", markup=False, highlight=False)
    if reading.given is None and reading.detected is not None:
        err_console().print(
            f"read as {label(reading.syntax)} syntax "
            f"(detected from {reading.detection.evidence(reading.syntax)})",
            markup=False,
            highlight=False,
            style="dim",
        )


def _highlight(text: str, why, field: str, item: int = 0) -> Text:
    from rich.text import Text

    out = Text(text)
    for start, end in why.spans(field, item):
        out.stylize("bold black on yellow", start, end)
    return out


def _snippet(text: str, why, field: str, width: int = 240) -> Text:
    from rich.text import Text

    spans = why.spans(field)
    start = max(0, spans[0][0] - 60) if spans else 0
    end = min(len(text), start + width)
    out = _highlight(text, why, field)[start:end]
    if start:
        out = Text("…") + out
    if end < len(text):
        out.append("…")
    return out


class _Lint(list):
    text = ""


def _lint_table(findings: _Lint, call: Call) -> None:
    from rich.text import Text

    if not findings:
        say("No problems found.")
        return
    for f in findings:
        style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[f.severity]
        console().print(Text(f"{f.severity} [{f.code}] ", style=style), Text(f.message))
        if f.span and f.code not in ("syntax", "unbalanced"):
            console().print(Text("  " + findings.text), highlight=False)
            console().print(Text("  " + " " * f.span[0] + "^" * max(1, f.span[1] - f.span[0])))


@verb(
    search_app,
    "lint",
    review="optional",
    member="none",
    formats=TJC,
    full_name="search lint",
    table=_lint_table,
    columns=["severity", "code", "message", "start", "end", "term"],
)
def lint_(call: Call, equation: str = EquationOption, syntax: str = SyntaxOption):
    """Point out redundant terms, unbalanced brackets, short truncations and terms that match
    no record (the last only with a REVIEW)."""
    from evimap.search import lint

    if call.review is None:
        if not equation:
            raise EvimapError("give a REVIEW folder or --equation")
        findings = _Lint(lint(equation, syntax))
        findings.text = equation
    else:
        findings = _Lint(call.review.search.lint(equation, syntax))
        findings.text = equation or call.review.search.equation
    return findings


def _translate_table(results: list, call: Call) -> None:
    from rich.text import Text

    for r in results:
        if len(results) > 1:
            console().print(Text(r.syntax, style="bold"))
        typer.echo(r.text)
        for warning in r.warnings:
            err_console().print(Text(f"warning: {warning}"))


@verb(
    search_app,
    "translate",
    review="optional",
    member="none",
    formats=TJC,
    full_name="search translate",
    table=_translate_table,
    columns=["syntax", "text", "warnings"],
)
def translate(
    call: Call,
    equation: str = EquationOption,
    to: str = typer.Option(..., "--to", help="wos, scopus, ebsco, ovid, pubmed, or all."),
    syntax: str = SyntaxOption,
):
    """Write the equation (given, else the protocol's) in another database's syntax, with a
    warning for each feature that database lacks."""
    from evimap.search import translate as translate_equation
    from evimap.search.tree import TOPIC

    targets = TARGETS if to.strip().lower() == "all" else [to]
    fields = TOPIC
    if call.review is not None:
        equation = equation or call.review.search.equation
        fields = call.review.search.default_fields
    if not equation:
        raise EvimapError("give a REVIEW folder or --equation")
    return [translate_equation(equation, t, syntax, fields) for t in targets]


def _recall_rows(report) -> list[dict]:
    return [
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


def _recall_table(report, call: Call) -> None:
    emit_rows(_recall_rows(report), "table", title="Known relevant records")
    s = report.summary()
    say(
        f"Matched by the equation: {s['matched_by_equation']}; "
        f"among the review's records: {s['in_review']}"
    )


@verb(
    search_app,
    "recall",
    formats=TJC,
    full_name="search recall",
    rows=_recall_rows,
    table=_recall_table,
)
def recall(
    call: Call,
    known: Path = typer.Option(..., "--known", help="Known relevant records (RIS, CSV ...)."),
    equation: str = EquationOption,
    syntax: str = SyntaxOption,
):
    """Which known relevant records the equation misses, and why (which AND branch failed)."""
    return call.review.search.recall(known, equation, syntax, member=call.member)
