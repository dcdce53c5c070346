"""The stopping test (Callaghan & Müller-Hansen 2020) on constructed cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from evimap.prioritise.stopping import (
    check_sample,
    first_look_size,
    irrelevant_run,
    k_target,
    look_alpha,
    p_value,
    ranked_p_value,
    remaining_estimate,
)
from evimap.prioritise.stopsim import reached, simulate_stop


def test_k_target_of_the_published_example():
    # buscar's vignette: 95 relevant seen at a 95% target -> at least 6 would have to remain
    assert k_target(95, 95, 0.95) == 6
    assert k_target(19, 19, 0.95) == 2  # 19 / 0.95 = 20: recall < 95% needs 2 more
    assert k_target(40, 40, 0.95) == 3  # floor(42.1 - 40 + 1)


def test_p_value_of_100_irrelevant_in_a_row_is_the_hypergeometric_zero_draw():
    # the vignette's question: how likely are 100 irrelevant draws if 6 relevant remain?
    urn = 1000
    expected = math.comb(urn - 6, 100) / math.comb(urn, 100)
    assert p_value(urn, 95, [0] * 100, 0.95) == pytest.approx(expected)
    assert p_value(urn, 95, [0] * 100, 0.95) == pytest.approx(hypergeom.pmf(0, urn, 6, 100))


def test_relevant_records_in_the_sample_raise_the_bar():
    # one relevant in the sample: r_seen = 96, K_tar = floor(96 / .95 - 95 + 1) = 7
    urn = 1000
    assert p_value(urn, 95, [1] + [0] * 99, 0.95) == pytest.approx(hypergeom.cdf(1, urn, 7, 100))
    assert p_value(urn, 95, [1] + [0] * 99, 0.95) > p_value(urn, 95, [0] * 100, 0.95)


def test_an_urn_too_small_for_k_target_gives_zero_not_nan():
    # 40 relevant seen and one record left: 3 more relevant cannot hide in it (buscarpy: nan)
    assert ranked_p_value([1] * 40 + [0] * 100, 141, 0.95) == 0.0


def test_edge_cases_have_definite_answers():
    assert p_value(10, 95, [], 0.95) == 1.0  # nothing sampled: nothing rejected
    assert p_value(5, 95, [0, 0], 0.95) == 0.0  # 6 relevant cannot hide among 5 records
    assert p_value(8, 95, [0] * 8, 0.95) == 0.0  # the whole urn screened, none relevant
    assert p_value(8, 1, [1] * 8, 0.95) == 0.0  # the whole urn screened: nothing is missed
    assert p_value(8, 1, [1] * 4, 0.95) == 1.0  # half the urn, all relevant: no evidence


def test_first_look_size_is_the_smallest_sample_that_rejects_with_nothing_found():
    n = first_look_size(1000, 95, 0.95, 0.05)
    assert p_value(1000, 95, [0] * n, 0.95) < 0.05
    assert p_value(1000, 95, [0] * (n - 1), 0.95) >= 0.05


def test_the_error_spent_over_looks_sums_to_alpha():
    assert sum(look_alpha(0.05, j) for j in range(1, 100_000)) == pytest.approx(0.05, rel=1e-4)


def test_the_test_uses_only_complete_looks():
    result = check_sample(2000, 1000, 95, [0] * 150, 100, 0.95, 0.95)
    assert result.look == 1 and result.sample_size == 100
    assert result.p_value == pytest.approx(p_value(1000, 95, [0] * 100, 0.95))
    assert result.reject == (result.p_value < look_alpha(0.05, 1))
    assert check_sample(2000, 1000, 95, [0] * 50, 100, 0.95, 0.95).reject is False


def test_remaining_estimate_and_its_interval():
    estimate, low, high = remaining_estimate(1000, [1] * 5 + [0] * 95, 0.95)
    assert estimate == pytest.approx(45)  # 5% of 1000, less the 5 found
    assert low <= 45 <= high
    # the interval's ends are where each tail reaches 2.5%
    assert hypergeom.sf(4, 1000, low + 5, 100) > 0.025
    assert hypergeom.sf(4, 1000, low + 4, 100) <= 0.025
    assert hypergeom.cdf(5, 1000, high + 5, 100) > 0.025
    assert hypergeom.cdf(5, 1000, high + 6, 100) <= 0.025
    assert remaining_estimate(10, [0] * 10, 0.95) == (0.0, 0, 0)
    assert remaining_estimate(10, [], 0.95) == (None, 0, 10)  # no NaN: it goes into JSON


def test_heuristic_counts_the_trailing_run():
    assert irrelevant_run([1, 0, 0, 1, 0, 0, 0]) == 3
    assert irrelevant_run([0, 1]) == 0


def test_ranked_variant_matches_the_formula_on_a_short_sequence():
    labels = [1, 1, 0, 1, 0, 0, 0, 0]
    total = 50
    direct = min(
        p_value(total - (8 - m), sum(labels) - sum(labels[8 - m :]), labels[8 - m :], 0.95)
        for m in range(1, 9)
    )
    assert ranked_p_value(labels, total, 0.95) == pytest.approx(direct)


def test_the_guarantee_holds_where_recall_is_just_below_target():
    # 60 relevant of 2000; the model found 56 (93%), then stalled for 50 records; the 4 left
    # are spread at random: recall < 95% unless the sample finds 1 or more.
    labels = [1] * 56 + [0] * 50
    rest = [1] * 4 + [0] * (2000 - 56 - 50 - 4)
    rng = np.random.default_rng(0)
    runs = [
        simulate_stop(labels + rest, trigger=50, target=0.95, confidence=0.95, rng=rng)
        for _ in range(400)
    ]
    met = sum(r.met for r in runs) / len(runs)
    assert met >= 0.95
    assert all(not r.heuristic_met for r in runs)  # the heuristic alone stopped too early


def test_reached_is_exact():
    assert reached(19, 20, 0.95) and not reached(18, 20, 0.95)


def test_the_vectorised_p_values_match_one_at_a_time():
    from evimap.prioritise.stopsim import every_p_value

    drawn = np.array([0, 1, 0, 0, 0, 0, 1, 0, 0, 0])
    vector = every_p_value(10, 30, drawn, 0.95)
    single = [p_value(10, 30, drawn[:n], 0.95) for n in range(1, 11)]
    assert vector == pytest.approx(single)
