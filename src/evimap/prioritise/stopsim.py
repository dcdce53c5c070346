"""Simulating the stopping rules on a labelled set screened in a model's order.

One run: screen in the model's order until the heuristic fires (``trigger`` irrelevant records
in a row), then draw the unseen records in a random order and test after each look
(:mod:`evimap.prioritise.stopping`) until the test rejects "recall < target" or nothing is left.
The run reports the recall reached, whether it met the target, and the share of records left
unscreened. The heuristic alone (stop when it fires) is reported beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.stats import hypergeom

from evimap.prioritise.stopping import first_look_size, k_target, look_alpha, p_value


@dataclass(frozen=True)
class StopRun:
    """The outcome of one simulated stop.

    :param screened: records screened when the rule stopped.
    :param total: records in the set.
    :param recall: relevant found / relevant in the set.
    :param met: ``recall`` reached the target.
    :param heuristic_screened: records screened when the heuristic fired.
    :param heuristic_recall: recall at that point.
    :param heuristic_met: the heuristic's recall reached the target.
    """

    screened: int
    total: int
    recall: float
    met: bool
    heuristic_screened: int
    heuristic_recall: float
    heuristic_met: bool

    @property
    def unscreened(self) -> float:
        """Share of the records never screened."""
        return (self.total - self.screened) / self.total


def every_p_value(urn: int, r_before: int, drawn: np.ndarray, target: float) -> np.ndarray:
    """:func:`~evimap.prioritise.stopping.p_value` after each drawn record, in one pass.

    :param urn: records unseen before the sample.
    :param r_before: relevant records seen before it.
    :param drawn: labels of the whole urn in the drawn order.
    :param target: the recall target.
    """
    n = np.arange(1, len(drawn) + 1)
    k = np.cumsum(drawn)
    needed = np.array([k_target(r_before + int(v), r_before, target) for v in k])
    out = np.ones(len(drawn))
    possible = needed <= urn
    out[~possible] = 0.0
    partial = possible & (n < urn)
    out[partial] = hypergeom.cdf(k[partial], urn, needed[partial], n[partial])
    last = possible & (n == urn)
    out[last] = np.where(k[last] < needed[last], 0.0, 1.0)
    return np.minimum(out, 1.0)


def reached(found: int, relevant: int, target: float) -> bool:
    """``found / relevant >= target``, exactly."""
    return relevant == 0 or Fraction(found, relevant) >= Fraction(str(target))


def simulate_stop(
    labels: Sequence[int],
    *,
    trigger: int,
    target: float,
    confidence: float,
    rng: np.random.Generator,
    looks: str = "spending",
) -> StopRun:
    """One simulated stop.

    :param labels: 1/0 of every record in the order the model had them screened (priors
        first).
    :param trigger: the heuristic's run of irrelevant records that starts the random sample.
    :param target: the recall target.
    :param confidence: the test's confidence.
    :param rng: draws the random sample.
    :param looks: ``spending`` (evimap's rule: looks at multiples of the first look size, the
        error spent over them) or ``every`` (the paper's: a test after every drawn record at
        the full error).
    """
    values = np.asarray(labels, dtype=np.int64)
    total = len(values)
    relevant = int(values.sum())
    alpha = 1 - confidence
    fired = total
    run = 0
    for n, label in enumerate(values, start=1):
        run = 0 if label else run + 1
        if run >= trigger:
            fired = n
            break
    r_before = int(values[:fired].sum())
    h_recall = r_before / relevant if relevant else 1.0
    urn = values[fired:]
    if len(urn) == 0:
        return StopRun(total, total, h_recall, True, fired, h_recall, True)
    drawn = urn[rng.permutation(len(urn))]
    stop_at = len(urn)
    if looks == "every":
        found = np.flatnonzero(every_p_value(len(urn), r_before, drawn, target) < alpha)
        if len(found):
            stop_at = int(found[0]) + 1
    else:
        size = first_look_size(len(urn), r_before, target, look_alpha(alpha, 1))
        look = 1
        while look * size < len(urn):
            n = look * size
            if p_value(len(urn), r_before, drawn[:n], target) < look_alpha(alpha, look):
                stop_at = n
                break
            look += 1
    found = r_before + int(drawn[:stop_at].sum())
    return StopRun(
        screened=fired + stop_at,
        total=total,
        recall=found / relevant if relevant else 1.0,
        met=reached(found, relevant, target),
        heuristic_screened=fired,
        heuristic_recall=h_recall,
        heuristic_met=reached(r_before, relevant, target),
    )
