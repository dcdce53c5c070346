"""Where a retrain's processor time goes, step by step, and the fit in both column layouts.

Simulates one labelled set with evimap's default model (seeds 0-4, BATCH records a retrain),
records the state of every retrain, then replays them in this process and times each step
with ``time.process_time``: taking the training rows out of the matrix (``X[rows]``), the
liblinear fit on them, the fit on the same rows kept in the compact column layout
(:mod:`evimap.prioritise.rows`), scoring every row and ordering the pool. The two fits are
interleaved retrain by retrain and their coefficients compared (they must be equal).

Usage: ``python benchmarks/retrain_profile.py BetaBlockers [BATCH] [REPEATS]``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from evimap.prioritise import cycle
from evimap.prioritise.data import read_labelled
from evimap.prioritise.features import record_text
from evimap.prioritise.models import training_rows
from evimap.prioritise.rows import TrainingRows
from evimap.prioritise.simulate import choose_priors, simulate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "screening"


def main(name: str, batch: int = 10, repeats: int = 3) -> None:
    path = next(p for p in sorted(DATA.rglob("*.csv")) if p.stem == name)
    data = read_labelled(path)
    spec = cycle.ModelSpec.named("default")
    X = cycle.ActiveLearningCycle(spec).features([record_text(r) for r in data.records])
    truth = np.asarray(data.labels)
    states = []
    rank = cycle.ActiveLearningCycle.rank

    def recorded(self, X, labelled, labels, pool):
        states.append((self.seed, labelled.copy(), np.asarray(labels).copy(), pool.copy()))
        return rank(self, X, labelled, labels, pool)

    cycle.ActiveLearningCycle.rank = recorded
    for seed in range(5):
        run = cycle.ActiveLearningCycle(spec, seed)
        simulate(X, truth, run, choose_priors(truth, seed), batch=batch)
    cycle.ActiveLearningCycle.rank = rank
    steps = dict.fromkeys(("slice", "fit", "compact rows", "compact fit", "score", "order"), 0.0)
    same = True
    for _ in range(repeats):
        kept = {seed: TrainingRows() for seed in range(5)}
        for seed, labelled, labels, pool in states:
            run = cycle.ActiveLearningCycle(spec, seed)
            svm = run.classifier
            rows, weights = training_rows(labels, "balanced", run.rng, run.ratio)
            t0 = time.process_time()
            sliced = X[labelled[rows]]
            t1 = time.process_time()
            full = svm._train(sliced, labels[rows], weights, seed, True)
            t2 = time.process_time()
            compact = kept[seed].matrix(X, labelled[rows])
            t3 = time.process_time()
            small = svm._train(compact, labels[rows], weights, seed, True)
            t4 = time.process_time()
            scores = svm.score(full, X)[pool]
            t5 = time.process_time()
            run.query.order(scores, svm.boundary, run.rng)
            t6 = time.process_time()
            for step, seconds in zip(steps, np.diff([t0, t1, t2, t3, t4, t5, t6]), strict=True):
                steps[step] += seconds
            held = kept[seed].columns
            elsewhere = np.delete(full.coef_[0], held)
            same &= bool(
                np.array_equal(full.coef_[0][held], small.coef_[0])
                and not elsewhere.any()
                and np.array_equal(full.intercept_, small.intercept_)
                and full.n_iter_ == small.n_iter_
            )
    n = repeats * len(states)
    print(f"{name}: {len(states)} retrains, {X.shape[1]} columns, {X.nnz / X.shape[0]:.0f} per row")
    for step, seconds in steps.items():
        print(f"  {step:13s} {seconds / n * 1000:7.3f} ms per retrain")
    print(f"  compact fit equal to the full fit, bit for bit: {same}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], *(int(a) for a in args[1:]))
