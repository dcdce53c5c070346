"""Screening verbs: assign, screen (terminal screen), decide, conflicts, resolve, agreement,
progress, screening-flow, fulltext attach|missing|not-retrieved, decisions
import|export|undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evimap.cli import app
from evimap.cli.output import emit_rows, say
from evimap.cli.verb import TJ, TJC, Call, verb
from evimap.numbers import n_of
from evimap.screening.columns import DECISION_COLUMNS

StageOption = typer.Option("title_abstract", "--stage", "-s", help="title_abstract or full_text.")

fulltext_app = typer.Typer(
    rich_markup_mode=None,
    help="Full-text reports: attach PDFs, list missing ones.",
    no_args_is_help=True,
)
decisions_app = typer.Typer(
    rich_markup_mode=None,
    help="Decisions in and out as CSV (evimap, Rayyan, Covidence, ASReview).",
    no_args_is_help=True,
)
app.add_typer(fulltext_app, name="fulltext")
app.add_typer(decisions_app, name="decisions")


def _fmt(value: float | None, places: int = 3) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _assign_table(result, call: Call) -> None:
    rows = [{"reviewer": name, "records": n} for name, n in result.per_reviewer.items()]
    emit_rows(
        rows, "table", title=f"{result.records} records assigned ({result.stage}, {result.round})"
    )
    for pair in result.pilot_agreement:
        say(
            f"pilot agreement {pair['rater_a']} / {pair['rater_b']}: "
            f"{n_of(pair['agreed'], pair['n'])}, kappa {_fmt(pair['kappa'])}, "
            f"AC1 {_fmt(pair['ac1'])}"
        )


@verb(
    app,
    "assign",
    member="write",
    formats=TJC,
    table=_assign_table,
    rows=lambda r: [{"reviewer": k, "records": v} for k, v in r.per_reviewer.items()],
)
def assign(
    call: Call,
    stage: str = StageOption,
    round_: str = typer.Option("main", "--round", help="pilot or main."),
    mode: str = typer.Option(None, "--mode", help="dual or split (default: review.toml)."),
    overlap: float = typer.Option(None, "--overlap", help="Share screened twice in split mode."),
    pilot: int = typer.Option(None, "--pilot", help="Pilot size in records."),
    seed: int = typer.Option(None, "--seed", help="Seed of the random choices."),
):
    """Give a stage's unassigned records to the reviewers (owner or arbiter)."""
    return call.review.screening.assign(
        stage,
        member=call.need_member(),
        round=round_,
        mode=mode,
        overlap=overlap,
        pilot=pilot,
        seed=seed,
    )


@verb(app, "screen", member="write", formats=("table",))
def screen(call: Call, stage: str = StageOption) -> None:
    """Screen your records in the terminal (i/e/m, 1-9 reasons, u undo, n note, t tags, q quit).

    Each key press is saved at once.
    """
    from evimap.cli.screen_app import ScreenApp

    member = call.need_member()
    call.review.screening.queue(stage, member=member)  # unknown stages fail here
    ScreenApp(call.review, stage, member).run()


@verb(
    app,
    "decide",
    member="write",
    formats=TJC,
    table=lambda done, call: say(
        f"record {done.record_id}: {done.decision} {done.reason}".rstrip()
    ),
    rows=lambda done: [done.__dict__],
)
def decide(
    call: Call,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    decision: str = typer.Argument(..., help="include, exclude or maybe."),
    stage: str = StageOption,
    reason: str = typer.Option("", "--reason", help="Exclusion criterion code."),
    note: str = typer.Option("", "--note", help="A note kept with the decision."),
):
    """Record one decision (for scripts; `evimap screen` is the interactive way)."""
    return call.review.screening.decide(
        stage, record_id, decision, reason=reason, note=note, member=call.need_member()
    )


def _conflict_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "record_id": c["record_id"],
            "conflict": c["conflict"],
            "calls": "; ".join(f"{k}: {v}" for k, v in c["calls"].items()),
            "title": c["title"],
        }
        for c in found
    ]


@verb(
    app,
    "conflicts",
    formats=TJC,
    rows=_conflict_rows,
    columns=["record_id", "conflict", "calls", "title"],
    title=lambda found: f"{len(found)} conflicts",
)
def conflicts(call: Call, stage: str = StageOption):
    """List the records whose reviewers differ (maybe counts as a conflict); owners and
    arbiters while the stage is blind."""
    return call.review.screening.conflicts(stage, member=call.member)


def _settled_row(state, why: str) -> dict[str, Any]:
    return {
        "record_id": state.record_id,
        "stage": state.stage,
        "status": state.status,
        "decision": state.settlement.decision if state.settlement else "",
        "reason": state.settlement.reason if state.settlement else "",
        "why": why,
    }


