"""Screening verbs: assign, screen (terminal screen), decide, conflicts, resolve, agreement,
progress, screening-flow, fulltext attach|missing|not-retrieved, decisions import|export."""

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
    err_console,
)
from evimap.numbers import n_of
from evimap.review import Review
from evimap.screening.errors import DecisionFileError

StageOption = typer.Option("title_abstract", "--stage", "-s", help="title_abstract or full_text.")
AsOption = typer.Option(..., "--as", help="Who you are (a name from [[screening.reviewers]]).")

fulltext_app = typer.Typer(
    help="Full-text reports: attach PDFs, list missing ones.", no_args_is_help=True
)
decisions_app = typer.Typer(
    help="Decisions in and out as CSV (evimap, Rayyan, Covidence, ASReview).", no_args_is_help=True
)
app.add_typer(fulltext_app, name="fulltext")
app.add_typer(decisions_app, name="decisions")


def _fmt(value: float | None, places: int = 3) -> str:
    return "" if value is None else f"{value:.{places}f}"


@app.command()
def assign(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    round_: str = typer.Option("main", "--round", help="pilot or main."),
    mode: str = typer.Option(None, "--mode", help="dual or split (default: review.toml)."),
    overlap: float = typer.Option(None, "--overlap", help="Share screened twice in split mode."),
    pilot: int = typer.Option(None, "--pilot", help="Pilot size in records."),
    seed: int = typer.Option(None, "--seed", help="Seed of the random choices."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Give a stage's unassigned records to the reviewers (owner or arbiter)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        result = review.screening.assign(
            stage,
            as_reviewer=actor,
            round=round_,
            mode=mode,
            overlap=overlap,
            pilot=pilot,
            seed=seed,
        )
    rows = [{"reviewer": name, "records": n} for name, n in result.per_reviewer.items()]
    if fmt is OutputFormat.json:
        emit_object(result.__dict__, fmt)
        return
    emit_rows(rows, fmt, title=f"{result.records} records assigned ({stage}, {round_})")
    for pair in result.pilot_agreement if fmt is OutputFormat.table else []:
        console.print(
            f"pilot agreement {pair['rater_a']} / {pair['rater_b']}: "
            f"{n_of(pair['agreed'], pair['n'])}, kappa {_fmt(pair['kappa'])}, "
            f"AC1 {_fmt(pair['ac1'])}"
        )


@app.command()
def screen(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    db: str = DbOption,
) -> None:
    """Screen your records in the terminal (i/e/m, 1-9 reasons, u undo, n note, t tags, q quit).

    Each key press is saved at once.
    """
    from evimap.cli.screen_app import ScreenApp

    with cli_errors(), Review.open(review_dir, db=db) as review:
        review.screening.queue(stage, as_reviewer=actor)  # unknown names and stages fail here
        ScreenApp(review, stage, actor).run()


@app.command()
def decide(
    review_dir: Path = ReviewArg,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    decision: str = typer.Argument(..., help="include, exclude or maybe."),
    stage: str = StageOption,
    actor: str = AsOption,
    reason: str = typer.Option("", "--reason", help="Exclusion criterion code."),
    note: str = typer.Option("", "--note", help="A note kept with the decision."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Record one decision (for scripts; `evimap screen` is the interactive way)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        done = review.screening.decide(
            stage, record_id, decision, reason=reason, note=note, as_reviewer=actor
        )
    if fmt is OutputFormat.table:
        console.print(f"record {done.record_id}: {done.decision} {done.reason}".rstrip())
    else:
        emit_rows([done.__dict__], fmt)


@app.command()
def conflicts(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the records whose reviewers differ (maybe counts as a conflict)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        found = review.screening.conflicts(stage, as_reviewer=actor)
    if fmt is OutputFormat.json:
        emit_rows(found, fmt)
        return
    rows = [
        {
            "record_id": c["record_id"],
            "conflict": c["conflict"],
            "calls": "; ".join(f"{k}: {v}" for k, v in c["calls"].items()),
            "title": c["title"],
        }
        for c in found
    ]
    emit_rows(
        rows,
        fmt,
        columns=["record_id", "conflict", "calls", "title"],
        title=f"{len(rows)} conflicts at {stage}",
    )


@app.command()
def resolve(
    review_dir: Path = ReviewArg,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    decision: str = typer.Argument(..., help="include or exclude (maybe if maybe_advances)."),
    stage: str = StageOption,
    actor: str = AsOption,
    why: str = typer.Option(..., "--why", help="The arbiter's reason, in words."),
    reason: str = typer.Option("", "--reason", help="Exclusion criterion code."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Settle a record as arbiter (or owner) with a decision and a reason."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        state = review.screening.settle(
            stage, record_id, decision, as_reviewer=actor, why=why, reason=reason
        )
    row = {
        "record_id": record_id,
        "stage": stage,
        "status": state.status,
        "decision": state.settlement.decision if state.settlement else "",
        "reason": state.settlement.reason if state.settlement else "",
        "why": why,
    }
    if fmt is OutputFormat.table:
        console.print(f"record {record_id} settled at {stage}: {row['decision']} {row['reason']}")
    else:
        emit_rows([row], fmt)


@app.command()
def agreement(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    round_: str = typer.Option(None, "--round", help="pilot or main only (default: both)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Agreement of each reviewer pair: percent, Cohen's kappa (95% CI), PABAK, Gwet's AC1."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        pairs = review.screening.agreement(stage, as_reviewer=actor, round=round_)
    if fmt is not OutputFormat.table:
        emit_rows([p.to_dict() for p in pairs], fmt)
        return
    rows = [
        {
            "pair": f"{p.rater_a} / {p.rater_b}",
            "round": p.round,
            "agreed": n_of(p.agreed, p.n),
            "kappa": _fmt(p.kappa),
            "95% CI": f"{_fmt(p.kappa_ci[0])} to {_fmt(p.kappa_ci[1])}" if p.kappa_ci else "",
            "PABAK": _fmt(p.pabak),
            "AC1": _fmt(p.ac1),
        }
        for p in pairs
    ]
    emit_rows(
        rows,
        fmt,
        title=f"Agreement at {stage}",
        caption="kappa: Cohen (1960), SE of Fleiss, Cohen & Everitt (1969); AC1: Gwet "
        "(2008); PABAK: Byrt et al. (1993)",
    )
    for p in pairs:
        grid = [
            {
                f"{p.rater_a} \\ {p.rater_b}": a,
                **{b: n_of(p.table[i][j], p.n) for j, b in enumerate(p.categories)},
            }
            for i, a in enumerate(p.categories)
        ]
        emit_rows(grid, fmt, title=f"{p.rater_a} (rows) by {p.rater_b} (columns)")


@app.command()
def progress(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Your progress at a stage (and the team's, for owners and arbiters)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        data = review.screening.progress(stage, as_reviewer=actor)
    if fmt is OutputFormat.json:
        emit_object(data, fmt)
        return
    team = data.pop("team", {})
    rows = [
        {
            "reviewer": data["reviewer"],
            "decided": n_of(data["decided"], data["assigned"]),
            "to_do": data["to_do"],
        }
    ]
    rows += [
        {"reviewer": name, "decided": n_of(t["decided"], t["assigned"]), "to_do": ""}
        for name, t in team.items()
    ]
    emit_rows(rows, fmt, title=f"Progress at {stage}")
    if "records" in data and fmt is OutputFormat.table:
        console.print(
            f"records: {data['records']}; pending {n_of(data['records_pending'], data['records'])}"
            f", conflict {n_of(data['records_conflict'], data['records'])}, settled "
            f"{n_of(data['records_settled'], data['records'])}"
        )


@app.command("screening-flow")
def screening_flow(
    review_dir: Path = ReviewArg,
    actor: str = AsOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """The PRISMA screening and eligibility boxes, counted from the decisions."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        flow = review.screening.flow(as_reviewer=actor)
    if fmt is OutputFormat.json:
        emit_object(flow.to_dict(), fmt)
        return
    rows = [
        {"box": "Records screened", "n": flow.records_screened},
        {"box": "Records excluded", "n": n_of(flow.records_excluded, flow.records_screened)},
        {"box": "Records awaiting a decision", "n": flow.records_awaiting},
        {"box": "Reports sought for retrieval", "n": flow.reports_sought},
        {
            "box": "Reports not retrieved",
            "n": n_of(flow.reports_not_retrieved, flow.reports_sought),
        },
        {"box": "Reports assessed for eligibility", "n": flow.reports_assessed},
        {"box": "Reports excluded", "n": n_of(flow.reports_excluded, flow.reports_assessed)},
    ]
    rows += [
        {"box": f"  {code}: {flow.reason_texts.get(code, '')}", "n": n_of(n, flow.reports_excluded)}
        for code, n in flow.reports_excluded_by_reason.items()
    ]
    rows += [
        {"box": "Reports awaiting a decision", "n": flow.reports_awaiting},
        {"box": "Studies included", "n": flow.studies_included},
    ]
    emit_rows(rows, fmt, title="Screening and eligibility (PRISMA 2020)")


@fulltext_app.command("attach")
def fulltext_attach(
    review_dir: Path = ReviewArg,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    pdf: Path = typer.Argument(..., help="The PDF file."),
    actor: str = AsOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Attach a report's PDF (copied under fulltext/, named by its SHA-256)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        stored = review.screening.attach_fulltext(record_id, pdf, as_reviewer=actor)
    if fmt is OutputFormat.table:
        console.print(f"record {record_id}: {stored['path']}")
    else:
        emit_rows([stored], fmt)


@fulltext_app.command("missing")
def fulltext_missing(
    review_dir: Path = ReviewArg,
    actor: str = AsOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the reports sought that have no PDF and are not marked not retrieved."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        rows = review.screening.missing_fulltext(as_reviewer=actor)
    emit_rows(
        rows,
        fmt,
        columns=["record_id", "year", "doi", "title"],
        title=f"{len(rows)} reports without a full text",
    )


@fulltext_app.command("not-retrieved")
def fulltext_not_retrieved(
    review_dir: Path = ReviewArg,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    actor: str = AsOption,
    why: str = typer.Option("", "--why", help="Why it could not be retrieved."),
    db: str = DbOption,
) -> None:
    """Mark a sought report as not retrieved (PRISMA "reports not retrieved")."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        review.screening.mark_not_retrieved(record_id, as_reviewer=actor, why=why)
    console.print(f"record {record_id}: report not retrieved")


@decisions_app.command("import")
def decisions_import(
    review_dir: Path = ReviewArg,
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="CSV of record ID / DOI, decision, "
        "reason (evimap, Rayyan, Covidence or ASReview export).",
    ),
    actor: str = AsOption,
    stage: str = StageOption,
    decision: str = typer.Option(
        None, "--decision", help="Decision of rows without one (e.g. a Covidence 'excluded' list)."
    ),
    skip_unmatched: bool = typer.Option(
        False, "--skip-unmatched", help="Leave out rows matching no record."
    ),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Import one reviewer's decisions from a CSV file, in one transaction."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        try:
            result = review.screening.import_decisions(
                file,
                stage,
                as_reviewer=actor,
                default_decision=decision,
                skip_unmatched=skip_unmatched,
            )
        except DecisionFileError as exc:
            err_console.print(
                "Error: the decisions file has problems; nothing was imported:",
                style="bold red",
                highlight=False,
            )
            for problem in exc.problems:
                err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
    if fmt is OutputFormat.json:
        emit_object(result.__dict__, fmt)
        return
    rows = [
        {
            "rows": result.rows,
            "decisions": result.decisions,
            "unchanged": result.unchanged,
            "undecided": result.undecided,
            "unmatched": len(result.unmatched),
            **result.by_decision,
        }
    ]
    emit_rows(rows, fmt, title=f"{file.name}: {actor}'s decisions at {stage}")


@decisions_app.command("export")
def decisions_export(
    review_dir: Path = ReviewArg,
    actor: str = AsOption,
    stage: str = StageOption,
    db: str = DbOption,
    fmt: OutputFormat = typer.Option(
        OutputFormat.csv, "--format", "-f", help="csv (default), json or table."
    ),
) -> None:
    """Export the decisions you may see at a stage (re-importable with `decisions import`)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        rows = review.screening.export_decisions(stage, as_reviewer=actor)
    emit_rows(
        rows,
        fmt,
        columns=[
            "record_id",
            "source_record_id",
            "doi",
            "title",
            "stage",
            "reviewer",
            "decision",
            "reason",
            "at",
        ],
    )
