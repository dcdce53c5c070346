"""Run ASReview's default model on one labelled file, in ASReview's own virtual environment.

Not part of evimap and not imported by it: ``prioritise_vs_asreview.py`` runs this file with the
Python of a throw-away venv that holds ``asreview==3.0.8``. It follows ``asreview simulate``
(``asreview/simulation/cli.py``): the default AI (``elas_u4``), the given prior rows labelled
first, then one record (or BATCH records) at a time until the last relevant record is found.
Each retrain (fit + rank) is timed the same way evimap's are, wall clock and processor time.
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


class Timed(ActiveLearningCycle):
    """The cycle with its fit and rank timed (one retrain = one fit + one rank)."""

    seconds: list[float]
    cpu: list[float]

    def fit(self, X, y):
        start, cpu = time.perf_counter(), time.process_time()
        out = super().fit(X, y)
        self._fit = time.perf_counter() - start
        self._fit_cpu = time.process_time() - cpu
        return out

    def rank(self, X):
        start, cpu = time.perf_counter(), time.process_time()
        out = super().rank(X)
        self.seconds.append(self._fit + time.perf_counter() - start)
        self.cpu.append(self._fit_cpu + time.process_time() - cpu)
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
            cycle.seconds, cycle.cpu = [], []
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
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
