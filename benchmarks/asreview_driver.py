"""Run ASReview's default model on one labelled file, in ASReview's own virtual environment.

Not part of evimap and not imported by it: ``prioritise_vs_asreview.py`` runs this file with the
Python of a throw-away venv that holds ``asreview==3.0.8``. It follows ``asreview simulate``
(``asreview/simulation/cli.py``): the default AI (``elas_u4``), the given prior rows labelled
first, then one record (or BATCH records) at a time until the last relevant record is found.
Each retrain is timed over the same work as evimap's (``ActiveLearningCycle.rank``): taking
the training rows out of the feature matrix, the sample weights, the fit, taking the pool's
rows out, scoring and ordering them; wall clock and processor time. ASReview's ``Simulate``
slices the matrix before it calls ``fit`` and ``rank``, so the matrix is wrapped to time its
slicing too; the fit + rank time alone is printed beside it (``cpu_fit_rank``).
Prints one JSON object per seed on stdout.

Usage: python asreview_driver.py DATA.csv PRIOR_JSON [BATCH], where PRIOR_JSON maps seed ->
[rows] and BATCH is the number of records labelled between retrains (default 1).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from asreview import ActiveLearningCycle, load_dataset
from asreview.models import get_ai_config
from asreview.models.queriers import TopDown
from asreview.models.stoppers import IsFittable, LastRelevant
from asreview.simulation.simulate import Simulate
from scipy import sparse


class TimedRows(sparse.csr_matrix):
    """The feature matrix, its row slicing timed into the cycle that owns it."""

    owner: Timed | None = None

    def __getitem__(self, key):
        start, cpu = time.perf_counter(), time.process_time()
        out = sparse.csr_matrix(super().__getitem__(key))
        if self.owner is not None:
            self.owner.slice_seconds += time.perf_counter() - start
            self.owner.slice_cpu += time.process_time() - cpu
        return out


class Timed(ActiveLearningCycle):
    """The cycle with one retrain timed: slicing the rows, fit, rank."""

    seconds: list[float]
    cpu: list[float]
    cpu_fit_rank: list[float]
    slice_seconds: float = 0.0
    slice_cpu: float = 0.0

    def transform(self, X):
        matrix = TimedRows(super().transform(X))
        matrix.owner = self
        return matrix

    def fit(self, X, y):
        start, cpu = time.perf_counter(), time.process_time()
        out = super().fit(X, y)
        self._fit = time.perf_counter() - start
        self._fit_cpu = time.process_time() - cpu
        return out

    def rank(self, X):
        start, cpu = time.perf_counter(), time.process_time()
        out = super().rank(X)
        fit_rank = self._fit_cpu + time.process_time() - cpu
        # the training rows were sliced before fit, the pool's before rank
        self.seconds.append(self._fit + time.perf_counter() - start + self.slice_seconds)
        self.cpu.append(fit_rank + self.slice_cpu)
        self.cpu_fit_rank.append(fit_rank)
        self.slice_seconds = self.slice_cpu = 0.0
        return out


def main(path: str, priors_json: str, batch: int = 1) -> None:
    priors = json.loads(priors_json)
    config = get_ai_config()
    with load_dataset(path, dataset_id="bench") as db:
        df = db.input.get_df()
        labels = db.input["included"]
        for seed, rows in priors.items():
            np.random.seed(int(seed))
            base = ActiveLearningCycle.from_meta(config["value"])
            cycle = Timed(
                querier=base.querier,
                classifier=base.classifier,
                balancer=base.balancer,
                feature_extractor=base.feature_extractor,
                n_query=batch,
            )
            cycle.seconds, cycle.cpu, cycle.cpu_fit_rank = [], [], []
            sim = Simulate(
                df,
                labels,
                [ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()), cycle],
                stopper=LastRelevant(),
                print_progress=False,
            )
            sim.label(rows)
            sim.review()
            order = [int(r) for r in sim._results["record_id"].tolist()[len(rows) :]]
            print(
                json.dumps(
                    {
                        "seed": int(seed),
                        "model": config["name"],
                        "priors": rows,
                        "order": order,
                        "labels": [int(v) for v in np.asarray(labels)],
                        "seconds": cycle.seconds,
                        "cpu_seconds": cycle.cpu,
                        "cpu_fit_rank": cycle.cpu_fit_rank,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
