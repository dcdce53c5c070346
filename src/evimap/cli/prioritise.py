"""Prioritisation verbs: simulate (a labelled file), prioritise rank|status, stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evimap.cli import app
from evimap.cli.output import emit_rows, err_console, say
from evimap.cli.verb import TJ, TJC, Call, verb
from evimap.errors import EvimapError
from evimap.numbers import n_of

StageOption = typer.Option("title_abstract", "--stage", "-s", help="title_abstract or full_text.")

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


def parse_params(items: list[str] | None, option: str) -> dict[str, Any]:
    """``["C=0.3", "authors=true"]`` -> ``{"C": 0.3, "authors": True}`` (values read as TOML
    values, as review.toml writes them; a bare word is a string)."""
    import tomllib

    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise typer.BadParameter(f"{item!r}: give {option} KEY=VALUE, e.g. {option} C=0.3")
        try:
            params[key] = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            params[key] = text.strip()
    return params


class _Simulation(dict):
    """A simulation's result: JSON as is, a table of its runs for people."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self)


def _simulation_rows(result: _Simulation) -> list[dict[str, Any]]:
    rows = [{k: v for k, v in run.items() if k != "order"} for run in result["runs"]]
    return [*rows, {"seed": "mean", "priors": "", **result["mean"], "retrains": ""}]


def _simulation_table(result: _Simulation, call: Call) -> None:
    emit_rows(
        _simulation_rows(result),
        "table",
        title=f"{result['name']}: {n_of(result['relevant'], result['records'])} relevant; "
        f"model {result['described']}",
        caption="WSS@95/@100: work saved over random order at 95%/100% recall; RRF@10: recall "
        "after 10% screened; ATD: mean share screened when a relevant record was found",
    )
    say(f"recall curves: {result['curves']['svg']} and {result['curves']['png']}")