@verb(
    app,
    "resolve",
    member="write",
    formats=TJC,
    table=lambda row, call: say(
        f"record {row['record_id']} settled at {row['stage']}: {row['decision']} "
        f"{row['reason']}".rstrip()
    ),
    rows=lambda row: [row],
)
def resolve(
    call: Call,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    decision: str = typer.Argument(..., help="include or exclude (maybe if maybe_advances)."),
    stage: str = StageOption,
    why: str = typer.Option(..., "--why", help="The arbiter's reason, in words."),
    reason: str = typer.Option("", "--reason", help="Exclusion criterion code."),
) -> dict[str, Any]:
    """Settle a record as arbiter (or owner) with a decision and a reason."""
    state = call.review.screening.settle(
        stage, record_id, decision, member=call.need_member(), why=why, reason=reason
    )
    return _settled_row(state, why)


def _agreement_table(pairs, call: Call) -> None:
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
        "table",
        title="Agreement",
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
        emit_rows(grid, "table", title=f"{p.rater_a} (rows) by {p.rater_b} (columns)")


@verb(app, "agreement", formats=TJC, table=_agreement_table)
def agreement(
    call: Call,
    stage: str = StageOption,
    round_: str = typer.Option(None, "--round", help="pilot or main only (default: both)."),
):
    """Agreement of each reviewer pair: percent, Cohen's kappa (95% CI), PABAK, Gwet's AC1
    (while a stage is blind, reviewers and no one see it over settled records only)."""
    return call.review.screening.agreement(stage, member=call.member, round=round_)


def _progress_table(data: dict[str, Any], call: Call) -> None:
    team = data.get("team", {})
    rows = []
    if data["reviewer"]:
        rows.append(
            {
                "reviewer": data["reviewer"],
                "decided": n_of(data["decided"], data["assigned"]),
                "to_do": data["to_do"],
            }
        )
    rows += [
        {
            "reviewer": name,
            "decided": n_of(t["decided"], t["assigned"]),
            "to_do": max(0, t["assigned"] - t["decided"]),
        }
        for name, t in team.items()
        if name != data["reviewer"]
    ]
    if rows:
        emit_rows(rows, "table", title=f"Progress at {data['stage']}")
    line = f"records: {data['records']}; settled {n_of(data['records_settled'], data['records'])}"
    if "records_conflict" in data:
        line += (
            f", pending {n_of(data['records_pending'], data['records'])}, conflict "
            f"{n_of(data['records_conflict'], data['records'])}"
        )
    else:
        line += f", not settled {n_of(data['records_unsettled'], data['records'])}"
    say(line)


@verb(app, "progress", formats=TJ, table=_progress_table)
def progress(call: Call, stage: str = StageOption):
    """Your progress at a stage (and the team's, for owners and arbiters)."""
    return call.review.screening.progress(stage, member=call.member)


def _flow_rows(counts) -> list[dict[str, Any]]:
    flow = counts.screening
    if flow is None:
        return []
    from evimap.report.prisma import BOX_LABELS as LABEL

    rows = [
        {"box": LABEL["records_screened"], "n": flow.records_screened},
        {
            "box": LABEL["records_excluded"],
            "n": n_of(flow.records_excluded, flow.records_screened),
        },
        {"box": "Records awaiting a decision", "n": flow.records_awaiting},
        {"box": LABEL["dbr_sought_reports"], "n": flow.reports_sought},
        {
            "box": LABEL["dbr_notretrieved_reports"],
            "n": n_of(flow.reports_not_retrieved, flow.reports_sought),
        },
        {"box": LABEL["dbr_assessed"], "n": flow.reports_assessed},
        {"box": LABEL["dbr_excluded"], "n": n_of(flow.reports_excluded, flow.reports_assessed)},
    ]
    rows += [
        {"box": f"  {flow.reason_labels.get(code, code)}", "n": n_of(n, flow.reports_excluded)}
        for code, n in flow.reports_excluded_by_reason.items()
    ]
    rows += [
        {"box": "Reports awaiting a decision", "n": flow.reports_awaiting},
        {"box": LABEL["dbr_included"], "n": flow.studies_included},
    ]
    return rows


class _Flow:
    def __init__(self, counts):
        self.counts = counts

    def to_dict(self) -> dict[str, Any]:
        flow = self.counts.screening
        return flow.to_dict() if flow is not None else {}


