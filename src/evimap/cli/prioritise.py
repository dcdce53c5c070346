"""Prioritisation verbs: simulate (a labelled file), prioritise rank|status, stop."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
from evimap.review import Review

StageOption = typer.Option("title_abstract", "--stage", "-s", help="title_abstract or full_text.")
AsOption = typer.Option(..., "--as", help="Who you are (a name from [[screening.reviewers]]).")

prioritise_app = typer.Typer(
    help="Order the screening queues with active learning.", no_args_is_help=True
)
app.add_typer(prioritise_app, name="prioritise")


def parse_seeds(text: str) -> list[int]:
    """``0-4`` -> [0, 1, 2, 3, 4]; ``1,5`` -> [1, 5]."""
    try:
        if "-" in text.strip("-"):
            low, high = text.split("-", 1)
            seeds = list(range(int(low), int(high) + 1))
        else:
            seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give seeds as 0-4 or 0,2,5") from None
    if not seeds:
        raise typer.BadParameter(f"{text!r}: no seeds")
    return seeds


def parse_prior(text: str) -> tuple[int, int]:
    """``1,1`` -> (1, 1): relevant and irrelevant prior records."""
    try:
        relevant, irrelevant = (int(v) for v in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give --prior RELEVANT,IRRELEVANT e.g. 1,1") from None
    if relevant < 1 or irrelevant < 1:
        raise typer.BadParameter("--prior needs at least one relevant and one irrelevant record")
    return relevant, irrelevant


@app.command()
def simulate(
    data: Path = typer.Argument(..., metavar="DATA", help="A labelled file (label_included)."),
    model: str = typer.Option("default", "--model", "-m", help="A model preset name."),
    seeds: str = typer.Option("0", "--seeds", help="Seeds, e.g. 0-4 or 0,3."),
    prior: str = typer.Option("1,1", "--prior", help="Relevant,irrelevant priors per seed."),
    prior_idx: list[int] = typer.Option(
        None,
        "--prior-idx",
        help="0-based rows of fixed priors (repeat: --prior-idx 3 --prior-idx 9).",
    ),
    batch: int = typer.Option(1, "--batch", help="Records labelled between retrains."),
    out: Path = typer.Option(
        None, "--out", help="Folder for the recall curves (default: simulation-<DATA>)."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Simulate screening a labelled file in the model's order; WSS, RRF, ATD, recall curves."""
    from evimap.prioritise.cycle import ModelSpec
    from evimap.prioritise.data import read_labelled
    from evimap.prioritise.features import record_text
    from evimap.prioritise.plots import write_recall_curves
    from evimap.prioritise.simulate import simulate_set

    seed_list = parse_seeds(seeds)
    counts = parse_prior(prior)
    with cli_errors():
        spec = ModelSpec.named(model)
        labelled = read_labelled(data)
        fixed = list(prior_idx) if prior_idx else None
        labelled_per_run = len(labelled) - (len(fixed) if fixed else sum(counts))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=fmt is not OutputFormat.table,
        ) as bar:
            task = bar.add_task(
                f"simulating {labelled.name}", total=labelled_per_run * len(seed_list)
            )
            runs = simulate_set(
                [record_text(r) for r in labelled.records],
                labelled.labels,
                spec,
                seed_list,
                prior_counts=counts,
                prior_idx=fixed,
                batch=batch,
                progress=lambda n: bar.advance(task, n),
            )
        folder = out or Path(f"simulation-{labelled.name}")
        svg, png = write_recall_curves(
            runs, folder, f"recall-{model}", f"{labelled.name}: {spec.describe()}"
        )
    rows = [
        {
            "seed": r.seed,
            "priors": r.priors,
            "wss95": round(r.metrics.wss95, 4),
            "wss100": round(r.metrics.wss100, 4),
            "rrf10": round(r.metrics.rrf10, 4),
            "atd": round(r.metrics.atd, 4),
            "retrains": len(r.retrain_seconds),
            "seconds_per_retrain": round(r.seconds_per_retrain, 5),
        }
        for r in runs
    ]
    mean = {
        key: round(sum(row[key] for row in rows) / len(rows), 4)
        for key in ("wss95", "wss100", "rrf10", "atd", "seconds_per_retrain")
    }
    if fmt is OutputFormat.json:
        emit_object(
            {
                "data": str(data),
                "records": len(labelled),
                "relevant": labelled.relevant,
                "model": spec.to_dict(),
                "runs": [{**row, "order": r.order} for row, r in zip(rows, runs, strict=True)],
                "mean": mean,
                "curves": {"svg": str(svg), "png": str(png)},
            },
            fmt,
        )
        return
    emit_rows(
        [*rows, {"seed": "mean", "priors": "", **mean, "retrains": ""}],
        fmt,
        title=f"{labelled.name}: {n_of(labelled.relevant, len(labelled))} relevant; "
        f"model {spec.describe()}",
        caption="WSS@95/@100: work saved over random order at 95%/100% recall; RRF@10: recall "
        "after 10% screened; ATD: mean share screened when a relevant record was found",
    )
    if fmt is OutputFormat.table:
        console.print(f"recall curves: {svg} and {png}", highlight=False, soft_wrap=True)


