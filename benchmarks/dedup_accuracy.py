"""Dedup accuracy on the bib-dedupe gold sets: evimap beside bib-dedupe, same records, same run.

Prints pair-level sensitivity, specificity, precision and F1 (every pair of records in one
cluster counts as a predicted duplicate pair; all n(n-1)/2 pairs are the denominator of
specificity) and the size of each tool's manual-review queue (evimap's review band; bib-dedupe's
"maybe" pairs).

bib-dedupe is not an evimap dependency: install it for this benchmark only
(``pip install bib-dedupe==0.11.0``); without it only evimap's figures are printed.

Usage: ``python benchmarks/dedup_accuracy.py [--engine duckdb|spark] [--threshold 0.9]
[--sets stroke,haematology] [--leave-one-out]``
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.gold import GOLD_ROOT, SETS, GoldSet, available, load_gold  # noqa: E402
from evimap.dedup.engine import get_engine  # noqa: E402
from evimap.dedup.pipeline import DEFAULT_REVIEW_FROM, DEFAULT_THRESHOLD, deduplicate  # noqa: E402


@dataclass
class Scores:
    """Pair-level confusion counts and the review queue of one tool on one set."""

    tool: str
    tp: int
    fp: int
    fn: int
    tn: int
    queue: int
    seconds: float

    @property
    def sensitivity(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 1.0

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
    n = len(gold.records)
    tp = len(predicted & truth)
    fp = len(predicted - truth)
    fn = len(truth - predicted)
    tn = n * (n - 1) // 2 - tp - fp - fn
    return Scores(tool, tp, fp, fn, tn, queue, seconds)


def run_evimap(gold: GoldSet, engine, threshold: float, review_from: float, model=None) -> Scores:
    """evimap's pipeline on one gold set."""
    start = time.perf_counter()
    outcome = deduplicate(
        gold.records, engine=engine, model=model, threshold=threshold, review_from=review_from
    )
    seconds = time.perf_counter() - start
    return score("evimap", gold, cluster_pairs(outcome.groups), len(outcome.queued), seconds)


def run_bib_dedupe(gold: GoldSet) -> Scores | None:
    """bib-dedupe 0.11 (prep, block, match, cluster) on the same file; None when not installed."""
    try:
        import pandas as pd
        from bib_dedupe.bib_dedupe import block, cluster, match, prep
    except ImportError:
        return None
    frame = pd.read_csv(GOLD_ROOT / gold.name / "records_pre_merged.csv")
    start = time.perf_counter()
    matched = match(
        block(prep(frame, verbosity_level=0, cpu=1), verbosity_level=0, cpu=1),
        verbosity_level=0,
        cpu=1,
    )
    duplicates = matched[matched["duplicate_label"] == "duplicate"]
    maybes = int((matched["duplicate_label"] == "maybe").sum())
    groups = cluster(duplicates, verbosity_level=0)
    seconds = time.perf_counter() - start
    by_file_id = {v: k for k, v in gold.file_ids.items()}
    predicted = cluster_pairs([[by_file_id[i] for i in group] for group in groups])
    return score("bib-dedupe", gold, predicted, maybes, seconds)


def leave_one_out_model(held_out: str, engine) -> dict:
    """A model estimated on every gold set but ``held_out`` (an honest out-of-sample check)."""
    from benchmarks.estimate_dedup_model import estimate_on

    return estimate_on([s for s in SETS if s != held_out], engine)


def _row(name: str, s: Scores) -> str:
    return (
        f"{name:<20} {s.tool:<11} {s.sensitivity:>8.4f} {s.specificity:>9.6f} "
        f"{s.precision:>9.4f} {s.f1:>7.4f} {s.queue:>6} {s.tp:>5} {s.fp:>5} {s.fn:>5} "
        f"{s.seconds:>7.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--review-from", type=float, default=DEFAULT_REVIEW_FROM)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="score each set with a model estimated on the other sets",
    )
    parser.add_argument("--no-bib-dedupe", action="store_true")
    args = parser.parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    missing = [s for s in names if not available(s)]
    if missing:
        print(f"gold sets not found under {GOLD_ROOT}: {', '.join(missing)}")
        return 1
    header = (
        f"{'set':<20} {'tool':<11} {'sens':>8} {'spec':>9} {'prec':>9} {'F1':>7} "
        f"{'queue':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'seconds':>7}"
    )
    print(
        f"threshold {args.threshold}, review band from {args.review_from}, engine {args.engine}"
        + (", leave-one-out models" if args.leave_one_out else ", shipped model")
    )
    print(header)
    print("-" * len(header))
    results: dict[str, list[Scores]] = {}
    with get_engine(args.engine) as engine:
        for name in names:
            gold = load_gold(name)
            model = leave_one_out_model(name, engine) if args.leave_one_out else None
            ours = run_evimap(gold, engine, args.threshold, args.review_from, model)
            results.setdefault("evimap", []).append(ours)
            print(_row(name, ours), flush=True)
            theirs = None if args.no_bib_dedupe else run_bib_dedupe(gold)
            if theirs is not None:
                results.setdefault("bib-dedupe", []).append(theirs)
                print(_row(name, theirs), flush=True)
    print("-" * len(header))
    for tool, rows in results.items():
        mean_f1 = sum(r.f1 for r in rows) / len(rows)
        queue = sum(r.queue for r in rows)
        min_spec = min(r.specificity for r in rows)
        print(
            f"{tool:<11} mean F1 {mean_f1:.4f}  min specificity {min_spec:.6f}  "
            f"review queue total {queue}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
