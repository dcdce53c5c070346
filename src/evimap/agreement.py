"""Inter-rater agreement of two raters: percent agreement, Cohen's kappa with a 95% CI, PABAK,
Gwet's AC1 and the k x k table. The one implementation: screening (reviewer pairs) and charting
(per codebook field) both use it.

Formulas (``p_ij`` the share of records rater A put in category i and rater B in j, ``p_i.``
and ``p_.j`` the margins, ``po`` the observed agreement, ``q`` the number of categories used):

- Cohen's kappa (Cohen 1960): ``(po - pe) / (1 - pe)``, ``pe = sum_i p_i. p_.i``.
- Its standard error is the large-sample one of Fleiss, Cohen & Everitt (1969), "Large sample
  standard errors of kappa and weighted kappa", Psychological Bulletin 72(5):323-327, eq. 13
  (also statsmodels' ``std_kappa`` and SAS PROC FREQ's ASE); the CI is kappa +- z(0.975) SE.
- PABAK, prevalence- and bias-adjusted kappa (Byrt, Bishop & Carlin 1993), for q categories:
  ``(q po - 1) / (q - 1)`` (``2 po - 1`` in the 2 x 2 case).
- Gwet's AC1 (Gwet 2008, Br J Math Stat Psychol 61:29-48): ``(po - pe) / (1 - pe)`` with
  ``pe = sum_k pi_k (1 - pi_k) / (q - 1)``, ``pi_k = (p_k. + p_.k) / 2``.

``q`` counts the categories either reviewer used (at least 2), as irrCAC does.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

from evimap.numbers import percent

Z95 = NormalDist().inv_cdf(0.975)
ORDER = ("include", "exclude", "maybe")


@dataclass(frozen=True)
class Agreement:
    """Agreement of two raters over the records both rated."""

    rater_a: str
    rater_b: str
    n: int
    categories: list[str]
    table: list[list[int]]
    """``table[i][j]``: records rater A put in ``categories[i]``, rater B in ``categories[j]``."""
    agreed: int
    percent_agreement: float | None
    kappa: float | None
    kappa_se: float | None
    kappa_ci: tuple[float, float] | None
    pabak: float | None
    ac1: float | None
    stage: str = ""
    round: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = asdict(self)
        data["kappa_ci"] = list(self.kappa_ci) if self.kappa_ci else None
        return data


def _categories(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Hashable]:
    used = set(a) | set(b)
    known = [c for c in ORDER if c in used]
    rest = used - set(ORDER)
    try:
        return known + sorted(rest)  # type: ignore[type-var]
    except TypeError:  # labels of mixed types: first appearance
        return known + [c for c in dict.fromkeys([*a, *b]) if c in rest]


def cohen_kappa(table: list[list[int]]) -> tuple[float | None, float | None]:
    """Cohen's kappa and its Fleiss-Cohen-Everitt (1969) standard error from a k x k table."""
    n = sum(map(sum, table))
    k = len(table)
    if n == 0:
        return None, None
    p = [[table[i][j] / n for j in range(k)] for i in range(k)]
    row = [sum(p[i]) for i in range(k)]
    col = [sum(p[i][j] for i in range(k)) for j in range(k)]
    po = sum(p[i][i] for i in range(k))
    pe = sum(row[i] * col[i] for i in range(k))
    if math.isclose(pe, 1.0):
        return None, None
    kappa = (po - pe) / (1 - pe)
    diagonal = sum(p[i][i] * (1 - (row[i] + col[i]) * (1 - kappa)) ** 2 for i in range(k))
    off = (1 - kappa) ** 2 * sum(
        p[i][j] * (col[i] + row[j]) ** 2 for i in range(k) for j in range(k) if i != j
    )
    variance = (diagonal + off - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    return kappa, math.sqrt(max(variance, 0.0))


def gwet_ac1(table: list[list[int]]) -> float | None:
    """Gwet's AC1 from a k x k table (k = categories used, at least 2)."""
    n = sum(map(sum, table))
    k = len(table)
    if n == 0:
        return None
    q = max(k, 2)
    po = sum(table[i][i] for i in range(k)) / n
    pi = [(sum(table[i]) + sum(table[j][i] for j in range(k))) / (2 * n) for i in range(k)]
    pe = sum(x * (1 - x) for x in pi) / (q - 1)
    return (po - pe) / (1 - pe) if not math.isclose(pe, 1.0) else None


def agreement(
    a: Sequence[Hashable], b: Sequence[Hashable], rater_a: str = "A", rater_b: str = "B"
) -> Agreement:
    """Agreement statistics of two raters' labels on the same items, in the same order.

    :param a: rater A's labels.
    :param b: rater B's labels (same length).
    :param rater_a: rater A's name.
    :param rater_b: rater B's name.
    """
    if len(a) != len(b):
        raise ValueError(f"the raters labelled {len(a)} and {len(b)} items; need the same items")
    categories = _categories(a, b)
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    table = [[0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        table[index[x]][index[y]] += 1
    n = len(a)
    agreed = sum(table[i][i] for i in range(k))
    kappa, se = cohen_kappa(table)
    q = max(k, 2)
    po = agreed / n if n else None
    return Agreement(
        rater_a=rater_a,
        rater_b=rater_b,
        n=n,
        categories=categories,
        table=table,
        agreed=agreed,
        percent_agreement=percent(agreed, n),
        kappa=kappa,
        kappa_se=se,
        kappa_ci=(kappa - Z95 * se, kappa + Z95 * se)
        if kappa is not None and se is not None
        else None,
        pabak=(q * po - 1) / (q - 1) if po is not None else None,
        ac1=gwet_ac1(table),
    )


def label_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' labels for the same items, in the same order.

    :param a: the first rater's labels.
    :param b: the second rater's labels, same length and order.
    :returns: kappa, or ``None`` when it is undefined (no items, or both raters used one and
        the same label throughout).
    :raises ValueError: when the sequences differ in length.
    """
    return agreement(a, b).kappa