@prioritise_app.command("rank")
def rank(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    team: bool = typer.Option(False, "--team", help="Rank every reviewer's queue (arbiter)."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Retrain now and store the ranking of your queue (learned from your decisions only)."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        if team:
            found = review.prioritise.rank_team(stage, as_reviewer=actor)
        else:
            found = {actor: review.prioritise.rank(stage, as_reviewer=actor)}
    rows = [_ranking_row(name, info) for name, info in found.items()]
    emit_rows(rows, fmt, title=f"rankings at {stage}")


def _ranking_row(name: str, info) -> dict:
    if info is None:
        return {
            "reviewer": name,
            "ranking": "",
            "model": "",
            "trained_on": "",
            "ranked": "",
            "note": "needs one include and one exclude first",
        }
    return {
        "reviewer": name,
        "ranking": info.id,
        "model": info.model.get("name", ""),
        "trained_on": f"{info.training_size} ({info.training_relevant} relevant)",
        "ranked": info.ranked,
        "note": f"{info.seconds:.3f} s",
    }


@prioritise_app.command("status")
def status(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Your newest ranking (model, training set) and where the stage stands for stopping."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        info = review.prioritise.latest(stage, as_reviewer=actor)
        stop = review.prioritise.stopping(stage, as_reviewer=actor)
        enabled = review.prioritise.enabled
        model = review.prioritise.spec().describe()
    if fmt is not OutputFormat.table:
        emit_object(
            {
                "enabled": enabled,
                "model": model,
                "ranking": None if info is None else info.__dict__,
                "stopping": stop.to_dict(),
            },
            fmt,
        )
        return
    state = "on" if enabled else "off ([prioritise] enabled = false)"
    console.print(f"prioritisation {state}; model {model}", highlight=False, soft_wrap=True)
    emit_rows([_ranking_row(actor, info)], fmt, title=f"{actor}'s newest ranking at {stage}")
    _print_stop(stop.to_dict())


@app.command()
def stop(
    review_dir: Path = ReviewArg,
    stage: str = StageOption,
    actor: str = AsOption,
    sample: bool = typer.Option(
        False, "--sample", help="Draw the next look of the random sample (arbiter or owner)."
    ),
    seed: int = typer.Option(None, "--seed", help="Seed of a new sample's random order."),
    decide: str = typer.Option(
        None, "--decide", help="Record the team's decision: stop or continue (arbiter or owner)."
    ),
    why: str = typer.Option("", "--why", help="The reasons for the decision."),
    db: str = DbOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """May screening stop? The statistical test (recall target at a confidence, from a random
    sample), the N-in-a-row heuristic, and the relevant records estimated unseen."""
    with cli_errors(), Review.open(review_dir, db=db) as review:
        if sample and decide:
            raise EvimapError("give --sample or --decide, not both")
        drawn = review.prioritise.sample(stage, as_reviewer=actor, seed=seed) if sample else None
        decided = (
            review.prioritise.decide(stage, decide, as_reviewer=actor, why=why) if decide else None
        )
        status_ = review.prioritise.stopping(stage, as_reviewer=actor).to_dict()
    if fmt is not OutputFormat.table:
        emit_object({"drawn": drawn, "decision": decided, "status": status_}, fmt)
        return
    if drawn:
        console.print(
            f"round {drawn['round']}: {drawn['drawn']} of {drawn['urn']} unseen records drawn "
            f"({drawn['look_size']} a look); they now lead every queue",
            highlight=False,
            soft_wrap=True,
        )
    if decided:
        console.print(
            f"decision logged: {decided['decision']}"
            + (" (the test rejects: guarantee holds)" if decided["guarantee"] else "")
            + f"; {decided['unscreened']} records left unscreened, none excluded",
            highlight=False,
            soft_wrap=True,
        )
    _print_stop(status_)


def _print_stop(status_: dict) -> None:
    total = status_["total"]
    console.print(
        f"{status_['stage']}: {n_of(status_['screened'], total)} records settled, "
        f"{status_['relevant']} relevant, {status_['unseen']} not yet seen by anyone",
        highlight=False,
        soft_wrap=True,
    )
    test = status_.get("test")
    if test is None:
        console.print(
            "statistical test: no sample yet (draw one: evimap stop REVIEW --sample --as ...)",
            highlight=False,
            soft_wrap=True,
        )
    else:
        verdict = (
            f"REJECTED at look {test['look']}: recall >= {test['recall_target']:.0%} at "
            f"{test['confidence']:.0%} confidence; the team may stop"
            if test["reject"]
            else "not rejected yet: keep screening the sample"
        )
        console.print(
            f"statistical test (Callaghan & Müller-Hansen 2020): sample "
            f"{n_of(test['sample_relevant'], test['sample_size'])} relevant of "
            f"{test['urn']} unseen at the round's start; p = {test['p_value']:.4f} vs "
            f"{test['alpha']:.4f} (look {test['look']}, {test['look_size']} a look); {verdict}",
            highlight=False,
            soft_wrap=True,
        )
        if test["sample_size"]:
            console.print(
                f"relevant records still unseen: about {test['remaining']:.1f} "
                f"({test['confidence']:.0%} interval {test['remaining_low']}-"
                f"{test['remaining_high']})",
                highlight=False,
                soft_wrap=True,
            )
    heuristic = status_["heuristic"]
    runs = ", ".join(
        f"{name} {run}" + (" (reached)" if heuristic["fired"][name] else "")
        for name, run in heuristic["runs"].items()
    )
    console.print(
        f"heuristic, no guarantee: exclusions in a row {runs}; threshold {heuristic['threshold']}",
        highlight=False,
        soft_wrap=True,
    )
