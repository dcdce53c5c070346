"""Stopping rules on the labelled sets: how often is the recall target met, and how much is saved?

For each labelled set in ``../shared/data/screening/``, each model order (evimap's default,
seeds 0-4: read from ``prioritise_vs_asreview.py --save`` output with ``--orders``, or simulated
here; ``--candidate loso`` reads instead, for each set, the orders of the candidate chosen
leaving that set out, ``--candidate NAME`` those of one candidate) and many sampling seeds:
screen in the model's order until ``--trigger`` irrelevant records in a row, then draw the
unseen records at random and test (Callaghan & Müller-Hansen 2020) until the test rejects
"recall < target" or nothing is left. Prints per set how often the target was met and the
share of records left unscreened, for

- evimap's rule (looks at multiples of the first look size, error spent over the looks: the
  stated guarantee),
- the paper's own practice (a test after every drawn record at the full error), and
- the heuristic alone (stop when ``--trigger`` irrelevant records come in a row; no guarantee).

Target: the recall target is met in at least the confidence share of runs.

Usage: ``python benchmarks/stopping.py [--orders results.json ...] [--samples 100] [--trigger 50]
[--target 0.95] [--confidence 0.95]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.prioritise_vs_asreview import (  # noqa: E402
    CANDIDATES,
    labelled_sets,
    loso_choices,
    parse_seeds,
)
from evimap.prioritise.cycle import ModelSpec  # noqa: E402
from evimap.prioritise.features import record_text  # noqa: E402
from evimap.prioritise.simulate import choose_priors, simulate_set  # noqa: E402
from evimap.prioritise.stopsim import simulate_stop  # noqa: E402

console = Console(width=max(Console().width, 140))


def model_orders(args, sets, source: dict[str, str]) -> dict[str, list[list[int]]]:
    """Row orders (priors first) of evimap's default model per set and seed.

    :param source: filled with where each set's orders came from.
    """
    saved: dict[str, dict] = {}
    for path in args.orders:  # several files (e.g. the parts of a --jobs run) are merged
        saved.update(json.loads(Path(path).read_text(encoding="utf-8")))
    out: dict[str, list[list[int]]] = {}
    seeds = parse_seeds(args.seeds)
    chosen: dict[str, str] = {}
    if args.candidate == "loso":
        pool = list(CANDIDATES) if args.candidates == "all" else args.candidates.split(",")
        chosen = loso_choices(saved, pool)
    for _, data in sets:
        name = chosen.get(data.name, "default" if args.candidate == "loso" else args.candidate)
        entry = saved.get(data.name, {}).get(name)
        if entry:
            priors = saved[data.name]["priors"]
            out[data.name] = [
                priors[str(run["seed"])] + order
                for run, order in zip(entry["runs"], entry["orders"], strict=True)
            ]
            source[data.name] = f"saved ({name})"
            continue
        if name != "default":
            raise SystemExit(f"no saved orders of candidate {name!r} for {data.name}")
        runs = simulate_set(
            [record_text(r) for r in data.records],
            data.labels,
            ModelSpec.named("default"),
            seeds,
            batch=args.batch,
        )
        out[data.name] = [choose_priors(data.labels, r.seed) + r.order for r in runs]
        source[data.name] = f"simulated (batch {args.batch})"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--orders", nargs="*", default=[], help="JSON saved by prioritise_vs_asreview.py"
    )
    parser.add_argument(
        "--candidate",
        default="default",
        help="whose saved orders: a candidate name, or loso (the one chosen leaving the set out)",
    )
    parser.add_argument(
        "--candidates", default="default,nokw", help="the pool --candidate loso chooses from"
    )
    parser.add_argument("--seeds", default="0-4", help="model seeds when simulating orders")
    parser.add_argument("--batch", type=int, default=10, help="retrain batch when simulating")
    parser.add_argument("--samples", type=int, default=100, help="sampling seeds per order")
    parser.add_argument("--trigger", type=int, default=50)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--sets", default="")
    args = parser.parse_args()
    sets = labelled_sets([n for n in args.sets.split(",") if n] or None)
    source: dict[str, str] = {}
    orders = model_orders(args, sets, source)
    table = Table(
        title=f"Stopping at recall {args.target:.0%} with {args.confidence:.0%} confidence "
        f"(sample after {args.trigger} irrelevant in a row)",
        caption="met: share of runs whose recall reached the target; left: mean share of "
        "records never screened",
    )
    for column in (
        "set",
        "records",
        "orders",
        "runs",
        "evimap met",
        "evimap left",
        "paper met",
        "paper left",
        "heuristic met",
        "heuristic left",
    ):
        table.add_column(column, justify="right")
    means = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("stopping", total=len(sets))
        for _, data in sets:
            labels = np.asarray(data.labels)
            spending, every, heuristic = [], [], []
            for model_seed, order in enumerate(orders[data.name]):
                ordered = labels[order]
                for sample_seed in range(args.samples):
                    seed = 1000 * model_seed + sample_seed
                    common = {
                        "trigger": args.trigger,
                        "target": args.target,
                        "confidence": args.confidence,
                    }
                    run = simulate_stop(ordered, rng=np.random.default_rng(seed), **common)
                    spending.append(run)
                    every.append(
                        simulate_stop(
                            ordered, rng=np.random.default_rng(seed), looks="every", **common
                        )
                    )
                    heuristic.append(run)
            row = {
                "evimap met": np.mean([r.met for r in spending]),
                "evimap left": np.mean([r.unscreened for r in spending]),
                "paper met": np.mean([r.met for r in every]),
                "paper left": np.mean([r.unscreened for r in every]),
                "heuristic met": np.mean([r.heuristic_met for r in heuristic]),
                "heuristic left": np.mean(
                    [(r.total - r.heuristic_screened) / r.total for r in heuristic]
                ),
            }
            means.append(row)
            table.add_row(
                data.name,
                str(len(data)),
                source[data.name],
                str(len(spending)),
                *(f"{row[k]:.3f}" for k in row),
            )
            progress.advance(task)
    mean = {k: float(np.mean([m[k] for m in means])) for k in means[0]}
    table.add_row("mean", "", "", "", *(f"{v:.3f}" for v in mean.values()), end_section=True)
    console.print(table)
    worst = min(m["evimap met"] for m in means)
    verdict = "met" if worst >= args.confidence else "NOT met"
    console.print(
        f"target {verdict}: evimap's rule reached {args.target:.0%} recall in at least "
        f"{worst:.1%} of runs on every set (needed {args.confidence:.0%})"
    )


if __name__ == "__main__":
    main()
