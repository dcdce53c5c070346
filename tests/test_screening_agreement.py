"""Agreement statistics against independent implementations: scikit-learn's kappa, statsmodels'
kappa standard error and CI, and irrCAC's Gwet AC1 (values computed with irrCAC 0.4.4)."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

from evimap.agreement import agreement

CATS = ["include", "exclude", "maybe"]


def labels(table: list[list[int]]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [CATS[i]] * count
            b += [CATS[j]] * count
    return a, b


def hand_ac1(a: list[str], b: list[str]) -> float:
    """Gwet's AC1 written out from its definition (Gwet 2008, eq. 15-16), from raw labels."""
    n = len(a)
    cats = sorted(set(a) | set(b))
    q = max(len(cats), 2)
    pa = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pi = {c: (a.count(c) + b.count(c)) / (2 * n) for c in cats}
    pe = sum(p * (1 - p) for p in pi.values()) / (q - 1)
    return (pa - pe) / (1 - pe)


# tables and Gwet's AC1 as irrCAC 0.4.4 computes it (CAC(ratings).gwet(), 5 decimals)
IRRCAC = [
    ([[40, 9], [6, 45]], 0.70075),
    ([[30, 4, 2], [5, 25, 3], [1, 2, 8]], 0.69314),
    ([[2, 5], [4, 89]], 0.89755),
]


@pytest.mark.parametrize(("table", "ac1"), IRRCAC)
def test_statistics_match_sklearn_statsmodels_and_irrcac(table, ac1):
    a, b = labels(table)
    result = agreement(a, b)
    assert result.table == table
    assert result.kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    reference = sm_kappa(table)
    assert result.kappa_se == pytest.approx(reference.std_kappa, rel=1e-9)
    assert result.kappa_ci[0] == pytest.approx(reference.kappa_low, rel=1e-9)
    assert result.kappa_ci[1] == pytest.approx(reference.kappa_upp, rel=1e-9)
    assert result.ac1 == pytest.approx(ac1, abs=5e-6)
    assert result.ac1 == pytest.approx(hand_ac1(a, b), abs=1e-12)
    n = sum(map(sum, table))
    po = sum(table[i][i] for i in range(len(table))) / n
    q = len(table)
    assert result.pabak == pytest.approx((q * po - 1) / (q - 1))


def test_random_label_sets_agree_with_sklearn():
    rng = random.Random(11)
    for trial in range(25):
        cats = CATS[: 2 + trial % 2]
        a = [rng.choice(cats) for _ in range(rng.randint(5, 200))]
        b = [x if rng.random() < 0.75 else rng.choice(cats) for x in a]
        result = agreement(a, b)
        assert result.kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
        assert result.ac1 == pytest.approx(hand_ac1(a, b), abs=1e-12)


def test_two_by_two_percent_and_pabak():
    a, b = labels([[40, 9], [6, 45]])
    result = agreement(a, b, "AL-V", "NG-A")
    assert (result.n, result.agreed, result.percent_agreement) == (100, 85, 85.0)
    assert result.pabak == pytest.approx(0.70)
    assert result.categories == ["include", "exclude"]
    assert (result.rater_a, result.rater_b) == ("AL-V", "NG-A")


def test_perfect_agreement_on_one_category_has_no_kappa():
    result = agreement(["include"] * 5, ["include"] * 5)
    assert result.kappa is None and result.kappa_ci is None
    assert result.ac1 == 1.0 and result.percent_agreement == 100.0


def test_unequal_lengths_are_refused():
    with pytest.raises(ValueError, match="same items"):
        agreement(["include"], [])