@verb(
    app,
    "screening-flow",
    formats=TJC,
    rows=lambda f: _flow_rows(f.counts),
    title="Screening and eligibility (PRISMA 2020)",
)
def screening_flow(call: Call):
    """The PRISMA screening and eligibility boxes (settled counts; from `review.prisma()`, as
    `evimap prisma` and the report)."""
    return _Flow(call.review.prisma())


@verb(
    fulltext_app,
    "attach",
    member="write",
    formats=TJC,
    full_name="fulltext attach",
    table=lambda stored, call: say(f"record {stored['record_id']}: {stored['path']}"),
    rows=lambda stored: [stored],
)
def fulltext_attach(
    call: Call,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    pdf: Path = typer.Argument(..., help="The PDF file."),
):
    """Attach a report's PDF (copied under fulltext/, named by its SHA-256)."""
    return call.review.screening.attach_fulltext(record_id, pdf, member=call.need_member())


@verb(
    fulltext_app,
    "missing",
    formats=TJC,
    full_name="fulltext missing",
    columns=["record_id", "year", "doi", "title"],
    title=lambda rows: f"{len(rows)} reports without a full text",
)
def fulltext_missing(call: Call):
    """List the reports sought that have no PDF and are not marked not retrieved."""
    return call.review.screening.missing_fulltext(member=call.member)


@verb(
    fulltext_app,
    "not-retrieved",
    member="write",
    formats=TJ,
    full_name="fulltext not-retrieved",
    table=lambda done, call: say(f"record {done['record_id']}: report not retrieved"),
)
def fulltext_not_retrieved(
    call: Call,
    record_id: int = typer.Argument(..., metavar="RECORD", help="The record's id."),
    why: str = typer.Option("", "--why", help="Why it could not be retrieved."),
) -> dict[str, Any]:
    """Mark a sought report as not retrieved (PRISMA "reports not retrieved")."""
    call.review.screening.mark_not_retrieved(record_id, member=call.need_member(), why=why)
    return {"record_id": record_id, "status": "not_retrieved", "why": why}


def _import_table(result, call: Call) -> None:
    who = ", ".join(result.reviewers) or "nobody"
    rows = [
        {
            "rows": result.rows,
            "decisions": result.decisions,
            "settlements": result.settlements,
            "unchanged": result.unchanged,
            "undecided": result.undecided,
            "unmatched": len(result.unmatched),
            **result.by_decision,
        }
    ]
    emit_rows(
        rows,
        "table",
        title=f"{Path(result.file).name} ({result.layout}): {who} at {result.stage}",
    )
    for item in result.unmatched:
        say(f"skipped line {item['line']}: {item['why']}", stderr=True)
    say(f"batch {result.batch} (undo it with `evimap decisions undo REVIEW {result.batch}`)")


@verb(
    decisions_app,
    "import",
    member="read",
    writes=True,
    formats=TJ,
    full_name="decisions import",
    table=_import_table,
)
def decisions_import(
    call: Call,
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="CSV of decisions: evimap's export, or Rayyan, Covidence or ASReview exports.",
    ),
    stage: str = StageOption,
    decision: str = typer.Option(
        None, "--decision", help="Decision of rows without one (e.g. a Covidence 'excluded' list)."
    ),
    skip_unmatched: bool = typer.Option(
        False, "--skip-unmatched", help="Skip (and list) rows matching no record."
    ),
):
    """Import decisions from a CSV file in one transaction, as one batch you can undo. With
    --as the file is yours (rows naming someone else are refused); without, each row's reviewer
    column names a team member. An arbiter's rows settle records."""
    return call.review.screening.import_decisions(
        file,
        stage,
        member=call.member,
        default_decision=decision,
        skip_unmatched=skip_unmatched,
    )


@verb(
    decisions_app,
    "undo",
    member="write",
    formats=TJ,
    full_name="decisions undo",
    table=lambda r, call: say(
        f"batch {r.batch}: {r.reverted} decisions reverted, {r.withdrawn} settlements "
        f"withdrawn, {r.changed_since} changed since and left alone"
    ),
)
def decisions_undo(
    call: Call,
    batch: str = typer.Argument(..., help="The batch id `decisions import` printed."),
):
    """Take back a decisions import: its decisions still current are reverted, its settlements
    withdrawn (yours, or anyone's as an owner or arbiter)."""
    return call.review.screening.undo_import(batch, member=call.need_member())


@verb(
    decisions_app,
    "export",
    formats=("csv", "json", "table"),
    full_name="decisions export",
    columns=DECISION_COLUMNS,
)
def decisions_export(call: Call, stage: str = StageOption):
    """Export the decisions you may see at a stage, then the arbiters' settlements and who
    made them (re-importable with `decisions import`)."""
    return call.review.screening.decisions(stage, member=call.member)
