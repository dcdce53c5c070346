"""`evimap dedup ...` and `evimap remove`: deduplication, its review queue, removals."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.status import Status
from typer.core import TyperGroup

from evimap.cli import app
from evimap.cli.output import (
    ActorOption,
    DbOption,
    FormatOption,
    OutputFormat,
    cli_errors,
    console,
    emit_object,
    emit_rows,
    err_console,
)
from evimap.numbers import n_of
from evimap.review import Review


class _RunByDefault(TyperGroup):
    """`evimap dedup REVIEW ...` means `evimap dedup run REVIEW ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


dedup_app = typer.Typer(
    cls=_RunByDefault,
    help="Find duplicate records across databases (exact passes, then Splink linkage); review "
    "uncertain pairs; undo; export clusters. `evimap dedup REVIEW` runs it.",
    no_args_is_help=True,
)
app.add_typer(dedup_app, name="dedup")


def _run(
    review_dir: Path,
    engine: str | None,
    threshold: float | None,
    review_from: float | None,
    reestimate: bool,
    actor: str,
    db: str | None,
    fmt: OutputFormat,
) -> None:
    with (
        cli_errors(),
        Review.open(review_dir, db=db) as review,
        Status("deduplicating", console=err_console) as status,
    ):
        summary = review.dedup.run(
            engine=engine,
            threshold=threshold,
            review_from=review_from,
            reestimate=reestimate,
            actor=actor,
            step=(lambda text: status.update(f"dedup: {text}"))
            if fmt is OutputFormat.table
            else None,
        )
    if fmt is not OutputFormat.table:
        emit_object(summary.to_dict(), fmt)
        return
    counts = summary.counts
    total = counts["records"]
    console.print(
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
        emit_rows(rows, fmt, title="Duplicates removed by database")
    console.print(
        f"pairs merged: {summary.exact_pairs} exact, {summary.linked_pairs} by linkage; "
        f"pairs awaiting review: {summary.queued}"
        + (" (run `evimap dedup review REVIEW`)" if summary.queued else "")
    )


@dedup_app.command("run")
def run_cmd(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    engine: str = typer.Option(None, "--engine", help="duckdb (default) or spark."),
    threshold: float = typer.Option(None, "--threshold", help="Match probability that merges."),
    review_from: float = typer.Option(
        None, "--review-from", help="Match probability from which pairs go to review."
    ),
    reestimate: bool = typer.Option(
        False, "--reestimate", help="Re-estimate the model by EM on this review (large reviews)."
    ),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Deduplicate REVIEW: DOI and title passes, then Splink linkage; prints a summary
    (`evimap dedup REVIEW` is the same)."""
    _run(review_dir, engine, threshold, review_from, reestimate, actor, db, fmt)


@dedup_app.command("review")
def review_cmd(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    accept: list[int] = typer.Option([], "--accept", help="Confirm pair ID (repeatable)."),
    reject: list[int] = typer.Option([], "--reject", help="Reject pair ID (repeatable)."),
    list_only: bool = typer.Option(False, "--list", help="List the queue and stop."),
    why: str = typer.Option("", "--why", help="A note kept with each decision."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """The review queue: uncertain pairs to confirm (merge) or reject, one at a time, or with
    --accept/--reject ID for scripts."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        for pair_id in accept:
            review.dedup.decide(pair_id, "confirm", actor=actor, why=why)
        for pair_id in reject:
            review.dedup.decide(pair_id, "reject", actor=actor, why=why)
        items = review.dedup.queue()
        if accept or reject or list_only or fmt is not OutputFormat.table:
            rows = [
                {
                    "pair_id": i.pair_id,
                    "probability": round(i.probability, 3),
                    "flag": i.flag,
                    "a": f"[{i.a[1].source_database}] {i.a[1].title} ({i.a[1].year})",
                    "b": f"[{i.b[1].source_database}] {i.b[1].title} ({i.b[1].year})",
                }
                for i in items
            ]
            if fmt is OutputFormat.json:
                emit_object({"pending": [i.to_dict() for i in items]}, fmt)
            else:
                emit_rows(
                    rows,
                    fmt,
                    columns=["pair_id", "probability", "flag", "a", "b"],
                    title=f"Pairs awaiting review: {len(items)}",
                )
            return
        if not items:
            console.print("No pairs await review.")
            return
        for n, item in enumerate(items, start=1):
            data = item.to_dict()
            console.print(
                f"\nPair {item.pair_id} ({n} of {len(items)}), "
                f"match probability {data['probability']}"
                + (f", flagged: {item.flag}" if item.flag else ""),
                markup=False,
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
                console.print(f"  {key:<12} A: {data['a'][key]}", markup=False, highlight=False)
                console.print(f"  {'':<12} B: {data['b'][key]}", markup=False, highlight=False)
            answer = typer.prompt("Same record? [y]es / [n]o / [s]kip / [q]uit", default="s")
            choice = answer.strip().lower()[:1]
            if choice == "q":
                break
            if choice in ("y", "n"):
                review.dedup.decide(
                    item.pair_id, "confirm" if choice == "y" else "reject", actor=actor, why=why
                )
        console.print(f"{len(review.dedup.queue())} pairs still await review.")


@dedup_app.command("undo")
def undo_cmd(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    cluster: int = typer.Option(
        None, "--cluster", help="Split this cluster (its kept record's id)."
    ),
    record: int = typer.Option(
        None, "--record", help="Detach this record (evimap id) from its cluster, keep the rest."
    ),
    why: str = typer.Option("", "--why", help="The reason, for the event log."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Undo a merge: split one cluster, detach one record from its cluster, or (with neither)
    undo the latest dedup run."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        counts = review.dedup.undo(cluster, record_id=record, actor=actor, why=why)
    if fmt is OutputFormat.table:
        console.print(
            f"Undone. {counts['records']} records -> {counts['clusters']} unique records."
        )
    else:
        emit_object(counts, fmt)


@dedup_app.command("export")
def export_cmd(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    clusters: Path = typer.Option(..., "--clusters", help="CSV file to write."),
    db: str = DbOption,
) -> None:
    """Write every record with its cluster: record_id (its ID in its file), cluster_id (the
    kept record's id), evimap_id, title, database, kept, pass and score."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        n = review.dedup.export_clusters(clusters)
    console.print(f"Wrote {n} rows to {clusters}")


@app.command("remove")
def remove_cmd(
    review_dir: Path = typer.Argument(..., metavar="REVIEW", help="The review folder."),
    actor: str = ActorOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Remove records before screening by the protocol's [removals] rules, a reason each."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        summary = review.dedup.remove(actor=actor)
    if fmt is OutputFormat.json:
        emit_object(summary.to_dict(), fmt)
        return
    rows = [
        {"reason": reason, "records removed": n_of(n, summary.considered)}
        for reason, n in summary.by_reason.items()
    ]
    rows.append(
        {"reason": "all reasons", "records removed": n_of(summary.removed, summary.considered)}
    )
    emit_rows(rows, fmt, title="Records removed before screening")
    if fmt is OutputFormat.table:
        console.print(f"{summary.considered - summary.removed} records left to screen.")
