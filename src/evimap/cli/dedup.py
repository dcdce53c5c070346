"""`evimap dedup ...` and `evimap remove`: deduplication, its review queue, removals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from evimap.cli import app
from evimap.cli.output import emit_rows, err_console, say
from evimap.cli.verb import TJ, TJC, Call, verb
from evimap.numbers import n_of


class _RunByDefault(TyperGroup):
    """`evimap dedup REVIEW ...` means `evimap dedup run REVIEW ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


dedup_app = typer.Typer(
    rich_markup_mode=None,
    cls=_RunByDefault,
    help="Find duplicate records across databases (exact passes, then Splink linkage); review "
    "uncertain pairs; undo; export clusters. `evimap dedup REVIEW` runs it. Once records are "
    "assigned for screening, changes need --force.",
    no_args_is_help=True,
)
app.add_typer(dedup_app, name="dedup")

ForceOption = typer.Option(
    False,
    "--force",
    help="Change the screened records even though screening started: each record's "
    "assignments, decisions and settlement move to the record kept for it (logged).",
)


def _run_table(summary, call: Call) -> None:
    counts = summary.counts
    total = counts["records"]
    say(
        f"{total} records -> {counts['clusters']} unique records "
        f"({counts['duplicates_removed']} duplicates removed; engine {summary.engine}, "
        f"threshold {summary.threshold})"
    )
    removed = counts["duplicates_removed"]
    rows = [
        {"database": db or "(unknown)", "duplicates removed": n_of(n, removed)}
        for db, n in counts["duplicates_removed_by_database"].items()
    ]
    if rows:
        emit_rows(rows, "table", title="Duplicates removed by database")
    say(
        f"pairs merged: {summary.exact_pairs} exact, {summary.linked_pairs} by linkage; "
        f"pairs awaiting review: {summary.queued}"
        + (" (run `evimap dedup review REVIEW`)" if summary.queued else "")
    )


@verb(dedup_app, "run", member="write", formats=TJ, table=_run_table, full_name="dedup run")
def run_cmd(
    call: Call,
    engine: str = typer.Option(None, "--engine", help="duckdb (default) or spark."),
    threshold: float = typer.Option(None, "--threshold", help="Match probability that merges."),
    review_from: float = typer.Option(
        None, "--review-from", help="Match probability from which pairs go to review."
    ),
    reestimate: bool = typer.Option(
        False, "--reestimate", help="Re-estimate the model by EM on this review (large reviews)."
    ),
    force: bool = ForceOption,
):
    """Deduplicate REVIEW: DOI and title passes, then Splink linkage; prints a summary
    (`evimap dedup REVIEW` is the same)."""
    from rich.status import Status

    with Status("deduplicating", console=err_console()) as status:
        return call.review.dedup.run(
            member=call.need_member(),
            engine=engine,
            threshold=threshold,
            review_from=review_from,
            reestimate=reestimate,
            force=force,
            step=(lambda text: status.update(f"dedup: {text}")) if call.fmt == "table" else None,
        )


def _pair_rows(items) -> list[dict[str, Any]]:
    return [
        {
            "pair_id": i.pair_id,
            "probability": round(i.probability, 3),
            "flag": i.flag,
            "a": f"[{i.a[1].source_database}] {i.a[1].title} ({i.a[1].year})",
            "b": f"[{i.b[1].source_database}] {i.b[1].title} ({i.b[1].year})",
        }
        for i in items
    ]


class _Queue(list):
    def to_dict(self) -> dict[str, Any]:
        return {"pending": [i.to_dict() for i in self]}


def _queue_table(items: _Queue, call: Call) -> None:
    emit_rows(
        _pair_rows(items),
        "table",
        columns=["pair_id", "probability", "flag", "a", "b"],
        title=f"Pairs awaiting review: {len(items)}",
    )


@verb(
    dedup_app,
    "review",
    member="write",
    formats=TJC,
    rows=_pair_rows,
    table=_queue_table,
    full_name="dedup review",
)
def review_cmd(
    call: Call,
    accept: list[int] = typer.Option([], "--accept", help="Confirm pair ID (repeatable)."),
    reject: list[int] = typer.Option([], "--reject", help="Reject pair ID (repeatable)."),
    list_only: bool = typer.Option(False, "--list", help="List the queue and stop."),
    why: str = typer.Option("", "--why", help="A note kept with each decision."),
    force: bool = ForceOption,
):
    """The review queue: uncertain pairs to confirm (merge) or reject, one at a time, or with
    --accept/--reject ID for scripts."""
    dedup = call.review.dedup
    member = call.need_member()
    for pair_id in accept:
        dedup.decide(pair_id, "confirm", member=member, why=why, force=force)
    for pair_id in reject:
        dedup.decide(pair_id, "reject", member=member, why=why, force=force)
    items = _Queue(dedup.queue())
    if accept or reject or list_only or call.fmt != "table":
        return items
    if not items:
        say("No pairs await review.")
        return None
    for n, item in enumerate(items, start=1):
        data = item.to_dict()
        say(
            f"\nPair {item.pair_id} ({n} of {len(items)}), match probability "
            f"{data['probability']}" + (f", flagged: {item.flag}" if item.flag else "")
        )
        for key in (
            "database",
            "title",
            "authors",
            "year",
            "source_title",
            "volume",
            "pages",
            "doi",
        ):
            say(f"  {key:<12} A: {data['a'][key]}")
            say(f"  {'':<12} B: {data['b'][key]}")
        answer = typer.prompt("Same record? [y]es / [n]o / [s]kip / [q]uit", default="s")
        choice = answer.strip().lower()[:1]
        if choice == "q":
            break
        if choice in ("y", "n"):
            dedup.decide(
                item.pair_id,
                "confirm" if choice == "y" else "reject",
                member=member,
                why=why,
                force=force,
            )
    say(f"{len(dedup.queue())} pairs still await review.")
    return None


@verb(
    dedup_app,
    "undo",
    member="write",
    formats=TJ,
    full_name="dedup undo",
    table=lambda counts, call: say(
        f"Undone. {counts['records']} records -> {counts['clusters']} unique records."
    ),
)
def undo_cmd(
    call: Call,
    cluster: int = typer.Option(
        None, "--cluster", help="Split this cluster (its kept record's id)."
    ),
    record: int = typer.Option(
        None, "--record", help="Detach this record (evimap id) from its cluster, keep the rest."
    ),
    why: str = typer.Option("", "--why", help="The reason, for the event log."),
    force: bool = ForceOption,
):
    """Undo a merge: split one cluster, detach one record from its cluster, or (with neither)
    undo the latest dedup run."""
    return call.review.dedup.undo(
        cluster, record_id=record, member=call.need_member(), why=why, force=force
    )


@verb(
    dedup_app,
    "export",
    formats=TJ,
    full_name="dedup export",
    table=lambda r, call: say(f"Wrote {r['rows']} rows to {r['file']}"),
)
def export_cmd(
    call: Call,
    clusters: Path = typer.Option(..., "--clusters", help="CSV file to write."),
):
    """Write every record with its cluster: record_id (its ID in its file), cluster_id (the
    kept record's id), evimap_id, title, database, kept, pass and score."""
    n = call.review.dedup.export_clusters(clusters)
    return {"file": str(clusters), "rows": n}


def _removal_rows(summary) -> list[dict[str, Any]]:
    rows = [
        {"reason": reason, "records removed": n_of(n, summary.considered)}
        for reason, n in summary.by_reason.items()
    ]
    rows.append(
        {"reason": "all reasons", "records removed": n_of(summary.removed, summary.considered)}
    )
    return rows


def _removal_table(summary, call: Call) -> None:
    emit_rows(_removal_rows(summary), "table", title="Records removed before screening")
    say(f"{summary.considered - summary.removed} records left to screen.")


@verb(
    app,
    "remove",
    member="write",
    formats=TJC,
    rows=_removal_rows,
    table=_removal_table,
)
def remove_cmd(call: Call, force: bool = ForceOption):
    """Remove records before screening by the protocol's [removals] rules, a reason each."""
    return call.review.dedup.remove(member=call.need_member(), force=force)
