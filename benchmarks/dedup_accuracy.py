"""Dedup accuracy on gold sets, out of sample: evimap beside bib-dedupe, same records, same run.

The headline is leave-one-set-out: each set is scored by a model estimated on every *other*
set of the run (the four shared bib-dedupe sets and any ``--data`` folders), so no set is
scored by a model that saw it. ``--in-sample`` scores every set with the shipped model instead
(estimated on the four shared sets) for comparison.

Printed per set and tool: pair-level F1, precision, recall, false merges (pairs of different
works put in one cluster), and the manual-review queue (evimap's review band and flagged pairs;
bib-dedupe's "maybe" pairs); then whether each target holds on each set: F1 at least
bib-dedupe's, false merges no more than bib-dedupe's, queue at most a tenth of its maybes.

bib-dedupe is not an evimap dependency: it runs in its own virtual environment, through
``benchmarks/bib_dedupe_run.py``. The benchmark uses ``--bib-dedupe-python`` (or
``$EVIMAP_BIB_DEDUPE_PYTHON``), else ``.venv-bib-dedupe/`` in the repository, creating it on
first use (``python -m venv .venv-bib-dedupe && .venv-bib-dedupe/bin/pip install
bib-dedupe==0.11.0``); ``--no-bib-dedupe`` prints evimap's figures alone.

Usage: ``python benchmarks/dedup_accuracy.py [--data /work/extra-data/dedup] [--in-sample]
[--sets stroke,haematology] [--engine duckdb|spark] [--threshold 0.998]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.gold import GOLD_ROOT, REPO, GoldSet, load_gold, sets_in  # noqa: E402
from evimap.dedup.engine import get_engine  # noqa: E402
from evimap.dedup.pipeline import DEFAULT_REVIEW_FROM, DEFAULT_THRESHOLD, deduplicate  # noqa: E402

BIB_DEDUPE = "bib-dedupe==0.11.0"
RUNNER = Path(__file__).with_name("bib_dedupe_run.py")


@dataclass
class Scores:
    """Pair-level confusion counts and the review queue of one tool on one set."""

    tool: str
    tp: int
    fp: int
    fn: int
    queue: int
    seconds: float

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 1.0


def cluster_pairs(groups: list[list[int]]) -> set[tuple[int, int]]:
    """Every pair of records within one cluster."""
    pairs: set[tuple[int, int]] = set()
    for group in groups:
        pairs.update(itertools.combinations(sorted(group), 2))
    return pairs


def score(tool: str, gold: GoldSet, predicted: set, queue: int, seconds: float) -> Scores:
    """Confusion counts of predicted pairs against the gold pairs."""
    truth = gold.true_pairs()
    tp = len(predicted & truth)
    return Scores(tool, tp, len(predicted - truth), len(truth - predicted), queue, seconds)


def run_evimap(gold: GoldSet, engine, threshold: float, review_from: float, model=None) -> Scores:
    """evimap's pipeline on one gold set."""
    start = time.perf_counter()
    outcome = deduplicate(
        gold.records,
        engine=engine,
        model=model,
        threshold=threshold,
        review_from=review_from,
        distinct=gold.distinct,
    )
    seconds = time.perf_counter() - start
    return score("evimap", gold, cluster_pairs(outcome.groups), len(outcome.queued), seconds)


# --------------------------------------------------------------------------- bib-dedupe


class BibDedupeMissing(RuntimeError):
    """bib-dedupe's environment is missing and could not be made."""


def bib_dedupe_python(given: str | None) -> Path:
    """The Python of bib-dedupe's own environment, made on first use when it is the default.

    :raises BibDedupeMissing: with the commands that make it by hand.
    """
    chosen = given or os.environ.get("EVIMAP_BIB_DEDUPE_PYTHON")
    if chosen:
        python = Path(chosen)
        if not python.exists():
            raise BibDedupeMissing(f"no Python at {python} (--bib-dedupe-python)")
        return python
    venv = REPO / ".venv-bib-dedupe"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    how = (
        f"python3 -m venv {venv} && {venv}/bin/pip install {BIB_DEDUPE}  "
        "(or pass --bib-dedupe-python, or --no-bib-dedupe)"
    )
    print(f"creating bib-dedupe's environment: {venv}", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", BIB_DEDUPE], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BibDedupeMissing(
            f"could not install {BIB_DEDUPE} ({exc}); make it by hand: {how}"
        ) from None
    return python


