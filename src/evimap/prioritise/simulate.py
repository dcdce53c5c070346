"""Simulated screening: the active-learning cycle with the labels as the oracle.

The same :class:`~evimap.prioritise.cycle.ActiveLearningCycle` that orders a reviewer's live
queue is run here: start from prior records (one relevant and one irrelevant, say), then
repeat *fit, rank, label the first* until every relevant record is found (the figures need no
more). What is left is appended in the last model's order, so the curve covers every record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evimap.errors import PrioritiseError
from evimap.prioritise.cycle import ActiveLearningCycle, ModelSpec
from evimap.prioritise.metrics import Metrics, summarise

Progress = Callable[[int], None]
"""Called with the number of records labelled since the last call."""


def choose_priors(
    labels: Sequence[int], seed: int, n_relevant: int = 1, n_irrelevant: int = 1
) -> list[int]:
    """Prior rows drawn with ``numpy.random.RandomState(seed)``: relevant ones, then irrelevant.

    The benchmark gives the same rows to ASReview (``--prior-idx``), so both start alike.

    :param labels: 1/0 per row.
    :param seed: the seed.
    :param n_relevant: relevant priors.
    :param n_irrelevant: irrelevant priors.
    """
    values = np.asarray(labels)
    ones, zeros = np.flatnonzero(values == 1), np.flatnonzero(values == 0)
    if len(ones) < n_relevant or len(zeros) < n_irrelevant:
        raise PrioritiseError(
            f"the data set has {len(ones)} relevant and {len(zeros)} irrelevant records; "
            f"--prior {n_relevant},{n_irrelevant} asks for more"
        )
    state = np.random.RandomState(seed)
    chosen = state.choice(ones, n_relevant, replace=False).tolist()
    chosen += state.choice(zeros, n_irrelevant, replace=False).tolist()
    return [int(i) for i in chosen]


@dataclass
class SimulationRun:
    """One simulated screening.

    :param seed: the run's seed.
    :param priors: prior rows.
    :param order: every other row, in the order the cycle had them screened.
    :param labels: the labels of ``order``.
    :param retrain_seconds: time of each retrain (fit, score, order), wall clock.
    :param retrain_cpu_seconds: processor time of each retrain.
    :param metrics: the figures of ``labels``.
    """

    seed: int
    priors: list[int]
    order: list[int]
    labels: list[int]
    retrain_seconds: list[float] = field(default_factory=list)
    retrain_cpu_seconds: list[float] = field(default_factory=list)
    metrics: Metrics | None = None

    @property
    def seconds_per_retrain(self) -> float:
        """Mean seconds per retrain."""
        return float(np.mean(self.retrain_seconds)) if self.retrain_seconds else 0.0

    @property
    def cpu_seconds_per_retrain(self) -> float:
        """Mean processor seconds per retrain."""
        return float(np.mean(self.retrain_cpu_seconds)) if self.retrain_cpu_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the order is included: it is the run's result)."""
        return {
            "seed": self.seed,
            "priors": self.priors,
            "retrains": len(self.retrain_seconds),
            "seconds_per_retrain": self.seconds_per_retrain,
            **(self.metrics.to_dict() if self.metrics else {}),
            "order": self.order,
        }


def simulate(
    X: Any,
    labels: Sequence[int],
    cycle: ActiveLearningCycle,
    priors: Sequence[int],
    *,
    batch: int = 1,
    stop_when_all_found: bool = True,
    progress: Progress | None = None,
) -> SimulationRun:
    """Screen with ``cycle`` and the labels as the oracle.

    :param X: the feature matrix (one row a record).
    :param labels: 1/0 per row.
    :param cycle: the active-learning cycle.
    :param priors: rows labelled before the first retrain (both classes).
    :param batch: records labelled between retrains (1 = retrain after every record).
    :param stop_when_all_found: stop retraining once every relevant record is found.
    :param progress: told how many records were labelled, as it goes.
    """
    truth = np.asarray(labels, dtype=np.int64)
    n = len(truth)
    seen = np.zeros(n, dtype=bool)
    labelled = [int(i) for i in priors]
    if len(set(labelled)) != len(labelled) or any(not 0 <= i < n for i in labelled):
        raise PrioritiseError(f"prior rows {labelled} must be distinct rows between 0 and {n - 1}")
    seen[labelled] = True
    total = int(truth.sum())
    found = int(truth[labelled].sum())
    order: list[int] = []
    seconds: list[float] = []
    cpu: list[float] = []
    last: np.ndarray | None = None
    while not seen.all():
        if stop_when_all_found and found >= total and last is not None:
            break
        pool = np.flatnonzero(~seen)
        idx = np.asarray(labelled, dtype=np.int64)
        ranking = cycle.rank(X, idx, truth[idx], pool)
        seconds.append(ranking.seconds)
        cpu.append(ranking.cpu_seconds)
        last = ranking.order
        take = [int(i) for i in ranking.order[:batch]]
        for row in take:
            seen[row] = True
            labelled.append(row)
            order.append(row)
            found += int(truth[row])
        if progress is not None:
            progress(len(take))
    if not seen.all():
        rest = [int(i) for i in last if not seen[i]] if last is not None else []
        order.extend(rest)
        if progress is not None:
            progress(len(rest))
    ordered = [int(truth[i]) for i in order]
    return SimulationRun(
        seed=cycle.seed,
        priors=[int(i) for i in priors],
        order=order,
        labels=ordered,
        retrain_seconds=seconds,
        retrain_cpu_seconds=cpu,
        metrics=summarise(ordered),
    )


def simulate_set(
    texts: Sequence[str],
    labels: Sequence[int],
    spec: ModelSpec,
    seeds: Sequence[int],
    *,
    prior_counts: tuple[int, int] = (1, 1),
    prior_idx: Sequence[int] | None = None,
    batch: int = 1,
    progress: Progress | None = None,
) -> list[SimulationRun]:
    """Simulate one labelled set once per seed (features computed once).

    :param texts: the text of each record.
    :param labels: 1/0 per record.
    :param spec: the model.
    :param seeds: one run per seed; the seed picks the priors (unless ``prior_idx``) and
        seeds the cycle's random choices.
    :param prior_counts: relevant and irrelevant priors per run.
    :param prior_idx: fixed prior rows for every run instead.
    :param batch: records labelled between retrains.
    :param progress: told how many records were labelled, as it goes.
    """
    cycle = ActiveLearningCycle(spec, seed=0)
    X = cycle.features(texts)
    runs = []
    for seed in seeds:
        priors = (
            list(prior_idx)
            if prior_idx is not None
            else choose_priors(labels, seed, prior_counts[0], prior_counts[1])
        )
        truth = np.asarray(labels)
        if len(set(truth[priors].tolist())) < 2:
            raise PrioritiseError(
                f"prior rows {priors} must hold at least one relevant and one irrelevant record"
            )
        runs.append(
            simulate(
                X,
                labels,
                ActiveLearningCycle(spec, seed=seed),
                priors,
                batch=batch,
                progress=progress,
            )
        )
    return runs