@verb(
    app,
    "simulate",
    review="none",
    member="none",
    formats=TJC,
    rows=_simulation_rows,
    table=_simulation_table,
)
def simulate(
    call: Call,
    data: Path = typer.Argument(..., metavar="DATA", help="A labelled file (label_included)."),
    model: str = typer.Option(
        None, "--model", "-m", help="A model preset name (default: default, or review.toml's)."
    ),
    review_toml: Path = typer.Option(
        None,
        "--settings",
        help="A review.toml: simulate the model of its [prioritise] section.",
        exists=True,
        dir_okay=False,
    ),
    features: str = typer.Option(None, "--features", help="Feature extractor over the model's."),
    classifier: str = typer.Option(None, "--classifier", help="Classifier over the model's."),
    balance: str = typer.Option(None, "--balance", help="Class balance over the model's."),
    query: str = typer.Option(None, "--query", help="Query strategy over the model's."),
    param: list[str] = typer.Option(
        None, "--param", help="A classifier parameter KEY=VALUE (repeat), e.g. C=0.3."
    ),
    feature_param: list[str] = typer.Option(
        None, "--feature-param", help="A feature parameter KEY=VALUE (repeat), e.g. authors=true."
    ),
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
):
    """Simulate screening a labelled file in the model's order; WSS, RRF, ATD, recall curves."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from evimap.prioritise.cycle import ActiveLearningCycle, ModelSpec
    from evimap.prioritise.data import read_labelled
    from evimap.prioritise.features import record_document
    from evimap.prioritise.plots import write_recall_curves
    from evimap.prioritise.simulate import simulate_set
    from evimap.protocol import load_protocol
    from evimap.protocol.prioritise import PrioritiseSettings

    seed_list = parse_seeds(seeds)
    counts = parse_prior(prior)
    settings = load_protocol(review_toml).prioritise if review_toml else PrioritiseSettings()
    spec = ModelSpec.from_settings(
        settings,
        model,
        params=parse_params(param, "--param"),
        feature_params=parse_params(feature_param, "--feature-param"),
        features=features,
        classifier=classifier,
        balance=balance,
        query=query,
    )
    ActiveLearningCycle(spec)  # checks the parameters before any work
    labelled = read_labelled(data)
    fixed = list(prior_idx) if prior_idx else None
    labelled_per_run = len(labelled) - (len(fixed) if fixed else sum(counts))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
        disable=call.fmt != "table",
    ) as bar:
        task = bar.add_task(f"simulating {labelled.name}", total=labelled_per_run * len(seed_list))
        runs = simulate_set(
            [record_document(r) for r in labelled.records],
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
        runs, folder, f"recall-{spec.name}", f"{labelled.name}: {spec.describe()}"
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
    return _Simulation(
        data=str(data),
        name=labelled.name,
        records=len(labelled),
        relevant=labelled.relevant,
        model=spec.to_dict(),
        described=spec.describe(),
        runs=[{**row, "order": r.order} for row, r in zip(rows, runs, strict=True)],
        mean=mean,
        curves={"svg": str(svg), "png": str(png)},
    )


class _Rankings(dict):
    """Rankings by reviewer; JSON is one object per reviewer, as the table has one row each."""

    def to_dict(self) -> list[dict[str, Any]]:
        return [
            {"reviewer": name, **({"ranking": None} if info is None else info.__dict__)}
            for name, info in self.items()
        ]


@verb(
    prioritise_app,
    "rank",
    member="write",
    formats=TJC,
    full_name="prioritise rank",
    rows=lambda found: [_ranking_row(name, info) for name, info in found.items()],
    title="Rankings",
)
def rank(
    call: Call,
    stage: str = StageOption,
    team: bool = typer.Option(False, "--team", help="Rank every reviewer's queue (arbiter)."),
):
    """Retrain now and store the ranking of your queue (learned from your decisions only)."""
    member = call.need_member()
    if team:
        return _Rankings(call.review.prioritise.rank_team(stage, member=member))
    return _Rankings({member.name: call.review.prioritise.rank(stage, member=member)})


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


def _status_table(result: dict[str, Any], call: Call) -> None:
    state = "on" if result["enabled"] else "off ([prioritise] enabled = false)"
    say(f"prioritisation {state}; model {result['model']}")
    if result["reviewer"]:
        emit_rows(
            [_ranking_row(result["reviewer"], result["_info"])],
            "table",
            title=f"{result['reviewer']}'s newest ranking at {result['stage']}",
        )
    _print_stop(result["stopping"])


class _Status(dict):
    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.items() if not k.startswith("_")}


@verb(prioritise_app, "status", formats=TJ, full_name="prioritise status", table=_status_table)
def status(call: Call, stage: str = StageOption):
    """Your newest ranking (model, training set) and where the stage stands for stopping."""
    prioritise = call.review.prioritise
    info = prioritise.latest(stage, member=call.member)
    return _Status(
        enabled=prioritise.enabled,
        model=prioritise.spec().describe(),
        stage=stage,
        reviewer=call.member.name if call.member else None,
        ranking=None if info is None else info.__dict__,
        stopping=prioritise.stopping(stage, member=call.member).to_dict(),
        _info=info,
    )


def _stop_table(result: dict[str, Any], call: Call) -> None:
    drawn, decided = result["drawn"], result["decision"]
    if drawn:
        say(
            f"round {drawn['round']}: {drawn['drawn']} of {drawn['urn']} unseen records drawn "
            f"({drawn['look_size']} a look); they now lead every queue"
        )
    if decided:
        say(
            f"decision logged: {decided['decision']}"
            + (" (the test rejects: guarantee holds)" if decided["guarantee"] else "")
            + f"; {decided['unscreened']} records left unscreened, none excluded"
        )
    _print_stop(result["status"])


@verb(app, "stop", formats=TJ, table=_stop_table, writes=True)
def stop(
    call: Call,
    stage: str = StageOption,
    sample: bool = typer.Option(
        False, "--sample", help="Draw the next look of the random sample (arbiter or owner)."
    ),
    seed: int = typer.Option(None, "--seed", help="Seed of a new sample's random order."),
    decide: str = typer.Option(
        None, "--decide", help="Record the team's decision: stop or continue (arbiter or owner)."
    ),
    why: str = typer.Option("", "--why", help="The reasons for the decision."),
):
    """May screening stop? The statistical test (recall target at a confidence, from a random
    sample), the N-in-a-row heuristic, and the relevant records estimated unseen."""
    if sample and decide:
        raise EvimapError("give --sample or --decide, not both")
    prioritise = call.review.prioritise
    drawn = prioritise.sample(stage, member=call.need_member(), seed=seed) if sample else None
    decided = (
        prioritise.decide(stage, decide, member=call.need_member(), why=why) if decide else None
    )
    return {
        "drawn": drawn,
        "decision": decided,
        "status": prioritise.stopping(stage, member=call.member).to_dict(),
    }


def _print_stop(status_: dict) -> None:
    total = status_["total"]
    waiting = status_.get("pending")
    say(
        f"{status_['stage']}: {n_of(status_['screened'], total)} records settled, "
        f"{status_['relevant']} relevant, {status_['unseen']} not yet seen by anyone"
        + (f", {waiting} decided but waiting to be settled" if waiting else "")
    )
    test, round_ = status_.get("test"), status_.get("round")
    if test is not None and round_ is not None:
        say(
            f"random sample: {round_['drawn']} of the {test['urn']} records unseen at its start "
            f"drawn ({test['look_size']} a look); the first {round_['screened']} in the drawn "
            f"order settled ({round_['settled']} settled in all)"
        )
        if test["look"]:
            say(
                f"statistical test (Callaghan & Müller-Hansen 2020) at look {test['look']}: "
                f"{n_of(test['sample_relevant'], test['sample_size'])} relevant; "
                f"p = {test['p_value']:.4f} vs {test['alpha']:.4f} for recall < "
                f"{test['recall_target']:.0%} at {test['confidence']:.0%} confidence"
            )
        if test["sample_size"]:
            say(
                f"relevant records still unseen: about {test['remaining']:.1f} "
                f"({test['confidence']:.0%} interval {test['remaining_low']}-"
                f"{test['remaining_high']})"
            )
    decided = status_.get("decided")
    if status_["state"] == "stopped" and decided:
        say(
            f"stopped by {decided['by']} on {decided['at'][:10]}: {decided['why'] or '(no reason)'}"
            + (
                f" (the test had shown the target at look {decided['look']})"
                if decided["guarantee"]
                else " (without the test's guarantee)"
            )
        )
    say(f"statistical test: {status_['advice']}")
    if status_["state"] in ("no_sample", "draw_next", "stopped") and status_["next_look"]:
        say(
            f"the next draw adds {status_['next_look']} records "
            "(evimap stop REVIEW --sample --as an arbiter or owner)"
        )
    heuristic = status_["heuristic"]
    runs = ", ".join(
        f"{name} {run}" + (" (reached)" if heuristic["fired"][name] else "")
        for name, run in heuristic["runs"].items()
    )
    say(f"heuristic, no guarantee: exclusions in a row {runs}; threshold {heuristic['threshold']}")