def run_bib_dedupe(gold: GoldSet, folder: Path, python: Path) -> Scores:
    """bib-dedupe 0.11 (prep, block, match, cluster) on the same file, in its environment."""
    done = subprocess.run(
        [str(python), str(RUNNER), str(folder / "records_pre_merged.csv")],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    by_file_id = {v: k for k, v in gold.file_ids.items()}
    groups = [[by_file_id[i] for i in group if i in by_file_id] for group in result["groups"]]
    return score("bib-dedupe", gold, cluster_pairs(groups), result["maybe"], result["seconds"])


# --------------------------------------------------------------------------- main


def _row(name: str, s: Scores) -> str:
    return (
        f"{name:<22} {s.tool:<11} {s.f1:>7.4f} {s.precision:>9.4f} {s.recall:>7.4f} "
        f"{s.fp:>6} {s.queue:>6} {s.tp:>5} {s.fn:>5} {s.seconds:>7.1f}"
    )


def _targets(ours: Scores, theirs: Scores) -> list[str]:
    """Which targets fail on one set (empty when all hold)."""
    failed = []
    if ours.f1 < theirs.f1:
        failed.append(f"F1 {ours.f1:.4f} < {theirs.f1:.4f} (short by {theirs.f1 - ours.f1:.4f})")
    if ours.fp > theirs.fp:
        failed.append(f"false merges {ours.fp} > {theirs.fp}")
    if ours.queue > theirs.queue / 10:
        failed.append(f"queue {ours.queue} > {theirs.queue}/10")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--review-from", type=float, default=DEFAULT_REVIEW_FROM)
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        type=Path,
        help="a folder of more gold sets (one subfolder a set), in addition to the shared ones",
    )
    parser.add_argument("--sets", default="", help="score only these sets (comma-separated)")
    parser.add_argument(
        "--in-sample",
        action="store_true",
        help="score every set with the shipped model (estimated on the shared sets)",
    )
    parser.add_argument("--no-bib-dedupe", action="store_true")
    parser.add_argument("--bib-dedupe-python", default=None)
    args = parser.parse_args(argv)

    folders: dict[str, Path] = {}
    for root in [GOLD_ROOT, *args.data]:
        if not Path(root).is_dir():
            print(f"no gold sets: {root} is not a folder")
            return 1
        for name in sets_in(root):
            folders.setdefault(name, Path(root))
    if not folders:
        print(f"no gold sets found under {GOLD_ROOT}")
        return 1
    wanted = [s for s in args.sets.split(",") if s] or list(folders)
    unknown = [s for s in wanted if s not in folders]
    if unknown:
        print(f"unknown gold sets: {', '.join(unknown)}; found: {', '.join(folders)}")
        return 1
    python = None
    if not args.no_bib_dedupe:
        try:
            python = bib_dedupe_python(args.bib_dedupe_python)
        except BibDedupeMissing as exc:
            print(f"bib-dedupe is not available: {exc}")
            return 1
    golds = {name: load_gold(name, root=root) for name, root in folders.items()}

    mode = "in sample: the shipped model" if args.in_sample else "out of sample: leave one set out"
    print(
        f"{mode}; threshold {args.threshold}, review band from {args.review_from}, "
        f"engine {args.engine}; sets: "
        + ", ".join(f"{n} ({len(g.records)})" for n, g in golds.items())
    )
    header = (
        f"{'set':<22} {'tool':<11} {'F1':>7} {'precision':>9} {'recall':>7} "
        f"{'false':>6} {'queue':>6} {'TP':>5} {'FN':>5} {'seconds':>7}"
    )
    print(header)
    print("-" * len(header))
    results: list[tuple[str, Scores, Scores | None]] = []
    with get_engine(args.engine) as engine:
        for name in wanted:
            gold = golds[name]
            model = None
            if not args.in_sample:
                from benchmarks.estimate_dedup_model import estimate_on_gold

                others = [g for n, g in golds.items() if n != name]
                model = estimate_on_gold(others, engine)
            ours = run_evimap(gold, engine, args.threshold, args.review_from, model)
            print(_row(name, ours), flush=True)
            theirs = None
            if python is not None:
                theirs = run_bib_dedupe(gold, folders[name] / name, python)
                print(_row(name, theirs), flush=True)
            results.append((name, ours, theirs))
    print("-" * len(header))
    for tool in ("evimap", "bib-dedupe"):
        rows = [s for _, o, t in results for s in (o, t) if s is not None and s.tool == tool]
        if rows:
            print(
                f"{tool:<11} mean F1 {sum(r.f1 for r in rows) / len(rows):.4f}  "
                f"false merges {sum(r.fp for r in rows)}  review queue {sum(r.queue for r in rows)}"
            )
    if python is not None:
        print("targets (F1 >= bib-dedupe's, false merges <= its, queue <= its maybes / 10):")
        for name, ours, theirs in results:
            failed = _targets(ours, theirs) if theirs else []
            print(f"  {name:<22} {'met' if not failed else 'NOT met: ' + '; '.join(failed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
