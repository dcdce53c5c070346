"""How well an order finds the relevant records: recall curve, WSS, RRF, ATD.

Every metric reads the labels in the order the records were screened, prior records left out
(they were labelled before the model ranked anything), so ``N`` is the number of records the
model ordered and ``R`` the relevant ones among them:

- **recall after n** = relevant among the first ``n`` / ``R``;
- **WSS@r** (work saved over sampling) = ``(N - n_r) / N - (1 - r)``, where ``n_r`` is the
  fewest records screened to reach recall ``r`` (Cohen et al. 2006);
- **RRF@p** (relevant records found) = recall after ``ceil(p * N)`` records;
- **ATD** (average time to discovery) = the mean, over relevant records, of the number of
  records screened when it was found, divided by ``N`` (so 0.1 = on average after 10%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def recall_curve(labels: Sequence[int]) -> np.ndarray:
    """Recall after each record (``curve[n-1]`` = recall after ``n`` records).

    :param labels: 1/0 in screening order.
    """
    values = np.asarray(labels, dtype=np.int64)
    total = int(values.sum())
    if total == 0:
        return np.zeros(len(values))
    return np.cumsum(values) / total


def records_to_recall(labels: Sequence[int], recall: float) -> int:
    """The fewest records screened (in order) to reach ``recall``.

    :param labels: 1/0 in screening order.
    :param recall: a share in (0, 1].
    """
    values = np.asarray(labels, dtype=np.int64)
    total = int(values.sum())
    if total == 0:
        return 0
    needed = math.ceil(recall * total - 1e-9)
    return int(np.searchsorted(np.cumsum(values), needed) + 1)


def wss(labels: Sequence[int], recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall``.

    :param labels: 1/0 in screening order.
    :param recall: the recall level (0.95 for WSS@95).
    """
    n = len(labels)
    if n == 0:
        return 0.0
    return (n - records_to_recall(labels, recall)) / n - (1 - recall)


def rrf(labels: Sequence[int], share: float = 0.10) -> float:
    """Share of relevant records found after screening ``share`` of the records.

    :param labels: 1/0 in screening order.
    :param share: the part screened (0.10 for RRF@10).
    """
    curve = recall_curve(labels)
    if len(curve) == 0:
        return 0.0
    n = max(1, math.ceil(share * len(curve) - 1e-9))
    return float(curve[n - 1])


def atd(labels: Sequence[int]) -> float:
    """Average time to discovery, as a share of the records.

    :param labels: 1/0 in screening order.
    """
    values = np.asarray(labels, dtype=np.int64)
    positions = np.flatnonzero(values) + 1
    if len(positions) == 0:
        return 0.0
    return float(positions.mean() / len(values))


@dataclass(frozen=True)
class Metrics:
    """The figures of one ordering."""

    records: int
    relevant: int
    wss95: float
    wss100: float
    rrf10: float
    atd: float

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready dict."""
        return {
            "records": self.records,
            "relevant": self.relevant,
            "wss95": self.wss95,
            "wss100": self.wss100,
            "rrf10": self.rrf10,
            "atd": self.atd,
        }


def summarise(labels: Sequence[int]) -> Metrics:
    """Every metric of one ordering.

    :param labels: 1/0 in screening order, priors left out.
    """
    values = np.asarray(labels, dtype=np.int64)
    return Metrics(
        records=len(values),
        relevant=int(values.sum()),
        wss95=wss(values, 0.95),
        wss100=wss(values, 1.0),
        rrf10=rrf(values, 0.10),
        atd=atd(values),
    )
